// A tenant's course ready to award: the specification and the tenant's organisations validated
// once (prepareBuildInputs), so a cohort of hundreds validates the shared inputs one time only.
import { roundDownInstant } from '@alma/credentials'
import { type AnnexIReport, annexIReport, buildEdc, type PreparedBuildInputs, prepareBuildInputs } from '@alma/elm'
import { IssuerError } from '../errors.ts'
import { organisationsOf } from '../issuance/awards.ts'
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
    const issues = elmIssuesOf(error)
    if (!issues) throw error
    // An organisations issue is the tenant's configuration, not this input.
    if (issues.some((i) => i.path.startsWith('organisations')))
      throw new IssuerError('conflict', `tenant ${tenant.id}: its organisations are not valid ELM input`, {
        cause: error,
      })
    throw invalidInput('specification', issues)
  }
}

/** A learner who stands in for the real ones when a course is reported on before any award. */
export function sampleAward(now: Date) {
  return {
    learner: { givenName: 'Sample', familyName: 'Learner' },
    grade: 'Pass',
    awardingDate: now.toISOString().slice(0, 10),
  }
}

/** The PNG signature, base64: the sample EDC is reported on, never stored or shown. */
const PLACEHOLDER_PAGE = 'iVBORw0KGgo='

/**
 * The Annex I report of a course: of a sample award's EDC (elements 1, 5 and 14 come from the
 * award; the rest from the course and the tenant). No certificate pages are rendered for it.
 */
export function courseAnnexReport(course: PreparedBuildInputs, now: Date): AnnexIReport {
  // A placeholder page per display language: the report reads no image, and rendering costs.
  const pages = Object.fromEntries(Object.keys(course.specification.title).map((tag) => [tag, PLACEHOLDER_PAGE]))
  const edc = buildEdc(course, sampleAward(now), { now: roundDownInstant(now, 'hour'), pages })
  return annexIReport(edc)
}
