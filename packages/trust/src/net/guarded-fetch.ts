import { lookup as dnsLookup } from 'node:dns/promises'
import http from 'node:http'
import https from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { forbiddenAddressReason } from '../did/ip-ranges.ts'

// One HTTP request to a URL that comes from outside: GETs of did:web documents and of the status
// lists a credential points at (W3C Bitstring Status List `statusListCredential`, IETF Token Status
// List `status.status_list.uri`), and POSTs to the webhook URLs relying parties give us. A URL
// chosen by someone else must not make us talk to our own network (security.md, "did:web, X.509,
// eIDAS": IP literals, localhost, private and link-local ranges, redirects, size cap, timeout), and
// an unreachable list fails closed (security.md, "Presentation": "status list unreachable →
// reject"). Checking a name and then letting the HTTP client resolve it again would leave a
// DNS-rebinding window, so the check and the connection share one resolution.

/**
 * Why a guarded fetch failed, as a stable code (the message says it in words, and is for logs).
 *
 * - `invalid_url`: not an absolute http(s) URL, or one with user:password (RFC 9110 §4.2.4)
 * - `ip_literal`, `forbidden_host`: the host is an address (in any spelling) or localhost
 *   (with `allowIpLiterals`, an address host is judged as `forbidden_address` instead)
 * - `not_allowed`: plain http where only https is allowed
 * - `dns_failed`, `forbidden_address`: the name does not resolve, or resolves to a non-public address
 * - `redirect`, `http_status`, `content_type`, `too_large`: what the server answered (the first
 *   two carry the `status` on the error)
 * - `timeout`, `network`: no complete answer in time, or the connection / TLS failed
 */
export type GuardedFetchFailureReason =
  | 'invalid_url'
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

/**
 * The error {@link guardedFetch} throws. Map on `reason`, never on the message.
 *
 * @example
 * ```ts
 * try { await guardedFetch(uri, { accept: ['application/statuslist+jwt'] }) }
 * catch (e) { if (isGuardedFetchError(e, 'timeout')) reject('status list unreachable') }
 * ```
 */
export class GuardedFetchError extends Error {
  override readonly name = 'GuardedFetchError'
  readonly reason: GuardedFetchFailureReason
  /** The HTTP status the server answered, for `redirect` and `http_status`. */
  readonly status?: number

