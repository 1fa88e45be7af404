// One registry of the error codes the verifier emits, one error class that keeps the public body
// apart from the internal message and cause, one writer (style.md, practice 4).
import { isStoreError } from '@alma/store'
import { isRequestInputError } from '@alma/trust'
import type { Response } from 'express'

/**
 * Codes and their HTTP status: OAuth 2.0 (RFC 6749 §4.1.2.1, §5.2), OpenID4VP 1.0 §8.5 (the
 * answers of our request_uri and response_uri endpoints), and the relying-party API's own.
 */
export const VERIFIER_ERRORS = {
  // RFC 6749 / OpenID4VP 1.0 §8.5: what the wallet-facing endpoints answer
  invalid_request: 400,
  // OpenID4VP 1.0 §5.10: the wallet used a request_uri method we do not accept
  invalid_request_uri_method: 400,
  // Relying-party API and transport
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  insufficient_scope: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  server_error: 500,
  // RFC 6749 §4.1.2.1's code for a server that cannot take the request now: the ELM worker
  // threads are busy (with Retry-After) or a task outlived its deadline (issue 12 §3).
  temporarily_unavailable: 503,
} as const satisfies Record<string, number>

export type VerifierErrorCode = keyof typeof VERIFIER_ERRORS

export interface VerifierErrorOptions {
  /** For logs only; never sent. */
  readonly internal?: string
  readonly cause?: unknown
  readonly wwwAuthenticate?: string
  /** RFC 9110 §10.2.3: sent as `Retry-After` (seconds) with a 429 or 503. */
  readonly retryAfterSeconds?: number
  /** Extra public members (e.g. `issues` naming bad input fields). */
  readonly extra?: Readonly<Record<string, unknown>>
}

/** An error whose `code` and `description` are safe to send; the rest stays in the log. */
export class VerifierError extends Error {
  override readonly name = 'VerifierError'
  readonly code: VerifierErrorCode
  readonly description: string
  readonly status: number
  readonly wwwAuthenticate?: string
  readonly extra?: Readonly<Record<string, unknown>>
  readonly retryAfterSeconds?: number

  constructor(code: VerifierErrorCode, description: string, options: VerifierErrorOptions = {}) {
    super(options.internal ? `${description} (${options.internal})` : description, { cause: options.cause })
    this.code = code
    // RFC 6749 §5.2: error_description has no line breaks.
    this.description = description.replace(/\s*\n\s*/g, ' ')
    this.status = VERIFIER_ERRORS[code]
    this.wwwAuthenticate = options.wwwAuthenticate
    this.extra = options.extra
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds
  }
}

/** Anything that is not a VerifierError or bad input becomes a 500 that says nothing about its cause. */
export function toVerifierError(error: unknown): VerifierError {
  if (error instanceof VerifierError) return error
  // Junk in a path, query or body (http/request-input.ts): 400, 413 or 415 naming the problem.
  if (isRequestInputError(error)) return new VerifierError(error.code, error.description, { cause: error })
  // A value the store cannot hold got past the checks: still the client's input, not our fault.
  if (isStoreError(error, 'value_invalid')) {
    return new VerifierError(
      'invalid_request',
      'a value in the request cannot be stored (a NUL, invalid text, or too long)',
      {
        internal: error.message,
        cause: error,
      },
    )
  }
  return new VerifierError('server_error', 'the verifier could not handle this request', { cause: error })
}

/** Minimal logger shape (pino fits). */
export interface Logger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/**
 * Writes an error response: `{error, error_description}` (RFC 6749 §5.2) plus public extras,
 * `no-store`; a 500 never carries its cause.
 */
export function writeError(res: Response, error: unknown, log?: Logger): void {
  const e = toVerifierError(error)
  // A busy or stopped ELM worker is load, not a fault: a warning, like the client errors.
  if (e.status >= 500 && e.code !== 'temporarily_unavailable') log?.error({ err: e.cause ?? e }, e.message)
  else log?.warn({ code: e.code, status: e.status }, e.message)
  if (res.headersSent) return
  res.status(e.status)
  res.set('Cache-Control', 'no-store')
  if (e.wwwAuthenticate) res.set('WWW-Authenticate', e.wwwAuthenticate)
  if (e.retryAfterSeconds !== undefined) res.set('Retry-After', String(e.retryAfterSeconds))
  res.json({ error: e.code, error_description: e.description, ...e.extra })
}
