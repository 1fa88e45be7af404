import { CredentialError } from '../errors.ts'
import { numericDate } from './time.ts'

/** Leeway for clocks that disagree a little (RFC 7519 §4.1.4 "some small leeway"). */
export const DEFAULT_CLOCK_SKEW_SECONDS = 60

/**
 * Checks `exp` and `nbf` (RFC 7519 §4.1.4, §4.1.5) against the caller's clock. Both are numbers
 * when present (the schemas refuse a non-numeric `exp`, RFC 8725 §3.9 spirit).
 */
export function checkValidityWindow(
  payload: { exp?: number | undefined; nbf?: number | undefined },
  now: Date,
  skewSeconds = DEFAULT_CLOCK_SKEW_SECONDS,
): void {
  const t = numericDate(now)
  if (payload.exp !== undefined && t - skewSeconds >= payload.exp) {
    throw new CredentialError('credential_expired', `expired at ${new Date(payload.exp * 1000).toISOString()}`)
  }
  if (payload.nbf !== undefined && t + skewSeconds < payload.nbf) {
    throw new CredentialError(
      'credential_not_yet_valid',
      `not valid before ${new Date(payload.nbf * 1000).toISOString()}`,
    )
  }
}
