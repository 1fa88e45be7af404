// Verifies an uploaded EDC file (issue 5, "verify an uploaded EDC file"): a JAdES-sealed EDC as
// the EDC platform writes it, or a bare EDC document. Framework-free and storage-free (style.md,
// practice 1): the file, the trust anchors and the time come in, named checks and a verdict go
// out; an ordered list of steps that mirror how EDC verifies (practice 5). Nothing is fetched.
import type { X509Certificate } from 'node:crypto'
import {
  type AnnexIReport,
  annexIReport,
  CREDENTIAL_PROFILE_ISSUED_BY_MANDATE,
  ElmError,
  ElmWorkerError,
  type ParsedEdc,
  parseEdc,
} from '@alma/elm'
import { type EdcShaclProfile, type ShaclReport, validateEdcShacl } from '@alma/elm/shacl'
import {
  type CertificateCheck,
  checkIssuerLinkage,
  isTrustError,
  looksLikeJwsJson,
  MAX_JSON_DEPTH,
  MAX_X5C,
  type ParsedJadesSeal,
  parseJadesSeal,
  parseStrictJson,
  payloadDocument,
  SealFormatError,
  type TrustAnchors,
  validateCertificateChain,
  verifyJadesSignature,
} from '@alma/trust'
import type { Verdict } from '../verification/index.ts'
import {
  describeError,
  EDC_UPLOAD_CHECK_IDS,
  type EdcUploadCheck,
  type EdcUploadCheckId,
  error,
  ok,
  skipped,
  verdictOf,
} from './checks.ts'
import {
  type SealTimestampResult,
  type VerifyTimestampSignature,
  verifySealTimestamp,
} from './verify-seal-timestamp.ts'
import { verifyTimestampSignature } from './verify-timestamp-signature.ts'
import {
  MAX_EDC_UPLOAD_BYTES,
  type VerifyUploadedEdcInput,
  zVerifyUploadedEdcInput,
} from './z-verify-uploaded-edc-input.ts'

export interface VerifyUploadedEdcDeps {
  /**
   * Verifies the CMS signature of an RFC 3161 token and returns its signer certificate; default
   * `verifyTimestampSignature` (pkijs). Whatever it answers, the TSA certificate must still have
   * id-kp-timeStamping and chain to `timestampTrustAnchors` before genTime is relied on.
   */
  readonly verifyTimestampSignature?: VerifyTimestampSignature
  /**
   * The FORMAT check; default `validateEdcShacl` of `@alma/elm/shacl` on the calling thread. A
   * server passes its ELM workers' `validateShacl` (issue 12 §3: off the request thread, with a
   * deadline). Their `worker_busy` and `worker_closed` are thrown on (no verdict: try again); a
   * deadline passed is a FORMAT ERROR (the document is too costly to validate).
   */
  readonly validateShacl?: (document: unknown, profile: EdcShaclProfile) => Promise<ShaclReport>
}

/** What the seal says and how it was judged; present for sealed files whose signature verified. */
export interface SealSummary {
  readonly alg: string
  /** `false` for EDC seals: the payload is signed as it stands (RFC 7797). */
  readonly b64: boolean
  /** ETSI TS 119 182-1 §5.2.1 `sigT`: the sealer's own claim of when it sealed. */
  readonly claimedSigningTime?: string
  readonly certificate: {
    readonly subject: string
    readonly issuer: string
    readonly serialNumber: string
    readonly notBefore: Date
    readonly notAfter: Date
    readonly organizationIdentifier?: string
  }
  /** The time the certificate checks were made at. */
  readonly validatedAt: Date
  readonly validatedAtSource: SealTimestampResult['atSource']
  /** `sigTst`, as its token claims it (trusted only when `seal-timestamp` is OK). */
  readonly signatureTimestamp?: { readonly genTime: Date; readonly tsa?: string; readonly policy: string }
  /** `adoTst`, as its token claims it. */
  readonly contentTimestamp?: { readonly genTime: Date }
}

