import { type KeyObject, randomBytes, webcrypto } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { join } from 'node:path'
import * as asn1js from 'asn1js'
import { OID_COMMON_NAME, OID_COUNTRY_NAME, OID_ORGANIZATION_IDENTIFIER, OID_ORGANIZATION_NAME } from './oids.ts'
import {
  bytes,
  type CertificateInput,
  certificateToDer,
  type Der,
  encodeCertificatePem,
  encodePem,
  importSigningKeyPem,
  publicKeyToSpki,
} from './pem.ts'
import { x509 } from './provider.ts'
import { qcSealStatementsExtension } from './qc-statements.ts'

/** A development certification authority: a self-signed ES256 root that issues seal certificates. */
export interface DevCa {
  certificateDer: Der
  certificatePem: string
  /** The CA's signing key (ECDSA P-256 for a generated CA). */
  privateKey: webcrypto.CryptoKey
  /** RFC 4514 string of the CA's subject. */
  subject: string
}

/** A seal certificate issued by a {@link DevCa}. */
export interface IssuedSealCertificate {
  certificateDer: Der
  certificatePem: string
  /** Serial number, lower-case hex. */
  serialNumber: string
  /** The chain as a JOSE `x5c` (RFC 7515 §4.1.6): base64 DER, the seal certificate first, then the CA. */
  x5c: string[]
}

export interface CreateDevCaOptions {
  /** Common and organisation name of the CA, e.g. `Alma Development CA`. */
  name: string
  /** ISO 3166-1 alpha-2 country of the CA. */
  country: string
  /** Start of validity (the caller's clock: nothing here reads the time). */
  now: Date
  /** Validity in days; 10 years by default. */
  validityDays?: number
}

export interface IssueSealCertificateOptions {
  /** The sealer's public key: WebCrypto key, node key object, JWK or PEM. */
  publicKey: webcrypto.CryptoKey | KeyObject | webcrypto.JsonWebKey | string
  /** Subject O: the legal name of the organisation (ETSI EN 319 412-3 §4.2.1). */
  organizationName: string
  /** Subject CN: the name by which the organisation is commonly known (EN 319 412-3 §4.2.1). */
  commonName: string
  /** Subject C: ISO 3166-1 alpha-2 of the country where the organisation is established. */
  country: string
  /** Subject organizationIdentifier (2.5.4.97), EN 319 412-1 §5.1.4 form, e.g. `VATDE-123456789`. */
  organizationIdentifier: string
  notBefore: Date
  notAfter: Date
  /** A CRL distribution point (RFC 5280 §4.2.1.13) to name in the certificate. */
  crlUrl?: string
  /** Serial number in hex; random (RFC 5280 §4.1.2.2: positive, at most 20 octets) when absent. */
  serialNumber?: string
  /** Claim QcSSCD (EN 319 412-5 §4.2.2). Off by default: a development key is not in a QSCD. */
  sscd?: boolean
  /**
   * The Credential Issuer Identifier the key signs for (`https://host/<tenant>`): named as a
   * subjectAltName uniformResourceIdentifier, and its host as a dNSName (iPAddress for an address),
   * so SD-JWT VC verifiers can bind `iss` to the certificate (SD-JWT VC "Issuer Signature
   * Mechanisms", X.509; HAIP 1.0 §6.1.1). Without it the certificate names no issuer.
   */
  issuerIdentifier?: string
}

const ALPHA2 = /^[A-Z]{2}$/
// EN 319 412-1 §5.1.4: three letters for the identity type (VAT, NTR, PSD, LEI) or two letters
// and ':' for a national scheme, then the ISO 3166-1 country code, '-', and the identifier.
const ORGANIZATION_IDENTIFIER = /^(?:[A-Z]{3}|[A-Z]{2}:)[A-Z]{2}-\S.*$/

/** Whether `value` has the organizationIdentifier form of ETSI EN 319 412-1 §5.1.4 (e.g. `VATDE-123456789`). */
export function isOrganizationIdentifier(value: string): boolean {
  return ORGANIZATION_IDENTIFIER.test(value)
}

const DAY_MS = 24 * 60 * 60 * 1000

/** A random, positive, non-zero-led serial number of 16 octets (RFC 5280 §4.1.2.2). */
function randomSerial(): string {
  const bytes = randomBytes(16)
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01
  return bytes.toString('hex')
}

