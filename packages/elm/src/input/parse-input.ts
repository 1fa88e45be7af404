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
 * them, not only those of the first input that fails. Nothing is cached and the inputs are left as
 * they are; a cohort that shares a specification uses {@link prepareBuildInputs} instead.
 */
export function parseBuildInputs(specification: unknown, award: unknown, organisations: unknown) {
  return parseTogether({
    specification: () => parseSpecification(specification),
    award: () => parseAward(award),
    organisations: () => parseOrganisations(organisations),
  })
}

/** Runs every parser, then throws one `ElmError` with the issues of all that failed. */
function parseTogether<T extends Record<string, () => unknown>>(parsers: T): { [K in keyof T]: ReturnType<T[K]> } {
  const issues: ElmIssue[] = []
  const parsed: Partial<Record<keyof T, unknown>> = {}
  for (const name of Object.keys(parsers) as (keyof T)[]) {
    try {
      parsed[name] = parsers[name]!()
    } catch (error) {
      if (!(error instanceof ElmError)) throw error
      issues.push(...error.issues)
    }
  }
  if (issues.length > 0) {
    const roots = [...new Set(issues.map((issue) => issue.path.split(/[.[]/)[0]))].join(', ')
    throw new ElmError('invalid_input', `Invalid ${roots}: ${summarise(issues)}`, issues)
  }
  return parsed as { [K in keyof T]: ReturnType<T[K]> }
}

declare const preparedBrand: unique symbol

/**
 * A specification and its organisations, validated once by {@link prepareBuildInputs}: deep-frozen
 * copies, so a later change to the caller's objects cannot slip past validation. Pass it to
 * `buildEdc(prepared, award, options)` to award a cohort without validating the shared inputs again.
 * Documents built from it share some of these frozen values (titles, descriptions): copy a document
 * before changing it in place.
 */
export interface PreparedBuildInputs {
  readonly specification: MicroCredentialSpecificationInput
  readonly organisations: OrganisationsInput
  /** Only {@link prepareBuildInputs} makes these; a look-alike object is not prepared. */
  readonly [preparedBrand]: true
}

const prepared = new WeakSet<object>()

/**
 * Validates a specification and its organisations once, for many awards. Throws
 * `ElmError('invalid_input')` naming every bad field of both. The caller's objects are neither
 * kept nor frozen: the result holds frozen copies of the validated values.
 *
 * @example
 * ```ts
 * const course = prepareBuildInputs(specification, organisations)
 * for (const award of cohort) documents.push(buildEdc(course, award, { pages }))
 * ```
 */
export function prepareBuildInputs(specification: unknown, organisations: unknown): PreparedBuildInputs {
  const { specification: spec, organisations: orgs } = parseTogether({
    specification: () => parseSpecification(specification),
    organisations: () => parseOrganisations(organisations),
  })
  // structuredClone: the schemas may pass nested values through by reference, and those belong to the caller.
  const result = deepFreeze({
    specification: structuredClone(spec),
    organisations: structuredClone(orgs),
  }) as PreparedBuildInputs
  prepared.add(result)
  return result
}

/** True for a value made by {@link prepareBuildInputs}. */
export function isPreparedBuildInputs(value: unknown): value is PreparedBuildInputs {
  return typeof value === 'object' && value !== null && prepared.has(value)
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
