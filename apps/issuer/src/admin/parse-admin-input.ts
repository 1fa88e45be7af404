// Admin input is parsed, never cast (style.md, practice 2): a failure names every bad field
// (security.md, "unknown fields in admin input → a clear error naming the field").
import { ElmError } from '@alma/elm'
import { isStoreError } from '@alma/store'
import type { z } from 'zod'
import { IssuerError } from '../errors.ts'

/** One bad field: `path` as a reader writes it (`award.learner.givenName`, `rows[3].grade`). */
export interface AdminIssue {
  readonly path: string
  readonly message: string
}

/** `['award', 'identifiers', 0, 'notation']` → `award.identifiers[0].notation`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else out += out === '' ? String(segment) : `.${String(segment)}`
  }
  return out
}

/**
 * zod issues → admin issues. An unknown key is reported at its own path (`award.colour`), not at
 * its parent's, so the caller sees which field to drop.
 */
export function issuesOf(error: z.ZodError, prefix: readonly PropertyKey[] = []): AdminIssue[] {
  const issues: AdminIssue[] = []
  for (const issue of error.issues) {
    const base = [...prefix, ...issue.path]
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ path: formatIssuePath([...base, key]), message: 'unknown field' })
    } else {
      issues.push({ path: formatIssuePath(base) || '(body)', message: issue.message })
    }
  }
  return issues
}

/** The one error of bad admin input: 400 `invalid_input` naming the fields. */
export function invalidInput(what: string, issues: readonly AdminIssue[]): IssuerError {
  const shown = issues
    .slice(0, 3)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ')
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : ''
  return new IssuerError('invalid_input', `${what} is invalid: ${shown}${more}`, { extra: { issues } })
}

/** Parses `value` with `schema` or throws {@link invalidInput}. */
export function parseAdminInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  throw invalidInput(what, issuesOf(result.error))
}

/** ElmError issues (paths like `award.learner.email`) → admin issues. */
export function elmIssuesOf(error: unknown): AdminIssue[] | undefined {
  if (!(error instanceof ElmError)) return undefined
  return error.issues.map((i) => ({ path: i.path, message: i.message }))
}

/**
 * Maps @alma/store errors by their stable `code` (style.md, practice 4); anything else passes
 * through to the error writer, which answers 500 without detail.
 */
export function toAdminError(error: unknown): unknown {
  if (error instanceof IssuerError) return error
  // store.transaction wraps whatever its callback threw; our own refusals come back out.
  if (isStoreError(error) && error.cause instanceof IssuerError) return error.cause
  // version_conflict's message is ours and names the current version; a duplicate's carries driver detail.
  if (isStoreError(error, 'version_conflict')) return new IssuerError('conflict', error.message, { cause: error })
  if (isStoreError(error, 'duplicate'))
    return new IssuerError('conflict', 'a record with this id already exists', { cause: error })
  if (isStoreError(error, 'invalid_transition')) return new IssuerError('conflict', error.message, { cause: error })
  if (isStoreError(error, 'not_found')) return new IssuerError('not_found', error.message, { cause: error })
  if (isStoreError(error, 'constraint_violated'))
    return new IssuerError('invalid_input', 'the input breaks a constraint of the store', { cause: error })
  return error
}
