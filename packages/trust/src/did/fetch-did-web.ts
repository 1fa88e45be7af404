import { isIP } from 'node:net'
import type { DIDDocument, DIDResolutionResult } from 'did-resolver'
import { isTrustError } from '../errors.ts'
import {
  devAllowListMatches,
  GUARDED_FETCH_DEFAULT_MAX_BYTES,
  GUARDED_FETCH_DEFAULT_TIMEOUT_MS,
  type GuardedFetchFailureReason,
  guardedFetch,
  isGuardedFetchError,
  type ResolvedAddress,
} from '../net/guarded-fetch.ts'
import { parseDidWeb } from './did-web.ts'
import { parseStrictJson } from './strict-json.ts'

export type { ResolvedAddress } from '../net/guarded-fetch.ts'

/**
 * Why a did:web resolution failed, as a stable code in `didResolutionMetadata.reason` (the message
 * says it in words). `error` is `invalidDid` for DIDs we refuse to dereference, `notFound` else.
 */
export type DidWebFailureReason =
  | 'invalid_did'
  | 'ip_literal'
  | 'forbidden_host'
  | 'not_allowed'
  | 'dns_failed'
  | 'forbidden_address'
  | 'redirect'
  | 'http_status'
  | 'content_type'
  | 'too_large'
  | 'timeout'
  | 'network'
  | 'invalid_json'
  | 'id_mismatch'

/** Options of the guarded did:web fetch (see {@link fetchDidWebDocument}). */
export interface DidWebFetchOptions {
  /** `production` (default) allows https only and no development allow-list. */
  readonly mode?: 'production' | 'development'
  /**
   * Development only: hosts (`127.0.0.1`, `issuer.test:8443`) or origins (`http://127.0.0.1:8080`)
   * whose address checks are waived; an `http://` origin also permits plain HTTP to it.
   */
  readonly devAllowList?: readonly string[]
  /** Whole-request time limit (DNS, connect, headers, body); default 3000 ms. */
  readonly timeoutMs?: number
  /** Body size cap, enforced while streaming; default 100 KB. */
  readonly maxBytes?: number
  /** Extra trust anchors for TLS (tests: the test CA); the system roots otherwise. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[]
  /** DNS lookup returning every address of a name (default: `dns.lookup` with `all: true`). */
  readonly lookup?: (hostname: string) => Promise<readonly ResolvedAddress[]>
}

export const DID_WEB_DEFAULT_TIMEOUT_MS = GUARDED_FETCH_DEFAULT_TIMEOUT_MS
export const DID_WEB_DEFAULT_MAX_BYTES = GUARDED_FETCH_DEFAULT_MAX_BYTES

/** did:web documents are JSON (DID Core §6.2: `application/did+json`; did:web §3.2.2: `application/json`). */
const ACCEPTED_MEDIA_TYPES = ['application/did+json', 'application/json', 'application/did+ld+json']

class Refusal extends Error {
  constructor(
    readonly reason: DidWebFailureReason,
    message: string,
  ) {
    super(message)
  }
}

/** A did-resolver result for a failure, with our reason code and message. */
export function failedResolution(
  error: 'invalidDid' | 'notFound',
  reason: DidWebFailureReason,
  message: string,
): DIDResolutionResult {
  return { didResolutionMetadata: { error, reason, message }, didDocument: null, didDocumentMetadata: {} }
}

/**
 * Step 1: the URL to fetch (did:web §3.2.2), over plain http only when the development allow-list
 * has an `http://` origin for it. Hosts outside the allow-list pass {@link checkHostName} before
 * any URL is built from them.
 */
function target(did: string, options: DidWebFetchOptions): URL {
  const { host, port, path } = parseDidWeb(did)
  const hostname = host.toLowerCase()
  const authority = port === undefined ? hostname : `${hostname}:${port}`
  const pathname = `/${path.length > 0 ? path.join('/') : '.well-known'}/did.json`
  const scheme = devAllowListMatches(hostname, String(port ?? 443), options)[0]
  if (scheme === undefined) checkHostName(did, hostname)
  return new URL(`${scheme ?? 'https:'}//${authority}${pathname}`)
}

