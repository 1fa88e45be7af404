// A cohort from one CSV file: one row per learner. Every row is validated (its EDC built) before
// anything is stored; then the good rows go into `store.awards.createMany` in one transaction
// with the audit entry, so a bad row never leaves a half-made award.
//
// Modes: `all-or-nothing` (the default) stores nothing when any row is bad; `valid-rows` stores
// the good rows and reports the bad ones. Either way the answer has a report per row.
import { randomUUID } from 'node:crypto'
import { ElmError } from '@alma/elm'
import type { NewAward } from '@alma/store'
import { IssuerError } from '../errors.ts'
import { buildAwardEdc } from '../issuance/awards.ts'
import type { IssuerContext, TenantRuntime } from '../issuance/issuer-context.ts'
import { prepareCourse } from './course.ts'
import { type CsvRecord, CsvSyntaxError, parseCsv } from './csv.ts'
import { type AdminIssue, invalidInput } from './parse-admin-input.ts'
import type { CohortMode } from './z-admin-input.ts'

/**
 * The columns of a cohort file and where each goes in the ELM award input (config/examples/awards).
 * Column names are case-insensitive; empty cells are absent values. Required: given_name,
 * family_name, grade, awarding_date.
 */
export const COHORT_COLUMNS = {
  given_name: 'learner.givenName',
  family_name: 'learner.familyName',
  full_name: 'learner.fullName',
  email: 'learner.email',
  date_of_birth: 'learner.dateOfBirth',
  /** The holder's DID, when known. */
  learner_id: 'learner.id',
  /** → learner.identifiers[{ schemeName: 'Student number', notation }] */
  student_number: 'learner.identifiers',
  grade: 'grade',
  awarding_date: 'awardingDate',
  activity_start: 'activityPeriod.start',
  activity_end: 'activityPeriod.end',
  valid_until: 'validUntil',
  credential_number: 'credentialNumber',
} as const
export type CohortColumn = keyof typeof COHORT_COLUMNS
const REQUIRED_COLUMNS: readonly CohortColumn[] = ['given_name', 'family_name', 'grade', 'awarding_date']

export type CohortRowReport =
  | { readonly row: number; readonly ok: true; readonly learner: string; readonly awardId?: string }
  | { readonly row: number; readonly ok: false; readonly learner?: string; readonly issues: readonly AdminIssue[] }

export interface CohortResult {
  readonly specificationId: string
  readonly mode: CohortMode
  readonly rows: readonly CohortRowReport[]
  /** How many awards were stored (0 when all-or-nothing met a bad row). */
  readonly stored: number
  readonly failed: number
  readonly state: 'held' | 'ready'
}

export interface AwardCohortInput {
  readonly specificationId: string
  readonly csv: string
  readonly mode?: CohortMode
  readonly hold?: boolean
  readonly actor: string
  /** Called as rows are validated (`phase: 'validate'`) and once stored (`phase: 'store'`). */
  readonly onProgress?: (done: number, total: number, phase: 'validate' | 'store') => void
}

/** One CSV row → an ELM award input; nothing is checked here but the shape of the file. */
export function awardInputOfRow(columns: readonly CohortColumn[], cells: readonly string[]): Record<string, unknown> {
  const learner: Record<string, unknown> = {}
  const award: Record<string, unknown> = { learner }
  const activity: Record<string, unknown> = {}
  columns.forEach((column, i) => {
    const value = cells[i]?.trim() ?? ''
    if (value === '') return
    const target = COHORT_COLUMNS[column]
    if (column === 'student_number') learner.identifiers = [{ schemeName: 'Student number', notation: value }]
    else if (target.startsWith('learner.')) learner[target.slice('learner.'.length)] = value
    else if (target.startsWith('activityPeriod.')) activity[target.slice('activityPeriod.'.length)] = value
    else award[target] = value
  })
  if (Object.keys(activity).length > 0) award.activityPeriod = activity
  return award
}

/** `award.learner.givenName` → `given_name`: issues name the column the user typed. */
function columnOf(elmPath: string): string {
  const path = elmPath.replace(/^award\.?/, '')
  for (const [column, target] of Object.entries(COHORT_COLUMNS)) {
    if (path === target || path.startsWith(`${target}.`) || path.startsWith(`${target}[`)) return column
  }
  if (path === 'activityPeriod') return 'activity_start'
  return path || '(row)'
}

function headerOf(records: readonly CsvRecord[]): CohortColumn[] {
  const header = records[0]
  if (!header)
    throw invalidInput('cohort CSV', [{ path: '(file)', message: 'is empty; the first row names the columns' }])
  const issues: AdminIssue[] = []
  const columns = header.cells.map((name, i) => {
    const column = name.trim().toLowerCase()
    if (!Object.hasOwn(COHORT_COLUMNS, column))
      issues.push({
        path: `column ${i + 1} (${name})`,
        message: `unknown column; known: ${Object.keys(COHORT_COLUMNS).join(', ')}`,
      })
    if (header.cells.findIndex((c) => c.trim().toLowerCase() === column) !== i)
      issues.push({ path: `column ${i + 1} (${name})`, message: 'appears twice' })
    return column as CohortColumn
  })
  for (const required of REQUIRED_COLUMNS) {
    if (!columns.includes(required)) issues.push({ path: required, message: 'required column is missing' })
  }
  if (issues.length > 0) throw invalidInput('cohort CSV header', issues)
  return columns
}