export interface UploadedEdcVerification {
  readonly verdict: Verdict
  /** Always every check of {@link EDC_UPLOAD_CHECK_IDS}, in that order. */
  readonly checks: readonly EdcUploadCheck[]
  /** Whether the file is a JAdES seal (whatever the seal's verdict). */
  readonly sealed: boolean
  /**
   * The EDC document the content checks read: the verified payload of a seal, or the document of
   * an unsealed file (which nothing vouches for). Absent when the seal did not verify.
   */
  readonly document?: Record<string, unknown>
  readonly seal?: SealSummary
  /** The SHACL report behind `format`. */
  readonly format?: ShaclReport
  /** The Annex I report behind `annex-i`. */
  readonly annexI?: AnnexIReport
}

type Node = Record<string, unknown>

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const iso = (date: Date) => date.toISOString()

function oneLine(name: string): string {
  return name.replace(/\n/g, ', ')
}

// ——— file ———————————————————————————————————————————————————————————————————————————————————

type ReadFile =
  | { kind: 'unreadable'; check: EdcUploadCheck }
  | { kind: 'sealed'; check: EdcUploadCheck; seal: ParsedJadesSeal }
  | { kind: 'bad-seal'; check: EdcUploadCheck; reason: string }
  | { kind: 'unsealed'; check: EdcUploadCheck; document: Node }

/**
 * The upload as JSON: at most {@link MAX_EDC_UPLOAD_BYTES}, UTF-8 (RFC 8259 §8.1), no duplicate
 * member names and bounded nesting (RFC 8725 §3; security.md "JOSE"); then a JAdES seal (JWS JSON
 * Serialization), the EDC issuer's upload wrapper `{"credential": …}`, or an EDC document.
 */
function readFile(file: string | Uint8Array): ReadFile {
  const unreadable = (reason: string): ReadFile => ({ kind: 'unreadable', check: error('file', reason) })
  const size = typeof file === 'string' ? Buffer.byteLength(file, 'utf8') : file.length
  if (size > MAX_EDC_UPLOAD_BYTES) {
    return unreadable(
      `the file is ${size} bytes; at most ${MAX_EDC_UPLOAD_BYTES} (${MAX_EDC_UPLOAD_BYTES / (1024 * 1024)} MiB) are accepted`,
    )
  }
  let text: string
  try {
    text = typeof file === 'string' ? file : new TextDecoder('utf-8', { fatal: true }).decode(file)
  } catch {
    return unreadable('the file is not UTF-8 text (RFC 8259 §8.1)')
  }
  let value: unknown
  try {
    value = parseStrictJson(text, { maxDepth: MAX_JSON_DEPTH })
  } catch (e) {
    if (isTrustError(e, 'json_invalid')) return unreadable(`the file is not acceptable JSON: ${e.message}`)
    return unreadable('the file is not JSON')
  }
  if (!isNode(value)) return unreadable('the file is not a JSON object: neither an EDC document nor a JAdES seal')

  if (looksLikeJwsJson(value)) {
    let seal: ParsedJadesSeal
    try {
      seal = parseJadesSeal(value)
    } catch (e) {
      if (!(e instanceof SealFormatError)) throw e
      return {
        kind: 'bad-seal',
        check: ok('file', `${size} bytes of JSON in the form of a JWS JSON serialization (RFC 7515 §7.2)`),
        reason: e.message,
      }
    }
    try {
      payloadDocument(seal.jws.payload, seal.protectedHeader.b64 !== false)
    } catch (e) {
      return unreadable(e instanceof SealFormatError ? e.message : 'the sealed payload cannot be read')
    }
    return {
      kind: 'sealed',
      seal,
      check: ok(
        'file',
        `${size} bytes of JSON: a JAdES seal (JWS JSON serialization, RFC 7515 §7.2) over an EDC document`,
      ),
    }
  }

  // The EDC issuer's upload form wraps the document in `credential` (SOURCES.md, the uploadable sample).
  const wrapped = isNode(value.credential) && !('credentialSubject' in value)
  const document = wrapped ? (value.credential as Node) : value
  try {
    parseEdc(document)
  } catch (e) {
    if (e instanceof ElmError) return unreadable(`the file is neither a JAdES seal nor an EDC document: ${e.message}`)
    throw e
  }
  return {
    kind: 'unsealed',
    document,
    check: ok(
      'file',
      `${size} bytes of JSON: an EDC document${wrapped ? ' in the EDC upload wrapper {"credential": …}' : ''}, not sealed`,
    ),
  }
}

