// Untrusted HTTP request input, checked before any endpoint sees it, for the issuer and the
// verifier alike (security.md, "No 5xx from junk"): the request target (path segments, query), a
// JSON body (strict: no duplicate members, bounded depth), text the store can hold, and the body
// reader's failures (a body that does not match its Content-Encoding). Framework-free: the apps'
// HTTP adapters call these and map a RequestInputError to their own error registry by its code.
import { DuplicateMemberError, parseStrictJson } from '../did/strict-json.ts'
import { TrustError } from '../errors.ts'

/** The answer to bad request input, with the OAuth-style error code both apps' registries know. */
export type RequestInputErrorCode = 'invalid_request' | 'payload_too_large' | 'unsupported_media_type'

/**
 * Bad request input. `description` is safe to send as an `error_description` (RFC 6749 §5.2:
 * printable ASCII without `"` and `\`); whatever the client sent is quoted only in that form.
 */
export class RequestInputError extends Error {
  override readonly name = 'RequestInputError'
  readonly code: RequestInputErrorCode
  readonly description: string

  constructor(code: RequestInputErrorCode, description: string, options?: { cause?: unknown }) {
    super(description, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.description = description
  }
}

export function isRequestInputError(e: unknown): e is RequestInputError {
  return e instanceof RequestInputError
}

/** Longest path segment accepted: every identifier we route on is far shorter (UUIDs, slugs). */
export const MAX_PATH_SEGMENT_LENGTH = 256

/** C0 controls, DEL and C1 controls (Unicode general category Cc). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * `value` as it may appear in an error description: printable ASCII without `"` and `\` (RFC 6749
 * §5.2), anything else as `U+XXXX`, at most 64 characters, in single quotes.
 */
export function quoteForDescription(value: string): string {
  let out = ''
  for (const char of value) {
    const cp = char.codePointAt(0) ?? 0
    out += cp >= 0x20 && cp <= 0x7e && char !== '"' && char !== '\\' && char !== "'" ? char : `U+${hex(cp)}`
    if (out.length > 64) return `'${out.slice(0, 64)}...'`
  }
  return `'${out}'`
}

function hex(cp: number): string {
  return cp.toString(16).toUpperCase().padStart(4, '0')
}

/**
 * Anything but what RFC 3986 §3.3 allows in a path segment unencoded (`pchar`: unreserved,
 * sub-delims, `:` and `@`). Every segment either app routes on — tenant and relying-party slugs,
 * UUIDs, base64url ids, file names — is made of these; anything else names nothing, and kept out
 * it never reaches the store, a log or an error description.
 */
const IDENTIFIER_CHARACTERS = /[^A-Za-z0-9\-._~!$&'()*+,;=:@]/u

/**
 * Checks the path of a request target (`req.path`, still percent-encoded) segment by segment:
 * each must decode as UTF-8 (RFC 3986 §2.5; a `%ff` is not a character), hold no control
 * character (PostgreSQL text cannot hold NUL), hold nothing but `pchar` characters once decoded
 * (no identifier has others), and be at most {@link MAX_PATH_SEGMENT_LENGTH} characters. Throws
 * {@link RequestInputError} `invalid_request`: a junk identifier is bad input wherever it was sent.
 *
 * @example
 * ```ts
 * checkRequestPath('/uni-a/offers/%00') // throws: a path segment holds a control character (U+0000)
 * ```
 */
export function checkRequestPath(path: string): void {
  for (const raw of path.split('/')) {
    if (raw === '') continue
    let segment: string
    try {
      segment = raw.includes('%') ? decodeURIComponent(raw) : raw
    } catch {
      throw new RequestInputError('invalid_request', 'the path is not valid percent-encoded UTF-8')
    }
    const control = CONTROL.exec(segment)
    if (control) {
      throw new RequestInputError(
        'invalid_request',
        `a path segment holds a control character (U+${hex(control[0].charCodeAt(0))})`,
      )
    }
    const odd = IDENTIFIER_CHARACTERS.exec(segment)
    if (odd) {
      throw new RequestInputError(
        'invalid_request',
        `a path segment holds a character no identifier has (U+${hex(odd[0].codePointAt(0) ?? 0)})`,
      )
    }
    if (segment.length > MAX_PATH_SEGMENT_LENGTH) {
      throw new RequestInputError(
        'invalid_request',
        `a path segment is longer than ${MAX_PATH_SEGMENT_LENGTH} characters`,
      )
    }
  }
}

/**
 * Checks parsed query parameters (names and values, a value repeated as an array): no control
 * characters anywhere — no query parameter of either app carries one, and PostgreSQL text cannot
 * hold NUL. A query's `%ff` is already U+FFFD by then (Node's querystring). Throws
 * {@link RequestInputError} `invalid_request` naming the parameter.
 */
export function checkQuery(query: Readonly<Record<string, unknown>>): void {
  for (const [name, value] of Object.entries(query)) {
    const values = Array.isArray(value) ? value : [value]
    if (CONTROL.test(name) || values.some((v) => typeof v === 'string' && CONTROL.test(v))) {
      throw new RequestInputError(
        'invalid_request',
        `the query parameter ${quoteForDescription(name)} holds a control character`,
      )
    }
  }
}

/** Deepest JSON request body accepted; admin inputs (courses) nest about eight levels. */
export const MAX_JSON_BODY_DEPTH = 32

/**
 * A JSON request body (RFC 8259) from its bytes, as both apps accept it: UTF-8 only (§8.1), an
 * object or an array at the top (a bare `"1"` is no request), no duplicate member names (§4 leaves
 * them undefined: a proxy and the app could read different values — security.md, "Duplicate JSON
 * keys"), at most {@link MAX_JSON_BODY_DEPTH} levels deep. An empty body is `{}`, as express's
 * JSON parser had it. Throws {@link RequestInputError}: `unsupported_media_type` for another
 * charset, `invalid_request` naming the problem (and a duplicate member) otherwise.
 */
export function parseJsonRequestBody(bytes: Uint8Array, charset?: string): unknown {
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8' && charset.toLowerCase() !== 'utf8') {
    throw new RequestInputError('unsupported_media_type', 'a JSON request body must be UTF-8 (RFC 8259 section 8.1)')
  }
  let text: string
  try {
    text = UTF8.decode(bytes)
  } catch (cause) {
    throw new RequestInputError('invalid_request', 'the request body is not valid UTF-8', { cause })
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  const first = firstNonWhitespace(text)
  if (first === undefined) return {}
  if (first !== '{' && first !== '[') {
    throw new RequestInputError('invalid_request', 'the request body is not valid JSON: expected an object')
  }
  try {
    return parseStrictJson(text, { maxDepth: MAX_JSON_BODY_DEPTH })
  } catch (cause) {
    if (cause instanceof DuplicateMemberError) {
      throw new RequestInputError(
        'invalid_request',
        `the request body is not valid JSON: duplicate member ${quoteForDescription(cause.member)}`,
        { cause },
      )
    }
    if (cause instanceof TrustError && cause.code === 'json_invalid') {
      throw new RequestInputError(
        'invalid_request',
        `the request body is not valid JSON: nested deeper than ${MAX_JSON_BODY_DEPTH} levels`,
        { cause },
      )
    }
    throw new RequestInputError('invalid_request', 'the request body is not valid JSON', { cause })
  }
}

/** The first character that is not JSON whitespace (RFC 8259 §2: space, tab, LF, CR). */
function firstNonWhitespace(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return text[i]
  }
  return undefined
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Checks every string (and member name) of a parsed request body — JSON, form parameters, text —
 * for what no field of ours may hold and PostgreSQL cannot store: NUL (text 22021, jsonb 22P05)
 * and lone surrogates (ill-formed UTF-16, which JSON's `\ud800` escapes can make: jsonb refuses
 * them, and they cannot be written as UTF-8). Throws {@link RequestInputError} `invalid_request`
 * naming the field (`award.learner.givenName`, `rows[3]`).
 */
export function checkBodyText(body: unknown): void {
  const found = findUnstorableText(body, [])
  if (found) {
    const where = found.path.length === 0 ? 'the request body' : formatFieldPath(found.path)
    throw new RequestInputError(
      'invalid_request',
      found.problem === 'nul'
        ? `${where} holds a NUL character (U+0000)`
        : `${where} holds a lone surrogate (ill-formed UTF-16)`,
    )
  }
}

type TextProblem = 'nul' | 'lone_surrogate'

function textProblem(value: string): TextProblem | undefined {
  if (value.includes('\u0000')) return 'nul'
  if (LONE_SURROGATE.test(value)) return 'lone_surrogate'
  return undefined
}

function findUnstorableText(
  value: unknown,
  path: (string | number)[],
): { path: (string | number)[]; problem: TextProblem } | undefined {
  if (typeof value === 'string') {
    const problem = textProblem(value)
    return problem ? { path, problem } : undefined
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], [...path, i])
      if (found) return found
    }
    return undefined
  }
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    for (const [key, member] of Object.entries(value)) {
      const keyProblem = textProblem(key)
      if (keyProblem) return { path: [...path, key], problem: keyProblem }
      const found = findUnstorableText(member, [...path, key])
      if (found) return found
    }
  }
  return undefined
}

