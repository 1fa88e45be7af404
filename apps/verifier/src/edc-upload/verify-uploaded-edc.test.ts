import { generateKeyPairSync, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createElmWorkers } from '@alma/elm'
import type { ShaclReport } from '@alma/elm/shacl'
import { createDevCa, type DevCa, issueSealCertificate } from '@alma/trust'
import { FlattenedSign } from 'jose'
import * as pkijs from 'pkijs'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
// The ladder as the review built it (shared with @alma/elm's own tests).
import { withLadder } from '../../../../packages/elm/src/shacl/shacl-test-documents.ts'
import type { EdcUploadCheckId } from './checks.ts'
import {
  MAX_EDC_UPLOAD_BYTES,
  type VerifyUploadedEdcDeps,
  verifyTimestampSignature,
  verifyUploadedEdc,
} from './index.ts'
import { parseTimestampToken, TimestampTokenError } from './parse-timestamp-token.ts'

// Fixtures: the EC's official samples (SOURCES.md). The signed one is sealed by 'TEST SEAL'
// (ANF, expired 2025-05-10) with sigT 2023-09-27T11:54:17Z and a sigTst from the DSS test TSA.
const samples = new URL('../../../../../shared/reference/elm/samples/', import.meta.url)
const SIGNED = readFileSync(new URL('Sample-MC-Annex1-signed.jsonld', samples), 'utf8')
const UNSIGNED = readFileSync(new URL('Sample-MC-Annex1-unsigned.jsonld', samples), 'utf8')
const UPLOADABLE = readFileSync(new URL('Sample-MC-Annex1-unsigned-uploadable.json', samples), 'utf8')

/** Time is frozen after the sample certificate expired (2025-05-10T14:31:15Z). */
const NOW = new Date('2026-01-15T12:00:00Z')
const SIGNED_AT_TSA = '2023-09-27T11:54:20.000Z'
const NOT_AFTER = '2025-05-10T14:31:15.000Z'

/** SHACL is slow; tests that are not about FORMAT skip it with a conforming report. */
const noShacl: VerifyUploadedEdcDeps = {
  validateShacl: async (_document, profile): Promise<ShaclReport> => ({
    profile,
    conforms: true,
    violations: [],
    triples: 0,
    ignoredSchemaTriples: 0,
  }),
}

type Sealed = {
  payload: string
  signatures: { protected: string; header?: Record<string, unknown>; signature: string }[]
}
const sealed = (): Sealed => JSON.parse(SIGNED)
const b64json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const headerOf = (file: Sealed) => JSON.parse(Buffer.from(file.signatures[0]!.protected, 'base64url').toString())

type Header = Record<string, unknown>

/**
 * The sample with members of its protected header replaced (`undefined` removes one). The
 * signature then no longer matches, which is beside the point: these headers are refused first.
 */
function withHeader(patch: Header | ((header: Header) => Header)): string {
  const file = sealed()
  const header: Header = headerOf(file)
  file.signatures[0]!.protected = b64json({ ...header, ...(typeof patch === 'function' ? patch(header) : patch) })
  return JSON.stringify(file)
}

/** The DER of the sample's signature time-stamp (etsiU[0].sigTst, ETSI TS 119 182-1 §5.3.4). */
function sigTstOf(file: Sealed): Uint8Array<ArrayBuffer> {
  const etsiU = file.signatures[0]!.header!.etsiU as string[]
  const val = JSON.parse(Buffer.from(etsiU[0]!, 'base64url').toString()).sigTst.tstTokens[0].val
  return new Uint8Array(Buffer.from(val, 'base64'))
}

/** The sample with another sigTst token; etsiU is unprotected, so the seal signature still verifies. */
function withSigTst(der: Uint8Array): string {
  const file = sealed()
  const etsiU = file.signatures[0]!.header!.etsiU as string[]
  const entry = JSON.parse(Buffer.from(etsiU[0]!, 'base64url').toString())
  entry.sigTst.tstTokens[0].val = Buffer.from(der).toString('base64')
  etsiU[0] = b64json(entry)
  return JSON.stringify(file)
}

/** The sample's sigTst with one byte of its TSA's signature (RFC 5652 §5.3 SignerInfo.signature) flipped. */
function sigTstWithFlippedSignatureByte(): Uint8Array {
  const der = sigTstOf(sealed())
  const contentInfo = pkijs.ContentInfo.fromBER(der)
  const signature = new pkijs.SignedData({ schema: contentInfo.content }).signerInfos[0]!.signature
  const at = Buffer.from(der).indexOf(Buffer.from(signature.valueBlock.valueHexView))
  expect(at).toBeGreaterThan(0)
  const flipped = der.slice()
  flipped[at + 100] = flipped[at + 100]! ^ 0x01
  return flipped
}

