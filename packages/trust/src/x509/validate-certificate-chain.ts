import { X509Certificate as NodeX509Certificate } from 'node:crypto'
import { memoizeByDer } from './certificate-cache.ts'
import {
  crlDistributionUrls,
  keyUsageNames,
  nameFields,
  type ParsedSealCertificate,
  parseSealCertificate,
} from './parse-seal-certificate.ts'
import { bytes, certificateToDer, type Der, decodePemBlocks } from './pem.ts'
import { x509 } from './provider.ts'
import {
  type DescribedTrustAnchor,
  isDescribedTrustAnchor,
  isTrustAnchorSource,
  type TrustAnchors,
  type UntrustedAnchorCandidate,
} from './trust-anchor-source.ts'

export type CertificateCheckStatus = 'OK' | 'ERROR' | 'SKIPPED'

export type CertificateCheckId =
  | 'certificate-chain-trusted'
  | 'certificate-validity'
  | 'certificate-basic-constraints'
  | 'certificate-key-usage'
  | 'certificate-revocation'
  | 'certificate-qc-seal'

export interface CertificateCheck {
  id: CertificateCheckId
  status: CertificateCheckStatus
  reason: string
}

export interface ValidateCertificateChainOptions {
  /** JOSE `x5c` (RFC 7515 §4.1.6): base64 DER, the signing (leaf) certificate first. */
  x5c: readonly string[]
  /**
   * Configured trust anchors: the only certificates trusted as such. A list (a PEM bundle), or a
   * source asked at `at` (trusted lists: a withdrawn service or a stale list gives no anchor, and a
   * path that would end there fails naming why).
   */
  trustAnchors: TrustAnchors
  /** The time to validate at: the signing time, proven by a trusted timestamp where there is one. */
  at: Date
  /** CRLs the configuration provides, by distribution point URL (DER, PEM or base64). Nothing is fetched. */
  crls?: ReadonlyMap<string, Uint8Array | string>
  /** Require QcCompliance and QcType e-seal (ETSI EN 319 412-5 §4.2.1, §4.2.3) in the leaf. */
  requireQcSeal?: boolean
  /** Turn "the certificate names a CRL that was not provided" (and "names none") from SKIPPED into ERROR. */
  requireRevocationCheck?: boolean
}

export interface CertificateChainValidation {
  /** True when no check is ERROR (SKIPPED checks do not fail the validation). */
  ok: boolean
  checks: CertificateCheck[]
  /** The leaf certificate, when `x5c[0]` could be read. */
  leaf?: ParsedSealCertificate
  /** The certification path, leaf first, ending with the trust anchor, when one was built. */
  path?: Der[]
  /** The anchor the path ends at, with who vouches for it when the anchor source says so. */
  anchor?: ChainTrustAnchor
}

/** The anchor a path ended at: its certificate and name, and, from a described source, who vouched. */
export interface ChainTrustAnchor {
  readonly certificate: Der
  /** Its subject CN, else its DN. */
  readonly label: string
  readonly vouchedBy?: string
  readonly provenance?: unknown
}

interface Anchor {
  cert: Cert
  described?: DescribedTrustAnchor
}

interface Untrusted {
  cert: Cert
  candidate: UntrustedAnchorCandidate
}

/** Upper bound on `x5c` entries and on path length: real eIDAS paths have two to four certificates. */
const MAX_CHAIN = 10

interface Cert {
  der: Der
  node: NodeX509Certificate
  px: x509.X509Certificate
  label: string
  /** Whether it is self-signed, once asked (certificates are memoised and immutable). */
  selfSigned?: boolean
}

/** Both parsed views of a certificate; memoised, since the same chains and anchors recur. */
const readCert = memoizeByDer((der: Der): Cert => {
  const node = new NodeX509Certificate(der)
  const px = new x509.X509Certificate(bytes(der))
  const fields = nameFields(px.subjectName)
  return { der, node, px, label: fields.commonName ?? fields.dn }
})

function bytesEqual(a: ArrayBuffer | Uint8Array, b: ArrayBuffer | Uint8Array): boolean {
  return Buffer.from(a as Uint8Array).equals(Buffer.from(b as Uint8Array))
}