/** `['award', 'rows', 3, 'name']` → `award.rows[3].name`; odd names quoted as in descriptions. */
function formatFieldPath(path: readonly (string | number)[]): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else {
      const name = /^[A-Za-z0-9_$@:-]{1,64}$/.test(segment) ? segment : quoteForDescription(segment)
      out += out === '' ? name : `.${name}`
    }
  }
  return out
}

/** What the body reader (express's body-parser, raw-body) reports, as far as we read it. */
interface BodyReaderFailure {
  readonly type?: unknown
  readonly status?: unknown
  readonly errno?: unknown
  readonly code?: unknown
}

const BODY_READER_DESCRIPTIONS: Readonly<Record<string, [RequestInputErrorCode, string]>> = {
  'entity.too.large': ['payload_too_large', 'the request body is too large'],
  'parameters.too.many': ['invalid_request', 'too many form parameters'],
  'request.size.invalid': ['invalid_request', 'the request body does not match its Content-Length'],
  'request.aborted': ['invalid_request', 'the request body ended early'],
  'encoding.unsupported': ['unsupported_media_type', 'unsupported body encoding'],
  'charset.unsupported': ['unsupported_media_type', 'unsupported body encoding'],
  'entity.parse.failed': ['invalid_request', 'the request body could not be parsed'],
}