// ——— certificate ——————————————————————————————————————————————————————————————————————————

const CERTIFICATE_CHECK_IDS = [
  'certificate-chain-trusted',
  'certificate-validity',
  'certificate-key-usage',
  'certificate-revocation',
  'certificate-qc-seal',
] as const satisfies readonly EdcUploadCheckId[]

function fromCertificateCheck(found: CertificateCheck | undefined, id: EdcUploadCheckId, required: boolean) {
  if (!found) return error(id, `internal: no ${id} result`)
  if (found.status === 'OK') return ok(id, found.reason)
  if (found.status === 'ERROR') return error(id, found.reason)
  // SKIPPED: QC not required is nobody's question; revocation data not provided leaves it unknown.
  return skipped(id, found.reason, id === 'certificate-qc-seal' && !required ? 'not-asked' : 'unknown')
}

/** What the certificate looked like at the claimed signing time, said when that time is not proven. */
function atClaimedTime(leaf: X509Certificate, sigT: string | undefined): string {
  if (!sigT) return ''
  const claimed = new Date(sigT)
  const from = new Date(leaf.validFrom)
  const to = new Date(leaf.validTo)
  const inside = claimed >= from && claimed <= to
  return ` (at the claimed signing time sigT ${sigT} it was ${inside ? 'within' : 'outside'} its validity ${iso(from)} – ${iso(to)}, but sigT is the sealer's own claim, not a proven time)`
}

/**
 * RFC 5280 §6.1 via `@alma/trust`'s `validateCertificateChain`, at the time the time-stamp step
 * settled on. The path may use `x5c` and `xVals` (§5.3.5.1) certificates as intermediates;
 * anchors come only from configuration (security.md: an anchor inside x5c is not trust).
 */
async function certificateChecks(
  seal: ParsedJadesSeal,
  input: { trustAnchors: TrustAnchors; crls?: ReadonlyMap<string, Uint8Array | string> },
  options: { requireQcSeal: boolean; requireRevocationCheck: boolean },
  leaf: X509Certificate,
  time: SealTimestampResult,
): Promise<EdcUploadCheck[]> {
  const x5c = [...seal.protectedHeader.x5c]
  for (const value of seal.certificateValues) if (x5c.length < MAX_X5C && !x5c.includes(value)) x5c.push(value)
  const chain = await validateCertificateChain({
    x5c,
    trustAnchors: input.trustAnchors,
    at: time.at,
    ...(input.crls ? { crls: input.crls } : {}),
    requireQcSeal: options.requireQcSeal,
    requireRevocationCheck: options.requireRevocationCheck,
  })
  const byId = new Map(chain.checks.map((c) => [c.id, c]))
  const added = x5c.length - seal.protectedHeader.x5c.length
  const fromXVals =
    added > 0 ? ` (path building also used ${added} certificate(s) of etsiU xVals, never as anchors)` : ''
  return CERTIFICATE_CHECK_IDS.map((id) => {
    if (id === 'certificate-chain-trusted') {
      // RFC 5280 §6.1.4 (k)–(n): a path is trusted only with the CA constraints along it.
      const path = byId.get('certificate-chain-trusted')
      const constraints = byId.get('certificate-basic-constraints')
      if (path?.status === 'OK' && constraints?.status === 'ERROR') return error(id, constraints.reason)
      const check = fromCertificateCheck(path, id, options.requireQcSeal)
      return { ...check, reason: `${check.reason}${fromXVals}` }
    }
    const check = fromCertificateCheck(byId.get(id), id, options.requireQcSeal)
    if (id !== 'certificate-validity' || time.atSource === 'trusted-timestamp') return check
    const note = atClaimedTime(leaf, seal.protectedHeader.sigT)
    return {
      ...check,
      reason: `${check.reason}; judged at the verification time, as no trusted time-stamp proves an earlier one${note}`,
    }
  })
}