// RFC 5280 §7.1 name matching, narrowed to what real CAs produce: equal DER, or equal RFC 4514 text.
function issuedBy(child: Cert, issuer: Cert): boolean {
  // The text comparison first: it is cheap, the DER serialisation is not.
  return (
    child.node.issuer === issuer.node.subject ||
    bytesEqual(child.px.issuerName.toArrayBuffer(), issuer.px.subjectName.toArrayBuffer())
  )
}

// RFC 5280 §6.1.3 (a)(1): the signature of the certificate verifies with the working public key.
function signatureVerifies(child: Cert, issuer: Cert): boolean {
  try {
    return child.node.verify(issuer.node.publicKey)
  } catch {
    return false
  }
}

function selfSigned(cert: Cert): boolean {
  cert.selfSigned ??= issuedBy(cert, cert) && signatureVerifies(cert, cert)
  return cert.selfSigned
}

function check(id: CertificateCheckId, status: CertificateCheckStatus, reason: string): CertificateCheck {
  return { id, status, reason }
}

function allError(reason: string, requireQcSeal: boolean | undefined): CertificateChainValidation {
  const ids: CertificateCheckId[] = [
    'certificate-chain-trusted',
    'certificate-validity',
    'certificate-basic-constraints',
    'certificate-key-usage',
    'certificate-revocation',
  ]
  const checks = ids.map((id) => check(id, 'ERROR', reason))
  checks.push(
    check('certificate-qc-seal', requireQcSeal ? 'ERROR' : 'SKIPPED', requireQcSeal ? reason : 'not required'),
  )
  return { ok: false, checks }
}

function iso(date: Date): string {
  return date.toISOString()
}

/**
 * Validates a seal certificate chain against configured trust anchors, as a list of named checks
 * (RFC 5280 §6.1, narrowed to the profile eIDAS seals use):
 *
 * - `certificate-chain-trusted`: a path from `x5c[0]` to a configured anchor, every signature
 *   verified (§6.1.3 (a)(1)). Certificates in `x5c` only serve as intermediates: a root inside
 *   `x5c` is not trusted unless it is configured, a self-signed leaf never is, and an empty trust
 *   store fails closed.
 * - `certificate-validity`: every certificate of the path, anchor included, is valid at `at` (§4.1.2.5).
 * - `certificate-basic-constraints`: CA certificates of the path have cA=TRUE, keyCertSign when they
 *   have keyUsage, and respect pathLenConstraint; the leaf is not a CA (§4.2.1.9, §6.1.4 (k)–(n)).
 * - `certificate-key-usage`: the leaf's keyUsage has digitalSignature or contentCommitment
 *   (nonRepudiation), as ETSI EN 319 412-3 §4.3.2 asks of seals; no keyUsage at all is an error.
 * - `certificate-revocation`: for each certificate of the path below the anchor that names a CRL
 *   distribution point (§4.2.1.13) whose CRL the configuration provides: the CRL is issued by the
 *   certificate's issuer, its signature verifies with the issuer's key (§6.3.3 (f)–(g)), it is
 *   not stale at `at`, and the serial is not on it (§6.3.3 (i)). A named CRL that was not provided
 *   is SKIPPED (ERROR with `requireRevocationCheck`).
 * - `certificate-qc-seal`: QcCompliance and QcType e-seal (EN 319 412-5 §4.2.1, §4.2.3), ERROR
 *   only when `requireQcSeal` is set.
 *
 * Nothing is fetched. `ok` is true when no check is ERROR.
 *
 * Compared with the DSS policy EDC validates seals with (`dss-validationConstraint.xml`,
 * SigningCertificate): it has KeyUsage nonRepudiation and NotSelfSigned at WARN, where this is
 * stricter (security.md: wrong key usage and self-signed leaves are rejected); it has
 * RevocationDataAvailable at FAIL, which `requireRevocationCheck` gives, since revocation data
 * here only comes from configuration.
 *
 * @example
 * const result = await validateCertificateChain({ x5c: header.x5c, trustAnchors, at: timestampTime })
 * if (!result.ok) console.log(result.checks.filter((c) => c.status === 'ERROR'))
 */