  constructor(
    reason: GuardedFetchFailureReason,
    message: string,
    options?: { readonly cause?: unknown; readonly status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.reason = reason
    if (options?.status !== undefined) this.status = options.status
  }
}

/**
 * True when `e` is a {@link GuardedFetchError}, optionally with the given reason.
 *
 * @example
 * ```ts
 * if (isGuardedFetchError(e, 'forbidden_address')) log.warn('status list URL points inside', e.message)
 * ```
 */
export function isGuardedFetchError(e: unknown, reason?: GuardedFetchFailureReason): e is GuardedFetchError {
  return e instanceof GuardedFetchError && (reason === undefined || e.reason === reason)
}

/** An address from DNS. */
export interface ResolvedAddress {
  readonly address: string
  readonly family: 4 | 6
}

/** Which targets are acceptable: the options of {@link checkGuardedTarget}, and part of {@link GuardedFetchOptions}. */
export interface GuardedTargetOptions {
  /** `production` (default) allows https only and ignores the development allow-list. */
  readonly mode?: 'production' | 'development'
  /**
   * Development only: hosts (`127.0.0.1`, `issuer.test:8443`; https only) or origins
   * (`http://127.0.0.1:8080`) whose host and address checks are waived; an `http://` origin also
   * permits plain HTTP to it. A host without a port matches every port.
   */
  readonly devAllowList?: readonly string[]
  /**
   * Judge a host written as an IP address (in any spelling) like a resolved address, public ones
   * allowed, instead of refusing it. For URLs where a DNS name is not required (webhook receivers);
   * did:web documents and status lists keep the refusal (security.md, "did:web, X.509, eIDAS").
   * Default `false`.
   */
  readonly allowIpLiterals?: boolean
  /** DNS lookup returning every address of a name (default: `dns.lookup` with `all: true`). */
  readonly lookup?: (hostname: string) => Promise<readonly ResolvedAddress[]>
  /** Time limit; for a fetch, the whole request (DNS, connect, TLS, send, headers, body); default 3000 ms. */
  readonly timeoutMs?: number
}

/** Options of {@link guardedFetch}. */
export interface GuardedFetchOptions extends GuardedTargetOptions {
  /** `GET` (default) or `POST`. Either way no redirect is followed. */
  readonly method?: 'GET' | 'POST'
  /** The body of a POST, sent with its `content-length`; a GET has none. */
  readonly body?: string | Uint8Array
  /**
   * Request headers (`content-type`, a signature, …). `host`, `content-length`,
   * `transfer-encoding`, `connection` and `accept-encoding` are ours to set.
   */
  readonly headers?: Readonly<Record<string, string>>
  /** Body size cap, enforced on `content-length` and while streaming; default 100 KB. */
  readonly maxBytes?: number
  /**
   * Media types accepted (`application/statuslist+jwt`, `application/vc+jwt`, …), sent as `Accept`
   * in this order of preference; the response's media type must be one of them (parameters such as
   * `charset` ignored, case-insensitive). Without it any media type is returned.
   */
  readonly accept?: readonly string[]
  /** Extra trust anchors for TLS (tests: the test CA); the system roots otherwise. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[]
  /** The `User-Agent` header; default `alma-trust`. */
  readonly userAgent?: string
}

/** What {@link guardedFetch} returns: a 2xx answer, complete and within the cap. */
export interface GuardedFetchResponse {
  readonly status: number
  /** The media type, lower-case and without parameters (`application/statuslist+jwt`); `''` when absent. */
  readonly contentType: string
  readonly body: Buffer
  /** The response headers, names lower-case; repeated headers joined with `, ` (RFC 9110 §5.3). */
  readonly headers: Record<string, string>
}

export const GUARDED_FETCH_DEFAULT_TIMEOUT_MS = 3000
export const GUARDED_FETCH_DEFAULT_MAX_BYTES = 100 * 1024

/**
 * The schemes of the development allow-list entries that cover `hostname` on `port` (the port in
 * effect, e.g. `443`), in list order; empty in production or when none does. An `http:` entry
 * permits plain HTTP; every entry waives the host and address checks.
 */
export function devAllowListMatches(
  hostname: string,
  port: string,
  options: Pick<GuardedTargetOptions, 'mode' | 'devAllowList'>,
): ('http:' | 'https:')[] {
  if (options.mode !== 'development') return []
  const host = hostname.toLowerCase()
  const matches: ('http:' | 'https:')[] = []
  for (const entry of options.devAllowList ?? []) {
    const { scheme, entryHost, entryPort } = parseAllowListEntry(entry)
    if (entryHost === host && (entryPort === undefined || entryPort === port)) matches.push(scheme)
  }
  return matches
}

function parseAllowListEntry(entry: string): {
  scheme: 'http:' | 'https:'
  entryHost: string
  entryPort: string | undefined
} {
  const invalid = () =>
    new GuardedFetchError('invalid_url', `devAllowList entry "${entry}" is not a host[:port] or an http(s) origin`)
  if (entry.includes('://')) {
    let origin: URL
    try {
      origin = new URL(entry)
    } catch {
      throw invalid()
    }
    if (origin.protocol !== 'http:' && origin.protocol !== 'https:') throw invalid()
    return { scheme: origin.protocol, entryHost: origin.hostname, entryPort: effectivePort(origin) }
  }
  // `::1` as well as `[::1]:8443`; the URL parser brings numeric and IPv6 hosts to one spelling.
  const spelled = isIP(entry) === 6 ? `[${entry}]` : entry
  let parsed: URL
  try {
    parsed = new URL(`https://${spelled}`)
  } catch {
    throw invalid()
  }
  // `new URL('https://h:443').port` is '' like `https://h`: whether a port was written is read off the text.
  const hasPort = /:\d+$/.test(spelled)
  return { scheme: 'https:', entryHost: parsed.hostname, entryPort: hasPort ? effectivePort(parsed) : undefined }
}

function effectivePort(url: URL): string {
  return url.port || (url.protocol === 'http:' ? '80' : '443')
}

interface Target {
  readonly url: URL
  /** The host to resolve, without IPv6 brackets. */
  readonly host: string
  /** True when the development allow-list waives the host and address checks. */
  readonly allowListed: boolean
}

/**
 * Step 1: an absolute http(s) URL without credentials, https unless an `http://` origin is
 * allow-listed (security.md: plain HTTP would let anyone on the path change a status list).
 */
function target(input: string, options: GuardedTargetOptions): Target {
  let url: URL
  try {
    url = new URL(input)
  } catch {
    throw new GuardedFetchError('invalid_url', `"${input.slice(0, 200)}" is not an absolute URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new GuardedFetchError('invalid_url', `${url.protocol} URLs are not fetched, only http(s)`)
  }
  // RFC 9110 §4.2.4: userinfo in http(s) URIs is deprecated; `good.example@evil.test` hides the real host.
  if (url.username !== '' || url.password !== '') {
    throw new GuardedFetchError('invalid_url', `the URL carries user:password, which is not sent (RFC 9110 §4.2.4)`)
  }
  const matches = devAllowListMatches(url.hostname, effectivePort(url), options)
  if (url.protocol === 'http:' && !matches.includes('http:')) {
    const where = options.mode === 'development' ? 'to an origin not on the development allow-list' : 'in production'
    throw new GuardedFetchError('not_allowed', `plain http to ${url.host} is not allowed ${where}; use https`)
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (matches.length === 0) checkHost(input, url, host, options.allowIpLiterals === true)
  return { url, host, allowListed: matches.length > 0 }
}

/**
 * Step 2: refuse hosts that are addresses in disguise. WHATWG URL parsing turns `2130706433`,
 * `0x7f000001`, `0177.0.0.1` and `127.1` into `127.0.0.1`, so the parsed host is judged, and the
 * message shows what was written. `localhost` names are loopback by definition (RFC 6761 §6.3).
 */
function checkHost(input: string, url: URL, host: string, allowIpLiterals: boolean): void {
  if (isIP(host)) {
    if (allowIpLiterals) return // judged as an address in step 3
    const written = /^[a-z][a-z\d+.-]*:\/\/([^/?#\\]*)/i.exec(input.trim())?.[1]?.replace(/:\d*$/, '').toLowerCase()
    const shown = written === undefined || written === url.hostname ? url.hostname : `"${written}" (= ${url.hostname})`
    throw new GuardedFetchError('ip_literal', `host ${shown} is an IP literal; a DNS name is required`)
  }
  const name = host.replace(/\.$/, '')
  if (name === 'localhost' || name.endsWith('.localhost')) {
    throw new GuardedFetchError('forbidden_host', `host "${host}" is localhost (RFC 6761 §6.3)`)
  }
}

/**
 * Step 3: resolve the name and check every address, so none of them leads inside; the first is
 * the one we connect to. An address host (allow-listed, or with `allowIpLiterals`) is its own
 * answer.
 */
async function resolveAndCheck(tgt: Target, options: GuardedTargetOptions): Promise<ResolvedAddress> {
  const literal = isIP(tgt.host)
  if (literal) {
    if (!tgt.allowListed) refuseForbidden(tgt, tgt.host, 'is')
    return { address: tgt.host, family: literal as 4 | 6 }
  }
  let addresses: readonly ResolvedAddress[]
  try {
    addresses = options.lookup
      ? await options.lookup(tgt.host)
      : (await dnsLookup(tgt.host, { all: true, verbatim: true })).map((a) => ({
          address: a.address,
          family: a.family as 4 | 6,
        }))
  } catch (cause) {
    throw new GuardedFetchError('dns_failed', `cannot resolve host ${tgt.host}: ${(cause as Error).message}`, {
      cause,
    })
  }
  if (addresses.length === 0) throw new GuardedFetchError('dns_failed', `host ${tgt.host} has no addresses`)
  if (!tgt.allowListed) {
    for (const { address } of addresses) refuseForbidden(tgt, address, 'resolves to')
  }
  return addresses[0]!
}

function refuseForbidden(tgt: Target, address: string, verb: 'is' | 'resolves to'): void {
  const reason = forbiddenAddressReason(address)
  if (reason === undefined) return
  const article = /^[aeiou]/i.test(reason) ? 'an' : 'a'
  const shown = verb === 'is' ? '' : ` ${address}`
  throw new GuardedFetchError(
    'forbidden_address',
    `host ${tgt.url.hostname} ${verb} ${article} ${reason} address${shown}`,
  )
}

/** `Accept` in the caller's order of preference (RFC 9110 §12.5.1). */
function acceptHeader(accept: readonly string[] | undefined): string {
  if (accept === undefined || accept.length === 0) return '*/*'
  return accept.map((type, i) => (i === 0 ? type : `${type};q=${Math.max(0.1, 1 - i / 10).toFixed(1)}`)).join(', ')
}

function flatten(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return flat
}

/** Headers the caller may not set: the framing and the target are ours, and we never decode. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'accept-encoding'])

/** The method, body and headers to send; a misuse (a GET with a body, a reserved header) is a TypeError. */
function outgoing(options: GuardedFetchOptions): Outgoing {
  const method = options.method ?? 'GET'
  if (method !== 'GET' && method !== 'POST') throw new TypeError(`guardedFetch sends GET or POST, not ${method}`)
  if (method === 'GET' && options.body !== undefined) throw new TypeError('guardedFetch: a GET has no body')
  const body = method === 'POST' ? Buffer.from(options.body ?? '') : undefined
  return { method, body, headers: requestHeaders(options, body) }
}

interface Outgoing {
  readonly method: 'GET' | 'POST'
  readonly body: Buffer | undefined
  readonly headers: http.OutgoingHttpHeaders
}

function requestHeaders(options: GuardedFetchOptions, body: Buffer | undefined): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {
    accept: acceptHeader(options.accept),
    'user-agent': options.userAgent ?? 'alma-trust',
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    const lower = name.toLowerCase()
    if (RESERVED_HEADERS.has(lower)) throw new TypeError(`guardedFetch sets the ${lower} header itself`)
    headers[lower] = value
  }
  // RFC 9110 §12.5.3: without this any coding is acceptable; we never decode (no decompression
  // bomb in transport), so the body must arrive as the media type itself.
  headers['accept-encoding'] = 'identity'
  // RFC 9112 §6.1: a client must not send Transfer-Encoding unless it knows the server handles
  // HTTP/1.1; a declared length suits every receiver.
  if (body !== undefined) headers['content-length'] = String(body.length)
  return headers
}

/**
 * Step 4: one request to the checked address (the connection is pinned to it, so a second DNS
 * answer cannot rebind the name to an inside address), no redirects, media type checked, body
 * capped while it streams.
 */
function send(
  tgt: Target,
  address: ResolvedAddress,
  out: Outgoing,
  options: GuardedFetchOptions,
  signal: AbortSignal,
): Promise<GuardedFetchResponse> {
  const { url } = tgt
  const maxBytes = options.maxBytes ?? GUARDED_FETCH_DEFAULT_MAX_BYTES
  const accepted = options.accept?.map((type) => type.toLowerCase())
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [{ address: address.address, family: address.family }])
    else callback(null, address.address, address.family)
  }
  return new Promise<GuardedFetchResponse>((resolve, reject) => {
    const requestOptions: https.RequestOptions = {
      method: out.method,
      headers: out.headers,
      agent: false,
      lookup: pinned,
      signal,
    }
    if (options.ca !== undefined) requestOptions.ca = options.ca as https.RequestOptions['ca']
    const request = (url.protocol === 'http:' ? http : https).request(url, requestOptions, (response) => {
      const status = response.statusCode ?? 0
      let settled = false
      const fail = (error: GuardedFetchError) => {
        settled = true
        response.destroy()
        reject(error)
      }
      // RFC 9110 §15.4: following a 3xx is the client's choice; following one would leave the host
      // and addresses checked above, so none is followed (security.md: "redirects → rejected").
      if (status >= 300 && status < 400) {
        const location = (response.headers.location ?? '?').slice(0, 200)
        return fail(
          new GuardedFetchError(
            'redirect',
            `${url} answered ${status} (redirect to ${location}), which is not followed`,
            { status },
          ),
        )
      }
      if (status < 200 || status >= 300) {
        return fail(new GuardedFetchError('http_status', `${url} answered HTTP ${status}`, { status }))
      }
      const contentType = (response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
      if (accepted !== undefined && !accepted.includes(contentType)) {
        return fail(
          new GuardedFetchError(
            'content_type',
            `content type "${contentType}" is not accepted (${accepted.join(', ')})`,
          ),
        )
      }
      const coding = (response.headers['content-encoding'] ?? 'identity').trim().toLowerCase()
      if (coding !== 'identity') {
        return fail(
          new GuardedFetchError('content_type', `content coding "${coding}" was not asked for (identity only)`),
        )
      }
      const declared = Number(response.headers['content-length'] ?? Number.NaN)
      if (declared > maxBytes) {
        return fail(
          new GuardedFetchError('too_large', `the response is ${declared} bytes, over the ${maxBytes}-byte cap`),
        )
      }
      const chunks: Buffer[] = []
      let received = 0
      response.on('data', (chunk: Buffer) => {
        if (settled) return
        received += chunk.length
        if (received > maxBytes) {
          fail(new GuardedFetchError('too_large', `the response exceeds the ${maxBytes}-byte cap`))
          return
        }
        chunks.push(chunk)
      })
      response.on('end', () => {
        if (settled) return
        settled = true
        resolve({ status, contentType, body: Buffer.concat(chunks), headers: flatten(response.headers) })
      })
      response.on('error', reject)
    })
    request.on('error', reject)
    request.end(out.body)
  })
}

/**
 * Runs `work` under one clock for DNS, connect, TLS, send, headers and body (a server that dribbles
 * bytes cannot hold us), and turns what is not a {@link GuardedFetchError} into `timeout` or `network`.
 */
async function withinTime<T>(
  tgt: Target,
  options: GuardedTargetOptions,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? GUARDED_FETCH_DEFAULT_TIMEOUT_MS
  const timeoutError = () =>
    new GuardedFetchError('timeout', `no complete answer from ${tgt.url.host} within ${timeoutMs} ms`)
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(timeoutError())
      controller.abort()
    }, timeoutMs)
  })
  timedOut.catch(() => {})
  try {
    return await Promise.race([work(controller.signal), timedOut])
  } catch (e) {
    if (e instanceof GuardedFetchError) throw e
    if (controller.signal.aborted) throw timeoutError()
    throw new GuardedFetchError('network', `fetching from ${tgt.url.host} failed: ${(e as Error).message}`, {
      cause: e,
    })
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Checks a URL as {@link guardedFetch} would before connecting (steps 1 to 3: scheme, host,
 * resolution, every address public) and sends nothing: for validating a URL when it is given to
 * us, e.g. a webhook URL at creation time. Passing says nothing about later: the name may resolve
 * elsewhere by then, which is why {@link guardedFetch} checks again and pins its connection to
 * what it checked. Throws {@link GuardedFetchError}; resolves with the address a fetch made now
 * would connect to (for logs).
 *
 * @example
 * ```ts
 * try {
 *   await checkGuardedTarget(webhookUrl, { allowIpLiterals: true })
 * } catch (e) {
 *   if (isGuardedFetchError(e)) return `webhookUrl: ${e.message}` // "host … resolves to a private address 10.0.0.5"
 *   throw e
 * }
 * ```
 */
export async function checkGuardedTarget(url: string, options: GuardedTargetOptions = {}): Promise<ResolvedAddress> {
  const tgt = target(url, options)
  return withinTime(tgt, options, () => resolveAndCheck(tgt, options))
}

/**
 * One HTTP GET or POST behind the SSRF guard (security.md, "did:web, X.509, eIDAS"): an absolute
 * https URL (plain http only to a development allow-listed origin) without user:password; a DNS
 * name, not an IP literal in any spelling (unless `allowIpLiterals`), not localhost; every address
 * the name resolves to public, and the connection pinned to the checked one; no redirects followed,
 * for either method (a 3xx throws `redirect`); a 2xx answer of an accepted media type (any other
 * throws `http_status`, with the `status`); the response body capped while it streams; the whole
 * request within the time limit. In development, allow-listed hosts skip the host and address
 * checks (local test servers). Throws {@link GuardedFetchError}; its `reason` says which check
 * failed. A GET with a body or a reserved header is a programming error (TypeError).
 *
 * @example
 * ```ts
 * // IETF Token Status List: the `uri` of a credential's `status.status_list`
 * const { body } = await guardedFetch(uri, { accept: ['application/statuslist+jwt'], maxBytes: 1024 * 1024 })
 * const statusListJwt = body.toString('utf8')
 *
 * // A webhook: POST a JSON notice; `status` is the receiver's 2xx
 * const { status } = await guardedFetch(hookUrl, {
 *   method: 'POST',
 *   body: JSON.stringify(notice),
 *   headers: { 'content-type': 'application/json' },
 *   allowIpLiterals: true,
 * })
 * ```
 */
export async function guardedFetch(url: string, options: GuardedFetchOptions = {}): Promise<GuardedFetchResponse> {
  const out = outgoing(options)
  const tgt = target(url, options)
  return withinTime(tgt, options, async (signal) => {
    const address = await resolveAndCheck(tgt, options)
    return send(tgt, address, out, options, signal)
  })
}
