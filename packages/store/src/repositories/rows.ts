// Small conversions between driver rows and records. The two drivers differ: node-postgres
// returns int8 and count(*) as strings, PGlite as numbers; both return timestamptz as Date and
// jsonb parsed.

import { z } from 'zod'
import { StoreError } from '../errors.ts'

/** A number from an int4/int8/numeric column of either driver. */
export function toNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value)
  if (!Number.isSafeInteger(n)) throw new StoreError('database_error', `expected an integer, got ${String(value)}`)
  return n
}

/** A Date from a timestamptz column (or undefined for NULL). */
export function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value))
}

export function toOptionalDate(value: unknown): Date | undefined {
  return value === null || value === undefined ? undefined : toDate(value)
}

export function toOptionalString(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value)
}

/**
 * A JSON value as a query parameter, cast `$n::jsonb` in the SQL. Serialised here because
 * node-postgres would turn a JS array into a PostgreSQL array literal, not JSON.
 */
export function jsonParam(value: unknown): string {
  return JSON.stringify(value)
}

/** Pagination of list and search methods; capped so one request cannot read a whole table. */
export const zPage = z.object({
  limit: z.number().int().min(1).max(1000).default(50),
  offset: z.number().int().min(0).default(0),
})

/** Escapes `%`, `_` and `\` for a LIKE pattern, so user text matches literally. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

/** Validates `input` against `schema`, reporting the path of the first bad field. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const path = issue?.path.length ? issue.path.join('.') : '(root)'
  throw new StoreError('constraint_violated', `${what}: ${path} ${issue?.message ?? 'is invalid'}`)
}