export async function validateCertificateChain(
  options: ValidateCertificateChainOptions,
): Promise<CertificateChainValidation> {
  const { x5c, at } = options
  if (!(at instanceof Date) || Number.isNaN(at.getTime()))
    return allError('validation time is not a valid date', options.requireQcSeal)
  if (!Array.isArray(x5c) || x5c.length === 0)
    return allError('x5c is empty: no certificate to validate', options.requireQcSeal)
  if (x5c.length > MAX_CHAIN)
    return allError(`x5c has ${x5c.length} certificates; at most ${MAX_CHAIN} are accepted`, options.requireQcSeal)

  const chain: Cert[] = []
  for (const [index, entry] of x5c.entries()) {
    try {
      chain.push(readCert(certificateToDer(entry)))
    } catch {
      return allError(`x5c[${index}] is not a base64 DER certificate`, options.requireQcSeal)
    }
  }
  const leaf = chain[0] as Cert
  let leafParsed: ParsedSealCertificate
  try {
    leafParsed = parseSealCertificate(leaf.der)
  } catch {
    return allError('x5c[0] has extensions that cannot be read (e.g. malformed qcStatements)', options.requireQcSeal)
  }

  const checks: CertificateCheck[] = []
  const { path, anchor: found, chainCheck } = buildPath(chain, options.trustAnchors, at)
  checks.push(chainCheck)
  const anchor = found?.cert
  const fullPath = anchor ? [...path, anchor] : path

  checks.push(checkValidity(fullPath, at, anchor !== undefined))
  checks.push(
    anchor
      ? checkBasicConstraints(fullPath)
      : check('certificate-basic-constraints', 'SKIPPED', 'no certification path to a trust anchor was built'),
  )
  checks.push(checkKeyUsage(leaf))
  checks.push(
    anchor
      ? await checkRevocation(fullPath, at, options.crls, options.requireRevocationCheck === true)
      : check(
          'certificate-revocation',
          options.requireRevocationCheck ? 'ERROR' : 'SKIPPED',
          'no certification path to a trust anchor was built, so no CRL signature can be checked',
        ),
  )
  checks.push(checkQcSeal(leafParsed, options.requireQcSeal === true))

  const result: CertificateChainValidation = {
    ok: checks.every((c) => c.status !== 'ERROR'),
    checks,
    leaf: leafParsed,
  }
  if (found) {
    result.path = fullPath.map((c) => c.der)
    result.anchor = {
      certificate: found.cert.der,
      label: found.cert.label,
      ...(found.described ? { vouchedBy: found.described.vouchedBy } : {}),
      ...(found.described?.provenance !== undefined ? { provenance: found.described.provenance } : {}),
    }
  }
  return result
}

/**
 * The anchors a path from `chain` can end at, read once: a list as given; a source asked at `at`
 * for the issuer names of the chain (RFC 5280 §6.1: a path ends where an anchor's subject is an
 * issuer name), with the certificates it does not trust at `at` and why. `undefined` when nothing
 * is configured at all.
 */
function anchorsFor(
  trustAnchors: TrustAnchors,
  chain: Cert[],
  at: Date,
): { anchors: Anchor[]; untrusted: Untrusted[] } | { error: string } | undefined {
  if (isTrustAnchorSource(trustAnchors)) {
    if (trustAnchors.isEmpty()) return undefined
    const found = trustAnchors.lookup(new Set(chain.map((c) => c.node.issuer)), at)
    const anchors: Anchor[] = []
    for (const entry of found.anchors) {
      try {
        anchors.push(
          isDescribedTrustAnchor(entry)
            ? { cert: readCert(entry.certificate), described: entry }
            : { cert: readCert(certificateToDer(entry)) },
        )
      } catch {
        return { error: 'a configured trust anchor is not a certificate' }
      }
    }
    const untrusted: Untrusted[] = []
    for (const candidate of found.untrusted) {
      try {
        untrusted.push({ cert: readCert(candidate.certificate), candidate })
      } catch {}
    }
    return { anchors, untrusted }
  }
  if (!Array.isArray(trustAnchors) || trustAnchors.length === 0) return undefined
  const anchors: Anchor[] = []
  for (const [index, input] of trustAnchors.entries()) {
    try {
      anchors.push({ cert: readCert(certificateToDer(input)) })
    } catch {
      return { error: `configured trust anchor ${index + 1} is not a certificate` }
    }
  }
  return { anchors, untrusted: [] }
}

