// The named checks of an uploaded EDC file and the verdict over them (issue 5, "verify an
// uploaded EDC file"), reported the way the EDC verifier reports them (elm.md, "Sealing in EDC").
import { EDC_VERIFICATION_CONCEPTS } from '@alma/trust'
import type { Verdict } from '../verification/index.ts'

/** The checks, in the order they are reported. */
export const EDC_UPLOAD_CHECK_IDS = [
  'file',
  'seal-signature',
  'seal-timestamp',
  'certificate-chain-trusted',
  'certificate-validity',
  'certificate-key-usage',
  'certificate-revocation',
  'certificate-qc-seal',
  'organization-identifier-matches',
  'countries-agree',
  'format',
  'credential-validity',
  'credential-revocation',
  'annex-i',
] as const
export type EdcUploadCheckId = (typeof EDC_UPLOAD_CHECK_IDS)[number]

export type EdcUploadCheckStatus = 'OK' | 'ERROR' | 'SKIPPED'

/**
 * Why a check was SKIPPED: `not-asked` when nothing asked for it (no time-stamp to check, QC not
 * required), `unknown` when it applies but could not be answered (revocation data not provided),
 * `blocked` when an earlier check failed and this one would vouch for nothing.
 */
export type SkipKind = 'not-asked' | 'unknown' | 'blocked'

export interface EdcUploadCheck {
  readonly id: EdcUploadCheckId
  readonly status: EdcUploadCheckStatus
  /** A sentence a person can read: what was checked, against what, and the outcome. */
  readonly reason: string
  /** The EDC verification concept the check reports under (`http://data.europa.eu/snb/verification/…`). */
  readonly concept?: string
  /** Only on SKIPPED. */
  readonly skipped?: SkipKind
}

/** EDC verification concepts (elm.md, "Sealing in EDC"); FORMAT is not in @alma/trust's table. */
export const EDC_CONCEPTS = {
  FORMAT: 'http://data.europa.eu/snb/verification/2f5b89b96f',
  ...EDC_VERIFICATION_CONCEPTS,
} as const

const CONCEPT_OF: Record<EdcUploadCheckId, string | undefined> = {
  file: EDC_CONCEPTS.FORMAT,
  'seal-signature': EDC_CONCEPTS.SEAL,
  'seal-timestamp': EDC_CONCEPTS.SEAL,
  'certificate-chain-trusted': EDC_CONCEPTS.SEAL,
  'certificate-validity': EDC_CONCEPTS.EXPIRY,
  'certificate-key-usage': EDC_CONCEPTS.SEAL,
  'certificate-revocation': EDC_CONCEPTS.REVOCATION,
  'certificate-qc-seal': EDC_CONCEPTS.SEAL,
  'organization-identifier-matches': EDC_CONCEPTS.OWNER,
  'countries-agree': EDC_CONCEPTS.OWNER,
  format: EDC_CONCEPTS.FORMAT,
  'credential-validity': EDC_CONCEPTS.EXPIRY,
  'credential-revocation': EDC_CONCEPTS.REVOCATION,
  'annex-i': undefined,
}

function withConcept(id: EdcUploadCheckId): { id: EdcUploadCheckId; concept?: string } {
  const concept = CONCEPT_OF[id]
  return concept ? { id, concept } : { id }
}

export const ok = (id: EdcUploadCheckId, reason: string): EdcUploadCheck => ({
  ...withConcept(id),
  status: 'OK',
  reason,
})
export const error = (id: EdcUploadCheckId, reason: string): EdcUploadCheck => ({
  ...withConcept(id),
  status: 'ERROR',
  reason,
})
export const skipped = (id: EdcUploadCheckId, reason: string, kind: SkipKind): EdcUploadCheck => ({
  ...withConcept(id),
  status: 'SKIPPED',
  reason,
  skipped: kind,
})

/**
 * - `verified`: every check OK, SKIPPED only where nothing asked for it.
 * - `partially-verified`: no ERROR, but a check that applies could not be answered (revocation
 *   data not provided, a time-stamp whose TSA is not trusted): EDC's "partially verified".
 * - `failed`: any check is ERROR — an unsealed file always fails `seal-signature`.
 */
export function verdictOf(checks: readonly EdcUploadCheck[]): Verdict {
  if (checks.some((c) => c.status === 'ERROR')) return 'failed'
  if (checks.some((c) => c.status === 'SKIPPED' && c.skipped !== 'not-asked')) return 'partially-verified'
  return 'verified'
}

/** A readable reason from any thrown value, with its stable `code` when it has one. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code
    return typeof code === 'string' ? `${e.message} (${code})` : e.message
  }
  return String(e)
}
