import { lookup as dnsLookup } from 'node:dns/promises'
import http from 'node:http'
import https from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import type { DIDDocument, DIDResolutionResult } from 'did-resolver'
import { isTrustError } from '../errors.ts'
import { parseDidWeb } from './did-web.ts'
import { forbiddenAddressReason } from './ip-ranges.ts'
import { parseStrictJson } from './strict-json.ts'

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

/** An address from DNS. */
export interface ResolvedAddress {
  readonly address: string
  readonly family: 4 | 6
}

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

export const DID_WEB_DEFAULT_TIMEOUT_MS = 3000
export const DID_WEB_DEFAULT_MAX_BYTES = 100 * 1024

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

interface Target {
  readonly url: URL
  /** The host exactly as in the DID, lower-cased (before any URL parser could reinterpret it). */
  readonly host: string
  /** True when the development allow-list waives the address checks. */
  readonly allowListed: boolean
}

/**
 * Step 1: the URL to fetch (did:web §3.2.2), and whether the development allow-list covers it.
 * Hosts outside the allow-list pass {@link checkHostName} before any URL is built from them.
 */
function target(did: string, options: DidWebFetchOptions): Target {
  const { host, port, path } = parseDidWeb(did)
  const hostname = host.toLowerCase()
  const effectivePort = String(port ?? 443)
  const authority = port === undefined ? hostname : `${hostname}:${port}`
  const pathname = `/${path.length > 0 ? path.join('/') : '.well-known'}/did.json`
  const allowList = options.mode === 'development' ? (options.devAllowList ?? []) : []
  let scheme: 'https:' | 'http:' | undefined
  for (const entry of allowList) {
    if (entry.includes('://')) {
      const origin = new URL(entry)
      const entryPort = origin.port || (origin.protocol === 'http:' ? '80' : '443')
      if (origin.hostname === hostname && entryPort === effectivePort) {
        scheme = origin.protocol === 'http:' ? 'http:' : 'https:'
        break
      }
    } else {
      const [entryHost, entryPort] = entry.toLowerCase().split(':')
      if (entryHost === hostname && (entryPort === undefined || entryPort === effectivePort)) {
        scheme = 'https:'
        break
      }
    }
  }
  if (scheme === undefined) checkHostName(did, hostname)
  return {
    url: new URL(`${scheme ?? 'https:'}//${authority}${pathname}`),
    host: hostname,
    allowListed: scheme !== undefined,
  }
}

/**
 * Step 2: refuse hosts that are addresses in disguise. WHATWG URL parsing turns `2130706433`,
 * `0x7f000001`, `0177.0.0.1` and `127.1` into `127.0.0.1`; any host that parses as an IP is refused.
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

/** Step 3: resolve the name and check every address, so none of them leads inside. */
async function resolveAndCheck(did: string, host: string, options: DidWebFetchOptions, allowListed: boolean) {
  const literal = isIP(host)
  if (literal) return { address: host, family: literal as 4 | 6 }
  let addresses: readonly ResolvedAddress[]
  try {
    addresses = options.lookup
      ? await options.lookup(host)
      : (await dnsLookup(host, { all: true, verbatim: true })).map((a) => ({
          address: a.address,
          family: a.family as 4 | 6,
        }))
  } catch (cause) {
    throw new Refusal('dns_failed', `${did}: cannot resolve host ${host}: ${(cause as Error).message}`)
  }
  if (addresses.length === 0) throw new Refusal('dns_failed', `${did}: host ${host} has no addresses`)
  if (!allowListed) {
    for (const { address } of addresses) {
      const reason = forbiddenAddressReason(address)
      if (reason !== undefined) {
        const article = /^[aeiou]/i.test(reason) ? 'an' : 'a'
        throw new Refusal(
          'forbidden_address',
          `${did}: host ${host} resolves to ${article} ${reason} address ${address}`,
        )
      }
    }
  }
  return addresses[0]!
}

/**
 * Step 4: one GET to the checked address (the connection is pinned to it, so a second DNS answer
 * cannot rebind), no redirects, media type checked, body capped while it streams.
 */