function buildPath(
  chain: Cert[],
  anchorInputs: TrustAnchors,
  at: Date,
): { path: Cert[]; anchor?: Anchor; chainCheck: CertificateCheck } {
  const leaf = chain[0] as Cert
  const fail = (reason: string, path: Cert[] = [leaf]) => ({
    path,
    chainCheck: check('certificate-chain-trusted', 'ERROR', reason),
  })
  const store = anchorsFor(anchorInputs, chain, at)
  if (!store) {
    return fail('the trust store is empty: no trust anchor is configured, so nothing is trusted (fail closed)')
  }
  if ('error' in store) return fail(store.error)
  const { anchors, untrusted } = store
  // A certificate that would be an anchor and is not at `at` (a withdrawn service, a stale list):
  // when it issued a certificate of the path built so far (x5c may carry it as an intermediate),
  // that is why the path ends nowhere, and the reason says so.
  const distrusted = (built: readonly Cert[]) => {
    for (const cert of built) {
      const hit = untrusted.find((u) => issuedBy(cert, u.cert) && signatureVerifies(cert, u.cert))
      if (hit)
        return `'${cert.label}' is issued by '${hit.cert.label}', which is not a trust anchor at ${iso(at)}: ${hit.candidate.reason}`
    }
    return undefined
  }
  // A self-signed certificate vouches only for itself (RFC 5280 §6.1): never a seal certificate.
  if (selfSigned(leaf)) {
    return fail(`the leaf certificate '${leaf.label}' is self-signed; a self-signed certificate is never trusted`)
  }

  const path: Cert[] = [leaf]
  const used = new Set<Cert>([leaf])
  let current = leaf
  while (path.length <= MAX_CHAIN) {
    // Configured anchors first: only they end a path (RFC 5280 §6.1.1 (d)).
    const anchorCandidates = anchors.filter((a) => issuedBy(current, a.cert))
    const anchor = anchorCandidates.find((a) => signatureVerifies(current, a.cert))
    if (anchor) {
      const vouched = anchor.described ? ` ${anchor.described.vouchedBy}` : ''
      return {
        path,
        anchor,
        chainCheck: check(
          'certificate-chain-trusted',
          'OK',
          `path of ${path.length + 1} certificate(s) from '${leaf.label}' to the trust anchor '${anchor.cert.label}'${vouched}, every signature verified`,
        ),
      }
    }
    const candidates = chain.filter((c) => !used.has(c) && issuedBy(current, c))
    const issuer = candidates.find((c) => signatureVerifies(current, c))
    if (issuer) {
      if (selfSigned(issuer)) {
        return fail(
          distrusted(path) ??
            `the path ends at '${issuer.label}', a self-signed certificate inside x5c that is not a configured trust anchor; certificates in x5c are never trusted as anchors`,
          path,
        )
      }
      path.push(issuer)
      used.add(issuer)
      current = issuer
      continue
    }
    const why = distrusted(path)
    if (why) return fail(why, path)
    const named = anchorCandidates[0]?.cert ?? candidates[0]
    if (named) {
      return fail(
        `the signature of '${current.label}' does not verify with the key of its issuer '${named.label}' (tampered or wrongly issued certificate)`,
        path,
      )
    }
    return fail(
      `no configured trust anchor or x5c certificate issued '${current.label}' (issuer '${current.node.issuer.replace(/\n/g, ', ')}')`,
      path,
    )
  }
  return fail(`no path within ${MAX_CHAIN} certificates`, path)
}

function checkValidity(path: Cert[], at: Date, complete: boolean): CertificateCheck {
  const problems: string[] = []
  for (const cert of path) {
    const { notBefore, notAfter } = cert.px
    // RFC 5280 §4.1.2.5: the validity period includes both notBefore and notAfter.
    if (at.getTime() < notBefore.getTime()) {
      problems.push(`'${cert.label}' is not yet valid at ${iso(at)} (notBefore ${iso(notBefore)})`)
    } else if (at.getTime() > notAfter.getTime()) {
      problems.push(`'${cert.label}' expired on ${iso(notAfter)}, before ${iso(at)}`)
    }
  }
  if (problems.length > 0) return check('certificate-validity', 'ERROR', problems.join('; '))
  const scope = complete ? `all ${path.length} certificates of the path` : `the ${path.length} certificate(s) examined`
  return check('certificate-validity', 'OK', `${scope} are valid at ${iso(at)}`)
}

