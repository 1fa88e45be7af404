import { createHash, X509Certificate as NodeX509Certificate, type webcrypto } from 'node:crypto'
import { memoizeByDer } from './certificate-cache.ts'
import {
  OID_BASIC_CONSTRAINTS,
  OID_COMMON_NAME,
  OID_COUNTRY_NAME,
  OID_LOCALITY,
  OID_ORGANIZATION_IDENTIFIER,
  OID_ORGANIZATION_NAME,
  OID_ORGANIZATIONAL_UNIT,
  OID_QC_STATEMENTS,
  OID_SERIAL_NUMBER,
  OID_STATE,
} from './oids.ts'
import { bytes, type CertificateInput, certificateToDer, type Der } from './pem.ts'
import { x509 } from './provider.ts'
import { decodeQcStatements, type QcStatementsInfo } from './qc-statements.ts'

/** RFC 5280 §4.2.1.3 key usage bits, by the names RFC 5280 gives them (bit 1 is contentCommitment, formerly nonRepudiation). */
export type KeyUsageName =
  | 'digitalSignature'
  | 'contentCommitment'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly'

/** The distinguished name attributes a seal certificate carries (ETSI EN 319 412-3 §4.2.1). */
export interface CertificateNameFields {
  /** RFC 4514 string of the whole name. */
  dn: string
  commonName?: string
  organizationName?: string
  organizationalUnit?: string
  /** 2.5.4.97, EN 319 412-1 §5.1.4: e.g. `VATES-A00000000`. */
  organizationIdentifier?: string
  /** ISO 3166-1 alpha-2. */
  country?: string
  serialNumber?: string
  locality?: string
  state?: string
}

export interface ParsedSealCertificate {
  der: Der
  subject: CertificateNameFields
  issuer: CertificateNameFields
  /** The subject's organizationIdentifier (same as `subject.organizationIdentifier`). */
  organizationIdentifier?: string
  /** The subject's country, ISO 3166-1 alpha-2 (same as `subject.country`). */
  country?: string
  /** Certificate serial number, lower-case hex. */
  serialNumber: string
  notBefore: Date
  notAfter: Date
  /** Key usage bits set; `undefined` when the certificate has no keyUsage extension. */
  keyUsage?: KeyUsageName[]
  /** QC statements (EN 319 412-5); `undefined` when the certificate has none. */
  qcStatements?: QcStatementsInfo
  publicKeyJwk: webcrypto.JsonWebKey
  /** URIs of the CRL distribution points (RFC 5280 §4.2.1.13). */
  crlUrls: string[]
  /** The subjectAltName entries that can name an issuer (RFC 5280 §4.2.1.6); empty lists without the extension. */
  subjectAltNames: SubjectAltNames
  /** basicConstraints cA (RFC 5280 §4.2.1.9). */
  isCa: boolean
  pathLength?: number
  /** Issuer equals subject and the certificate's own key verifies its signature. */
  selfSigned: boolean
  /** SHA-256 of the DER, lower-case hex. */
  fingerprintSha256: string
}

const KEY_USAGE_BITS: Array<[KeyUsageName, number]> = [
  ['digitalSignature', x509.KeyUsageFlags.digitalSignature],
  ['contentCommitment', x509.KeyUsageFlags.nonRepudiation],
  ['keyEncipherment', x509.KeyUsageFlags.keyEncipherment],
  ['dataEncipherment', x509.KeyUsageFlags.dataEncipherment],
  ['keyAgreement', x509.KeyUsageFlags.keyAgreement],
  ['keyCertSign', x509.KeyUsageFlags.keyCertSign],
  ['cRLSign', x509.KeyUsageFlags.cRLSign],
  ['encipherOnly', x509.KeyUsageFlags.encipherOnly],
  ['decipherOnly', x509.KeyUsageFlags.decipherOnly],
]

function first(name: x509.Name, oid: string): string | undefined {
  return name.getField(oid)[0]
}

/** The seal-relevant attributes of a distinguished name. */
export function nameFields(name: x509.Name): CertificateNameFields {
  const fields: CertificateNameFields = { dn: name.toString() }
  const pairs: Array<[keyof Omit<CertificateNameFields, 'dn'>, string]> = [
    ['commonName', OID_COMMON_NAME],
    ['organizationName', OID_ORGANIZATION_NAME],
    ['organizationalUnit', OID_ORGANIZATIONAL_UNIT],
    ['organizationIdentifier', OID_ORGANIZATION_IDENTIFIER],
    ['country', OID_COUNTRY_NAME],
    ['serialNumber', OID_SERIAL_NUMBER],
    ['locality', OID_LOCALITY],
    ['state', OID_STATE],
  ]
  for (const [key, oid] of pairs) {
    const value = first(name, oid)
    if (value !== undefined) fields[key] = value
  }
  return fields
}