function signingAlgorithmFor(key: webcrypto.CryptoKey): webcrypto.Algorithm | webcrypto.EcdsaParams {
  if (key.algorithm.name === 'ECDSA') {
    const curve = (key.algorithm as webcrypto.EcKeyAlgorithm).namedCurve
    return { name: 'ECDSA', hash: curve === 'P-384' ? 'SHA-384' : curve === 'P-521' ? 'SHA-512' : 'SHA-256' }
  }
  if (key.algorithm.name === 'RSASSA-PKCS1-v1_5') return { name: 'RSASSA-PKCS1-v1_5' }
  if (key.algorithm.name === 'Ed25519') return { name: 'Ed25519' }
  throw new TypeError(`a CA key of type ${key.algorithm.name} cannot sign certificates here`)
}

// X.520 / RFC 5280 §4.1.2.4: countryName is a PrintableString; the other attributes are
// DirectoryStrings, written as UTF8String as RFC 5280 asks of new certificates.
function utf8(value: string) {
  return [{ utf8String: value }]
}
function printable(value: string) {
  return [{ printableString: value }]
}

/**
 * Creates a self-signed development root CA (ECDSA P-256 with SHA-256): basicConstraints cA=TRUE
 * and keyUsage keyCertSign + cRLSign, both critical (RFC 5280 §4.2.1.9, §4.2.1.3).
 *
 * @example
 * const ca = await createDevCa({ name: 'Alma Development CA', country: 'DE', now: new Date() })
 */
export async function createDevCa(options: CreateDevCaOptions): Promise<DevCa> {
  if (!ALPHA2.test(options.country)) throw new RangeError('country must be an ISO 3166-1 alpha-2 code, e.g. DE')
  if (!options.name.trim()) throw new RangeError('name must not be empty')
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair
  const name = new x509.Name([
    { [OID_COUNTRY_NAME]: printable(options.country) },
    { [OID_ORGANIZATION_NAME]: utf8(options.name) },
    { [OID_COMMON_NAME]: utf8(options.name) },
  ])
  const notBefore = new Date(Math.floor(options.now.getTime() / 1000) * 1000)
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name,
    notBefore,
    notAfter: new Date(notBefore.getTime() + (options.validityDays ?? 3650) * DAY_MS),
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  })
  const der = new Uint8Array(certificate.rawData)
  return {
    certificateDer: der,
    certificatePem: encodeCertificatePem(der),
    privateKey: keys.privateKey,
    subject: certificate.subject,
  }
}

/** Loads a CA from its certificate and PKCS#8 private key (the files `alma trust dev-ca` writes). */
export async function loadDevCa(certificate: CertificateInput, privateKeyPem: string): Promise<DevCa> {
  const der = certificateToDer(certificate)
  const parsed = new x509.X509Certificate(bytes(der))
  const privateKey = await importSigningKeyPem(privateKeyPem)
  // The key must belong to the certificate, or every certificate it issues would fail to verify.
  const probe = new Uint8Array(32)
  const signature = await webcrypto.subtle.sign(signatureParams(privateKey), privateKey, probe)
  const publicKey = await parsed.publicKey.export(signatureParams(privateKey), ['verify'])
  if (
    !(await webcrypto.subtle.verify(signatureParams(privateKey), publicKey as webcrypto.CryptoKey, signature, probe))
  ) {
    throw new RangeError('the CA private key does not belong to the CA certificate')
  }
  return { certificateDer: der, certificatePem: encodeCertificatePem(der), privateKey, subject: parsed.subject }
}

function signatureParams(key: webcrypto.CryptoKey): webcrypto.EcdsaParams | webcrypto.Algorithm {
  if (key.algorithm.name === 'ECDSA') return { ...key.algorithm, hash: 'SHA-256' } as webcrypto.EcdsaParams
  return key.algorithm
}

/**
 * Issues an eIDAS-style seal certificate for a tenant's key: subject C, O, organizationIdentifier
 * and CN (ETSI EN 319 412-3 §4.2.1), keyUsage digitalSignature + nonRepudiation (critical;
 * EN 319 412-3 §4.3.2, RFC 5280 §4.2.1.3 names the latter contentCommitment), basicConstraints
 * cA=FALSE, QC statements QcCompliance and QcType e-seal (EN 319 412-5 §4.2.1, §4.2.3), and,
 * when given, a CRL distribution point (RFC 5280 §4.2.1.13).
 *
 * @example
 * const seal = await issueSealCertificate(ca, {
 *   publicKey: tenantJwk, organizationName: 'Universität A', commonName: 'Uni A',
 *   country: 'DE', organizationIdentifier: 'VATDE-123456789', notBefore, notAfter,
 * })
 */
