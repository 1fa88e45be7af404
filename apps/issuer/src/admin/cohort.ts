// A cohort from one CSV file: one row per learner, awarded as a background job (issue 12 §3).
//
// The request does the cheap part only: the whole file is parsed and every row's input checked
// with the ELM award schema — no EDC is built, no certificate rendered — and the answer comes at
// once. A file with a bad row is refused whole with a report per row (mode `all-or-nothing`,
// the default), or its bad rows are reported and the good ones queued (mode `valid-rows`). A
// queued file is a job in the store (one row per learner, each with the id its award will have);
// the cohort runner (cohort-runner.ts) then builds and stores the awards one row at a time, off
// the request path, recording each row as it goes.
import { randomUUID } from 'node:crypto'
import { ElmError, parseAward } from '@alma/elm'
import type { CohortJob, CohortJobRow, NewCohortJobRow } from '@alma/store'
import { IssuerError } from '../errors.ts'
import type { IssuerContext, TenantRuntime } from '../issuance/issuer-context.ts'
import { prepareCourse } from './course.ts'
import { CsvLimitError, type CsvRecord, CsvSyntaxError, parseCsv } from './csv.ts'
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

/**
 * At most this many learner rows per file: a file is checked on the request (about 10 µs a row)
 * and its rows are kept in the store until awarded. A larger cohort is several files.
 */
export const MAX_COHORT_ROWS = 2_000

/**
 * The largest cohort file the admin API reads: MAX_COHORT_ROWS rows of 256 bytes (a row of the
 * example course is about 70) and the header.
 */
export const MAX_COHORT_BYTES = 512 * 1024

/** Rows checked between two turns of the event loop: other requests are answered in between. */
const CHECK_SLICE = 100

/** One row of the check: its award input, or what is wrong with it (issues name the columns). */
export type CohortRowReport =
  | { readonly row: number; readonly ok: true; readonly learner: string }
  | { readonly row: number; readonly ok: false; readonly learner?: string; readonly issues: readonly AdminIssue[] }

interface CheckedRow {
  readonly report: CohortRowReport
  /** The row as ELM award input, when it is valid. */
  readonly input?: Record<string, unknown>
}