/**
 * Part of step 1: refuse hosts that are addresses in disguise, judged on the DID's own text so the
 * message shows what the DID says. WHATWG URL parsing turns `2130706433`, `0x7f000001`,
 * `0177.0.0.1` and `127.1` into `127.0.0.1`; any host that parses as an IP is refused.
 * ({@link guardedFetch} checks the parsed URL again; this keeps the DID-specific wording.)
 */
function checkHostName(did: string, host: string): void {
  let parsed: string
  try {
    parsed = new URL(`https://${host}/`).hostname
  } catch {
    throw new Refusal('ip_literal', `${did}: host "${host}" is not a valid host (a malformed numeric address?)`)
  }
  if (isIP(host) || isIP(parsed)) {
    const shown = parsed === host ? host : `"${host}" (= ${parsed})`
    throw new Refusal('ip_literal', `${did}: host ${shown} is an IP literal; did:web needs a DNS name`)
  }
  if (host === 'localhost' || host.endsWith('.localhost')) {
    throw new Refusal('forbidden_host', `${did}: host "${host}" is localhost (RFC 6761)`)
  }
}

/** Step 3: parse, and check the document is about this DID (did:web §3.2.2; DID Core §7.1.2). */
function parseDocument(did: string, body: Buffer): DIDDocument {
  let document: unknown
  try {
    document = parseStrictJson(body.toString('utf8'))
  } catch (e) {
    const why = isTrustError(e) ? `: ${e.message}` : ''
    throw new Refusal('invalid_json', `${did}: the DID document is not valid JSON${why}`)
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new Refusal('invalid_json', `${did}: the DID document is not a JSON object`)
  }
  const id = (document as { id?: unknown }).id
  if (id !== did) {
    throw new Refusal('id_mismatch', `${did}: the document's id ${JSON.stringify(id)} is not the DID`)
  }
  return document as DIDDocument
}

/** The generic guard's reasons are did:web reasons too; only a bad URL becomes `invalid_did`. */
function didReason(reason: GuardedFetchFailureReason): DidWebFailureReason {
  return reason === 'invalid_url' ? 'invalid_did' : reason
}

/**
 * Fetches and checks a did:web document behind the SSRF guard (security.md, "did:web"): a DNS name
 * only (no IP literals, encoded addresses or localhost), every resolved address public, the
 * connection pinned to a checked address, https only (plain http only to a development
 * allow-listed origin), no redirects, a 100 KB cap while streaming, a 3 s time limit, a JSON media
 * type, and `id` equal to the DID. Never throws: failures come back as resolution results.
 * The HTTP part is {@link guardedFetch}; the DID's host rules and the document checks are here.
 */
export async function fetchDidWebDocument(did: string, options: DidWebFetchOptions = {}): Promise<DIDResolutionResult> {
  try {
    const url = target(did, options)
    // Step 2: the guarded GET (net/guarded-fetch.ts), DID media types only.
    const response = await guardedFetch(url.href, {
      ...options,
      accept: ACCEPTED_MEDIA_TYPES,
      userAgent: 'alma-did-resolver',
    })
    // did:web §3.2.2 expects the document itself: any other 2xx (204, 206, …) is no document.
    if (response.status !== 200) throw new Refusal('http_status', `${did}: ${url} answered HTTP ${response.status}`)
    const didDocument = parseDocument(did, response.body)
    return { didResolutionMetadata: { contentType: 'application/did+json' }, didDocument, didDocumentMetadata: {} }
  } catch (e) {
    if (isTrustError(e)) return failedResolution('invalidDid', 'invalid_did', e.message)
    const refusal = isGuardedFetchError(e) ? new Refusal(didReason(e.reason), `${did}: ${e.message}`) : e
    if (refusal instanceof Refusal) {
      const invalid = ['ip_literal', 'forbidden_host', 'invalid_did'].includes(refusal.reason)
      return failedResolution(invalid ? 'invalidDid' : 'notFound', refusal.reason, refusal.message)
    }
    return failedResolution('notFound', 'network', `${did}: resolution failed: ${(e as Error).message}`)
  }
}