function checkBasicConstraints(path: Cert[]): CertificateCheck {
  const problems: string[] = []
  const leaf = path[0] as Cert
  const leafConstraints = leaf.px.getExtension(x509.BasicConstraintsExtension)
  if (leafConstraints?.ca)
    problems.push(`the leaf '${leaf.label}' is a CA certificate (cA=TRUE), not an end-entity seal certificate`)
  path.forEach((cert, index) => {
    if (index === 0) return
    const constraints = cert.px.getExtension(x509.BasicConstraintsExtension)
    // RFC 5280 §6.1.4 (k): an issuing certificate must assert cA=TRUE.
    if (!constraints?.ca) {
      problems.push(`'${cert.label}' issues certificates but has no basicConstraints cA=TRUE`)
      return
    }
    // §6.1.4 (l)–(m): pathLenConstraint counts the non-self-issued intermediates below this CA.
    if (constraints.pathLength !== undefined && index - 1 > constraints.pathLength) {
      problems.push(
        `'${cert.label}' allows ${constraints.pathLength} intermediate(s) below it, the path has ${index - 1}`,
      )
    }
    // §6.1.4 (n): with keyUsage present, keyCertSign must be set.
    const usages = keyUsageNames(cert.px)
    if (usages && !usages.includes('keyCertSign'))
      problems.push(`'${cert.label}' is a CA whose keyUsage lacks keyCertSign`)
  })
  if (problems.length > 0) return check('certificate-basic-constraints', 'ERROR', problems.join('; '))
  return check(
    'certificate-basic-constraints',
    'OK',
    `the ${path.length - 1} CA certificate(s) have cA=TRUE; the leaf is an end-entity certificate`,
  )
}

function checkKeyUsage(leaf: Cert): CertificateCheck {
  const usages = keyUsageNames(leaf.px)
  if (!usages) return check('certificate-key-usage', 'ERROR', `the leaf '${leaf.label}' has no keyUsage extension`)
  const signing = usages.filter((u) => u === 'digitalSignature' || u === 'contentCommitment')
  if (signing.length === 0) {
    return check(
      'certificate-key-usage',
      'ERROR',
      `keyUsage (${usages.join(', ') || 'none'}) allows neither digitalSignature nor nonRepudiation (contentCommitment)`,
    )
  }
  return check('certificate-key-usage', 'OK', `keyUsage allows signing: ${signing.join(', ')}`)
}

function checkQcSeal(leaf: ParsedSealCertificate, required: boolean): CertificateCheck {
  const qc = leaf.qcStatements
  const problems: string[] = []
  if (!qc?.compliance) problems.push('no QcCompliance statement (ETSI EN 319 412-5 §4.2.1)')
  if (!qc?.typeNames.includes('eseal')) {
    problems.push(`QcType is not e-seal (EN 319 412-5 §4.2.3; types: ${qc?.types.join(', ') || 'none'})`)
  }
  if (problems.length === 0) return check('certificate-qc-seal', 'OK', 'QcCompliance and QcType e-seal are present')
  if (!required) return check('certificate-qc-seal', 'SKIPPED', `not required; ${problems.join('; ')}`)
  return check('certificate-qc-seal', 'ERROR', problems.join('; '))
}

function crlToDer(value: Uint8Array | string): Der {
  if (typeof value !== 'string') return value
  if (value.includes('-----BEGIN')) {
    const [der] = decodePemBlocks(value, 'X509 CRL')
    if (!der) throw new TypeError('no X509 CRL block')
    return der
  }
  return new Uint8Array(Buffer.from(value.replace(/\s+/g, ''), 'base64'))
}

// RFC 5280 §5.3.1: reasons after which nothing signed with the key can be relied on, whatever the dates.
const COMPROMISE_REASONS = new Set<number>([x509.X509CrlReason.keyCompromise, x509.X509CrlReason.cACompromise])
// RFC 5280 §5.2: CRL extensions this check understands; any other critical one makes the CRL unusable.
const KNOWN_CRL_EXTENSIONS = new Set(['2.5.29.20', '2.5.29.35'])

