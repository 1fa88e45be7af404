import { webcrypto } from 'node:crypto'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { GuardedFetchError } from '../net/guarded-fetch.ts'
import { SEAL_FIELDS } from '../test-fixtures.ts'
import { createDevCa, type DevCa, type IssuedSealCertificate, issueSealCertificate } from '../x509/dev-ca.ts'
import { parseSealCertificate } from '../x509/parse-seal-certificate.ts'
import { certificateNamesIssuer, checkIssuerIdentifier } from './certificate-names-issuer.ts'
import {
  type CheckSdJwtIssuerBindingInput,
  checkSdJwtIssuerBinding,
  didWebNamesIssuer,
  type SdJwtIssuerBindingResult,
} from './check-sd-jwt-issuer-binding.ts'
import { type JwtVcIssuerKeys, jwtVcIssuerMetadataUrl, lookUpJwtVcIssuerKeys } from './jwt-vc-issuer-metadata.ts'

const ISS = 'https://host.example/uni-a'
const METADATA_URL = 'https://host.example/.well-known/jwt-vc-issuer/uni-a'
const DID = 'did:web:host.example:uni-a'
const AT = new Date('2025-06-01T00:00:00Z')

let ca: DevCa
let jwk: webcrypto.JsonWebKey
let seal: IssuedSealCertificate

async function newKey(): Promise<webcrypto.JsonWebKey> {
  const pair = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair
  return webcrypto.subtle.exportKey('jwk', pair.publicKey)
}

/** A seal certificate from `ca` for a fresh key (or `publicKey`), with these subject fields. */
async function certificate(
  fields: {
    organizationName?: string
    commonName?: string
    organizationIdentifier?: string
    issuerIdentifier?: string
  } = {},
  publicKey?: webcrypto.JsonWebKey,
  from: DevCa = ca,
) {
  return issueSealCertificate(from, { publicKey: publicKey ?? (await newKey()), ...SEAL_FIELDS, ...fields })
}

function published(keys: { jwk: webcrypto.JsonWebKey; x5c?: string[] }[]): JwtVcIssuerKeys {
  return {
    outcome: 'published',
    url: METADATA_URL,
    keys: keys.map((k) => ({ ...(k.jwk as { kty: string }), ...(k.x5c ? { x5c: k.x5c } : {}) })),
  }
}

function didDocument(publicKeyJwk: webcrypto.JsonWebKey, x5c?: string[]) {
  return {
    id: DID,
    verificationMethod: [
      { id: `${DID}#k1`, type: 'JsonWebKey2020', controller: DID, publicKeyJwk: { ...publicKeyJwk, x5c } },
    ],
    assertionMethod: [`${DID}#k1`],
  }
}

function input(overrides: Partial<CheckSdJwtIssuerBindingInput> = {}): CheckSdJwtIssuerBindingInput {
  return {
    iss: ISS,
    x5c: [seal.x5c[0]!],
    at: AT,
    trustAnchors: [ca.certificateDer],
    issuingAuthority: SEAL_FIELDS.organizationName,
    issuerMetadata: published([{ jwk, x5c: [seal.x5c[0]!] }]),
    ...overrides,
  }
}

const errors = (result: SdJwtIssuerBindingResult) =>
  Object.fromEntries(result.checks.filter((c) => c.status === 'ERROR').map((c) => [c.id, c.reason]))
const statuses = (result: SdJwtIssuerBindingResult) => Object.fromEntries(result.checks.map((c) => [c.id, c.status]))

beforeAll(async () => {
  ca = await createDevCa({ name: 'Alma Dev CA', country: 'DE', now: new Date('2024-01-01T00:00:00Z') })
  jwk = await newKey()
  seal = await certificate({ issuerIdentifier: ISS }, jwk)
})

