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
  const cachedSpecification = validatedOnce.get(specification as object) as
    | MicroCredentialSpecificationInput
    | undefined
  const cachedOrganisations = validatedOnce.get(organisations as object) as OrganisationsInput | undefined
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
    specification: cachedSpecification ?? collect(() => parseSpecification(specification)),
    award: collect(() => parseAward(award)),
    organisations: cachedOrganisations ?? collect(() => parseOrganisations(organisations)),
  }
  const { specification: spec, award: awarded, organisations: orgs } = parsed
  if (!spec || !awarded || !orgs) {
    const roots = [...new Set(issues.map((issue) => issue.path.split(/[.[]/)[0]))].join(', ')
    throw new ElmError('invalid_input', `Invalid ${roots}: ${summarise(issues)}`, issues)
  }
  remember(specification, spec)
  remember(organisations, orgs)
  return { specification: spec, award: awarded, organisations: orgs }
}

/**
 * A course and its organisations are validated once and awarded many times: the validated form is
 * kept per input object, so a cohort pays for validation of its shared inputs once. Inputs are
 * frozen when remembered, so a later change cannot slip past validation.
 */
const validatedOnce = new WeakMap<object, unknown>()

function remember(input: unknown, validated: unknown) {
  if (typeof input === 'object' && input !== null && Object.isFrozen(deepFreeze(input)))
    validatedOnce.set(input, validated)
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
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