function learnerName(award: Record<string, unknown>): string | undefined {
  const learner = award.learner as Record<string, unknown>
  const name = [learner.givenName, learner.familyName].filter((v) => typeof v === 'string').join(' ')
  return name || undefined
}

/**
 * Awards a cohort. Steps: parse the file → check the header → validate the course once → build
 * every row's EDC (collecting each row's issues) → store the good rows and one audit entry in
 * one transaction (or none, see the mode). Throws `invalid_input` (with `rows`) when nothing was
 * stored because of bad rows.
 */
export async function awardCohort(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  input: AwardCohortInput,
): Promise<CohortResult> {
  const mode = input.mode ?? 'all-or-nothing'
  const now = ctx.now()
  let records: CsvRecord[]
  try {
    records = parseCsv(input.csv)
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error
    throw invalidInput('cohort CSV', [{ path: `row ${error.row}`, message: error.message }])
  }
  const columns = headerOf(records)
  const body = records.slice(1)
  if (body.length === 0) throw invalidInput('cohort CSV', [{ path: '(file)', message: 'has no learner rows' }])

  const spec = await ctx.store.specifications.get(tenant.id, input.specificationId)
  if (!spec) throw new IssuerError('not_found', `no course specification ${input.specificationId}`)
  const course = prepareCourse(tenant, spec.document)
  const state = input.hold ? 'held' : 'ready'

  const reports: CohortRowReport[] = []
  const good: { report: number; award: NewAward }[] = []
  for (const [n, record] of body.entries()) {
    const issues: AdminIssue[] = []
    if (record.cells.length !== columns.length) {
      issues.push({ path: '(row)', message: `has ${record.cells.length} cells, the header ${columns.length}` })
    }
    const awardInput = awardInputOfRow(columns, record.cells)
    const learner = learnerName(awardInput)
    if (issues.length === 0) {
      try {
        const edc = buildAwardEdc(course, awardInput, now)
        good.push({
          report: reports.length,
          award: {
            tenantId: tenant.id,
            id: randomUUID(),
            specificationId: spec.id,
            specificationVersion: spec.version,
            learner: awardInput,
            edc,
            state,
            now,
          },
        })
      } catch (error) {
        if (!(error instanceof ElmError)) throw error
        const empty = new Set(REQUIRED_COLUMNS.filter((c) => (record.cells[columns.indexOf(c)]?.trim() ?? '') === ''))
        for (const column of empty) issues.push({ path: column, message: 'is required' })
        for (const i of error.issues) {
          const column = columnOf(i.path)
          if (!empty.has(column as CohortColumn)) issues.push({ path: column, message: i.message })
        }
        if (issues.length === 0) issues.push({ path: '(row)', message: error.message })
      }
    }
    reports.push(
      issues.length === 0
        ? { row: record.row, ok: true, learner: learner ?? '' }
        : { row: record.row, ok: false, ...(learner ? { learner } : {}), issues },
    )
    input.onProgress?.(n + 1, body.length, 'validate')
  }
  const failed = reports.filter((r) => !r.ok).length
  const store = failed === 0 || mode === 'valid-rows' ? good : []
  if (store.length === 0) {
    throw new IssuerError(
      'invalid_input',
      `cohort CSV: ${failed} of ${body.length} rows are invalid; nothing was stored` +
        (mode === 'all-or-nothing' ? ' (mode all-or-nothing; use mode=valid-rows to store the good rows)' : ''),
      {
        extra: {
          issues: reports.flatMap((r) =>
            r.ok ? [] : r.issues.map((i) => ({ path: `row ${r.row}: ${i.path}`, message: i.message })),
          ),
          rows: reports,
          stored: 0,
        },
      },
    )
  }
  await ctx.store.transaction(async (tx) => {
    await tx.awards.createMany(store.map((g) => g.award))
    await tx.auditLog.append({
      tenantId: tenant.id,
      at: now,
      actor: input.actor,
      action: 'award.cohort_created',
      subject: spec.id,
      details: { stored: store.length, failed, mode, held: input.hold === true, awards: store.map((g) => g.award.id) },
    })
  })
  for (const g of store) {
    const report = reports[g.report]
    if (report?.ok) reports[g.report] = { ...report, awardId: g.award.id }
  }
  input.onProgress?.(store.length, store.length, 'store')
  return { specificationId: spec.id, mode, rows: reports, stored: store.length, failed, state }
}