/**
 * OWNER (elm.md, "our eIDAS link" 3): the seal certificate's organizationIdentifier is the ELM
 * issuer's `eIDASIdentifier.notation`, and its country the issuer's. `checkIssuerLinkage` also
 * judges a DID and the chain; an uploaded EDC has no DID and the chain is judged above, so only
 * its two identity checks are taken.
 */
async function ownerChecks(seal: ParsedJadesSeal, document: Node, at: Date): Promise<EdcUploadCheck[]> {
  const linkage = await checkIssuerLinkage({
    did: '',
    didDocument: undefined,
    x5c: seal.protectedHeader.x5c,
    elmIssuer: document.issuer,
    at,
    trustAnchors: [],
  })
  return (['organization-identifier-matches', 'countries-agree'] as const).map((id) => {
    const found = linkage.checks.find((c) => c.id === id)
    if (!found) return error(id, `internal: no ${id} result`)
    if (found.status === 'OK') return ok(id, found.reason)
    if (found.status === 'ERROR') return error(id, found.reason)
    return skipped(id, found.reason, 'unknown')
  })
}

// ——— content ——————————————————————————————————————————————————————————————————————————————

function shaclProfileOf(parsed: ParsedEdc): EdcShaclProfile {
  return parsed.profiles.some((p) => p.id === CREDENTIAL_PROFILE_ISSUED_BY_MANDATE)
    ? 'issued-by-mandate'
    : 'generic-full'
}

/** Why FORMAT could not pass, in words: never "conforms" of a document that was not checked (issue 12 §5). */
function formatProblem(e: unknown): string {
  if (e instanceof ElmError) {
    switch (e.code) {
      // "not an EDC document: its graph has no elm:EuropeanDigitalCredential node …"
      case 'not_an_edc_document':
        return e.message
      case 'document_too_large':
        return `the document is beyond what is validated: ${e.message}`
      case 'worker_deadline_exceeded':
        return `${e.message}: the document's graph is too costly to validate, so it is not shown to conform`
      case 'worker_failed':
        return 'the SHACL validation of this document failed'
    }
  }
  return `the document cannot be read as EDC JSON-LD: ${describeError(e)}`
}

/** FORMAT: the EC's SHACL application profile, the check EDC runs as FORMAT (`@alma/elm/shacl`). */
async function formatCheck(
  document: Node,
  profile: EdcShaclProfile,
  validate: NonNullable<VerifyUploadedEdcDeps['validateShacl']>,
): Promise<{ check: EdcUploadCheck; report?: ShaclReport }> {
  let report: ShaclReport
  try {
    report = await validate(document, profile)
  } catch (e) {
    // The workers are busy or closing: not the document's fault, so no verdict (the caller answers 503).
    if (e instanceof ElmWorkerError && (e.code === 'worker_busy' || e.code === 'worker_closed')) throw e
    return { check: error('format', formatProblem(e)) }
  }
  // An uploaded graph is data, never ontology: its rdfs:/owl: triples were not used (validateEdcShacl).
  const ignored = report.ignoredSchemaTriples
    ? `; ${report.ignoredSchemaTriples} rdfs/owl schema triple(s) of the document were ignored`
    : ''
  if (report.conforms) {
    return {
      report,
      check: ok(
        'format',
        `conforms to the EDC SHACL profile '${profile}' (${report.triples} triples, no violation${ignored})`,
      ),
    }
  }
  const shown = report.violations.slice(0, 5).map((v) => {
    const where = [...v.within, v.property].filter(Boolean).join('.') || v.focusNode
    return `${where}: ${v.message}`
  })
  const more = report.violations.length > shown.length ? `; and ${report.violations.length - shown.length} more` : ''
  return {
    report,
    check: error(
      'format',
      `${report.violations.length} violation(s) of the EDC SHACL profile '${profile}': ${shown.join('; ')}${more}${ignored}`,
    ),
  }
}

