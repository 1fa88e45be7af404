// The ELM worker pool's refusals as the issuer answers them (issue 12 §3): busy → 503 with
// Retry-After, a task past its deadline → 503 naming it, a pool closing with the server → 503.
// Errors about the input itself (`ElmError` of other codes) are the caller's to map.
import { ElmWorkerError } from '@alma/elm'
import { IssuerError } from '../errors.ts'

/**
 * `error` as an IssuerError when it is the workers' own (`ElmWorkerError`), else undefined.
 *
 * @example
 * ```ts
 * try { await ctx.elmWorkers.renderCertificatePages(edc) }
 * catch (e) { throw elmWorkError(e, 'rendering the certificate') ?? e }
 * ```
 */
export function elmWorkError(error: unknown, what: string): IssuerError | undefined {
  if (!(error instanceof ElmWorkerError)) return undefined
  switch (error.code) {
    case 'worker_busy':
      return new IssuerError('temporarily_unavailable', `${what} cannot start now: ${error.message}`, {
        cause: error,
        ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
      })
    case 'worker_deadline_exceeded':
      return new IssuerError('temporarily_unavailable', `${what}: ${error.message}`, { cause: error })
    case 'worker_closed':
      return new IssuerError('temporarily_unavailable', `${what} cannot start now: the issuer is shutting down`, {
        cause: error,
        retryAfterSeconds: 1,
      })
    default:
      return new IssuerError('server_error', 'the issuer could not handle this request', {
        internal: `${what}: ${error.message}`,
        cause: error,
      })
  }
}