describe('checkSdJwtIssuerBinding', () => {
  it('binds the issuer’s own certificate: every check OK, the metadata key and the DID key compared', async () => {
    const result = await checkSdJwtIssuerBinding(
      input({ did: { did: DID, kid: `${DID}#k1`, didDocument: didDocument(jwk, [seal.x5c[0]!]) } }),
    )
    expect(statuses(result)).toEqual({
      'issuer-identifier': 'OK',
      'certificate-names-issuer': 'OK',
      'certificate-chain-trusted': 'OK',
      'certificate-valid-at-signing-time': 'OK',
      'certificate-key-usage': 'OK',
      'certificate-revocation': 'SKIPPED',
      'did-key-matches-certificate': 'OK',
      'issuer-metadata-key': 'OK',
      'organization-identifier-matches': 'OK',
      'issuing-authority-matches': 'OK',
    })
    expect(result.ok).toBe(true)
    expect(result.checks.find((c) => c.id === 'certificate-names-issuer')?.reason).toBe(
      `the seal certificate 'Universität A' names the issuer: subjectAltName URI ${ISS}`,
    )
  })

  it("refuses a stranger's certificate under the same anchor (no SAN, another organisation) and names each mismatch", async () => {
    const mallory = await certificate({
      organizationName: 'Mallory Corp',
      commonName: 'Mallory Corp',
      organizationIdentifier: 'VATXX-666',
    })
    const result = await checkSdJwtIssuerBinding(input({ x5c: [mallory.x5c[0]!] }))
    expect(result.ok).toBe(false)
    expect(errors(result)).toEqual({
      'certificate-names-issuer': `the seal certificate 'Mallory Corp' has no subjectAltName, so it does not identify the issuer ${ISS}`,
      'issuer-metadata-key': `the signing key of 'Mallory Corp' is not one of the 1 key(s) the issuer publishes at ${METADATA_URL}`,
      'organization-identifier-matches': `the seal certificate's organizationIdentifier 'VATXX-666' is not the issuer's 'VATDE-123456789' (the certificates it publishes at ${METADATA_URL})`,
      'issuing-authority-matches':
        "the credential's issuing_authority 'Universität A' is not the seal certificate's organisation 'Mallory Corp' (VATXX-666)",
    })
    // The chain itself is fine: the anchor certified Mallory, it never certified Mallory as uni-a.
    expect(statuses(result)['certificate-chain-trusted']).toBe('OK')
  })

  it("refuses another tenant's valid certificate on the same host: the host name does not identify a path", async () => {
    const uniB = await certificate({ issuerIdentifier: 'https://host.example/uni-b' })
    const result = await checkSdJwtIssuerBinding(input({ x5c: [uniB.x5c[0]!] }))
    expect(errors(result)).toEqual({
      'certificate-names-issuer': `the seal certificate 'Universität A' names URI https://host.example/uni-b, dNSName host.example: no URI equal to it (a host name does not identify an issuer identifier with a path), so it does not identify the issuer ${ISS}`,
      'issuer-metadata-key': `the signing key of 'Universität A' is not one of the 1 key(s) the issuer publishes at ${METADATA_URL}`,
    })
  })

  it('refuses a certificate naming the same path on another host', async () => {
    const evil = await certificate({ issuerIdentifier: 'https://evil.example/uni-a' })
    const result = await checkSdJwtIssuerBinding(input({ x5c: [evil.x5c[0]!], issuerMetadata: notPublished }))
    expect(errors(result)).toEqual({
      'certificate-names-issuer': `the seal certificate 'Universität A' names URI https://evil.example/uni-a, dNSName evil.example: no URI equal to it (a host name does not identify an issuer identifier with a path), so it does not identify the issuer ${ISS}`,
    })
  })

  it('refuses a certificate with a matching SAN but another organizationIdentifier', async () => {
    const other = await certificate({ issuerIdentifier: ISS, organizationIdentifier: 'VATFR-999999999' })
    const result = await checkSdJwtIssuerBinding(input({ x5c: [other.x5c[0]!] }))
    expect(errors(result)).toEqual({
      'issuer-metadata-key': `the signing key of 'Universität A' is not one of the 1 key(s) the issuer publishes at ${METADATA_URL}`,
      'organization-identifier-matches': `the seal certificate's organizationIdentifier 'VATFR-999999999' is not the issuer's 'VATDE-123456789' (the certificates it publishes at ${METADATA_URL})`,
    })
    expect(statuses(result)['certificate-names-issuer']).toBe('OK')
  })

  it('never trusts the anchor inside x5c: the CA certificate as the leaf, or a rogue root after the leaf', async () => {
    const asLeaf = await checkSdJwtIssuerBinding(input({ x5c: [Buffer.from(ca.certificateDer).toString('base64')] }))
    expect(errors(asLeaf)['certificate-chain-trusted']).toBe(
      "the leaf certificate 'Alma Dev CA' is self-signed; a self-signed certificate is never trusted",
    )
    expect(errors(asLeaf)['certificate-names-issuer']).toMatch(/has no subjectAltName/)
    const rogue = await createDevCa({ name: 'Rogue Root', country: 'DE', now: new Date('2024-01-01T00:00:00Z') })
    const underRogue = await certificate({ issuerIdentifier: ISS }, jwk, rogue)
    const rogueChain = await checkSdJwtIssuerBinding(input({ x5c: underRogue.x5c, issuerMetadata: notPublished }))
    expect(errors(rogueChain)).toEqual({
      'certificate-chain-trusted':
        "the path ends at 'Rogue Root', a self-signed certificate inside x5c that is not a configured trust anchor; certificates in x5c are never trusted as anchors",
    })
    // The configured anchor appended to x5c adds nothing and takes nothing away.
    const withAnchor = await checkSdJwtIssuerBinding(input({ x5c: seal.x5c }))
    expect(withAnchor.ok).toBe(true)
  })

  it('accepts a host name for an issuer identifier without a path, and only then', async () => {
    const hostKey = await newKey()
    const hostSeal = await certificate({ issuerIdentifier: 'https://uni-a.example/' }, hostKey)
    expect(certificateNamesIssuer(hostSeal.x5c[0]!, 'https://uni-a.example')).toEqual({
      ok: true,
      reason: "the seal certificate 'Universität A' names the issuer's host: subjectAltName dNSName uni-a.example",
    })
    expect(certificateNamesIssuer(hostSeal.x5c[0]!, 'https://UNI-A.example:8443').ok).toBe(true)
    expect(certificateNamesIssuer(hostSeal.x5c[0]!, 'https://uni-a.example/tenant').ok).toBe(false)
    expect(certificateNamesIssuer(hostSeal.x5c[0]!, 'https://sub.uni-a.example').ok).toBe(false)
  })

  it('refuses an iss that is not https; loopback http only in development', async () => {
    const loopback = 'http://127.0.0.1:4000/uni-a'
    const loopbackSeal = await certificate({ issuerIdentifier: loopback }, jwk)
    // The dev CA names the identifier as a URI and its host as an address (a dNSName is never an IP).
    expect(parseSealCertificate(loopbackSeal.x5c[0]!).subjectAltNames).toEqual({
      uris: [loopback],
      dnsNames: [],
      ipAddresses: ['127.0.0.1'],
    })
    expect(parseSealCertificate(seal.x5c[0]!).subjectAltNames).toEqual({
      uris: [ISS],
      dnsNames: ['host.example'],
      ipAddresses: [],
    })
    const base = { x5c: [loopbackSeal.x5c[0]!], iss: loopback, issuerMetadata: notPublished }
    expect(errors(await checkSdJwtIssuerBinding(input(base)))).toEqual({
      'issuer-identifier': `iss '${loopback}' is not an https URL (loopback http is accepted in development only)`,
    })
    expect((await checkSdJwtIssuerBinding(input({ ...base, allowLoopbackHttp: true }))).ok).toBe(true)
    for (const iss of ['http://uni-a.example/x', 'did:web:host.example:uni-a', 'https://host.example/uni-a?x=1', 42]) {
      expect(checkIssuerIdentifier(iss, { allowLoopbackHttp: true }).ok, String(iss)).toBe(false)
    }
  })

  it('judges the JWT VC Issuer Metadata outcome: absent or unknown → not compared (said), known or invalid → ERROR', async () => {
    const skipped = await checkSdJwtIssuerBinding(input({ issuerMetadata: notPublished }))
    expect(skipped.ok).toBe(true)
    expect(skipped.checks.find((c) => c.id === 'issuer-metadata-key')).toMatchObject({
      status: 'SKIPPED',
      reason: `the issuer publishes no JWT VC Issuer Metadata at ${METADATA_URL} (HTTP 404): the key was not compared with published keys`,
    })
    expect(statuses(skipped)['organization-identifier-matches']).toBe('SKIPPED')
    const unknown = await checkSdJwtIssuerBinding(
      input({ issuerMetadata: { outcome: 'unreachable', url: METADATA_URL, reason: 'timeout' } }),
    )
    expect(unknown.ok).toBe(true)
    expect(unknown.checks.find((c) => c.id === 'issuer-metadata-key')?.reason).toMatch(
      /is unreachable \(timeout\) and the issuer is not known to publish keys there: the key was not compared/,
    )
    const known = await checkSdJwtIssuerBinding(
      input({ issuerMetadata: { outcome: 'unreachable', url: METADATA_URL, reason: 'timeout', knownToPublish: true } }),
    )
    expect(errors(known)).toEqual({
      'issuer-metadata-key': `the issuer publishes its keys at ${METADATA_URL}, which is unreachable (timeout): failing closed`,
    })
    const invalid = await checkSdJwtIssuerBinding(
      input({ issuerMetadata: { outcome: 'invalid', url: METADATA_URL, reason: 'the metadata is for issuer x' } }),
    )
    expect(Object.keys(errors(invalid))).toEqual(['issuer-metadata-key'])
    const sameKeyOtherCertificate = await checkSdJwtIssuerBinding(
      input({
        issuerMetadata: published([{ jwk, x5c: [(await certificate({ issuerIdentifier: ISS }, jwk)).x5c[0]!] }]),
      }),
    )
    expect(errors(sameKeyOtherCertificate)).toEqual({
      'issuer-metadata-key': `the issuer publishes the signing key at ${METADATA_URL} with another certificate than the presented x5c`,
    })
  })

  it('checks a DID kid: it must be the issuer’s did:web, resolve, and hold the certificate’s key', async () => {
    const other = { did: 'did:web:host.example:uni-b', kid: 'did:web:host.example:uni-b#k1', didDocument: {} }
    expect(errors(await checkSdJwtIssuerBinding(input({ did: other })))).toEqual({
      'did-key-matches-certificate': `the signing key's DID did:web:host.example:uni-b is not the did:web of the issuer ${ISS}`,
    })
    const unresolved = { did: DID, kid: `${DID}#k1`, error: 'notFound' }
    expect(errors(await checkSdJwtIssuerBinding(input({ did: unresolved })))).toEqual({
      'did-key-matches-certificate': `${DID} does not resolve, failing closed: notFound`,
    })
    const otherKey = { did: DID, kid: `${DID}#k1`, didDocument: didDocument(await newKey()) }
    expect(Object.keys(errors(await checkSdJwtIssuerBinding(input({ did: otherKey }))))).toEqual([
      'did-key-matches-certificate',
    ])
    expect(didWebNamesIssuer('did:web:host.example%3A8443:uni-a', 'https://host.example:8443/uni-a')).toBe(true)
    expect(didWebNamesIssuer('did:web:host.example', 'https://host.example')).toBe(true)
    expect(didWebNamesIssuer('did:web:host.example:uni-a', 'https://host.example/uni-a/x')).toBe(false)
  })

  it('compares a stated issuing_authority with the certificate’s O, as people read names; none stated is said', async () => {
    const spaced = await checkSdJwtIssuerBinding(input({ issuingAuthority: '  universität   a ' }))
    expect(spaced.ok).toBe(true)
    const none = await checkSdJwtIssuerBinding(input({ issuingAuthority: undefined }))
    expect(none.ok).toBe(true)
    expect(none.checks.find((c) => c.id === 'issuing-authority-matches')).toMatchObject({
      status: 'SKIPPED',
      reason:
        "the presentation shows no issuing_authority; the seal certificate is for 'Universität A' (VATDE-123456789)",
    })
    expect(errors(await checkSdJwtIssuerBinding(input({ issuingAuthority: ['Universität A'] })))).toEqual({
      'issuing-authority-matches': 'the credential states an issuing_authority that is not a name',
    })
  })

  it('fails closed on missing input: no x5c, no anchors', async () => {
    const result = await checkSdJwtIssuerBinding(input({ x5c: undefined, trustAnchors: [] }))
    expect(result.ok).toBe(false)
    expect(Object.keys(errors(result))).toEqual(
      expect.arrayContaining([
        'certificate-names-issuer',
        'certificate-chain-trusted',
        'issuer-metadata-key',
        'organization-identifier-matches',
        'issuing-authority-matches',
      ]),
    )
  })
})

