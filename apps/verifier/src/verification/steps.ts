// The named checks of one presented credential and the verdict over them (issue 5; security.md
// "Presentation": "reject …, and say which check failed").

/** The checks, in the order they are reported. */
export const VERIFICATION_STEP_IDS = [
  'format-and-query',
  'signature',
  'issuer-trust',
  'holder-binding',
  'validity',
  'status',
  'policy',
  'annex-i',
] as const
export type VerificationStepId = (typeof VERIFICATION_STEP_IDS)[number]

export type VerificationStepStatus = 'OK' | 'ERROR' | 'SKIPPED'

export interface VerificationStep {
  readonly id: VerificationStepId
  readonly status: VerificationStepStatus
  /** A sentence a relying party's operator can read. */
  readonly reason: string
  /**
   * Only on SKIPPED: `not-asked` when nobody asked for the check (no policy, binding not required),
   * `unknown` when it applies but could not be done (no status entry), `blocked` when an earlier
   * critical step failed.
   */
  readonly skipped?: 'not-asked' | 'unknown' | 'blocked'
}

/**
 * - `verified`: every step OK, SKIPPED only where the check was not asked for.
 * - `partially-verified`: no ERROR and the critical steps (signature, issuer-trust, holder-binding,
 *   validity) are OK, but a check that applies could not be made, so its answer is unknown —
 *   today: the credential names no status list (revocation unknown), or holder binding was not
 *   required and the credential is not bound. This follows EDC's "partially verified": the seal
 *   verifies, some non-critical verification concept has no answer.
 * - `failed`: any step is ERROR.
 */
export type Verdict = 'verified' | 'partially-verified' | 'failed'

/** Steps whose failure makes every later step SKIPPED (security.md: never read an unverified credential). */
export const CRITICAL_STEPS: readonly VerificationStepId[] = ['signature', 'issuer-trust', 'holder-binding']

export function verdictOf(steps: readonly VerificationStep[]): Verdict {
  if (steps.some((s) => s.status === 'ERROR')) return 'failed'
  if (steps.some((s) => s.status === 'SKIPPED' && s.skipped !== 'not-asked')) return 'partially-verified'
  return 'verified'
}

export const ok = (id: VerificationStepId, reason: string): VerificationStep => ({ id, status: 'OK', reason })
export const error = (id: VerificationStepId, reason: string): VerificationStep => ({ id, status: 'ERROR', reason })
export const skipped = (
  id: VerificationStepId,
  reason: string,
  why: NonNullable<VerificationStep['skipped']>,
): VerificationStep => ({ id, status: 'SKIPPED', reason, skipped: why })

/** A readable reason from any thrown value, with the stable code when it has one. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code
    return typeof code === 'string' ? `${e.message} (${code})` : e.message
  }
  return String(e)
}
