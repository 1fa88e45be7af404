import { webcrypto } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { SEAL_FIELDS } from '../test-fixtures.ts'
import {
  createDevCa,
  type DevCa,
  type IssuedSealCertificate,
  issueDevCrl,
  issueSealCertificate,
} from '../x509/dev-ca.ts'
import { OID_COMMON_NAME, OID_COUNTRY_NAME, OID_ORGANIZATION_IDENTIFIER, OID_ORGANIZATION_NAME } from '../x509/oids.ts'
import { x509 } from '../x509/provider.ts'
import {
  type CheckIssuerLinkageInput,
  checkIssuerLinkage,
  EDC_VERIFICATION_CONCEPTS,
  type IssuerLinkageResult,
} from './check-issuer-linkage.ts'

const DID = 'did:web:uni-a.example'
const KID = `${DID}#seal-1`
const AT = new Date('2025-06-01T00:00:00Z')
const CRL_URL = 'http://crl.alma.test/dev-ca.crl'
const COUNTRY = 'http://publications.europa.eu/resource/authority/country/'
const { OWNER, SEAL, EXPIRY, REVOCATION } = EDC_VERIFICATION_CONCEPTS

let ca: DevCa
let otherCa: DevCa
let keys: webcrypto.CryptoKeyPair
let jwk: webcrypto.JsonWebKey
let seal: IssuedSealCertificate
let cleanCrl: Uint8Array

const sealFields = { ...SEAL_FIELDS, crlUrl: CRL_URL }

function didDocument(publicKeyJwk: webcrypto.JsonWebKey, x5c?: string[]) {
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
    id: DID,
    verificationMethod: [
      {
        id: KID,
        type: 'JsonWebKey2020',
        controller: DID,
        publicKeyJwk: { ...publicKeyJwk, kid: 'seal-1', ...(x5c ? { x5c } : {}) },
      },
    ],
    assertionMethod: [KID],
    authentication: [KID],
  }
}

// The issuer as EDC writes it: an Organisation with its eIDAS identifier and a certificate location.
function elmIssuer(overrides: { id?: string; notation?: string; spatial?: string; countries?: string[] } = {}) {
  return {
    id: overrides.id ?? DID,
    type: 'Organisation',
    legalName: { en: 'Universität A' },
    eIDASIdentifier: {
      id: 'urn:certificateIdentifier:1',
      type: 'LegalIdentifier',
      notation: overrides.notation ?? 'VATDE-123456789',
      spatial: { id: `${COUNTRY}${overrides.spatial ?? 'DEU'}`, type: 'Concept' },
    },
    location: (overrides.countries ?? ['DEU']).map((code, i) => ({
      id: `urn:epass:location:${i}`,
      type: 'Location',
      address: {
        id: `urn:epass:address:${i}`,
        type: 'Address',
        countryCode: { id: `${COUNTRY}${code}`, type: 'Concept' },
      },
    })),
  }
}

function baseInput(): CheckIssuerLinkageInput {
  return {
    did: DID,
    didDocument: didDocument(jwk, seal.x5c),
    x5c: seal.x5c,
    elmIssuer: elmIssuer(),
    at: AT,
    trustAnchors: [ca.certificateDer],
    crls: new Map([[CRL_URL, cleanCrl]]),
    kid: KID,
  }
}

function errorsOf(result: IssuerLinkageResult): string[] {
  return result.checks.filter((c) => c.status === 'ERROR').map((c) => c.id)
}

function check(result: IssuerLinkageResult, id: string) {
  const found = result.checks.find((c) => c.id === id)
  if (!found) throw new Error(`no check ${id}`)
  return found
}

beforeAll(async () => {
  ca = await createDevCa({ name: 'Alma Dev CA', country: 'DE', now: new Date('2024-01-01T00:00:00Z') })
  otherCa = await createDevCa({ name: 'Other CA', country: 'DE', now: new Date('2024-01-01T00:00:00Z') })
  keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair
  jwk = await webcrypto.subtle.exportKey('jwk', keys.publicKey)
  seal = await issueSealCertificate(ca, { publicKey: jwk, ...sealFields })
  cleanCrl = await issueDevCrl(ca, {
    thisUpdate: new Date('2025-05-01T00:00:00Z'),
    nextUpdate: new Date('2027-01-01T00:00:00Z'),
    revoked: [],
  })
})