/** EXPIRY of the credential itself: `validFrom` ≤ now < `validUntil` (`expirationDate` in VC 1.1). */
function credentialValidityCheck(parsed: ParsedEdc, now: Date): EdcUploadCheck {
  const id = 'credential-validity'
  const from = parsed.validFrom ? new Date(parsed.validFrom) : undefined
  const until = parsed.validUntil ? new Date(parsed.validUntil) : undefined
  if (from && Number.isNaN(from.getTime())) return error(id, `validFrom '${parsed.validFrom}' is not a date`)
  if (until && Number.isNaN(until.getTime())) return error(id, `validUntil '${parsed.validUntil}' is not a date`)
  if (from && from > now) return error(id, `the credential is not valid before ${iso(from)} (now ${iso(now)})`)
  if (until && until <= now) return error(id, `the credential expired on ${iso(until)} (now ${iso(now)})`)
  const start = from ? `valid from ${iso(from)}` : 'states no validFrom'
  return ok(id, `${start}, ${until ? `until ${iso(until)}` : 'with no end date'}; valid at ${iso(now)}`)
}

/** REVOCATION of the credential: a status entry is not checked for uploads, so it stays unknown. */
function credentialRevocationCheck(document: Node): EdcUploadCheck {
  const status = document.credentialStatus
  if (status === undefined) {
    return skipped(
      'credential-revocation',
      'the credential names no credentialStatus: revocation is unknown',
      'unknown',
    )
  }
  const entry = (Array.isArray(status) ? status[0] : status) as Node | undefined
  const type = isNode(entry) && typeof entry.type === 'string' ? ` of type ${entry.type}` : ''
  return skipped(
    'credential-revocation',
    `the credential names a status entry${type}, which is not checked for uploaded files (nothing is fetched): revocation is unknown`,
    'unknown',
  )
}

function annexICheck(parsed: ParsedEdc): { check: EdcUploadCheck; report: AnnexIReport } {
  const report = annexIReport(parsed)
  // The report reads the first learning achievement; without one it has nothing to report on,
  // and a check that found nothing to check is not OK (issue 12 §5).
  if (parsed.achievements.length === 0) {
    return {
      report,
      check: error(
        'annex-i',
        'the credential states no learning achievement (credentialSubject.hasClaim): there is nothing to report Annex I on',
      ),
    }
  }
  const present = report.elements.filter((e) => e.status === 'present').length
  const verdict = report.isMicroCredential
    ? 'a micro-credential in the sense of the Council Recommendation (all mandatory elements 1–11 stated)'
    : `mandatory element(s) ${report.missing.join(', ')} missing: not a micro-credential in the Recommendation’s sense`
  return { report, check: ok('annex-i', `${present} of 16 Annex I elements stated; ${verdict}`) }
}

// ——— the pipeline —————————————————————————————————————————————————————————————————————————

