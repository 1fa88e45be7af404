// A tenant's course ready to award: the specification and the tenant's organisations validated
// once (prepareBuildInputs), so a cohort of hundreds validates the shared inputs one time only.
import { roundDownInstant } from '@alma/credentials'
import { type AnnexIReport, type ElmWorkers, type PreparedBuildInputs, prepareBuildInputs } from '@alma/elm'
import { IssuerError } from '../errors.ts'
import { organisationsOf } from '../issuance/awards.ts'
import { elmWorkError } from '../issuance/elm-work.ts'
import type { TenantRuntime } from '../issuance/issuer-context.ts'
import { elmIssuesOf, invalidInput } from './parse-admin-input.ts'

/** The tenant's ELM organisations, checked against its DID (issuance/awards.ts). */
export const tenantOrganisations = organisationsOf

/** Validates a specification with the tenant's organisations; 400 naming every bad field. */
export function prepareCourse(tenant: TenantRuntime, specification: unknown): PreparedBuildInputs {
  const organisations = tenantOrganisations(tenant)
  try {
    return prepareBuildInputs(specification, organisations)
  } catch (error) {
    throw courseInputError(tenant, error)
  }
}

/** An ElmError about a course as the admin API answers it; anything else as it is. */
function courseInputError(tenant: TenantRuntime, error: unknown): unknown {
  const issues = elmIssuesOf(error)
  if (!issues) return error
  // An organisations issue is the tenant's configuration, not this input.
  if (issues.some((i) => i.path.startsWith('organisations')))
    return new IssuerError('conflict', `tenant ${tenant.id}: its organisations are not valid ELM input`, {
      cause: error,
    })
  return invalidInput('specification', issues)
}

/** A learner who stands in for the real ones when a course is reported on before any award. */
export function sampleAward(now: Date) {
  return {
    learner: { givenName: 'Sample', familyName: 'Learner' },
    grade: 'Pass',
    awardingDate: now.toISOString().slice(0, 10),
  }
}

/**
 * The Annex I report of a course: of a sample award's EDC (elements 1, 5 and 14 come from the
 * award; the rest from the course and the tenant). The specification is validated, the sample
 * built and reported on by an ELM worker thread (issue 12 §3: a specification can be as large as
 * the body limit); no certificate page is rendered. Throws as {@link prepareCourse} does for a bad
 * course, and 503 `temporarily_unavailable` when the workers are busy or the deadline passed.
 */
export async function courseAnnexReport(
  workers: ElmWorkers,
  tenant: TenantRuntime,
  specification: unknown,
  now: Date,
): Promise<AnnexIReport> {
  const organisations = tenantOrganisations(tenant)
  try {
    return await workers.annexIReportOfAward({ specification, organisations }, sampleAward(now), {
      now: roundDownInstant(now, 'hour'),
    })
  } catch (error) {
    throw elmWorkError(error, 'checking the course against Annex I') ?? courseInputError(tenant, error)
  }
}