export async function issueSealCertificate(
  ca: DevCa,
  options: IssueSealCertificateOptions,
): Promise<IssuedSealCertificate> {
  if (!ALPHA2.test(options.country)) throw new RangeError('country must be an ISO 3166-1 alpha-2 code, e.g. DE')
  if (!isOrganizationIdentifier(options.organizationIdentifier)) {
    throw new RangeError(
      `organizationIdentifier '${options.organizationIdentifier}' does not have the ETSI EN 319 412-1 §5.1.4 form, e.g. VATDE-123456789`,
    )
  }
  if (!options.organizationName.trim() || !options.commonName.trim()) {
    throw new RangeError('organizationName and commonName must not be empty')
  }
  if (!(options.notAfter.getTime() > options.notBefore.getTime()))
    throw new RangeError('notAfter must be after notBefore')
  const caCertificate = new x509.X509Certificate(bytes(ca.certificateDer))
  const spki = await publicKeyToSpki(options.publicKey)
  const publicKey = new x509.PublicKey(bytes(spki))
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(caCertificate.publicKey),
    qcSealStatementsExtension({ sscd: options.sscd ?? false }),
  ]
  if (options.crlUrl) extensions.push(new x509.CRLDistributionPointsExtension([options.crlUrl]))
  if (options.issuerIdentifier !== undefined) {
    extensions.push(new x509.SubjectAlternativeNameExtension(issuerAltNames(options.issuerIdentifier), false))
  }
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: options.serialNumber ?? randomSerial(),
    subject: new x509.Name([
      { [OID_COUNTRY_NAME]: printable(options.country) },
      { [OID_ORGANIZATION_NAME]: utf8(options.organizationName) },
      { [OID_ORGANIZATION_IDENTIFIER]: utf8(options.organizationIdentifier) },
      { [OID_COMMON_NAME]: utf8(options.commonName) },
    ]),
    issuer: caCertificate.subjectName,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: signingAlgorithmFor(ca.privateKey),
    extensions,
  })
  const der = new Uint8Array(certificate.rawData)
  return {
    certificateDer: der,
    certificatePem: encodeCertificatePem(der),
    serialNumber: certificate.serialNumber.toLowerCase(),
    x5c: [Buffer.from(der).toString('base64'), Buffer.from(ca.certificateDer).toString('base64')],
  }
}

/**
 * The subjectAltName entries naming an issuer identifier: the URI itself, and its host as a
 * dNSName, or as an iPAddress when the host is an address (RFC 5280 §4.2.1.6: a dNSName is a DNS
 * name, never an address literal).
 */