/**
 * Verifies an uploaded EDC file and reports every check of {@link EDC_UPLOAD_CHECK_IDS}, in order,
 * each OK / ERROR / SKIPPED with a reason a person can read, and a verdict as EDC gives one:
 *
 * 1. `file` — JSON within 2 MiB, UTF-8, no duplicate keys; a JAdES seal or an EDC document.
 * 2. `seal-signature` — header rules (RFC 8725: no `none`/HS*, no `jku`/`x5u`/`jwk`, `b64` only
 *    with `crit`, no unknown `crit`), then the JWS over the unencoded payload (RFC 7797) with the
 *    `x5c` leaf's key, by `jose`. An unsealed file is an ERROR: nothing vouches for it.
 * 3. `seal-timestamp` — `sigTst` about this signature (its imprint), signed by its TSA (the CMS
 *    signature, RFC 5652 §5.6, by pkijs) and from a trusted TSA (id-kp-timeStamping, a chain to
 *    `timestampTrustAnchors` at genTime): then the certificate is judged at its genTime;
 *    otherwise at `now`, and the reason says so.
 * 4. `certificate-*` — chain to a configured anchor (an empty store fails closed), validity, key
 *    usage, revocation from configured CRLs, QC e-seal.
 * 5. `organization-identifier-matches`, `countries-agree` — the certificate is the ELM issuer's.
 * 6. `format` (SHACL: an ERROR for a graph with no EDC node, beyond the limits, or past the
 *    deadline), `credential-validity`, `credential-revocation`, `annex-i` — on the verified
 *    payload, or on an unsealed document as uploaded.
 *
 * A failed seal signature blocks every later check (a forged file gets no content report).
 *
 * @example
 * const result = await verifyUploadedEdc({ file: await readFile(path), trustAnchors: [pemBundle] })
 * if (result.verdict !== 'verified') console.log(result.checks.filter((c) => c.status !== 'OK'))
 */
