// One registry of the error codes the issuer emits, one error class that keeps the public body
// apart from the internal message and cause, one writer (style.md, practice 4).

import { isStoreError } from '@alma/store'
import { isRequestInputError } from '@alma/trust'
import {
  type Oauth2ErrorCodes,
  Oauth2ResourceUnauthorizedError,
  Oauth2ServerErrorResponseError,
} from '@openid4vc/oauth2'
import type { Response } from 'express'

/**
 * Codes and their HTTP status. OAuth 2.0 (RFC 6749 §5.2, RFC 6750 §3.1, RFC 9449 §7.1),
 * OpenID4VCI 1.0 (§6.3 token, §8.3.1.2 credential, §9.3 deferred, §11.3 notification), and our
 * admin API's own.
 */
export const ISSUER_ERRORS = {
  // RFC 6749 §5.2
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  access_denied: 403,
  // RFC 6750 §3.1 (resource requests)
  invalid_token: 401,
  insufficient_scope: 403,
  // RFC 9449 §7.1
  invalid_dpop_proof: 400,
  use_dpop_nonce: 400,
  // OpenID4VCI 1.0 §8.3.1.2
  invalid_credential_request: 400,
  unknown_credential_configuration: 400,
  unknown_credential_identifier: 400,
  invalid_proof: 400,
  invalid_nonce: 400,
  invalid_encryption_parameters: 400,
  credential_request_denied: 400,
  // OpenID4VCI 1.0 §9.3
  invalid_transaction_id: 400,
  issuance_pending: 400,
  // OpenID4VCI 1.0 §11.3
  invalid_notification_id: 400,
  invalid_notification_request: 400,
  // Admin API and transport
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
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

export type IssuerErrorCode = keyof typeof ISSUER_ERRORS

export interface IssuerErrorOptions {
  /** For logs only; never sent. */
  readonly internal?: string
  readonly cause?: unknown
  /** RFC 6750 §3 / RFC 9449 §7.1: the scheme to challenge with on 401. */
  readonly wwwAuthenticate?: string
  /** RFC 9110 §10.2.3: sent as `Retry-After` (seconds) with a 429 or 503. */
  readonly retryAfterSeconds?: number
  /** Extra public members (e.g. `interval` for `issuance_pending`, `issues` for admin input). */
  readonly extra?: Readonly<Record<string, unknown>>
  readonly status?: number
}

/** An error whose `code` and `description` are safe to send; the rest stays in the log. */
export class IssuerError extends Error {
  override readonly name = 'IssuerError'
  readonly code: IssuerErrorCode
  readonly description: string
  readonly status: number
  readonly wwwAuthenticate?: string
  readonly extra?: Readonly<Record<string, unknown>>
  readonly retryAfterSeconds?: number

  constructor(code: IssuerErrorCode, description: string, options: IssuerErrorOptions = {}) {
    super(options.internal ? `${description} (${options.internal})` : description, { cause: options.cause })
    this.code = code
    this.description = description
    this.status = options.status ?? ISSUER_ERRORS[code]
    this.wwwAuthenticate = options.wwwAuthenticate
    this.extra = options.extra
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds
  }
}

function isKnownCode(code: string): code is IssuerErrorCode {
  return Object.hasOwn(ISSUER_ERRORS, code)
}

/**
 * A library's description as we may send it: @openid4vc/oauth2 sometimes appends a nested
 * error's JSON body after a line break, and RFC 6749 §5.2 allows no line breaks in
 * `error_description`; the first line is the description.
 */
function firstLine(description: string | undefined, fallback: string): string {
  return description?.split('\n')[0] || fallback
}

/**
 * Maps an error from the protocol libraries to ours by its OAuth `error` code (never by message
 * text). Anything unknown becomes a 500 that says nothing about its cause.
 */
export function toIssuerError(error: unknown): IssuerError {
  if (error instanceof IssuerError) return error
  // Junk in a path, query or body (http/request-input.ts): 400, 413 or 415 naming the problem.
  if (isRequestInputError(error)) return new IssuerError(error.code, error.description, { cause: error })
  // A value the store cannot hold got past the checks: still the client's input, not our fault.
  if (isStoreError(error, 'value_invalid')) {
    return new IssuerError(
      'invalid_request',
      'a value in the request cannot be stored (a NUL, invalid text, or too long)',
      {
        internal: error.message,
        cause: error,
      },
    )
  }
  if (error instanceof Oauth2ResourceUnauthorizedError) {
    const challenge = error.wwwAuthenticateHeaders[0]
    const code = (challenge?.error ?? 'invalid_token') as `${Oauth2ErrorCodes}`
    return new IssuerError(
      isKnownCode(code) ? code : 'invalid_token',
      firstLine(challenge?.error_description, 'unauthorized'),
      {
        status: 401,
        internal: error.message,
        cause: error,
        wwwAuthenticate: challengeHeader(challenge?.scheme ?? 'DPoP', isKnownCode(code) ? code : 'invalid_token'),
      },
    )
  }
  if (error instanceof Oauth2ServerErrorResponseError) {
    const { error: code, error_description } = error.errorResponse
    const known = isKnownCode(code) ? code : 'invalid_request'
    return new IssuerError(known, firstLine(error_description, code), {
      internal: error.message,
      cause: error,
      ...(error.status === 401 ? { status: 401 } : {}),
    })
  }
  return new IssuerError('server_error', 'the issuer could not handle this request', { cause: error })
}

/** The `WWW-Authenticate` challenge for a 401 (RFC 6750 §3, RFC 9449 §7.1). */
export function challengeHeader(scheme: string, code: IssuerErrorCode, algs = 'ES256'): string {
  const base = `${scheme} error="${code}"`
  return scheme === 'DPoP' ? `${base}, algs="${algs}"` : base
}

/** Minimal logger shape (pino fits). */
export interface ErrorLog {
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/**
 * Writes an error response. Bodies are `{error, error_description}` (RFC 6749 §5.2) plus any
 * public extras; a 500 never carries the cause. Every error response is `no-store`.
 */
export function writeError(res: Response, error: unknown, log?: ErrorLog): void {
  const e = toIssuerError(error)
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