/**
 * Maps a failure of the body reader to a {@link RequestInputError}, or `undefined` for anything
 * else (a server fault stays one). A body that does not decode under its `Content-Encoding`
 * (RFC 9110 §8.4: gzip, deflate, br) reaches the reader as a zlib error: 400 naming the coding.
 * A decompression bomb is cut off at the body limit while inflating (`entity.too.large`, 413).
 */
export function bodyReaderProblem(error: unknown, contentEncoding: string | undefined): RequestInputError | undefined {
  if (error === null || typeof error !== 'object') return undefined
  const e = error as BodyReaderFailure
  if (typeof e.type === 'string') {
    const known = BODY_READER_DESCRIPTIONS[e.type]
    if (known) return new RequestInputError(known[0], known[1], { cause: error })
  }
  const coding = (contentEncoding ?? 'identity').trim().toLowerCase()
  // zlib's codes (Z_DATA_ERROR, Z_BUF_ERROR) and brotli's (ERR__ERROR_FORMAT_…), on an error the
  // body reader marked as the client's (status 400): not an fs or network error of ours.
  const decoding = typeof e.code === 'string' && /^(Z_|ERR__|ERR_BROTLI|ERR_ZSTD)/.test(e.code)
  if (coding !== 'identity' && decoding && typeof e.errno === 'number' && e.status === 400) {
    return new RequestInputError(
      'invalid_request',
      `the request body is not valid ${quoteForDescription(coding)} data (its Content-Encoding)`,
      { cause: error },
    )
  }
  return undefined
}