async function checkRevocation(
  path: Cert[],
  at: Date,
  crls: ReadonlyMap<string, Uint8Array | string> | undefined,
  required: boolean,
): Promise<CertificateCheck> {
  const errors: string[] = []
  const skipped: string[] = []
  const ok: string[] = []
  // Every certificate below the anchor; the anchor is trusted by configuration (RFC 5280 §6.1.1 (d)).
  for (let index = 0; index < path.length - 1; index++) {
    const cert = path[index] as Cert
    const issuer = path[index + 1] as Cert
    const urls = crlDistributionUrls(cert.px)
    if (urls.length === 0) {
      skipped.push(`'${cert.label}' names no CRL distribution point`)
      continue
    }
    const url = urls.find((u) => crls?.has(u))
    if (url === undefined) {
      skipped.push(`the CRL ${urls.join(', ')} named by '${cert.label}' was not provided`)
      continue
    }
    let crl: x509.X509Crl
    try {
      crl = new x509.X509Crl(bytes(crlToDer(crls?.get(url) as Uint8Array | string)))
    } catch {
      errors.push(`the CRL provided for ${url} is not a DER CRL`)
      continue
    }
    // §6.3.3 (b)(1): the CRL issuer must be the certificate's issuer (indirect CRLs are not supported).
    if (!bytesEqual(crl.issuerName.toArrayBuffer(), cert.px.issuerName.toArrayBuffer())) {
      errors.push(`the CRL for ${url} is issued by '${crl.issuer}', not by the issuer of '${cert.label}'`)
      continue
    }
    const unknownCritical = crl.extensions.filter((e) => e.critical && !KNOWN_CRL_EXTENSIONS.has(e.type))
    if (unknownCritical.length > 0) {
      errors.push(
        `the CRL for ${url} has critical extension(s) ${unknownCritical.map((e) => e.type).join(', ')} that are not supported`,
      )
      continue
    }
    // §6.3.3 (f): the CRL signer needs cRLSign when its keyUsage is present.
    const issuerUsage = keyUsageNames(issuer.px)
    if (issuerUsage && !issuerUsage.includes('cRLSign')) {
      errors.push(`'${issuer.label}' signed the CRL for ${url} but its keyUsage lacks cRLSign`)
      continue
    }
    let signatureOk = false
    try {
      signatureOk = await crl.verify({ publicKey: issuer.px.publicKey })
    } catch {
      signatureOk = false
    }
    if (!signatureOk) {
      errors.push(`the signature of the CRL for ${url} does not verify with the key of '${issuer.label}'`)
      continue
    }
    // A CRL whose nextUpdate passed before `at` says nothing about `at` (RFC 5280 §5.1.2.5).
    if (crl.nextUpdate && crl.nextUpdate.getTime() < at.getTime()) {
      errors.push(`the CRL for ${url} is stale: its nextUpdate ${iso(crl.nextUpdate)} is before ${iso(at)}`)
      continue
    }
    const entry = crl.findRevoked(cert.px)
    if (!entry) {
      ok.push(`'${cert.label}' is not on the CRL ${url} (thisUpdate ${iso(crl.thisUpdate)})`)
      continue
    }
    // §5.3.2: the invalidity date, when given, is when the certificate became untrustworthy.
    const effective = entry.invalidity ?? entry.revocationDate
    const compromise = entry.reason !== undefined && COMPROMISE_REASONS.has(entry.reason)
    const reasonText = entry.reason === undefined ? '' : ` (reason ${x509.X509CrlReason[entry.reason]})`
    if (compromise || effective.getTime() <= at.getTime()) {
      errors.push(
        `'${cert.label}' (serial ${cert.px.serialNumber.toLowerCase()}) is revoked since ${iso(effective)}${reasonText}`,
      )
    } else {
      ok.push(`'${cert.label}' was revoked on ${iso(effective)}${reasonText}, after ${iso(at)}`)
    }
  }
  if (errors.length > 0) return check('certificate-revocation', 'ERROR', [...errors, ...skipped].join('; '))
  if (skipped.length > 0) {
    return check('certificate-revocation', required ? 'ERROR' : 'SKIPPED', [...skipped, ...ok].join('; '))
  }
  return check('certificate-revocation', 'OK', ok.join('; '))
}
