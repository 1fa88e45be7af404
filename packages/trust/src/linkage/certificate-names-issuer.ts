// Whether a seal certificate identifies a Credential Issuer Identifier (SD-JWT VC "Issuer Signature
// Mechanisms", X.509 certificates; HAIP 1.0 §6.1.1): what binds an x5c-signed SD-JWT VC to its
// `iss`. One rule for the verifier and for the issuer refusing a certificate that would not pass.
import { isLoopbackHttp } from '../net/loopback-http.ts'
import { type ParsedSealCertificate, parseSealCertificate } from '../x509/parse-seal-certificate.ts'
import type { CertificateInput } from '../x509/pem.ts'

/** The answer of {@link certificateNamesIssuer} and {@link checkIssuerIdentifier}: OK or not, and why. */
export interface IssuerNameCheck {
  readonly ok: boolean
  readonly reason: string
}

/**
 * Whether `iss` can be an SD-JWT VC issuer bound by X.509: an https URL (OpenID4VCI 1.0 §12.2.1:
 * scheme, host, optional port and path; no query, fragment or user), or, with
 * `allowLoopbackHttp` (development), http on a loopback host.
 */
export function checkIssuerIdentifier(iss: unknown, options: { allowLoopbackHttp?: boolean } = {}): IssuerNameCheck {
  if (typeof iss !== 'string' || iss === '') return { ok: false, reason: 'the credential has no iss' }
  let url: URL
  try {
    url = new URL(iss)
  } catch {
    return { ok: false, reason: `iss '${iss}' is not a URL; an x5c-signed SD-JWT VC needs an https issuer identifier` }
  }
  if (url.search || url.hash || url.username || url.password) {
    return { ok: false, reason: `iss '${iss}' has a query, fragment or user; an issuer identifier has none` }
  }
  if (url.protocol === 'https:') return { ok: true, reason: `iss ${iss} is an https issuer identifier` }
  if (url.protocol === 'http:' && options.allowLoopbackHttp && isLoopbackHttp(iss)) {
    return { ok: true, reason: `iss ${iss} is plain http on loopback, accepted in development only` }
  }
  return {
    ok: false,
    reason: `iss '${iss}' is not an https URL${url.protocol === 'http:' && isLoopbackHttp(iss) ? ' (loopback http is accepted in development only)' : ''}`,
  }
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
}

function listNames(leaf: ParsedSealCertificate): string {
  const { uris, dnsNames, ipAddresses } = leaf.subjectAltNames
  const names = [
    ...uris.map((u) => `URI ${u}`),
    ...dnsNames.map((d) => `dNSName ${d}`),
    ...ipAddresses.map((i) => `iPAddress ${i}`),
  ]
  return names.join(', ')
}

function label(leaf: ParsedSealCertificate): string {
  return leaf.subject.organizationName ?? leaf.subject.commonName ?? leaf.subject.dn
}

/**
 * Whether the seal certificate identifies the issuer `iss`: a subjectAltName uniformResourceIdentifier
 * equal to `iss`, or — for an issuer identifier without a path — a dNSName (or iPAddress) equal to
 * its host (SD-JWT VC "Issuer Signature Mechanisms"; HAIP 1.0 §6.1.1). A host name does not
 * identify an issuer identifier with a path: on a multi-tenant host (`https://host/uni-a`,
 * `https://host/uni-b`) every tenant's certificate names the host, so only the URI tells them apart.
 * Strings are compared exactly (no normalisation, no wildcards), dNSName case-insensitively.
 *
 * @example
 * const named = certificateNamesIssuer(x5c[0], 'https://host.example/uni-a')
 * if (!named.ok) refuse(named.reason)
 */
export function certificateNamesIssuer(
  certificate: ParsedSealCertificate | CertificateInput,
  iss: string,
): IssuerNameCheck {
  let leaf: ParsedSealCertificate
  try {
    leaf = isParsed(certificate) ? certificate : parseSealCertificate(certificate)
  } catch {
    return { ok: false, reason: 'the seal certificate cannot be read' }
  }
  const { uris, dnsNames, ipAddresses } = leaf.subjectAltNames
  if (uris.includes(iss)) {
    return { ok: true, reason: `the seal certificate '${label(leaf)}' names the issuer: subjectAltName URI ${iss}` }
  }
  let url: URL | undefined
  try {
    url = new URL(iss)
  } catch {
    url = undefined
  }
  const pathless = url !== undefined && (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash
  if (url && pathless) {
    const host = hostOf(url)
    const named = dnsNames.some((d) => d.toLowerCase() === host) || ipAddresses.includes(host)
    if (named) {
      return {
        ok: true,
        reason: `the seal certificate '${label(leaf)}' names the issuer's host: subjectAltName ${ipAddresses.includes(host) ? 'iPAddress' : 'dNSName'} ${host}`,
      }
    }
  }
  const names = listNames(leaf)
  if (names === '') {
    return {
      ok: false,
      reason: `the seal certificate '${label(leaf)}' has no subjectAltName, so it does not identify the issuer ${iss}`,
    }
  }
  const rule = pathless
    ? `neither a URI equal to it nor a dNSName equal to its host`
    : `no URI equal to it (a host name does not identify an issuer identifier with a path)`
  return {
    ok: false,
    reason: `the seal certificate '${label(leaf)}' names ${names}: ${rule}, so it does not identify the issuer ${iss}`,
  }
}

function isParsed(value: ParsedSealCertificate | CertificateInput): value is ParsedSealCertificate {
  return typeof value === 'object' && value !== null && 'subjectAltNames' in value && 'fingerprintSha256' in value
}