function get(did: string, url: URL, address: ResolvedAddress, options: DidWebFetchOptions, signal: AbortSignal) {
  const maxBytes = options.maxBytes ?? DID_WEB_DEFAULT_MAX_BYTES
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [{ address: address.address, family: address.family }])
    else callback(null, address.address, address.family)
  }
  return new Promise<Buffer>((resolve, reject) => {
    const requestOptions: https.RequestOptions = {
      method: 'GET',
      headers: { accept: 'application/did+json, application/json;q=0.9', 'user-agent': 'alma-did-resolver' },
      agent: false,
      lookup: pinned,
      signal,
    }
    if (options.ca !== undefined) requestOptions.ca = options.ca as https.RequestOptions['ca']
    const request = (url.protocol === 'http:' ? http : https).request(url, requestOptions, (response) => {
      const status = response.statusCode ?? 0
      const fail = (refusal: Refusal) => {
        response.destroy()
        reject(refusal)
      }
      // did:web §3.2.2 names no redirects; following one would leave the checked host.
      if (status >= 300 && status < 400) {
        return fail(
          new Refusal(
            'redirect',
            `${did}: ${url} answered ${status} (redirect to ${(response.headers.location ?? '?').slice(0, 200)}), which is not followed`,
          ),
        )
      }
      if (status !== 200) return fail(new Refusal('http_status', `${did}: ${url} answered HTTP ${status}`))
      const mediaType = (response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
      if (!ACCEPTED_MEDIA_TYPES.includes(mediaType)) {
        return fail(
          new Refusal(
            'content_type',
            `${did}: content type "${mediaType}" is not a DID document type (application/did+json, application/json)`,
          ),
        )
      }
      const declared = Number(response.headers['content-length'] ?? Number.NaN)
      if (declared > maxBytes) {
        return fail(
          new Refusal('too_large', `${did}: the document is ${declared} bytes, over the ${maxBytes}-byte cap`),
        )
      }
      const chunks: Buffer[] = []
      let received = 0
      response.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (received > maxBytes) {
          fail(new Refusal('too_large', `${did}: the document exceeds the ${maxBytes}-byte cap`))
          return
        }
        chunks.push(chunk)
      })
      response.on('end', () => resolve(Buffer.concat(chunks)))
      response.on('error', reject)
    })
    request.on('error', reject)
    request.end()
  })
}

/** Step 5: parse, and check the document is about this DID (did:web §3.2.2; DID Core §7.1.2). */
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

/**
 * Fetches and checks a did:web document behind the SSRF guard (security.md, "did:web"): a DNS name
 * only (no IP literals, encoded addresses or localhost), every resolved address public, the
 * connection pinned to a checked address, https only (plain http only to a development
 * allow-listed origin), no redirects, a 100 KB cap while streaming, a 3 s time limit, a JSON media
 * type, and `id` equal to the DID. Never throws: failures come back as resolution results.
 */
export async function fetchDidWebDocument(did: string, options: DidWebFetchOptions = {}): Promise<DIDResolutionResult> {
  const controller = new AbortController()
  const timeoutMs = options.timeoutMs ?? DID_WEB_DEFAULT_TIMEOUT_MS
  let timer: NodeJS.Timeout | undefined
  let origin = did
  try {
    const tgt = target(did, options)
    origin = tgt.url.host
    timer = setTimeout(() => controller.abort(), timeoutMs)
    const timedOut = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () =>
        reject(new Refusal('timeout', `${did}: no complete answer from ${origin} within ${timeoutMs} ms`)),
      )
    })
    timedOut.catch(() => {})
    const address = await Promise.race([resolveAndCheck(did, tgt.host, options, tgt.allowListed), timedOut])
    const body = await Promise.race([get(did, tgt.url, address, options, controller.signal), timedOut])
    const didDocument = parseDocument(did, body)
    return { didResolutionMetadata: { contentType: 'application/did+json' }, didDocument, didDocumentMetadata: {} }
  } catch (e) {
    if (isTrustError(e)) return failedResolution('invalidDid', 'invalid_did', e.message)
    if (e instanceof Refusal) {
      const error = e.reason === 'ip_literal' || e.reason === 'forbidden_host' ? 'invalidDid' : 'notFound'
      return failedResolution(error, e.reason, e.message)
    }
    if (controller.signal.aborted) {
      return failedResolution('notFound', 'timeout', `${did}: no complete answer from ${origin} within ${timeoutMs} ms`)
    }
    return failedResolution('notFound', 'network', `${did}: fetching from ${origin} failed: ${(e as Error).message}`)
  } finally {
    clearTimeout(timer)
  }
}