export async function verifyUploadedEdc(
  input: VerifyUploadedEdcInput,
  deps: VerifyUploadedEdcDeps = {},
): Promise<UploadedEdcVerification> {
  const parsedInput = zVerifyUploadedEdcInput.safeParse(input)
  if (!parsedInput.success) {
    const issue = parsedInput.error.issues[0]
    throw new TypeError(`verifyUploadedEdc: ${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid'}`)
  }
  const config = parsedInput.data
  const now = config.now ?? new Date()
  const validateShacl = deps.validateShacl ?? validateEdcShacl
  const checks = new Map<EdcUploadCheckId, EdcUploadCheck>()
  const put = (...list: EdcUploadCheck[]) => {
    for (const check of list) checks.set(check.id, check)
  }
  const finish = (rest: Omit<UploadedEdcVerification, 'verdict' | 'checks'>): UploadedEdcVerification => {
    const ordered = EDC_UPLOAD_CHECK_IDS.map(
      (id) => checks.get(id) ?? skipped(id, 'not reached: an earlier check failed', 'blocked'),
    )
    return { verdict: verdictOf(ordered), checks: ordered, ...rest }
  }
  const blockAll = (ids: readonly EdcUploadCheckId[], reason: string) => {
    for (const id of ids) if (!checks.has(id)) put(skipped(id, reason, 'blocked'))
  }
  const sealIds: EdcUploadCheckId[] = [
    'seal-timestamp',
    ...CERTIFICATE_CHECK_IDS,
    'organization-identifier-matches',
    'countries-agree',
  ]
  const contentIds: EdcUploadCheckId[] = ['format', 'credential-validity', 'credential-revocation', 'annex-i']

  // 1. file
  const file = readFile(config.file)
  put(file.check)
  if (file.kind === 'unreadable') {
    blockAll([...EDC_UPLOAD_CHECK_IDS], 'the file could not be read')
    return finish({ sealed: false })
  }
  if (file.kind === 'bad-seal') {
    put(error('seal-signature', `the file is not a JAdES seal this verifier accepts: ${file.reason}`))
    blockAll([...sealIds, ...contentIds], 'the seal could not be read, so nothing in the file is vouched for')
    return finish({ sealed: true })
  }

  let document: Node
  let seal: SealSummary | undefined
  if (file.kind === 'unsealed') {
    // 2. seal-signature: EDC verifies sealed credentials; an unsealed document proves nothing.
    put(
      error(
        'seal-signature',
        'not sealed: the file is a bare EDC document without a JAdES seal, so nothing proves who issued it or that it is unchanged',
      ),
    )
    blockAll(sealIds, 'not sealed: there is no seal certificate to check')
    document = file.document
  } else {
    // 2. seal-signature
    const signature = await verifyJadesSignature(file.seal)
    if (!signature.ok) {
      put(error('seal-signature', signature.reason))
      blockAll(
        [...sealIds, ...contentIds],
        'the seal signature did not verify, so its certificate and content vouch for nothing',
      )
      return finish({ sealed: true })
    }
    put(ok('seal-signature', signature.reason))
    // The document is read again from the bytes jose verified (security.md: claims only from the verified payload).
    document = payloadDocument(signature.payloadBytes, false)

    // 3. seal-timestamp
    const header = file.seal.protectedHeader
    const time = await verifySealTimestamp({
      ...(file.seal.signatureTimestamp ? { sigTst: file.seal.signatureTimestamp } : {}),
      ...(header.adoTst ? { adoTst: header.adoTst } : {}),
      signature: file.seal.jws.signature,
      payloadInSigningInput: signature.b64 ? Buffer.from(file.seal.jws.payload, 'ascii') : signature.payloadBytes,
      // Seal anchors from trusted lists are CA/QC services, not time-stamping authorities.
      trustAnchors: config.timestampTrustAnchors ?? (Array.isArray(config.trustAnchors) ? config.trustAnchors : []),
      verifyTimestampSignature: deps.verifyTimestampSignature ?? verifyTimestampSignature,
      now,
    })
    put(time.check)

    // 4. certificate-*
    put(
      ...(await certificateChecks(
        file.seal,
        { trustAnchors: config.trustAnchors, ...(config.crls ? { crls: config.crls } : {}) },
        {
          requireQcSeal: config.requireQcSeal === true,
          requireRevocationCheck: config.requireRevocationCheck === true,
        },
        signature.leaf,
        time,
      )),
    )

    // 5. OWNER
    put(...(await ownerChecks(file.seal, document, time.at)))

    const leaf = signature.leaf
    const organizationIdentifier = /(?:^|\n)organizationIdentifier=([^\n]*)/.exec(leaf.subject)?.[1]
    seal = {
      alg: signature.alg,
      b64: signature.b64,
      ...(header.sigT ? { claimedSigningTime: header.sigT } : {}),
      certificate: {
        subject: oneLine(leaf.subject),
        issuer: oneLine(leaf.issuer),
        serialNumber: leaf.serialNumber.toLowerCase(),
        notBefore: new Date(leaf.validFrom),
        notAfter: new Date(leaf.validTo),
        ...(organizationIdentifier ? { organizationIdentifier } : {}),
      },
      validatedAt: time.at,
      validatedAtSource: time.atSource,
      ...(time.signatureTimestamp
        ? {
            signatureTimestamp: {
              genTime: time.signatureTimestamp.genTime,
              policy: time.signatureTimestamp.policy,
              ...(time.signatureTimestamp.tsa ? { tsa: time.signatureTimestamp.tsa } : {}),
            },
          }
        : {}),
      ...(time.contentTimestamp ? { contentTimestamp: { genTime: time.contentTimestamp.genTime } } : {}),
    }
  }

  // 6. content: FORMAT, EXPIRY, REVOCATION, Annex I
  let parsed: ParsedEdc
  try {
    parsed = parseEdc(document)
  } catch (e) {
    put(error('format', `not an EDC credential: ${describeError(e)}`))
    blockAll(contentIds, 'the document is not an EDC credential')
    return finish({ sealed: file.kind === 'sealed', document, ...(seal ? { seal } : {}) })
  }
  const format = await formatCheck(document, config.shaclProfile ?? shaclProfileOf(parsed), validateShacl)
  put(format.check, credentialValidityCheck(parsed, now), credentialRevocationCheck(document))
  const annex = annexICheck(parsed)
  put(annex.check)

  return finish({
    sealed: file.kind === 'sealed',
    document,
    ...(seal ? { seal } : {}),
    ...(format.report ? { format: format.report } : {}),
    annexI: annex.report,
  })
}