/** Key usage bit names of a certificate, or `undefined` without the extension (RFC 5280 §4.2.1.3). */
export function keyUsageNames(certificate: x509.X509Certificate): KeyUsageName[] | undefined {
  const extension = certificate.getExtension(x509.KeyUsagesExtension)
  if (!extension) return undefined
  return KEY_USAGE_BITS.filter(([, bit]) => (extension.usages & bit) !== 0).map(([name]) => name)
}

/** CRL distribution point URIs (RFC 5280 §4.2.1.13: fullName uniformResourceIdentifier). */
export function crlDistributionUrls(certificate: x509.X509Certificate): string[] {
  const extension = certificate.getExtension(x509.CRLDistributionPointsExtension)
  if (!extension) return []
  const urls: string[] = []
  for (const point of extension.distributionPoints) {
    for (const name of point.distributionPoint?.fullName ?? []) {
      if (name.uniformResourceIdentifier) urls.push(name.uniformResourceIdentifier)
    }
  }
  return urls
}

/** subjectAltName entries by kind (RFC 5280 §4.2.1.6), in certificate order. */
export interface SubjectAltNames {
  /** uniformResourceIdentifier entries, e.g. a Credential Issuer Identifier `https://host/uni-a`. */
  uris: string[]
  /** dNSName entries, e.g. `host.example`. */
  dnsNames: string[]
  /** iPAddress entries in text form, e.g. `127.0.0.1`. */
  ipAddresses: string[]
}

/** The subjectAltName entries of a certificate (RFC 5280 §4.2.1.6); other name forms are ignored. */
export function subjectAltNamesOf(certificate: x509.X509Certificate): SubjectAltNames {
  const names: SubjectAltNames = { uris: [], dnsNames: [], ipAddresses: [] }
  const extension = certificate.getExtension(x509.SubjectAlternativeNameExtension)
  for (const name of extension?.names.items ?? []) {
    if (name.type === 'url') names.uris.push(name.value)
    else if (name.type === 'dns') names.dnsNames.push(name.value)
    else if (name.type === 'ip') names.ipAddresses.push(name.value)
  }
  return names
}

/** Whether the certificate is self-signed: issuer = subject and its own key verifies it (RFC 5280 §3.2, §6.1). */
export function isSelfSigned(der: Der): boolean {
  const certificate = new NodeX509Certificate(der)
  if (certificate.issuer !== certificate.subject) return false
  try {
    return certificate.verify(certificate.publicKey)
  } catch {
    return false
  }
}

/**
 * Reads a seal certificate (DER, PEM or base64) into the fields an eIDAS verifier needs:
 * subject attributes incl. organizationIdentifier (EN 319 412-1 §5.1.4), key usage, QC statements
 * (EN 319 412-5), validity, CRL distribution points, CA flag and the public key as a JWK.
 * Checks nothing: validation is {@link validateCertificateChain}'s job. Throws on bytes that are
 * not a certificate.
 */
export function parseSealCertificate(input: CertificateInput): ParsedSealCertificate {
  return parseSealCertificateDer(certificateToDer(input))
}

/** Memoised per DER content: a verifier reads the same issuers' certificates again and again. */
const parseSealCertificateDer = memoizeByDer((der: Uint8Array): ParsedSealCertificate => {
  const certificate = new x509.X509Certificate(bytes(der))
  const node = new NodeX509Certificate(der)
  const subject = nameFields(certificate.subjectName)
  const basicConstraints = certificate.getExtension<x509.BasicConstraintsExtension>(OID_BASIC_CONSTRAINTS)
  const qcExtension = certificate.getExtension(OID_QC_STATEMENTS)
  const parsed: ParsedSealCertificate = {
    der,
    subject,
    issuer: nameFields(certificate.issuerName),
    serialNumber: certificate.serialNumber.toLowerCase(),
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    publicKeyJwk: node.publicKey.export({ format: 'jwk' }) as webcrypto.JsonWebKey,
    crlUrls: crlDistributionUrls(certificate),
    subjectAltNames: subjectAltNamesOf(certificate),
    isCa: basicConstraints instanceof x509.BasicConstraintsExtension ? basicConstraints.ca : false,
    selfSigned: isSelfSigned(der),
    fingerprintSha256: createHash('sha256').update(der).digest('hex'),
  }
  if (basicConstraints instanceof x509.BasicConstraintsExtension && basicConstraints.pathLength !== undefined) {
    parsed.pathLength = basicConstraints.pathLength
  }
  if (subject.organizationIdentifier !== undefined) parsed.organizationIdentifier = subject.organizationIdentifier
  if (subject.country !== undefined) parsed.country = subject.country
  const keyUsage = keyUsageNames(certificate)
  if (keyUsage) parsed.keyUsage = keyUsage
  if (qcExtension) parsed.qcStatements = decodeQcStatements(new Uint8Array(qcExtension.value))
  return parsed
})
