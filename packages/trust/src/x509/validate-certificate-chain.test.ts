import { webcrypto } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { createDevCa, type DevCa, type IssuedSealCertificate, issueDevCrl, issueSealCertificate } from './dev-ca.ts'
import { OID_COMMON_NAME, OID_COUNTRY_NAME, OID_ORGANIZATION_IDENTIFIER, OID_ORGANIZATION_NAME } from './oids.ts'
import { parseSealCertificate } from './parse-seal-certificate.ts'
import { encodeCertificatePem } from './pem.ts'
import { x509 } from './provider.ts'
import { loadTrustAnchorsFromPem } from './trust-anchors.ts'
import {
  type CertificateChainValidation,
  type CertificateCheckId,
  validateCertificateChain,
} from './validate-certificate-chain.ts'

const CA_START = new Date('2024-01-01T00:00:00Z')
const NOT_BEFORE = new Date('2025-01-01T00:00:00Z')
const NOT_AFTER = new Date('2026-01-01T00:00:00Z')
const AT = new Date('2025-06-01T00:00:00Z')
const CRL_URL = 'http://crl.alma.test/dev-ca.crl'

function b64(der: Uint8Array): string {
  return Buffer.from(der).toString('base64')
}

function statusOf(result: CertificateChainValidation, id: CertificateCheckId) {
  const found = result.checks.find((c) => c.id === id)
  if (!found) throw new Error(`no check ${id}`)
  return found
}