/** The DSS test PKI's certificates the sample's sigTst carries: its TSA and the root above it. */
function sigTstCertificates() {
  const certs = parseTimestampToken(sigTstOf(sealed())).certificates.map((der) => new X509Certificate(der))
  return {
    tsa: certs.find((c) => c.subject.includes('CN=good-tsa'))!,
    root: certs.find((c) => c.subject.includes('CN=root-ca'))!,
  }
}

function checkOf(result: { checks: readonly { id: string }[] }, id: EdcUploadCheckId) {
  const found = result.checks.find((c) => c.id === id)
  if (!found) throw new Error(`no check ${id}`)
  return found as { id: EdcUploadCheckId; status: string; reason: string; skipped?: string }
}

let devCa: DevCa
beforeAll(async () => {
  devCa = await createDevCa({ name: 'Alma Development CA', country: 'DE', now: new Date('2025-01-01T00:00:00Z') })
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('verifyUploadedEdc: the EC signed sample', () => {
  it('verifies the JAdES signature over the unencoded payload bytes as they stand', async () => {
    const r = await verifyUploadedEdc({ file: SIGNED, trustAnchors: [devCa.certificatePem], now: NOW }, noShacl)
    expect(r.sealed).toBe(true)
    expect(checkOf(r, 'file').status).toBe('OK')
    const signature = checkOf(r, 'seal-signature')
    expect(signature.status).toBe('OK')
    expect(signature.reason).toContain("RS256 signature verified with the key of x5c[0] 'TEST SEAL'")
    expect(signature.reason).toContain('113061 UTF-8 bytes of the payload as they stand in the file')
    expect(signature.reason).toContain('b64:false, RFC 7797 §3')
    expect(r.seal?.b64).toBe(false)
    expect(r.seal?.claimedSigningTime).toBe('2023-09-27T11:54:17Z')
    // The document is the verified payload.
    expect(r.document?.id).toBe(JSON.parse(sealed().payload).id)
  })

  it('reports the expired certificate with its notAfter, judged today because no trusted time-stamp proves sigT', async () => {
    const r = await verifyUploadedEdc({ file: SIGNED, trustAnchors: [devCa.certificatePem], now: NOW }, noShacl)
    const validity = checkOf(r, 'certificate-validity')
    expect(validity.status).toBe('ERROR')
    expect(validity.reason).toContain(`'TEST SEAL' expired on ${NOT_AFTER}, before ${NOW.toISOString()}`)
    expect(validity.reason).toContain(
      'at the claimed signing time sigT 2023-09-27T11:54:17Z it was within its validity',
    )
    expect(r.seal?.certificate.notAfter.toISOString()).toBe(NOT_AFTER)
    expect(r.seal?.validatedAtSource).toBe('verification-time')
    expect(r.seal?.validatedAt).toEqual(NOW)
    expect(r.verdict).toBe('failed')
  })

  it('reads the signature time-stamp, matches it to this signature, and says why it is not relied on', async () => {
    const r = await verifyUploadedEdc({ file: SIGNED, trustAnchors: [devCa.certificatePem], now: NOW }, noShacl)
    const timestamp = checkOf(r, 'seal-timestamp')
    expect(timestamp).toMatchObject({ status: 'SKIPPED', skipped: 'unknown' })
    expect(timestamp.reason).toContain(`sigTst says the signature existed at ${SIGNED_AT_TSA} (TSA 'good-tsa'`)
    expect(timestamp.reason).toContain("its imprint is the SHA-256 of this seal's signature value")
    // The default verifier (pkijs) accepts the TSA's CMS signature; the TSA is not ours to trust.
    expect(timestamp.reason).toContain(`its TSA certificate 'good-tsa' is not trusted at ${SIGNED_AT_TSA}`)
    expect(timestamp.reason).toContain("'root-ca'") // the DSS test PKI root, not one of our anchors
    expect(timestamp.reason).toContain('adoTst says the payload existed at 2023-09-27T11:54:17.000Z')
    expect(r.seal?.signatureTimestamp).toMatchObject({
      genTime: new Date(SIGNED_AT_TSA),
      policy: '1.2.3.4',
      tsa: 'CN=good-tsa, O=Nowina Solutions, OU=PKI-TEST, C=LU',
    })
  })

  it('names the issuer DN the chain cannot reach (the ANF root is not one of our anchors)', async () => {
    const r = await verifyUploadedEdc({ file: SIGNED, trustAnchors: [devCa.certificatePem], now: NOW }, noShacl)
    const chain = checkOf(r, 'certificate-chain-trusted')
    expect(chain.status).toBe('ERROR')
    expect(chain.reason).toContain("issued 'ANF AC Qualified Certificates for eSeal'")
    expect(chain.reason).toContain('CN=ANF Global Root CA')
    expect(chain.reason).toContain('etsiU xVals')
  })

  it('fails closed with an empty trust store', async () => {
    const r = await verifyUploadedEdc({ file: SIGNED, trustAnchors: [], now: NOW }, noShacl)
    expect(checkOf(r, 'certificate-chain-trusted').reason).toContain('the trust store is empty')
    expect(r.verdict).toBe('failed')
  })

  it('links the seal certificate to the ELM issuer (organizationIdentifier, country)', async () => {
    const r = await verifyUploadedEdc({ file: SIGNED, trustAnchors: [], now: NOW }, noShacl)
    expect(checkOf(r, 'organization-identifier-matches')).toMatchObject({
      status: 'OK',
      reason: "the certificate's organizationIdentifier 'VATES-A00000000' is the ELM issuer's eIDASIdentifier",
    })
    expect(checkOf(r, 'countries-agree').status).toBe('OK')
  })

  it('validates FORMAT with the EDC SHACL profile and reports Annex I', async () => {
    const r = await verifyUploadedEdc({ file: SIGNED, trustAnchors: [], now: NOW })
    expect(checkOf(r, 'format')).toMatchObject({
      status: 'OK',
      reason: expect.stringMatching(/^conforms to the EDC SHACL profile 'generic-full' \(\d+ triples, no violation\)$/),
    })
    expect(r.format).toMatchObject({ profile: 'generic-full', conforms: true, violations: [] })
    expect(checkOf(r, 'annex-i').status).toBe('OK')
    expect(r.annexI?.elements).toHaveLength(16)
    expect(r.annexI?.missing).toEqual([11])
    expect(checkOf(r, 'annex-i').reason).toContain('mandatory element(s) 11 missing')
  })

  it('takes the time-stamp’s genTime when its TSA signature verifies and its TSA is trusted', async () => {
    const { tsa, root } = sigTstCertificates()
    // Stands in for an RFC 3161 CMS verifier (pkijs): this test is about what follows from its answer.
    const verifyTimestampSignature = vi.fn(async () => ({ ok: true as const, signerCertificate: tsa.toString() }))

    const r = await verifyUploadedEdc(
      { file: SIGNED, trustAnchors: [devCa.certificatePem], timestampTrustAnchors: [root.toString()], now: NOW },
      { ...noShacl, verifyTimestampSignature },
    )
    expect(verifyTimestampSignature).toHaveBeenCalledOnce()
    expect(checkOf(r, 'seal-timestamp').status).toBe('OK')
    expect(checkOf(r, 'seal-timestamp').reason).toContain(`the seal certificate is judged at ${SIGNED_AT_TSA}`)
    expect(r.seal?.validatedAtSource).toBe('trusted-timestamp')
    expect(r.seal?.validatedAt.toISOString()).toBe(SIGNED_AT_TSA)
    expect(checkOf(r, 'certificate-validity').status).toBe('OK')
    expect(checkOf(r, 'certificate-validity').reason).toContain(`valid at ${SIGNED_AT_TSA}`)
    // Still not anchored: the time does not make ANF a trust anchor.
    expect(checkOf(r, 'certificate-chain-trusted').status).toBe('ERROR')
    expect(r.verdict).toBe('failed')
  })

  it('reports a time-stamp whose TSA signature does not verify as ERROR', async () => {
    const r = await verifyUploadedEdc(
      { file: SIGNED, trustAnchors: [], now: NOW },
      { ...noShacl, verifyTimestampSignature: async () => ({ ok: false, reason: 'messageDigest mismatch' }) },
    )
    expect(checkOf(r, 'seal-timestamp')).toMatchObject({ status: 'ERROR' })
    expect(checkOf(r, 'seal-timestamp').reason).toContain('messageDigest mismatch')
  })

  it('refuses a sigTst that time-stamps something else (its imprint is not this signature’s)', async () => {
    const file = sealed()
    const header = file.signatures[0]!.header as { etsiU: string[] }
    // Put the content time-stamp (imprint over the payload) where the signature time-stamp goes.
    const adoTst = headerOf(file).adoTst
    header.etsiU[0] = b64json({ sigTst: adoTst })
    const r = await verifyUploadedEdc({ file: JSON.stringify(file), trustAnchors: [], now: NOW }, noShacl)
    expect(checkOf(r, 'seal-signature').status).toBe('OK') // etsiU is unsigned
    expect(checkOf(r, 'seal-timestamp').status).toBe('ERROR')
    expect(checkOf(r, 'seal-timestamp').reason).toContain('the time-stamp belongs to another signature')
  })
})

describe('verifyUploadedEdc: the sample’s signature time-stamp, verified with pkijs', () => {
  const signatureValue = () => Buffer.from(sealed().signatures[0]!.signature, 'ascii')

  it('the sigTst CMS signature verifies (RFC 5652 §5.6) and its signer is the TSA certificate', async () => {
    const signed = await verifyTimestampSignature(sigTstOf(sealed()), signatureValue())
    if (!signed.ok) throw new Error(signed.reason)
    const signer = new X509Certificate(signed.signerCertificate)
    expect(signer.raw.equals(sigTstCertificates().tsa.raw)).toBe(true)
  })

  it('with the DSS test root as TSA anchor, the seal certificate is judged at genTime, and is still not anchored', async () => {
    const { root } = sigTstCertificates()
    // No verifyTimestampSignature injected: the default, pkijs, is what makes the time trusted.
    const r = await verifyUploadedEdc(
      { file: SIGNED, trustAnchors: [devCa.certificatePem], timestampTrustAnchors: [root.toString()], now: NOW },
      noShacl,
    )
    const timestamp = checkOf(r, 'seal-timestamp')
    expect(timestamp.status).toBe('OK')
    expect(timestamp.reason).toContain("the TSA’s signature verifies and its certificate 'good-tsa' chains")
    expect(timestamp.reason).toContain(`the seal certificate is judged at ${SIGNED_AT_TSA}`)
    expect(r.seal?.validatedAtSource).toBe('trusted-timestamp')
    expect(r.seal?.validatedAt.toISOString()).toBe(SIGNED_AT_TSA)
    const validity = checkOf(r, 'certificate-validity')
    expect(validity.status).toBe('OK')
    expect(validity.reason).toContain(`valid at ${SIGNED_AT_TSA}`)
    expect(validity.reason).not.toContain('judged at the verification time')
    // The TSA anchor vouches for the time only: ANF is still not one of our seal anchors.
    expect(checkOf(r, 'certificate-chain-trusted').status).toBe('ERROR')
    expect(r.verdict).toBe('failed')
  })

  it('one flipped byte in the TSA’s signature: not trusted, so the certificate is judged today', async () => {
    const flipped = sigTstWithFlippedSignatureByte()
    expect(await verifyTimestampSignature(flipped, signatureValue())).toEqual({
      ok: false,
      reason: "the signature over its signed attributes does not verify with the signer certificate's key",
    })

    const { root } = sigTstCertificates()
    const r = await verifyUploadedEdc(
      {
        file: withSigTst(flipped),
        trustAnchors: [devCa.certificatePem],
        timestampTrustAnchors: [root.toString()],
        now: NOW,
      },
      noShacl,
    )
    expect(checkOf(r, 'seal-signature').status).toBe('OK') // etsiU is unsigned
    const timestamp = checkOf(r, 'seal-timestamp')
    expect(timestamp.status).toBe('ERROR')
    expect(timestamp.reason).toContain('the TSA’s CMS signature on it does not verify')
    expect(r.seal?.validatedAtSource).toBe('verification-time')
    expect(r.seal?.validatedAt).toEqual(NOW)
    const validity = checkOf(r, 'certificate-validity')
    expect(validity.status).toBe('ERROR')
    expect(validity.reason).toContain(`'TEST SEAL' expired on ${NOT_AFTER}, before ${NOW.toISOString()}`)
    expect(validity.reason).toContain('judged at the verification time')
    expect(r.verdict).toBe('failed')
  })

  it('a genuine token whose imprint is not this signature’s is refused, even from a trusted TSA', async () => {
    const file = sealed()
    const adoTst = headerOf(file).adoTst
    const adoDer = new Uint8Array(Buffer.from(adoTst.tstTokens[0].val, 'base64'))
    // The content time-stamp is the TSA's own, over the payload (RFC 7797: the bytes as they stand)…
    expect((await verifyTimestampSignature(adoDer, Buffer.from(file.payload, 'utf8'))).ok).toBe(true)
    // …but not over this seal's signature value (RFC 3161 §2.4.2 messageImprint).
    const signed = await verifyTimestampSignature(adoDer, signatureValue())
    expect(signed).toMatchObject({ ok: false })
    expect(!signed.ok && signed.reason).toContain(
      'its TSTInfo messageImprint is not the sha256 of the time-stamped data',
    )

    const header = file.signatures[0]!.header as { etsiU: string[] }
    header.etsiU[0] = b64json({ sigTst: adoTst })
    const { root } = sigTstCertificates()
    const verifier = vi.fn(verifyTimestampSignature)
    const r = await verifyUploadedEdc(
      { file: JSON.stringify(file), trustAnchors: [], timestampTrustAnchors: [root.toString()], now: NOW },
      { ...noShacl, verifyTimestampSignature: verifier },
    )
    expect(checkOf(r, 'seal-timestamp').status).toBe('ERROR')
    expect(checkOf(r, 'seal-timestamp').reason).toContain('the time-stamp belongs to another signature')
    expect(verifier).not.toHaveBeenCalled() // refused before its TSA is asked about
    expect(r.seal?.validatedAtSource).toBe('verification-time')
    expect(r.seal?.validatedAt).toEqual(NOW)
  })

  it('a signer certificate without id-kp-timeStamping is not a TSA (RFC 3161 §2.3)', async () => {
    const { root } = sigTstCertificates()
    const r = await verifyUploadedEdc(
      { file: SIGNED, trustAnchors: [], timestampTrustAnchors: [root.toString()], now: NOW },
      { ...noShacl, verifyTimestampSignature: async () => ({ ok: true, signerCertificate: root.toString() }) },
    )
    expect(checkOf(r, 'seal-timestamp')).toMatchObject({ status: 'SKIPPED', skipped: 'unknown' })
    expect(checkOf(r, 'seal-timestamp').reason).toContain(
      "the TSA certificate 'root-ca' lacks the extended key usage id-kp-timeStamping (RFC 3161 §2.3)",
    )
    expect(r.seal?.validatedAtSource).toBe('verification-time')
  })
})

describe('verifyUploadedEdc: rejected seals', () => {
  it('a changed payload byte breaks the signature, and nothing of the content is reported', async () => {
    const file = sealed()
    const at = file.payload.indexOf('"Generic"')
    expect(at).toBeGreaterThan(0)
    file.payload = `${file.payload.slice(0, at)}"Generix"${file.payload.slice(at + 9)}`
    const r = await verifyUploadedEdc({ file: JSON.stringify(file), trustAnchors: [], now: NOW }, noShacl)
    const signature = checkOf(r, 'seal-signature')
    expect(signature.status).toBe('ERROR')
    expect(signature.reason).toContain("does not verify with the key of x5c[0] 'TEST SEAL'")
    expect(checkOf(r, 'format')).toMatchObject({ status: 'SKIPPED', skipped: 'blocked' })
    expect(checkOf(r, 'certificate-chain-trusted')).toMatchObject({ status: 'SKIPPED', skipped: 'blocked' })
    expect(r.document).toBeUndefined()
    expect(r.verdict).toBe('failed')
  })

  it('b64:false without crit is refused (RFC 7797 §6)', async () => {
    const file = withHeader({ crit: undefined })
    const r = await verifyUploadedEdc({ file, trustAnchors: [], now: NOW }, noShacl)
    expect(checkOf(r, 'seal-signature')).toMatchObject({ status: 'ERROR' })
    expect(checkOf(r, 'seal-signature').reason).toContain('b64:false is present but crit does not list "b64"')
  })

  it.each([
    ['none', "alg 'none' means the JWS carries no signature at all"],
    ['HS256', "alg 'HS256' is a shared-secret MAC"],
    ['RS1', "alg 'RS1' is not accepted for seals"],
  ])('alg %s is refused', async (alg, reason) => {
    const r = await verifyUploadedEdc({ file: withHeader({ alg }), trustAnchors: [], now: NOW }, noShacl)
    expect(checkOf(r, 'seal-signature').status).toBe('ERROR')
    expect(checkOf(r, 'seal-signature').reason).toContain(reason)
  })

  it('x5u and jku are refused and never fetched', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch')
    for (const name of ['x5u', 'jku']) {
      const file = withHeader({ [name]: 'https://attacker.example/keys' })
      const r = await verifyUploadedEdc({ file, trustAnchors: [], now: NOW }, noShacl)
      expect(checkOf(r, 'seal-signature').status).toBe('ERROR')
      expect(checkOf(r, 'seal-signature').reason).toContain(`key URL '${name}'; it is never fetched`)
    }
    expect(fetchSpy).not.toHaveBeenCalled()
  })

  it('an embedded jwk, an unknown crit name and a wrong x5t#S256 are refused', async () => {
    const cases: [Header | ((h: Header) => Header), string][] = [
      [{ jwk: { kty: 'EC' } }, 'embeds a jwk'],
      [
        (h) => ({ crit: [...(h.crit as string[]), 'sigD'], sigD: {} }),
        'crit lists "sigD", which this verifier does not process',
      ],
      [{ 'x5t#S256': 'AAAA' }, 'x5t#S256 is not the SHA-256 thumbprint of x5c[0]'],
    ]
    for (const [edit, reason] of cases) {
      const r = await verifyUploadedEdc({ file: withHeader(edit), trustAnchors: [], now: NOW }, noShacl)
      expect(checkOf(r, 'seal-signature').reason).toContain(reason)
    }
  })

  it('a header member outside etsiU in the unprotected header is refused', async () => {
    const file = sealed()
    file.signatures[0]!.header = { ...file.signatures[0]!.header, alg: 'none' }
    const r = await verifyUploadedEdc({ file: JSON.stringify(file), trustAnchors: [], now: NOW }, noShacl)
    expect(checkOf(r, 'seal-signature').status).toBe('ERROR')
    expect(checkOf(r, 'seal-signature').reason).toContain('only etsiU may be unprotected')
  })

  it('a seal without x5c names no certificate and is refused', async () => {
    const file = withHeader({ x5c: undefined })
    const r = await verifyUploadedEdc({ file, trustAnchors: [], now: NOW }, noShacl)
    expect(checkOf(r, 'seal-signature').reason).toContain('x5c is missing')
  })
})

describe('verifyUploadedEdc: the file', () => {
  it('refuses duplicate JSON keys', async () => {
    const file = `{"payload":"{}","payload":"{}",${SIGNED.slice(1)}`
    const r = await verifyUploadedEdc({ file, trustAnchors: [], now: NOW }, noShacl)
    expect(checkOf(r, 'file')).toMatchObject({ status: 'ERROR' })
    expect(checkOf(r, 'file').reason).toContain('duplicate member "payload"')
    expect(checkOf(r, 'seal-signature')).toMatchObject({ status: 'SKIPPED', skipped: 'blocked' })
  })

  it('refuses duplicate keys inside the sealed payload', async () => {
    const file = sealed()
    file.payload = `{"id":"a",${file.payload.slice(1)}`
    const r = await verifyUploadedEdc({ file: JSON.stringify(file), trustAnchors: [], now: NOW }, noShacl)
    expect(checkOf(r, 'file').reason).toContain('the sealed payload is not acceptable JSON: duplicate member "id"')
  })

  it('refuses deeply nested JSON and a seal with two signatures', async () => {
    const deep = await verifyUploadedEdc({ file: `${'['.repeat(100)}${']'.repeat(100)}`, trustAnchors: [] }, noShacl)
    expect(checkOf(deep, 'file').reason).toContain('nested deeper than 64 levels')
    const file = sealed()
    file.signatures.push(file.signatures[0]!)
    const twice = await verifyUploadedEdc({ file: JSON.stringify(file), trustAnchors: [], now: NOW }, noShacl)
    expect(checkOf(twice, 'seal-signature').reason).toContain('the file has 2 signatures; an EDC seal has exactly one')
  })

  it('refuses files over 2 MiB before parsing them', async () => {
    const file = new Uint8Array(MAX_EDC_UPLOAD_BYTES + 1).fill(0x20)
    const r = await verifyUploadedEdc({ file, trustAnchors: [], now: NOW }, noShacl)
    expect(checkOf(r, 'file').reason).toBe(
      `the file is ${MAX_EDC_UPLOAD_BYTES + 1} bytes; at most 2097152 (2 MiB) are accepted`,
    )
  })

  it('refuses what is neither JSON nor an EDC', async () => {
    const notJson = await verifyUploadedEdc({ file: 'hello', trustAnchors: [], now: NOW }, noShacl)
    expect(checkOf(notJson, 'file').reason).toBe('the file is not JSON')
    const notEdc = await verifyUploadedEdc({ file: '{"a":1}', trustAnchors: [], now: NOW }, noShacl)
    expect(checkOf(notEdc, 'file').reason).toContain('neither a JAdES seal nor an EDC document')
    const bytes = await verifyUploadedEdc({ file: new Uint8Array([0x7b, 0xff, 0x7d]), trustAnchors: [], now: NOW })
    expect(checkOf(bytes, 'file').reason).toBe('the file is not UTF-8 text (RFC 8259 §8.1)')
  })
})

describe('verifyUploadedEdc: an unsigned EDC', () => {
  it('is not sealed, cannot be verified, and still gets FORMAT and Annex I', async () => {
    const r = await verifyUploadedEdc({ file: UNSIGNED, trustAnchors: [devCa.certificatePem], now: NOW })
    expect(r.sealed).toBe(false)
    expect(checkOf(r, 'seal-signature')).toMatchObject({ status: 'ERROR' })
    expect(checkOf(r, 'seal-signature').reason).toMatch(/^not sealed:/)
    expect(checkOf(r, 'certificate-chain-trusted')).toMatchObject({ status: 'SKIPPED', skipped: 'blocked' })
    expect(r.seal).toBeUndefined()
    // The EC's unsigned sample lacks what sealing adds (SOURCES.md): `issued` and the eIDAS identifier.
    const format = checkOf(r, 'format')
    expect(format.status).toBe('ERROR')
    expect(format.reason).toContain("2 violation(s) of the EDC SHACL profile 'generic-full'")
    expect(format.reason).toContain('issuer.eidasLegalIdentifier')
    expect(r.annexI?.elements).toHaveLength(16)
    expect(r.verdict).toBe('failed')
  })

  it('accepts the EDC upload wrapper {"credential": …}', async () => {
    const r = await verifyUploadedEdc({ file: UPLOADABLE, trustAnchors: [], now: NOW }, noShacl)
    expect(checkOf(r, 'file').reason).toContain('in the EDC upload wrapper')
    expect(checkOf(r, 'seal-signature').reason).toMatch(/^not sealed:/)
    expect(r.verdict).toBe('failed')
  })
})

// Issue 12 §5: FORMAT passed vacuously on a graph the class-selected shapes did not reach; §3: an
// uploaded graph is never ontology, and SHACL runs on the ELM workers with a deadline.
describe('verifyUploadedEdc: FORMAT never passes on nothing, and never runs unbounded', () => {
  const workers = createElmWorkers({ size: 1 })
  afterAll(() => workers.close())
  const onWorkers = (deadlineMs?: number): VerifyUploadedEdcDeps => ({
    validateShacl: (document, profile) =>
      workers.validateShacl(document, { profile, ...(deadlineMs === undefined ? {} : { deadlineMs }) }),
  })

  it('a verifiable credential with no elm:EuropeanDigitalCredential node: ERROR, not an EDC document', async () => {
    const file = JSON.stringify({ ...JSON.parse(UNSIGNED), type: ['VerifiableCredential'] })
    const r = await verifyUploadedEdc({ file, trustAnchors: [], now: NOW }, onWorkers())
    expect(checkOf(r, 'format')).toMatchObject({
      status: 'ERROR',
      reason:
        'not an EDC document: its graph has no elm:EuropeanDigitalCredential node, so the EDC shapes (which select nodes by class) would have nothing to check',
    })
    expect(r.format).toBeUndefined()
    expect(r.verdict).toBe('failed')
  })

  it('an rdfs:subClassOf ladder of depth 25 is ignored, said so, and the rest validated', async () => {
    const file = JSON.stringify(withLadder(JSON.parse(UNSIGNED), 25))
    const r = await verifyUploadedEdc({ file, trustAnchors: [], now: NOW }, onWorkers(25_000))
    expect(r.format).toMatchObject({ conforms: false, ignoredSchemaTriples: 100 })
    expect(checkOf(r, 'format').reason).toMatch(
      /^2 violation\(s\) of the EDC SHACL profile 'generic-full': .*; 100 rdfs\/owl schema triple\(s\) of the document were ignored$/,
    )
  })

  it('a validation past its deadline is a FORMAT ERROR naming it', async () => {
    const r = await verifyUploadedEdc({ file: UNSIGNED, trustAnchors: [], now: NOW }, onWorkers(1))
    expect(checkOf(r, 'format')).toMatchObject({
      status: 'ERROR',
      reason:
        "the SHACL validation did not finish within 1 ms and was stopped: the document's graph is too costly to validate, so it is not shown to conform",
    })
    expect(r.verdict).toBe('failed')
  })

  it('busy workers are not the file’s fault: the error is thrown, no verdict is made', async () => {
    const busy = createElmWorkers({ size: 1, maxQueued: 0 })
    try {
      const running = busy.validateShacl(JSON.parse(UNSIGNED))
      await expect(
        verifyUploadedEdc(
          { file: UNSIGNED, trustAnchors: [], now: NOW },
          { validateShacl: (document, profile) => busy.validateShacl(document, { profile }) },
        ),
      ).rejects.toMatchObject({ code: 'worker_busy' })
      await running
    } finally {
      await busy.close()
    }
  })

  it('a credential with no learning achievement: annex-i is an ERROR, not "0 of 16 stated"', async () => {
    const document = JSON.parse(UNSIGNED)
    delete document.credentialSubject.hasClaim
    const r = await verifyUploadedEdc({ file: JSON.stringify(document), trustAnchors: [], now: NOW }, noShacl)
    expect(checkOf(r, 'annex-i')).toMatchObject({
      status: 'ERROR',
      reason:
        'the credential states no learning achievement (credentialSubject.hasClaim): there is nothing to report Annex I on',
    })
  })

  it('a document beyond the validated limits is a FORMAT ERROR naming the limit', async () => {
    const document = JSON.parse(UNSIGNED)
    document['http://example.org/attack#padding'] = Array.from({ length: 60_000 }, (_, i) => i)
    const r = await verifyUploadedEdc({ file: JSON.stringify(document), trustAnchors: [], now: NOW }, onWorkers())
    expect(checkOf(r, 'format')).toMatchObject({
      status: 'ERROR',
      reason:
        'the document is beyond what is validated: the document has more than 50000 JSON values; at most 50000 are validated',
    })
  })
})

describe('verifyUploadedEdc: a seal under a configured anchor', () => {
  async function sealWithDevCa(organizationIdentifier: string): Promise<string> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const certificate = await issueSealCertificate(devCa, {
      publicKey,
      organizationName: 'ORGANIZACION TEST',
      commonName: 'TEST SEAL (Alma dev)',
      country: 'ES',
      organizationIdentifier,
      notBefore: new Date('2025-06-01T00:00:00Z'),
      notAfter: new Date('2027-06-01T00:00:00Z'),
    })
    const payload = sealed().payload
    const jws = await new FlattenedSign(new TextEncoder().encode(payload))
      .setProtectedHeader({
        alg: 'ES256',
        b64: false,
        crit: ['b64'],
        x5c: certificate.x5c,
        sigT: '2026-01-10T09:00:00Z',
      })
      .sign(privateKey)
    return JSON.stringify({ payload, signatures: [{ protected: jws.protected, signature: jws.signature }] })
  }

  it('passes every seal check; revocation left unknown makes it partially verified', async () => {
    const file = await sealWithDevCa('VATES-A00000000')
    const r = await verifyUploadedEdc({ file, trustAnchors: [devCa.certificatePem], now: NOW }, noShacl)
    const statuses = Object.fromEntries(r.checks.map((c) => [c.id, c.status]))
    expect(statuses).toEqual({
      file: 'OK',
      'seal-signature': 'OK',
      'seal-timestamp': 'SKIPPED',
      'certificate-chain-trusted': 'OK',
      'certificate-validity': 'OK',
      'certificate-key-usage': 'OK',
      'certificate-revocation': 'SKIPPED',
      'certificate-qc-seal': 'OK',
      'organization-identifier-matches': 'OK',
      'countries-agree': 'OK',
      format: 'OK',
      'credential-validity': 'OK',
      'credential-revocation': 'SKIPPED',
      'annex-i': 'OK',
    })
    expect(checkOf(r, 'seal-timestamp').skipped).toBe('not-asked')
    expect(checkOf(r, 'certificate-chain-trusted').reason).toContain("to the trust anchor 'Alma Development CA'")
    expect(r.verdict).toBe('partially-verified')
  })

  it('a seal certificate of another organisation fails OWNER', async () => {
    const file = await sealWithDevCa('VATES-B11111111')
    const r = await verifyUploadedEdc({ file, trustAnchors: [devCa.certificatePem], now: NOW }, noShacl)
    expect(checkOf(r, 'organization-identifier-matches')).toMatchObject({ status: 'ERROR' })
    expect(checkOf(r, 'organization-identifier-matches').reason).toContain("'VATES-B11111111' is not the ELM issuer's")
    expect(r.verdict).toBe('failed')
  })
})

