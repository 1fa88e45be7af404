import { lookup as dnsLookup } from 'node:dns/promises'
import http from 'node:http'
import https from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { forbiddenAddressReason } from '../did/ip-ranges.ts'

// One HTTP GET for URLs that come from outside: did:web documents, and the status lists a
// credential points at (W3C Bitstring Status List `statusListCredential`, IETF Token Status List
// `status.status_list.uri`). A URL chosen by someone else must not make us talk to our own network
// (security.md, "did:web, X.509, eIDAS": IP literals, localhost, private and link-local ranges,
// redirects, size cap, timeout), and an unreachable list fails closed (security.md, "Presentation":
// "status list unreachable → reject").

/**
 * Why a guarded fetch failed, as a stable code (the message says it in words, and is for logs).
 *
 * - `invalid_url`: not an absolute http(s) URL, or one with user:password (RFC 9110 §4.2.4)
 * - `ip_literal`, `forbidden_host`: the host is an address (in any spelling) or localhost
 * - `not_allowed`: plain http where only https is allowed
 * - `dns_failed`, `forbidden_address`: the name does not resolve, or resolves to a non-public address
 * - `redirect`, `http_status`, `content_type`, `too_large`: what the server answered
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

  constructor(reason: GuardedFetchFailureReason, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.reason = reason
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

/** Options of {@link guardedFetch}. */
export interface GuardedFetchOptions {
  /** `production` (default) allows https only and ignores the development allow-list. */
  readonly mode?: 'production' | 'development'
  /**
   * Development only: hosts (`127.0.0.1`, `issuer.test:8443`; https only) or origins
   * (`http://127.0.0.1:8080`) whose host and address checks are waived; an `http://` origin also
   * permits plain HTTP to it. A host without a port matches every port.
   */
  readonly devAllowList?: readonly string[]
  /** Whole-request time limit (DNS, connect, TLS, headers, body); default 3000 ms. */
  readonly timeoutMs?: number
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
  /** DNS lookup returning every address of a name (default: `dns.lookup` with `all: true`). */
  readonly lookup?: (hostname: string) => Promise<readonly ResolvedAddress[]>
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
  options: Pick<GuardedFetchOptions, 'mode' | 'devAllowList'>,
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
function target(input: string, options: GuardedFetchOptions): Target {
  let url: URL
  try {
    url = new URL(input)
  } catch {
    throw new GuardedFetchError('invalid_url', `"${input.slice(0, 200)}" is not an absolute URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new GuardedFetchError('invalid_url', `${url.protocol} URLs are not fetched, only https`)
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
  if (matches.length === 0) checkHost(input, url, host)
  return { url, host, allowListed: matches.length > 0 }
}

/**
 * Step 2: refuse hosts that are addresses in disguise. WHATWG URL parsing turns `2130706433`,
 * `0x7f000001`, `0177.0.0.1` and `127.1` into `127.0.0.1`, so the parsed host is judged, and the
 * message shows what was written. `localhost` names are loopback by definition (RFC 6761 §6.3).
 */
function checkHost(input: string, url: URL, host: string): void {
  if (isIP(host)) {
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
 * the one we connect to.
 */
async function resolveAndCheck(tgt: Target, options: GuardedFetchOptions): Promise<ResolvedAddress> {
  const literal = isIP(tgt.host)
  if (literal) return { address: tgt.host, family: literal as 4 | 6 } // allow-listed (step 1 refuses the rest)
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
    for (const { address } of addresses) {
      const reason = forbiddenAddressReason(address)
      if (reason !== undefined) {
        const article = /^[aeiou]/i.test(reason) ? 'an' : 'a'
        throw new GuardedFetchError(
          'forbidden_address',
          `host ${tgt.host} resolves to ${article} ${reason} address ${address}`,
        )
      }
    }
  }
  return addresses[0]!
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

/**
 * Step 4: one GET to the checked address (the connection is pinned to it, so a second DNS answer
 * cannot rebind the name to an inside address), no redirects, media type checked, body capped
 * while it streams.
 */
function get(
  tgt: Target,
  address: ResolvedAddress,
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
      method: 'GET',
      headers: {
        accept: acceptHeader(options.accept),
        // RFC 9110 §12.5.3: without this any coding is acceptable; we never decode (no decompression
        // bomb in transport), so the body must arrive as the media type itself.
        'accept-encoding': 'identity',
        'user-agent': options.userAgent ?? 'alma-trust',
      },
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
          ),
        )
      }
      if (status < 200 || status >= 300) {
        return fail(new GuardedFetchError('http_status', `${url} answered HTTP ${status}`))
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
    request.end()
  })
}

/**
 * One HTTP GET behind the SSRF guard (security.md, "did:web, X.509, eIDAS"): an absolute https URL
 * (plain http only to a development allow-listed origin) without user:password; a DNS name, not an
 * IP literal in any spelling, not localhost; every address the name resolves to public, and the
 * connection pinned to the checked one; no redirects followed; a 2xx answer of an accepted media
 * type; the body capped while it streams; the whole request within the time limit. In development,
 * allow-listed hosts skip the host and address checks (local test servers). Throws
 * {@link GuardedFetchError}; its `reason` says which check failed.
 *
 * @example
 * ```ts
 * // IETF Token Status List: the `uri` of a credential's `status.status_list`
 * const { body } = await guardedFetch(uri, { accept: ['application/statuslist+jwt'], maxBytes: 1024 * 1024 })
 * const statusListJwt = body.toString('utf8')
 * ```
 */
export async function guardedFetch(url: string, options: GuardedFetchOptions = {}): Promise<GuardedFetchResponse> {
  const tgt = target(url, options)
  const timeoutMs = options.timeoutMs ?? GUARDED_FETCH_DEFAULT_TIMEOUT_MS
  const timeoutError = () =>
    new GuardedFetchError('timeout', `no complete answer from ${tgt.url.host} within ${timeoutMs} ms`)
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  // One clock for DNS, connect, TLS, headers and body: a server that dribbles bytes cannot hold us.
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(timeoutError())
      controller.abort()
    }, timeoutMs)
  })
  timedOut.catch(() => {})
  try {
    const address = await Promise.race([resolveAndCheck(tgt, options), timedOut])
    return await Promise.race([get(tgt, address, options, controller.signal), timedOut])
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