async function p256() {
  return (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair
}

function sealName(cn: string) {
  return new x509.Name([
    { [OID_COUNTRY_NAME]: [{ printableString: 'DE' }] },
    { [OID_ORGANIZATION_NAME]: [{ utf8String: 'Universität A' }] },
    { [OID_ORGANIZATION_IDENTIFIER]: [{ utf8String: 'VATDE-123456789' }] },
    { [OID_COMMON_NAME]: [{ utf8String: cn }] },
  ])
}

/** A certificate with exactly the extensions given, signed by `issuer` (or self-signed). */
async function customCertificate(options: {
  issuer?: DevCa
  subject: x509.Name
  keys: webcrypto.CryptoKeyPair
  extensions: x509.Extension[]
}): Promise<Uint8Array> {
  const common = {
    serialNumber: '0a1b2c3d',
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: options.extensions,
  }
  const certificate = options.issuer
    ? await x509.X509CertificateGenerator.create({
        ...common,
        subject: options.subject,
        issuer: new x509.X509Certificate(new Uint8Array(options.issuer.certificateDer)).subjectName,
        publicKey: options.keys.publicKey,
        signingKey: options.issuer.privateKey,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: options.subject, keys: options.keys })
  return new Uint8Array(certificate.rawData)
}

let ca: DevCa
let sealKeys: webcrypto.CryptoKeyPair
let seal: IssuedSealCertificate

beforeAll(async () => {
  ca = await createDevCa({ name: 'Alma Test CA', country: 'DE', now: CA_START })
  sealKeys = await p256()
  seal = await issueSealCertificate(ca, {
    publicKey: sealKeys.publicKey,
    organizationName: 'Universität A',
    commonName: 'Uni A Seal',
    country: 'DE',
    organizationIdentifier: 'VATDE-123456789',
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    crlUrl: CRL_URL,
  })
})

describe('development CA and seal certificate', () => {
  it('issues a seal certificate with the eIDAS subject, key usage and QC statements', async () => {
    const parsed = parseSealCertificate(seal.certificatePem)
    expect(parsed.subject).toMatchObject({
      commonName: 'Uni A Seal',
      organizationName: 'Universität A',
      organizationIdentifier: 'VATDE-123456789',
      country: 'DE',
    })
    expect(parsed.organizationIdentifier).toBe('VATDE-123456789')
    expect(parsed.country).toBe('DE')
    expect(parsed.issuer.commonName).toBe('Alma Test CA')
    expect(parsed.keyUsage).toEqual(['digitalSignature', 'contentCommitment'])
    expect(parsed.qcStatements).toMatchObject({
      compliance: true,
      sscd: false,
      types: ['0.4.0.1862.1.6.2'],
      typeNames: ['eseal'],
    })
    expect(parsed.crlUrls).toEqual([CRL_URL])
    expect(parsed.isCa).toBe(false)
    expect(parsed.selfSigned).toBe(false)
    expect(parsed.notBefore.toISOString()).toBe(NOT_BEFORE.toISOString())
    expect(parsed.notAfter.toISOString()).toBe(NOT_AFTER.toISOString())
    expect(parsed.serialNumber).toBe(seal.serialNumber)
    const jwk = await webcrypto.subtle.exportKey('jwk', sealKeys.publicKey)
    expect(parsed.publicKeyJwk).toMatchObject({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y })
    expect(seal.x5c).toEqual([b64(seal.certificateDer), b64(ca.certificateDer)])
  })

  it('creates a self-signed CA with cA=TRUE, keyCertSign and cRLSign', () => {
    const parsed = parseSealCertificate(ca.certificateDer)
    expect(parsed.isCa).toBe(true)
    expect(parsed.selfSigned).toBe(true)
    expect(parsed.keyUsage).toEqual(['keyCertSign', 'cRLSign'])
    expect(parsed.publicKeyJwk).toMatchObject({ kty: 'EC', crv: 'P-256' })
  })

  it('refuses an organizationIdentifier that is not in the EN 319 412-1 form', async () => {
    await expect(
      issueSealCertificate(ca, {
        publicKey: sealKeys.publicKey,
        organizationName: 'A',
        commonName: 'A',
        country: 'DE',
        organizationIdentifier: '123456789',
        notBefore: NOT_BEFORE,
        notAfter: NOT_AFTER,
      }),
    ).rejects.toThrow(/EN 319 412-1 §5.1.4/)
  })
})

describe('validateCertificateChain', () => {
  it('accepts a dev seal certificate chained to the configured dev CA', async () => {
    const result = await validateCertificateChain({
      x5c: [seal.x5c[0] as string],
      trustAnchors: [ca.certificateDer],
      at: AT,
    })
    expect(result.ok).toBe(true)
    expect(statusOf(result, 'certificate-chain-trusted')).toMatchObject({ status: 'OK' })
    expect(statusOf(result, 'certificate-chain-trusted').reason).toContain("to the trust anchor 'Alma Test CA'")
    expect(statusOf(result, 'certificate-validity').status).toBe('OK')
    expect(statusOf(result, 'certificate-basic-constraints').status).toBe('OK')
    expect(statusOf(result, 'certificate-key-usage')).toMatchObject({
      status: 'OK',
      reason: 'keyUsage allows signing: digitalSignature, contentCommitment',
    })
    expect(statusOf(result, 'certificate-revocation')).toMatchObject({ status: 'SKIPPED' })
    expect(statusOf(result, 'certificate-revocation').reason).toContain(
      `the CRL ${CRL_URL} named by 'Uni A Seal' was not provided`,
    )
    expect(statusOf(result, 'certificate-qc-seal').status).toBe('OK')
    expect(result.path?.map(b64)).toEqual([b64(seal.certificateDer), b64(ca.certificateDer)])
  })

  it('accepts the configured root when it is also inside x5c', async () => {
    const result = await validateCertificateChain({ x5c: seal.x5c, trustAnchors: [ca.certificatePem], at: AT })
    expect(result.ok).toBe(true)
    expect(statusOf(result, 'certificate-chain-trusted').status).toBe('OK')
  })

  it('turns a CRL that was not provided into an ERROR with requireRevocationCheck', async () => {
    const result = await validateCertificateChain({
      x5c: seal.x5c,
      trustAnchors: [ca.certificateDer],
      at: AT,
      requireRevocationCheck: true,
    })
    expect(result.ok).toBe(false)
    expect(statusOf(result, 'certificate-revocation').status).toBe('ERROR')
    expect(statusOf(result, 'certificate-revocation').reason).toContain('was not provided')
    expect(result.checks.filter((c) => c.status === 'ERROR').map((c) => c.id)).toEqual(['certificate-revocation'])
  })

  it('rejects a tampered certificate whose signature no longer verifies', async () => {
    const der = Buffer.from(seal.certificateDer)
    const at = der.indexOf(Buffer.from('Uni A Seal'))
    expect(at).toBeGreaterThan(0)
    der.write('Uni B Seal', at)
    const result = await validateCertificateChain({
      x5c: [der.toString('base64')],
      trustAnchors: [ca.certificateDer],
      at: AT,
    })
    expect(result.ok).toBe(false)
    const chain = statusOf(result, 'certificate-chain-trusted')
    expect(chain.status).toBe('ERROR')
    expect(chain.reason).toContain(
      "the signature of 'Uni B Seal' does not verify with the key of its issuer 'Alma Test CA'",
    )
  })

  it('rejects a certificate expired at the validation time', async () => {
    const at = new Date('2026-03-01T00:00:00Z')
    const result = await validateCertificateChain({ x5c: seal.x5c, trustAnchors: [ca.certificateDer], at })
    expect(result.ok).toBe(false)
    expect(statusOf(result, 'certificate-validity')).toEqual({
      id: 'certificate-validity',
      status: 'ERROR',
      reason: "'Uni A Seal' expired on 2026-01-01T00:00:00.000Z, before 2026-03-01T00:00:00.000Z",
    })
    expect(statusOf(result, 'certificate-chain-trusted').status).toBe('OK')
  })

  it('rejects a certificate not yet valid at the validation time', async () => {
    const at = new Date('2024-06-01T00:00:00Z')
    const result = await validateCertificateChain({ x5c: seal.x5c, trustAnchors: [ca.certificateDer], at })
    expect(result.ok).toBe(false)
    expect(statusOf(result, 'certificate-validity').status).toBe('ERROR')
    expect(statusOf(result, 'certificate-validity').reason).toBe(
      "'Uni A Seal' is not yet valid at 2024-06-01T00:00:00.000Z (notBefore 2025-01-01T00:00:00.000Z)",
    )
  })

  it('rejects a leaf whose key usage is keyCertSign only', async () => {
    const keys = await p256()
    const der = await customCertificate({
      issuer: ca,
      subject: sealName('Wrong Usage'),
      keys,
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
    })
    const result = await validateCertificateChain({ x5c: [b64(der)], trustAnchors: [ca.certificateDer], at: AT })
    expect(result.ok).toBe(false)
    expect(statusOf(result, 'certificate-chain-trusted').status).toBe('OK')
    expect(statusOf(result, 'certificate-key-usage')).toEqual({
      id: 'certificate-key-usage',
      status: 'ERROR',
      reason: 'keyUsage (keyCertSign) allows neither digitalSignature nor nonRepudiation (contentCommitment)',
    })
  })

  it('rejects a leaf without a keyUsage extension and, when QC is required, without QC statements', async () => {
    const der = await customCertificate({
      issuer: ca,
      subject: sealName('No Usage'),
      keys: await p256(),
      extensions: [],
    })
    const result = await validateCertificateChain({
      x5c: [b64(der)],
      trustAnchors: [ca.certificateDer],
      at: AT,
      requireQcSeal: true,
    })
    expect(statusOf(result, 'certificate-key-usage')).toMatchObject({
      status: 'ERROR',
      reason: "the leaf 'No Usage' has no keyUsage extension",
    })
    expect(statusOf(result, 'certificate-qc-seal').status).toBe('ERROR')
    expect(statusOf(result, 'certificate-qc-seal').reason).toContain('no QcCompliance statement')
    expect(statusOf(result, 'certificate-revocation')).toMatchObject({
      status: 'SKIPPED',
      reason: "'No Usage' names no CRL distribution point",
    })
  })

  it('rejects a self-signed leaf, even one configured as a trust anchor', async () => {
    const der = await customCertificate({
      subject: sealName('Self Made'),
      keys: await p256(),
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
    })
    for (const trustAnchors of [[ca.certificateDer], [ca.certificateDer, der]]) {
      const result = await validateCertificateChain({ x5c: [b64(der)], trustAnchors, at: AT })
      expect(result.ok).toBe(false)
      expect(statusOf(result, 'certificate-chain-trusted')).toEqual({
        id: 'certificate-chain-trusted',
        status: 'ERROR',
        reason: "the leaf certificate 'Self Made' is self-signed; a self-signed certificate is never trusted",
      })
    }
  })

  it('does not trust a root that is only inside x5c', async () => {
    const rogue = await createDevCa({ name: 'Rogue Root', country: 'DE', now: CA_START })
    const rogueSeal = await issueSealCertificate(rogue, {
      publicKey: sealKeys.publicKey,
      organizationName: 'Universität A',
      commonName: 'Uni A Seal',
      country: 'DE',
      organizationIdentifier: 'VATDE-123456789',
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
    })
    const result = await validateCertificateChain({ x5c: rogueSeal.x5c, trustAnchors: [ca.certificateDer], at: AT })
    expect(result.ok).toBe(false)
    expect(statusOf(result, 'certificate-chain-trusted').reason).toBe(
      "the path ends at 'Rogue Root', a self-signed certificate inside x5c that is not a configured trust anchor; certificates in x5c are never trusted as anchors",
    )
    expect(statusOf(result, 'certificate-basic-constraints').status).toBe('SKIPPED')
    expect(statusOf(result, 'certificate-revocation').status).toBe('SKIPPED')
    expect(result.path).toBeUndefined()
  })

  it('fails closed on an empty trust store', async () => {
    const result = await validateCertificateChain({ x5c: seal.x5c, trustAnchors: [], at: AT })
    expect(result.ok).toBe(false)
    expect(statusOf(result, 'certificate-chain-trusted')).toEqual({
      id: 'certificate-chain-trusted',
      status: 'ERROR',
      reason: 'the trust store is empty: no trust anchor is configured, so nothing is trusted (fail closed)',
    })
  })

  it('fails closed on an empty or malformed x5c', async () => {
    const empty = await validateCertificateChain({ x5c: [], trustAnchors: [ca.certificateDer], at: AT })
    expect(empty.ok).toBe(false)
    expect(statusOf(empty, 'certificate-chain-trusted').reason).toBe('x5c is empty: no certificate to validate')
    const junk = await validateCertificateChain({
      x5c: ['bm90IGEgY2VydGlmaWNhdGU='],
      trustAnchors: [ca.certificateDer],
      at: AT,
    })
    expect(junk.checks.every((c) => c.status === 'ERROR' || c.id === 'certificate-qc-seal')).toBe(true)
    expect(statusOf(junk, 'certificate-validity').reason).toBe('x5c[0] is not a base64 DER certificate')
  })

  it('validates a three-level path and rejects an intermediate without cA=TRUE', async () => {
    const intermediateKeys = await p256()
    const intermediateName = new x509.Name([
      { [OID_COUNTRY_NAME]: [{ printableString: 'DE' }] },
      { [OID_COMMON_NAME]: [{ utf8String: 'Alma Issuing CA' }] },
    ])
    const issueVia = async (caFlag: boolean) => {
      const intermediate = await customCertificate({
        issuer: ca,
        subject: intermediateName,
        keys: intermediateKeys,
        extensions: [
          new x509.BasicConstraintsExtension(caFlag, 0, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        ],
      })
      const issuing: DevCa = {
        certificateDer: intermediate,
        certificatePem: encodeCertificatePem(intermediate),
        privateKey: intermediateKeys.privateKey,
        subject: 'CN=Alma Issuing CA',
      }
      const leaf = await issueSealCertificate(issuing, {
        publicKey: sealKeys.publicKey,
        organizationName: 'Universität A',
        commonName: 'Uni A Seal',
        country: 'DE',
        organizationIdentifier: 'VATDE-123456789',
        notBefore: NOT_BEFORE,
        notAfter: NOT_AFTER,
      })
      return validateCertificateChain({ x5c: leaf.x5c, trustAnchors: [ca.certificateDer], at: AT })
    }
    const good = await issueVia(true)
    expect(good.ok).toBe(true)
    expect(statusOf(good, 'certificate-chain-trusted').reason).toContain('path of 3 certificate(s)')
    expect(statusOf(good, 'certificate-basic-constraints').reason).toContain('the 2 CA certificate(s) have cA=TRUE')
    const bad = await issueVia(false)
    expect(bad.ok).toBe(false)
    expect(statusOf(bad, 'certificate-basic-constraints')).toEqual({
      id: 'certificate-basic-constraints',
      status: 'ERROR',
      reason: "'Alma Issuing CA' issues certificates but has no basicConstraints cA=TRUE",
    })
  })
})

describe('validateCertificateChain: revocation against a provided CRL', () => {
  const validate = (crl: Uint8Array | string, at = AT) =>
    validateCertificateChain({ x5c: seal.x5c, trustAnchors: [ca.certificateDer], at, crls: new Map([[CRL_URL, crl]]) })

  it('rejects a certificate on a CRL signed by its CA', async () => {
    const crl = await issueDevCrl(ca, {
      thisUpdate: new Date('2025-05-01T00:00:00Z'),
      nextUpdate: new Date('2025-07-01T00:00:00Z'),
      revoked: [{ serialNumber: seal.serialNumber, revocationDate: new Date('2025-04-01T00:00:00Z') }],
    })
    const result = await validate(crl)
    expect(result.ok).toBe(false)
    expect(statusOf(result, 'certificate-revocation')).toEqual({
      id: 'certificate-revocation',
      status: 'ERROR',
      reason: `'Uni A Seal' (serial ${seal.serialNumber}) is revoked since 2025-04-01T00:00:00.000Z`,
    })
    expect(result.checks.filter((c) => c.status === 'ERROR').map((c) => c.id)).toEqual(['certificate-revocation'])
  })

  it('accepts a certificate that is not on the CRL (PEM CRL)', async () => {
    const crl = await issueDevCrl(ca, {
      thisUpdate: new Date('2025-05-01T00:00:00Z'),
      nextUpdate: new Date('2025-07-01T00:00:00Z'),
      revoked: [{ serialNumber: '0badc0de', revocationDate: new Date('2025-04-01T00:00:00Z') }],
    })
    const pem = `-----BEGIN X509 CRL-----\n${b64(crl)}\n-----END X509 CRL-----\n`
    const result = await validate(pem)
    expect(result.ok).toBe(true)
    expect(statusOf(result, 'certificate-revocation')).toMatchObject({ status: 'OK' })
    expect(statusOf(result, 'certificate-revocation').reason).toContain(`'Uni A Seal' is not on the CRL ${CRL_URL}`)
  })

  it('keeps a signature made before a later ordinary revocation, but not before a key compromise', async () => {
    const later = new Date('2025-06-15T00:00:00Z')
    const superseded = await issueDevCrl(ca, {
      thisUpdate: later,
      nextUpdate: new Date('2025-07-15T00:00:00Z'),
      revoked: [{ serialNumber: seal.serialNumber, revocationDate: later, reason: x509.X509CrlReason.superseded }],
    })
    const okResult = await validate(superseded)
    expect(statusOf(okResult, 'certificate-revocation')).toMatchObject({ status: 'OK' })
    expect(statusOf(okResult, 'certificate-revocation').reason).toContain(
      '(reason superseded), after 2025-06-01T00:00:00.000Z',
    )
    const compromised = await issueDevCrl(ca, {
      thisUpdate: later,
      nextUpdate: new Date('2025-07-15T00:00:00Z'),
      revoked: [{ serialNumber: seal.serialNumber, revocationDate: later, reason: x509.X509CrlReason.keyCompromise }],
    })
    const bad = await validate(compromised)
    expect(statusOf(bad, 'certificate-revocation').status).toBe('ERROR')
    expect(statusOf(bad, 'certificate-revocation').reason).toContain('(reason keyCompromise)')
  })

  it('rejects a CRL signed by another key under the same CA name', async () => {
    const impostor = await createDevCa({ name: 'Alma Test CA', country: 'DE', now: CA_START })
    const crl = await issueDevCrl(impostor, {
      thisUpdate: new Date('2025-05-01T00:00:00Z'),
      nextUpdate: new Date('2025-07-01T00:00:00Z'),
      revoked: [],
    })
    const result = await validate(crl)
    expect(statusOf(result, 'certificate-revocation')).toMatchObject({
      status: 'ERROR',
      reason: `the signature of the CRL for ${CRL_URL} does not verify with the key of 'Alma Test CA'`,
    })
  })

  it('rejects a stale CRL and one that is not a CRL', async () => {
    const crl = await issueDevCrl(ca, {
      thisUpdate: new Date('2025-01-01T00:00:00Z'),
      nextUpdate: new Date('2025-02-01T00:00:00Z'),
      revoked: [],
    })
    const stale = await validate(crl)
    expect(statusOf(stale, 'certificate-revocation')).toMatchObject({
      status: 'ERROR',
      reason: `the CRL for ${CRL_URL} is stale: its nextUpdate 2025-02-01T00:00:00.000Z is before 2025-06-01T00:00:00.000Z`,
    })
    const junk = await validate(new Uint8Array([1, 2, 3]))
    expect(statusOf(junk, 'certificate-revocation')).toMatchObject({
      status: 'ERROR',
      reason: `the CRL provided for ${CRL_URL} is not a DER CRL`,
    })
  })
})

describe('the EC sample seal certificate (Sample-MC-Annex1-signed.jsonld)', () => {
  const sample = JSON.parse(
    readFileSync(
      new URL('../../../../../shared/reference/elm/samples/Sample-MC-Annex1-signed.jsonld', import.meta.url),
      'utf8',
    ),
  ) as { signatures: Array<{ protected: string }> }
  const header = JSON.parse(Buffer.from(sample.signatures[0]?.protected ?? '', 'base64url').toString('utf8')) as {
    x5c: string[]
    sigT: string
  }

  it('reads its eIDAS subject and QC statements', () => {
    const parsed = parseSealCertificate(header.x5c[0] as string)
    expect(parsed.organizationIdentifier).toBe('VATES-A00000000')
    expect(parsed.country).toBe('ES')
    expect(parsed.subject).toMatchObject({ commonName: 'TEST SEAL', organizationName: 'ORGANIZACION TEST' })
    expect(parsed.issuer).toMatchObject({
      commonName: 'ANF AC Qualified Certificates for eSeal',
      organizationIdentifier: 'VATES-G63287510',
    })
    expect(parsed.keyUsage).toEqual(['digitalSignature', 'contentCommitment'])
    expect(parsed.qcStatements?.compliance).toBe(true)
    expect(parsed.qcStatements?.typeNames).toEqual(['eseal'])
    expect(parsed.qcStatements?.statementIds).toContain('0.4.0.1862.1.3')
    expect(parsed.crlUrls).toEqual(['http://crl.anf.es/crl/ANF_AC_Qualified_Certificates_for_eSeal.crl'])
    expect(parsed.publicKeyJwk.kty).toBe('RSA')
    expect(parsed.isCa).toBe(false)
    expect(parsed.selfSigned).toBe(false)
  })

  it('is not trusted without its real CA among the anchors', async () => {
    const at = new Date(header.sigT)
    const result = await validateCertificateChain({ x5c: header.x5c, trustAnchors: [ca.certificateDer], at })
    expect(result.ok).toBe(false)
    expect(statusOf(result, 'certificate-chain-trusted').status).toBe('ERROR')
    expect(statusOf(result, 'certificate-chain-trusted').reason).toContain(
      "no configured trust anchor or x5c certificate issued 'TEST SEAL' (issuer 'C=ES",
    )
    expect(statusOf(result, 'certificate-validity').status).toBe('OK')
    expect(statusOf(result, 'certificate-key-usage').status).toBe('OK')
    expect(result.leaf?.organizationIdentifier).toBe('VATES-A00000000')
    const empty = await validateCertificateChain({ x5c: header.x5c, trustAnchors: [], at })
    expect(statusOf(empty, 'certificate-chain-trusted').reason).toContain('the trust store is empty')
  })
})

describe('loadTrustAnchorsFromPem', () => {
  it('reads every certificate of a bundle and ignores the text around them', () => {
    const bundle = `# Alma dev anchors\n${ca.certificatePem}\nsome label\n${seal.certificatePem}`
    const anchors = loadTrustAnchorsFromPem(bundle)
    expect(anchors.map(b64)).toEqual([b64(ca.certificateDer), b64(seal.certificateDer)])
    expect(loadTrustAnchorsFromPem('no certificates here')).toEqual([])
  })

  it('names the block that is not a certificate', () => {
    const bundle = `${ca.certificatePem}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`
    expect(() => loadTrustAnchorsFromPem(bundle)).toThrow('CERTIFICATE block 2 is not a DER certificate')
  })
})