export interface QueueCohortInput {
  readonly specificationId: string
  readonly csv: string
  readonly mode?: CohortMode
  readonly hold?: boolean
  readonly actor: string
  /** Called as rows are checked. */
  readonly onProgress?: (done: number, total: number) => void
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
export function columnOf(elmPath: string): string {
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

// C0 and C1 control characters and DEL: no name, grade or date holds one, and U+0000 cannot be
// stored at all (PostgreSQL text and jsonb refuse it). A line break inside a quoted cell is one too.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are what the check looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

/** The ELM award schema's issues for a row's input, named by column (no EDC is built). */
function rowIssues(columns: readonly CohortColumn[], cells: readonly string[], input: unknown): AdminIssue[] {
  const issues: AdminIssue[] = []
  if (cells.length !== columns.length) {
    issues.push({ path: '(row)', message: `has ${cells.length} cells, the header ${columns.length}` })
    return issues
  }
  columns.forEach((column, i) => {
    const control = CONTROL.exec(cells[i] ?? '')
    if (control) {
      const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')
      issues.push({ path: column, message: `contains a control character (U+${code})` })
    }
  })
  if (issues.length > 0) return issues
  try {
    parseAward(input)
  } catch (error) {
    if (!(error instanceof ElmError)) throw error
    const empty = new Set(REQUIRED_COLUMNS.filter((c) => (cells[columns.indexOf(c)]?.trim() ?? '') === ''))
    for (const column of empty) issues.push({ path: column, message: 'is required' })
    for (const i of error.issues) {
      const column = columnOf(i.path)
      if (!empty.has(column as CohortColumn)) issues.push({ path: column, message: i.message })
    }
    if (issues.length === 0) issues.push({ path: '(row)', message: error.message })
  }
  return issues
}

/** Lets the event loop answer other requests (setImmediate runs after pending I/O callbacks). */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Checks a whole cohort file without building anything: the CSV syntax, the row cap, the header,
 * then every row's cells and its award input against the ELM award schema. Yields to the event
 * loop every {@link CHECK_SLICE} rows. Throws `invalid_input` for a file that is not a cohort
 * (syntax, header, no rows) and `payload_too_large` above the row cap.
 */
export async function checkCohortCsv(
  csv: string,
  onProgress?: (done: number, total: number) => void,
): Promise<{ columns: CohortColumn[]; rows: CheckedRow[] }> {
  let records: CsvRecord[]
  try {
    records = parseCsv(csv, { maxRecords: MAX_COHORT_ROWS + 1 })
  } catch (error) {
    if (error instanceof CsvLimitError) {
      throw new IssuerError(
        'payload_too_large',
        `cohort CSV: more than ${MAX_COHORT_ROWS} learner rows; at most ${MAX_COHORT_ROWS} per file, split it`,
        {
          extra: {
            issues: [{ path: '(file)', message: `has more than ${MAX_COHORT_ROWS} learner rows` }],
            maxRows: MAX_COHORT_ROWS,
          },
        },
      )
    }
    if (!(error instanceof CsvSyntaxError)) throw error
    throw invalidInput('cohort CSV', [{ path: `row ${error.row}`, message: error.message }])
  }
  const columns = headerOf(records)
  const body = records.slice(1)
  if (body.length === 0) throw invalidInput('cohort CSV', [{ path: '(file)', message: 'has no learner rows' }])
  const rows: CheckedRow[] = []
  for (const [n, record] of body.entries()) {
    if (n > 0 && n % CHECK_SLICE === 0) await yieldToEventLoop()
    const input = awardInputOfRow(columns, record.cells)
    const learner = learnerName(input)
    const issues = rowIssues(columns, record.cells, input)
    rows.push(
      issues.length === 0
        ? { report: { row: record.row, ok: true, learner: learner ?? '' }, input }
        : { report: { row: record.row, ok: false, ...(learner ? { learner } : {}), issues } },
    )
    onProgress?.(n + 1, body.length)
  }
  return { columns, rows }
}

/**
 * Checks a cohort file and queues it as a job. Steps: check the file (syntax, row cap, header)
 * → the course exists and is valid with the tenant's organisations → check every row → refuse
 * the file when a row is bad (all-or-nothing) or no row is good → store the job, its rows and an
 * audit entry in one transaction. Nothing is built here; wake a cohort runner afterwards.
 *
 * Throws `invalid_input` with `rows` (a report per row) and `stored: 0` when nothing was queued
 * because of bad rows; `not_found` for an unknown course; `payload_too_large` above the row cap.
 */
export async function queueCohort(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  input: QueueCohortInput,
): Promise<CohortJob> {
  const mode = input.mode ?? 'all-or-nothing'
  const { rows } = await checkCohortCsv(input.csv, input.onProgress)

  const spec = await ctx.store.specifications.get(tenant.id, input.specificationId)
  if (!spec) throw new IssuerError('not_found', `no course specification ${input.specificationId}`)
  // The course with the tenant's organisations, validated now, so a job never waits to fail on it.
  prepareCourse(tenant, spec.document)

  const reports = rows.map((r) => r.report)
  const failed = reports.filter((r) => !r.ok).length
  if (failed > 0 && (mode === 'all-or-nothing' || failed === rows.length)) {
    throw new IssuerError(
      'invalid_input',
      `cohort CSV: ${failed} of ${rows.length} rows are invalid; nothing was stored` +
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

  const now = ctx.now()
  const jobRows: NewCohortJobRow[] = rows.map(({ report, input: award }) =>
    report.ok && award
      ? { row: report.row, learner: report.learner, state: 'pending', input: award, awardId: randomUUID() }
      : {
          row: report.row,
          ...(report.learner ? { learner: report.learner } : {}),
          state: 'failed',
          issues: report.ok ? [] : report.issues,
          awardId: randomUUID(),
        },
  )
  return ctx.store.transaction(async (tx) => {
    const job = await tx.cohortJobs.create({
      tenantId: tenant.id,
      id: randomUUID(),
      specificationId: spec.id,
      specificationVersion: spec.version,
      mode,
      hold: input.hold === true,
      actor: input.actor,
      rows: jobRows,
      now,
    })
    await tx.auditLog.append({
      tenantId: tenant.id,
      at: now,
      actor: input.actor,
      action: 'award.cohort_queued',
      subject: job.id,
      details: {
        specification: spec.id,
        version: spec.version,
        rows: job.total,
        refused: failed,
        mode,
        held: input.hold === true,
      },
    })
    return job
  })
}

/** A job's row as the admin API shows it: the award id once the row is issued, the issues once it failed. */
export function cohortJobRowView(row: CohortJobRow) {
  return {
    row: row.row,
    ...(row.learner !== undefined ? { learner: row.learner } : {}),
    state: row.state,
    ...(row.state === 'issued' ? { awardId: row.awardId } : {}),
    ...(row.state === 'failed' ? { issues: (row.issues ?? []) as AdminIssue[] } : {}),
  }
}

export type CohortJobRowView = ReturnType<typeof cohortJobRowView>

/** A cohort job as the admin API and the CLI show it. */
export function cohortJobView(job: CohortJob, rows?: readonly CohortJobRow[]) {
  return {
    id: job.id,
    state: job.state,
    specificationId: job.specificationId,
    specificationVersion: job.specificationVersion,
    mode: job.mode,
    /** The state the awards are stored in. */
    awardState: job.hold ? ('held' as const) : ('ready' as const),
    total: job.total,
    pending: job.pending,
    issued: job.issued,
    failed: job.failed,
    createdAt: job.createdAt.toISOString(),
    ...(job.startedAt ? { startedAt: job.startedAt.toISOString() } : {}),
    ...(job.finishedAt ? { finishedAt: job.finishedAt.toISOString() } : {}),
    ...(job.error ? { error: job.error } : {}),
    ...(rows ? { rows: rows.map(cohortJobRowView) } : {}),
  }
}

export type CohortJobView = ReturnType<typeof cohortJobView>