describe('checkIssuerLinkage', () => {
  it('passes every check for a correctly set-up dev tenant', async () => {
    const result = await checkIssuerLinkage({ ...baseInput(), requireQcSeal: true })
    expect(result.ok).toBe(true)
    expect(result.checks.map((c) => [c.id, c.status, c.concept])).toEqual([
      ['did-key-matches-certificate', 'OK', OWNER],
      ['certificate-chain-trusted', 'OK', SEAL],
      ['certificate-valid-at-signing-time', 'OK', EXPIRY],
      ['certificate-key-usage', 'OK', SEAL],
      ['certificate-revocation', 'OK', REVOCATION],
      ['certificate-qc-seal', 'OK', SEAL],
      ['organization-identifier-matches', 'OK', OWNER],
      ['countries-agree', 'OK', OWNER],
      ['issuer-id-is-did', 'OK', OWNER],
    ])
    expect(check(result, 'did-key-matches-certificate').reason).toBe(
      `${KID} is the seal certificate's key, and its x5c names the same certificate`,
    )
    expect(check(result, 'organization-identifier-matches').reason).toBe(
      "the certificate's organizationIdentifier 'VATDE-123456789' is the ELM issuer's eIDASIdentifier",
    )
    expect(check(result, 'countries-agree').reason).toBe("the certificate's country DE is the ELM issuer's DEU")
  })

  it('takes every assertionMethod key when no kid is given, and accepts a JWK without x5c', async () => {
    const { kid: _kid, ...input } = baseInput()
    const result = await checkIssuerLinkage({ ...input, didDocument: didDocument(jwk) })
    expect(result.ok).toBe(true)
    expect(check(result, 'did-key-matches-certificate').reason).toBe(
      `${KID} is the seal certificate's key (the JWK carries no x5c)`,
    )
  })

  it('fails only did-key-matches-certificate when the DID key is another key', async () => {
    const other = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair
    const otherJwk = await webcrypto.subtle.exportKey('jwk', other.publicKey)
    const result = await checkIssuerLinkage({ ...baseInput(), didDocument: didDocument(otherJwk, seal.x5c) })
    expect(errorsOf(result)).toEqual(['did-key-matches-certificate'])
    expect(check(result, 'did-key-matches-certificate').reason).toBe(
      `no assertionMethod key of ${DID} (${KID}) equals the public key of the seal certificate 'Uni A Seal'`,
    )
  })

  it('fails only did-key-matches-certificate when the JWK x5c names another certificate', async () => {
    const reissued = await issueSealCertificate(ca, { publicKey: jwk, ...sealFields })
    const result = await checkIssuerLinkage({ ...baseInput(), didDocument: didDocument(jwk, reissued.x5c) })
    expect(errorsOf(result)).toEqual(['did-key-matches-certificate'])
    expect(check(result, 'did-key-matches-certificate').reason).toBe(
      `the x5c of ${KID} names another certificate than the presented x5c`,
    )
  })

  it('fails did-key-matches-certificate for a foreign DID document, a kid outside assertionMethod, or a private key', async () => {
    const foreign = { ...didDocument(jwk, seal.x5c), id: 'did:web:evil.example' }
    const r1 = await checkIssuerLinkage({ ...baseInput(), didDocument: foreign })
    expect(errorsOf(r1)).toEqual(['did-key-matches-certificate'])
    expect(check(r1, 'did-key-matches-certificate').reason).toBe(
      `the DID document's id 'did:web:evil.example' is not the DID '${DID}'`,
    )

    const authOnly = { ...didDocument(jwk, seal.x5c), assertionMethod: [] }
    const r2 = await checkIssuerLinkage({ ...baseInput(), didDocument: authOnly })
    expect(check(r2, 'did-key-matches-certificate').reason).toBe(
      `the DID document of ${DID} lists no assertionMethod key`,
    )
    const r3 = await checkIssuerLinkage({ ...baseInput(), kid: `${DID}#other` })
    expect(check(r3, 'did-key-matches-certificate').reason).toBe(
      `the key '${DID}#other' is not an assertionMethod of ${DID}`,
    )

    const privateJwk = await webcrypto.subtle.exportKey('jwk', keys.privateKey)
    const r4 = await checkIssuerLinkage({ ...baseInput(), didDocument: didDocument(privateJwk, seal.x5c) })
    expect(errorsOf(r4)).toEqual(['did-key-matches-certificate'])
    expect(check(r4, 'did-key-matches-certificate').reason).toBe(
      `the DID document publishes private key material in ${KID}`,
    )
  })

  it('fails only certificate-chain-trusted when the CA is not an anchor', async () => {
    const result = await checkIssuerLinkage({ ...baseInput(), trustAnchors: [otherCa.certificateDer] })
    expect(errorsOf(result)).toEqual(['certificate-chain-trusted'])
    expect(check(result, 'certificate-chain-trusted').reason).toContain(
      "the path ends at 'Alma Dev CA', a self-signed certificate inside x5c",
    )
    expect(check(result, 'certificate-revocation').status).toBe('SKIPPED')
  })

  it('fails only certificate-valid-at-signing-time when signed after expiry', async () => {
    const result = await checkIssuerLinkage({ ...baseInput(), at: new Date('2026-02-01T00:00:00Z') })
    expect(errorsOf(result)).toEqual(['certificate-valid-at-signing-time'])
    expect(check(result, 'certificate-valid-at-signing-time')).toEqual({
      id: 'certificate-valid-at-signing-time',
      concept: EXPIRY,
      status: 'ERROR',
      reason: "'Uni A Seal' expired on 2026-01-01T00:00:00.000Z, before 2026-02-01T00:00:00.000Z",
    })
  })

  it('fails only certificate-key-usage for a certificate that may only sign certificates', async () => {
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: '0c0ffee0',
      subject: new x509.Name([
        { [OID_COUNTRY_NAME]: [{ printableString: 'DE' }] },
        { [OID_ORGANIZATION_NAME]: [{ utf8String: 'Universität A' }] },
        { [OID_ORGANIZATION_IDENTIFIER]: [{ utf8String: 'VATDE-123456789' }] },
        { [OID_COMMON_NAME]: [{ utf8String: 'Uni A Seal' }] },
      ]),
      issuer: new x509.X509Certificate(new Uint8Array(ca.certificateDer)).subjectName,
      notBefore: sealFields.notBefore,
      notAfter: sealFields.notAfter,
      publicKey: keys.publicKey,
      signingKey: ca.privateKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
        new x509.CRLDistributionPointsExtension([CRL_URL]),
      ],
    })
    const x5c = [Buffer.from(certificate.rawData).toString('base64')]
    const result = await checkIssuerLinkage({ ...baseInput(), x5c, didDocument: didDocument(jwk, x5c) })
    expect(errorsOf(result)).toEqual(['certificate-key-usage'])
    expect(check(result, 'certificate-key-usage').reason).toBe(
      'keyUsage (keyCertSign) allows neither digitalSignature nor nonRepudiation (contentCommitment)',
    )
  })

  it('fails only certificate-revocation when the CRL lists the certificate', async () => {
    const crl = await issueDevCrl(ca, {
      thisUpdate: new Date('2025-05-01T00:00:00Z'),
      nextUpdate: new Date('2025-07-01T00:00:00Z'),
      revoked: [{ serialNumber: seal.serialNumber, revocationDate: new Date('2025-04-01T00:00:00Z') }],
    })
    const result = await checkIssuerLinkage({ ...baseInput(), crls: new Map([[CRL_URL, crl]]) })
    expect(errorsOf(result)).toEqual(['certificate-revocation'])
    expect(check(result, 'certificate-revocation')).toMatchObject({
      concept: REVOCATION,
      reason: expect.stringContaining('is revoked since 2025-04-01'),
    })
  })

  it('fails only organization-identifier-matches for another legal identifier', async () => {
    const result = await checkIssuerLinkage({ ...baseInput(), elmIssuer: elmIssuer({ notation: 'VATDE-999999999' }) })
    expect(errorsOf(result)).toEqual(['organization-identifier-matches'])
    expect(check(result, 'organization-identifier-matches').reason).toBe(
      "the certificate's organizationIdentifier 'VATDE-123456789' is not the ELM issuer's eIDASIdentifier.notation 'VATDE-999999999'",
    )
  })

  it('fails only countries-agree when the ELM issuer is in another country', async () => {
    const spatial = await checkIssuerLinkage({ ...baseInput(), elmIssuer: elmIssuer({ spatial: 'FRA' }) })
    expect(errorsOf(spatial)).toEqual(['countries-agree'])
    expect(check(spatial, 'countries-agree').reason).toBe(
      "eIDASIdentifier.spatial is FRA, the certificate's country is DE (DEU)",
    )
    const address = await checkIssuerLinkage({ ...baseInput(), elmIssuer: elmIssuer({ countries: ['IRL', 'FRA'] }) })
    expect(errorsOf(address)).toEqual(['countries-agree'])
    expect(check(address, 'countries-agree').reason).toBe(
      "none of the ELM issuer's address countries (IRL, FRA) is the certificate's country DE (DEU)",
    )
    const several = await checkIssuerLinkage({ ...baseInput(), elmIssuer: elmIssuer({ countries: ['IRL', 'DEU'] }) })
    expect(several.ok).toBe(true)
  })

  it('fails only issuer-id-is-did when the ELM issuer is another entity', async () => {
    const result = await checkIssuerLinkage({ ...baseInput(), elmIssuer: elmIssuer({ id: 'urn:epass:org:1' }) })
    expect(errorsOf(result)).toEqual(['issuer-id-is-did'])
    expect(check(result, 'issuer-id-is-did').reason).toBe(
      `the ELM issuer's id 'urn:epass:org:1' is not the DID '${DID}'`,
    )
  })

  it('fails closed when inputs are missing: no check is OK', async () => {
    const result = await checkIssuerLinkage({
      did: '',
      didDocument: undefined,
      x5c: undefined,
      elmIssuer: undefined,
      at: AT,
      trustAnchors: [],
    })
    expect(result.ok).toBe(false)
    expect(result.checks.map((c) => [c.id, c.status])).toEqual([
      ['did-key-matches-certificate', 'ERROR'],
      ['certificate-chain-trusted', 'ERROR'],
      ['certificate-valid-at-signing-time', 'ERROR'],
      ['certificate-key-usage', 'ERROR'],
      ['certificate-revocation', 'ERROR'],
      ['organization-identifier-matches', 'ERROR'],
      ['countries-agree', 'ERROR'],
      ['issuer-id-is-did', 'ERROR'],
    ])
    expect(check(result, 'did-key-matches-certificate').reason).toBe('no DID was given')
    expect(check(result, 'certificate-chain-trusted').reason).toBe('x5c is empty: no certificate to validate')
    expect(check(result, 'organization-identifier-matches').reason).toBe('no seal certificate (x5c) was presented')
    expect(check(result, 'issuer-id-is-did').reason).toBe('no ELM issuer was given')

    const noIdentifier = { ...elmIssuer(), eIDASIdentifier: undefined, location: undefined }
    const partial = await checkIssuerLinkage({ ...baseInput(), elmIssuer: noIdentifier })
    expect(errorsOf(partial)).toEqual(['organization-identifier-matches', 'countries-agree'])
    expect(check(partial, 'organization-identifier-matches').reason).toBe(
      'the ELM issuer has no eIDASIdentifier.notation',
    )
    expect(check(partial, 'countries-agree').reason).toBe(
      'the ELM issuer names no country (eIDASIdentifier.spatial or a location address countryCode)',
    )
  })

  it("links the EC sample's issuer to its seal certificate, but does not trust the certificate", async () => {
    const sample = JSON.parse(
      readFileSync(
        new URL('../../../../../shared/reference/elm/samples/Sample-MC-Annex1-signed.jsonld', import.meta.url),
        'utf8',
      ),
    ) as {
      payload: string
      signatures: Array<{ protected: string }>
    }
    const header = JSON.parse(Buffer.from(sample.signatures[0]?.protected ?? '', 'base64url').toString('utf8')) as {
      x5c: string[]
      sigT: string
    }
    const issuer = (JSON.parse(sample.payload) as { issuer: { id: string } }).issuer
    const result = await checkIssuerLinkage({
      did: issuer.id,
      didDocument: undefined,
      x5c: header.x5c,
      elmIssuer: issuer,
      at: new Date(header.sigT),
      trustAnchors: [ca.certificateDer],
    })
    expect(result.ok).toBe(false)
    expect(result.checks.map((c) => [c.id, c.status])).toEqual([
      ['did-key-matches-certificate', 'ERROR'],
      ['certificate-chain-trusted', 'ERROR'],
      ['certificate-valid-at-signing-time', 'OK'],
      ['certificate-key-usage', 'OK'],
      ['certificate-revocation', 'SKIPPED'],
      ['organization-identifier-matches', 'OK'],
      ['countries-agree', 'OK'],
      ['issuer-id-is-did', 'OK'],
    ])
    expect(check(result, 'did-key-matches-certificate').reason).toBe('the DID document is missing or malformed (root)')
    expect(check(result, 'organization-identifier-matches').reason).toContain("'VATES-A00000000'")
    expect(check(result, 'countries-agree').reason).toBe("the certificate's country ES is the ELM issuer's ESP")
  })
})