function issuerAltNames(issuerIdentifier: string): x509.JsonGeneralNames {
  let url: URL
  try {
    url = new URL(issuerIdentifier)
  } catch {
    throw new RangeError(`issuerIdentifier '${issuerIdentifier}' is not an absolute URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RangeError(`issuerIdentifier '${issuerIdentifier}' is not an http(s) URL`)
  }
  const host = url.hostname.replace(/^\[|\]$/g, '')
  return [
    { type: 'url', value: issuerIdentifier },
    isIP(host) ? { type: 'ip', value: host } : { type: 'dns', value: host },
  ]
}

export interface IssueDevCrlOptions {
  /** RFC 5280 §5.1.2.4 thisUpdate. */
  thisUpdate: Date
  /** RFC 5280 §5.1.2.5 nextUpdate. */
  nextUpdate: Date
  /** Revoked certificates: serial number in hex, revocation date, optional reason (RFC 5280 §5.3.1). */
  revoked: Array<{ serialNumber: string; revocationDate: Date; reason?: x509.X509CrlReason }>
  /** RFC 5280 §5.2.3 cRLNumber; 1 when absent. */
  crlNumber?: number
}

/** A CRL signed by the CA (RFC 5280 §5), DER. For development and tests. */
export async function issueDevCrl(ca: DevCa, options: IssueDevCrlOptions): Promise<Der> {
  const caCertificate = new x509.X509Certificate(bytes(ca.certificateDer))
  const crl = await x509.X509CrlGenerator.create({
    issuer: caCertificate.subjectName,
    thisUpdate: options.thisUpdate,
    nextUpdate: options.nextUpdate,
    signingKey: ca.privateKey,
    signingAlgorithm: signingAlgorithmFor(ca.privateKey),
    // RFC 5280 §5.2.1 and §5.2.3: conforming CRL issuers include the authority key identifier and a CRL number.
    extensions: [
      await x509.AuthorityKeyIdentifierExtension.create(caCertificate.publicKey),
      new x509.Extension('2.5.29.20', false, new asn1js.Integer({ value: options.crlNumber ?? 1 }).toBER(false)),
    ],
    entries: options.revoked.map((entry) => ({
      serialNumber: entry.serialNumber,
      revocationDate: entry.revocationDate,
      ...(entry.reason === undefined ? {} : { reason: entry.reason }),
    })),
  })
  return new Uint8Array(crl.rawData)
}

/** PEM `X509 CRL` text (RFC 7468 §6) of a DER CRL. */
export function encodeCrlPem(der: Der): string {
  return encodePem(der, 'X509 CRL')
}

export interface IssueAccessCertificateOptions {
  /** The relying party's public key: WebCrypto key, node key object, JWK or PEM. */
  publicKey: webcrypto.CryptoKey | KeyObject | webcrypto.JsonWebKey | string
  /** Subject O and CN: the relying party's name. */
  organizationName: string
  /** Subject C: ISO 3166-1 alpha-2. */
  country: string
  /** subjectAltName dNSName entries (RFC 5280 §4.2.1.6): the hosts of the verifier's URLs. */
  dnsNames: readonly string[]
  /** subjectAltName uniformResourceIdentifier entries, e.g. the verifier's base URL. */
  uris?: readonly string[]
  notBefore: Date
  notAfter: Date
}

/**
 * Issues a relying party's (verifier's) certificate for signing OpenID4VP request objects under the
 * `x509_san_dns:` and `x509_hash:` client identifier prefixes (OpenID4VP 1.0 §5.9.3): the wallet
 * takes the client identifier from a subjectAltName dNSName, so the hosts go there; keyUsage
 * digitalSignature (critical), basicConstraints cA=FALSE. No QC statements: this is not a seal.
 *
 * @example
 * const cert = await issueAccessCertificate(ca, {
 *   publicKey: rpJwk, organizationName: 'Example Employer', country: 'DE',
 *   dnsNames: ['verifier.example.org'], notBefore, notAfter,
 * })
 */
export async function issueAccessCertificate(
  ca: DevCa,
  options: IssueAccessCertificateOptions,
): Promise<IssuedSealCertificate> {
  if (!ALPHA2.test(options.country)) throw new RangeError('country must be an ISO 3166-1 alpha-2 code, e.g. DE')
  if (!options.organizationName.trim()) throw new RangeError('organizationName must not be empty')
  if (options.dnsNames.length === 0) throw new RangeError('dnsNames must name at least one host')
  if (!(options.notAfter.getTime() > options.notBefore.getTime()))
    throw new RangeError('notAfter must be after notBefore')
  const caCertificate = new x509.X509Certificate(bytes(ca.certificateDer))
  const publicKey = new x509.PublicKey(bytes(await publicKeyToSpki(options.publicKey)))
  const names = [
    ...options.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...(options.uris ?? []).map((value) => ({ type: 'url' as const, value })),
  ]
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: new x509.Name([
      { [OID_COUNTRY_NAME]: printable(options.country) },
      { [OID_ORGANIZATION_NAME]: utf8(options.organizationName) },
      { [OID_COMMON_NAME]: utf8(options.organizationName) },
    ]),
    issuer: caCertificate.subjectName,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: signingAlgorithmFor(ca.privateKey),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.SubjectAlternativeNameExtension(names, false),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCertificate.publicKey),
    ],
  })
  const der = new Uint8Array(certificate.rawData)
  return {
    certificateDer: der,
    certificatePem: encodeCertificatePem(der),
    serialNumber: certificate.serialNumber.toLowerCase(),
    x5c: [Buffer.from(der).toString('base64'), Buffer.from(ca.certificateDer).toString('base64')],
  }
}

/** A development CA kept in a folder as `ca.pem` and `ca-key.pem`, as `alma issuer init` and `alma verifier init` write it. */
export async function readDevCaDir(dir: string): Promise<DevCa> {
  return loadDevCa(await readFile(join(dir, 'ca.pem'), 'utf8'), await readFile(join(dir, 'ca-key.pem'), 'utf8'))
}