describe('parseTimestampToken', () => {
  it('reads the claims of the sample’s sigTst and refuses a truncated token', () => {
    const etsiU = sealed().signatures[0]!.header!.etsiU as string[]
    const val = JSON.parse(Buffer.from(etsiU[0]!, 'base64url').toString()).sigTst.tstTokens[0].val
    const der = new Uint8Array(Buffer.from(val, 'base64'))
    const claims = parseTimestampToken(der)
    expect(claims.genTime.toISOString()).toBe(SIGNED_AT_TSA)
    expect(claims.messageImprint.hash).toBe('sha256')
    expect(claims.serialNumber).toBe('b75406a33bb92bf8b8b0966e73130a27')
    expect(claims.certificates).toHaveLength(2)
    expect(() => parseTimestampToken(der.subarray(0, der.length - 1))).toThrow(TimestampTokenError)
  })

  it('refuses trailing bytes and DER that is not a time-stamp token', () => {
    const der = sigTstOf(sealed())
    expect(() => parseTimestampToken(new Uint8Array([...der, 0]))).toThrow(/trailing bytes after the token/)
    const certificate = new Uint8Array(sigTstCertificates().tsa.raw)
    expect(() => parseTimestampToken(certificate)).toThrow(TimestampTokenError)
  })
})