const notPublished: JwtVcIssuerKeys = { outcome: 'not-published', url: METADATA_URL, reason: 'HTTP 404' }

describe('lookUpJwtVcIssuerKeys', () => {
  const metadata = (body: unknown) => JSON.stringify(body)
  const serving =
    (documents: Record<string, string | Error>) =>
    async (url: string): Promise<string> => {
      const found = documents[url]
      if (found === undefined) throw new GuardedFetchError('http_status', `${url} answered 404`, { status: 404 })
      if (found instanceof Error) throw found
      return found
    }

  it('builds the metadata URL by inserting the well-known segment before the path (SD-JWT VC §5.1)', () => {
    expect(jwtVcIssuerMetadataUrl(ISS)).toBe(METADATA_URL)
    expect(jwtVcIssuerMetadataUrl('https://uni-a.example/')).toBe('https://uni-a.example/.well-known/jwt-vc-issuer')
    expect(jwtVcIssuerMetadataUrl('http://127.0.0.1:4000/uni-a/')).toBe(
      'http://127.0.0.1:4000/.well-known/jwt-vc-issuer/uni-a',
    )
    expect(() => jwtVcIssuerMetadataUrl('https://host.example/uni-a#x')).toThrowError(TypeError)
  })

  it('reads keys by value and by jwks_uri; says not-published, unreachable or invalid otherwise', async () => {
    const key = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }
    expect(
      await lookUpJwtVcIssuerKeys(ISS, serving({ [METADATA_URL]: metadata({ issuer: ISS, jwks: { keys: [key] } }) })),
    ).toEqual({
      outcome: 'published',
      url: METADATA_URL,
      keys: [key],
    })
    const byReference = serving({
      [METADATA_URL]: metadata({ issuer: ISS, jwks_uri: 'https://host.example/uni-a/jwks' }),
      'https://host.example/uni-a/jwks': metadata({ keys: [key] }),
    })
    expect(await lookUpJwtVcIssuerKeys(ISS, byReference)).toMatchObject({ outcome: 'published', keys: [key] })
    expect(await lookUpJwtVcIssuerKeys(ISS, serving({}))).toEqual({
      outcome: 'not-published',
      url: METADATA_URL,
      reason: `${METADATA_URL} answered 404`,
    })
    const html = new GuardedFetchError('content_type', 'text/html is not application/json')
    expect((await lookUpJwtVcIssuerKeys(ISS, serving({ [METADATA_URL]: html }))).outcome).toBe('not-published')
    for (const failure of [
      new GuardedFetchError('http_status', 'answered 503', { status: 503 }),
      new GuardedFetchError('timeout', 'no answer in 5000 ms'),
      new GuardedFetchError('forbidden_address', 'resolves to 10.0.0.1'),
    ]) {
      expect(await lookUpJwtVcIssuerKeys(ISS, serving({ [METADATA_URL]: failure }))).toEqual({
        outcome: 'unreachable',
        url: METADATA_URL,
        reason: failure.message,
      })
    }
    expect(
      await lookUpJwtVcIssuerKeys(
        ISS,
        serving({ [METADATA_URL]: metadata({ issuer: ISS, jwks_uri: 'https://host.example/uni-a/jwks' }) }),
      ),
    ).toMatchObject({ outcome: 'unreachable', knownToPublish: true })
    const invalid: [string, string][] = [
      [
        metadata({ issuer: 'https://host.example/uni-b', jwks: { keys: [key] } }),
        'the metadata is for issuer https://host.example/uni-b, not https://host.example/uni-a',
      ],
      [
        metadata({ issuer: ISS, jwks: { keys: [key] }, jwks_uri: 'https://x.example/k' }),
        'the metadata is malformed: (root): must have exactly one of jwks and jwks_uri',
      ],
      ['{"issuer":"a","issuer":"b"}', expect.stringMatching(/^the metadata is not JSON: /) as never],
    ]
    for (const [body, reason] of invalid) {
      expect(await lookUpJwtVcIssuerKeys(ISS, serving({ [METADATA_URL]: body }))).toEqual({
        outcome: 'invalid',
        url: METADATA_URL,
        reason,
      })
    }
  })

  it('never throws, whatever the issuer identifier and whatever the server answers (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.webUrl(), fc.string()), fc.oneof(fc.json(), fc.string()), async (iss, body) => {
        const found = await lookUpJwtVcIssuerKeys(iss, async () => body)
        expect(['published', 'not-published', 'unreachable', 'invalid']).toContain(found.outcome)
        // Keys are only ever taken from metadata that names this very issuer.
        if (found.outcome === 'published') expect(JSON.parse(body).issuer).toBe(iss)
      }),
      { numRuns: 300 },
    )
  })

  it('a certificate without subjectAltName identifies no issuer, whatever the iss (property)', () => {
    const bare = seal // has a SAN; the stranger below has none
    expect(certificateNamesIssuer(bare.x5c[0]!, ISS).ok).toBe(true)
    return certificate().then((stranger) =>
      fc.assert(
        fc.property(fc.oneof(fc.webUrl(), fc.string()), (iss) => {
          expect(certificateNamesIssuer(stranger.x5c[0]!, iss).ok).toBe(false)
        }),
        { numRuns: 300 },
      ),
    )
  })
})
