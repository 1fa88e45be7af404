import type { z } from 'zod'
import { ElmError, type ElmIssue } from '../errors.ts'
import { type AwardInput, zAward } from './z-award.ts'
import { type OrganisationsInput, zOrganisations } from './z-organisations.ts'
import { type MicroCredentialSpecificationInput, zMicroCredentialSpecification } from './z-specification.ts'

/** `['learningOutcomes', 2, 'escoSkills', 0]` under `specification` → `specification.learningOutcomes[2].escoSkills[0]`. */
export function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) out += `.${segment}`
    else out += `[${JSON.stringify(String(segment))}]`
  }
  return out
}

function parseWith<T>(schema: z.ZodType<T>, root: string, value: unknown): T {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issues: ElmIssue[] = result.error.issues.map((issue) => ({
    path: formatPath(root, issue.path),
    message: issue.message,
  }))
  throw new ElmError('invalid_input', `Invalid ${root}: ${summarise(issues)}`, issues)
}

/**
 * Validates the three inputs of a build together, so one answer names every bad field of all of
 * them, not only those of the first input that fails.
 */
export function parseBuildInputs(specification: unknown, award: unknown, organisations: unknown) {
  const issues: ElmIssue[] = []
  const collect = <T>(parse: () => T): T | undefined => {
    try {
      return parse()
    } catch (error) {
      if (!(error instanceof ElmError)) throw error
      issues.push(...error.issues)
      return undefined
    }
  }
  const parsed = {
    specification: collect(() => parseSpecification(specification)),
    award: collect(() => parseAward(award)),
    organisations: collect(() => parseOrganisations(organisations)),
  }
  const { specification: spec, award: awarded, organisations: orgs } = parsed
  if (!spec || !awarded || !orgs) {
    const roots = [...new Set(issues.map((issue) => issue.path.split(/[.[]/)[0]))].join(', ')
    throw new ElmError('invalid_input', `Invalid ${roots}: ${summarise(issues)}`, issues)
  }
  return { specification: spec, award: awarded, organisations: orgs }
}

function summarise(issues: readonly ElmIssue[]): string {
  const shown = issues
    .slice(0, 5)
    .map((issue) => `${issue.path}: ${issue.message}`)
    .join('; ')
  return issues.length > 5 ? `${shown} (and ${issues.length - 5} more)` : shown
}

export function parseSpecification(value: unknown): MicroCredentialSpecificationInput {
  return parseWith(zMicroCredentialSpecification, 'specification', value)
}

export function parseAward(value: unknown): AwardInput {
  return parseWith(zAward, 'award', value)
}

export function parseOrganisations(value: unknown): OrganisationsInput {
  return parseWith(zOrganisations, 'organisations', value)
}
