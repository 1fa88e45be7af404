// One schema per admin input (style.md, practice 2). All are strict: an unknown field is an
// error naming it (security.md). Query strings arrive as text ('simple' query parser) and are
// converted here; a repeated parameter (an array) is refused by the string schemas.

import { zAward, zMicroCredentialSpecification, zPlainText } from '@alma/elm'
import { AWARD_STATES, ISSUED_CREDENTIAL_STATES } from '@alma/store'
import { z } from 'zod'

/** A course id: it becomes part of credential configuration ids (`<id>_jwt_vc_json`) and URLs. */
export const zSpecificationId = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'must be 1–64 of a-z, 0-9 and -, not starting or ending with -')

const zQueryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,10}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.int().min(min).max(max))

const zQueryBool = z.enum(['true', 'false']).transform((v) => v === 'true')

/** `PUT /admin/{tenant}/specifications/{id}`: the ELM specification input; `If-Match` or `expectedVersion` on update. */
export const zPutSpecificationRequest = z.strictObject({
  specification: zMicroCredentialSpecification,
  /** The version read; required to update an existing course (optimistic concurrency). */
  expectedVersion: z.int().min(1).optional(),
})

/**
 * `POST /admin/{tenant}/specifications/{id}/annex-i-check`: a course to check, not to store. Its
 * content is checked by the endpoint, which reports every issue in a 200 answer (admin/annex-i-check.ts).
 */
export const zAnnexICheckRequest = z.strictObject({
  specification: z.record(z.string(), z.unknown()),
})

/** `POST /admin/{tenant}/awards`. */
export const zCreateAwardRequest = z.strictObject({
  specificationId: zSpecificationId,
  award: zAward,
  /** Hold for approval: wallets get a deferred response (VCI 1.0 §9) until approved. */
  hold: z.boolean().optional(),
})

/** What to do when some rows of a cohort are bad. */
export const COHORT_MODES = ['all-or-nothing', 'valid-rows'] as const
export type CohortMode = (typeof COHORT_MODES)[number]

/** `POST /admin/{tenant}/awards/cohort?…` (body: text/csv). */
export const zCohortQuery = z.strictObject({
  specificationId: zSpecificationId,
  hold: zQueryBool.optional(),
  /** `all-or-nothing` (default): one bad row stores nothing; `valid-rows`: the good rows are stored. */
  mode: z.enum(COHORT_MODES).optional(),
})

/** `GET /admin/{tenant}/cohorts/{job}?rows=`: the rows to list — all (default), the failed ones, or none (progress only). */
export const zCohortJobQuery = z.strictObject({
  rows: z.enum(['all', 'failed', 'none']).optional(),
})

/** `POST /admin/{tenant}/cohorts/{job}/cancel`: no members; a body is optional. */
export const zCancelCohortJobRequest = z.strictObject({})

/** A cohort job's id as the issuer makes them (a UUID); any other text names no job. */
export const COHORT_JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** `GET /admin/{tenant}/awards?…`. */
export const zAwardListQuery = z.strictObject({
  /** Matches the learner's names and email. */
  q: z.string().trim().min(1).max(200).optional(),
  state: z.enum(AWARD_STATES).optional(),
  specificationId: zSpecificationId.optional(),
  limit: zQueryInt(1, 200).optional(),
  offset: zQueryInt(0, 1_000_000).optional(),
})

/** `GET /admin/{tenant}/awards/{id}/certificate.png?lang=`: a page language the EDC carries. */
export const zCertificateQuery = z.strictObject({
  lang: z
    .string()
    .regex(/^[a-z]{2,3}$/, 'must be a language tag such as en or de')
    .optional(),
})

/** `POST /admin/{tenant}/awards/{id}/approve`: no members; a body is optional. */
export const zApproveAwardRequest = z.strictObject({})

/** `POST /admin/{tenant}/awards/{id}/offers` (VCI 1.0 §4.1). */
export const zCreateOfferRequest = z.strictObject({
  /**
   * A 6-digit transaction code (VCI 1.0 §4.1.1, §13.6), asked through both grants (at the token
   * request, and on the authorization page); on by default — `false` lets anyone with the link
   * take the offer.
   */
  txCode: z.boolean().optional(),
  /** Default: both configurations of the award's course. */
  credentialConfigurationIds: z.array(z.string().min(1).max(200)).min(1).max(10).optional(),
  /** Which grants the offer carries (§4.1.1); both by default. */
  grants: z.enum(['both', 'pre-authorized_code', 'authorization_code']).optional(),
})

/** `GET /admin/{tenant}/credentials?…`. */
export const zCredentialListQuery = z.strictObject({
  awardId: z.string().min(1).max(200).optional(),
  state: z.enum(ISSUED_CREDENTIAL_STATES).optional(),
  limit: zQueryInt(1, 200).optional(),
  offset: zQueryInt(0, 1_000_000).optional(),
})

/** `POST /admin/{tenant}/credentials/{id}/revoke|suspend|unsuspend`: an optional reason for the audit log. */
export const zCredentialStatusRequest = z.strictObject({
  /** Shown in the audit log and the admin app: plain text (no control character but line breaks). */
  reason: zPlainText(500, { multiLine: true }).optional(),
})

/** `GET /admin/{tenant}/audit?…` (newest first; `before` an entry id, for the next page). */
export const zAuditListQuery = z.strictObject({
  action: z.string().min(1).max(100).optional(),
  limit: zQueryInt(1, 1000).optional(),
  before: zQueryInt(1, Number.MAX_SAFE_INTEGER).optional(),
})
