import { StoreError } from '../errors.ts'
import type { SqlClient } from '../sql/sql-client.ts'
import { jsonParam, toDate, toNumber, toOptionalDate, toOptionalString } from './rows.ts'

/**
 * The life of a cohort job (one uploaded CSV file whose rows are awarded in the background):
 * - `queued`: checked and stored, waiting for a runner;
 * - `running`: a runner holds its lease (or held it: a lease that ended makes the job claimable
 *   again, and the next runner goes on with the rows still pending);
 * - `succeeded`: every row was awarded;
 * - `failed`: the job ended with at least one row not awarded (each with its reason);
 * - `cancelled`: stopped by an admin; the rows still pending were not awarded.
 */
export type CohortJobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'
export const COHORT_JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const

/** The transitions the repository makes; the terminal states have none. */
export const COHORT_JOB_TRANSITIONS: Readonly<Record<CohortJobState, readonly CohortJobState[]>> = {
  queued: ['running', 'cancelled'],
  running: ['running', 'succeeded', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
}

/** A row is `pending` until it is awarded (`issued`) or given up (`failed`, with its issues). */
export type CohortJobRowState = 'pending' | 'issued' | 'failed'
export const COHORT_JOB_ROW_STATES = ['pending', 'issued', 'failed'] as const

export type CohortJobMode = 'all-or-nothing' | 'valid-rows'

export interface CohortJob {
  readonly tenantId: string
  readonly id: string
  readonly specificationId: string
  readonly specificationVersion: number
  readonly mode: CohortJobMode
  /** Awards are stored `held` (awaiting approval) rather than `ready`. */
  readonly hold: boolean
  readonly actor: string
  readonly state: CohortJobState
  readonly total: number
  readonly pending: number
  readonly issued: number
  readonly failed: number
  /** The token of the runner holding the lease, while one does. */
  readonly leaseOwner?: string
  readonly leaseUntil?: Date
  /** Claims that did not end in a release. */
  readonly attempts: number
  /** Why the job ended early (the course changed, it kept failing…). */
  readonly error?: string
  readonly createdAt: Date
  readonly updatedAt: Date
  readonly startedAt?: Date
  readonly finishedAt?: Date
}

/** One row of a job's report. */
export interface CohortJobRow {
  readonly row: number
  readonly learner?: string
  readonly state: CohortJobRowState
  /** The award this row becomes (chosen when queued; it exists once the row is `issued`). */
  readonly awardId: string
  readonly issues?: unknown
}

/** A row still to be awarded, with its input. */
export interface PendingCohortJobRow {
  readonly row: number
  readonly learner?: string
  readonly input: unknown
  readonly awardId: string
}

export type NewCohortJobRow =
  | {
      readonly row: number
      readonly learner?: string
      readonly state: 'pending'
      readonly input: unknown
      readonly awardId: string
    }
  | {
      readonly row: number
      readonly learner?: string
      readonly state: 'failed'
      readonly issues: unknown
      readonly awardId: string
    }

export interface NewCohortJob {
  readonly tenantId: string
  readonly id: string
  readonly specificationId: string
  readonly specificationVersion: number
  readonly mode: CohortJobMode
  readonly hold: boolean
  readonly actor: string
  readonly rows: readonly NewCohortJobRow[]
  readonly now: Date
}

/** The lease a runner holds: every write of a runner names it and is refused once it is lost. */
export interface CohortJobLease {
  readonly tenantId: string
  readonly jobId: string
  /** The runner's token for this claim. */
  readonly owner: string
}

export interface ClaimCohortJob {
  readonly now: Date
  /** A token unique to this claim (a lease is compared by it). */
  readonly owner: string
  readonly leaseSeconds: number
  /** Claim this job only (the CLI runs the job it queued); otherwise the oldest claimable one. */
  readonly job?: { readonly tenantId: string; readonly id: string }
}

export type CohortRowOutcome =
  | { readonly row: number; readonly outcome: 'issued' }
  | { readonly row: number; readonly outcome: 'failed'; readonly issues: unknown }

export interface CohortJobRepository {
  /** Stores a job and all its rows (in one transaction, or a savepoint of the caller's). */
  create(job: NewCohortJob): Promise<CohortJob>
  get(tenantId: string, id: string): Promise<CohortJob | undefined>
  /** The job's rows in file order, optionally only those in one state. */
  rows(tenantId: string, id: string, state?: CohortJobRowState): Promise<CohortJobRow[]>
  /**
   * Takes the lease of a claimable job — `queued`, or `running` with no lease or an ended one —
   * in ONE atomic `UPDATE … RETURNING` (row locks with SKIP LOCKED): of two processes on one
   * PostgreSQL only one gets a given job. The job becomes `running`; `attempts` grows by one.
   */
  claim(claim: ClaimCohortJob): Promise<CohortJob | undefined>
  /** Up to `limit` pending rows in file order, for the runner holding `lease`. */
  pendingRows(lease: CohortJobLease, limit: number): Promise<PendingCohortJobRow[]>
  /**
   * Records one row's outcome (and drops its input) and extends the lease, only while `lease` is
   * held and the job is running and the row still pending. Returns `lease_lost` (nothing written) when another
   * runner took the job or it was cancelled, `row_done` when the row is no longer pending. Call
   * it in the transaction that stores the row's award: when it does not return `recorded`,
   * throw, so that the award is rolled back with it.
   */
  recordRow(
    lease: CohortJobLease,
    outcome: CohortRowOutcome,
    now: Date,
    leaseSeconds: number,
  ): Promise<'recorded' | 'lease_lost' | 'row_done'>
  /**
   * Ends the job under `lease`: `succeeded` when every row was issued, else `failed`. With
   * `error`, the rows still pending fail first, each with `issues`. Undefined when the lease is
   * lost, or (without `error`) rows are still pending.
   */
  finish(
    lease: CohortJobLease,
    now: Date,
    end?: { readonly error: string; readonly issues: unknown },
  ): Promise<CohortJob | undefined>
  /**
   * Gives the lease back (a runner stopping): the job stays `running`, claimable at once, and
   * this claim does not count as an attempt. False when the lease was no longer held.
   */
  release(lease: CohortJobLease, now: Date): Promise<boolean>
  /**
   * `queued` or `running` → `cancelled`; a runner holding the lease records nothing more.
   * Undefined when there is no such job; `changed: false` when it had already ended.
   */
  cancel(tenantId: string, id: string, now: Date): Promise<{ job: CohortJob; changed: boolean } | undefined>
}

interface JobRow {
  tenant_id: string
  id: string
  specification_id: string
  specification_version: number
  mode: CohortJobMode
  hold: boolean
  actor: string
  state: CohortJobState
  total: number
  pending: number | string
  issued: number | string
  failed: number | string
  lease_owner: string | null
  lease_until: Date | null
  attempts: number
  error: string | null
  created_at: Date
  updated_at: Date
  started_at: Date | null
  finished_at: Date | null
}

function toJob(row: JobRow): CohortJob {
  const leaseOwner = toOptionalString(row.lease_owner)
  const leaseUntil = toOptionalDate(row.lease_until)
  const error = toOptionalString(row.error)
  const startedAt = toOptionalDate(row.started_at)
  const finishedAt = toOptionalDate(row.finished_at)
  return {
    tenantId: row.tenant_id,
    id: row.id,
    specificationId: row.specification_id,
    specificationVersion: toNumber(row.specification_version),
    mode: row.mode,
    hold: row.hold === true,
    actor: row.actor,
    state: row.state,
    total: toNumber(row.total),
    pending: toNumber(row.pending),
    issued: toNumber(row.issued),
    failed: toNumber(row.failed),
    ...(leaseOwner ? { leaseOwner } : {}),
    ...(leaseUntil ? { leaseUntil } : {}),
    attempts: toNumber(row.attempts),
    ...(error ? { error } : {}),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    ...(startedAt ? { startedAt } : {}),
    ...(finishedAt ? { finishedAt } : {}),
  }
}

/** The counts of a job's rows by state, counted (not kept), so they cannot drift from the rows. */
const COUNTS = (alias: string) => `
  (SELECT count(*) FILTER (WHERE r.state = 'pending') FROM cohort_job_rows r
    WHERE r.tenant_id = ${alias}.tenant_id AND r.job_id = ${alias}.id) AS pending,
  (SELECT count(*) FILTER (WHERE r.state = 'issued') FROM cohort_job_rows r
    WHERE r.tenant_id = ${alias}.tenant_id AND r.job_id = ${alias}.id) AS issued,
  (SELECT count(*) FILTER (WHERE r.state = 'failed') FROM cohort_job_rows r
    WHERE r.tenant_id = ${alias}.tenant_id AND r.job_id = ${alias}.id) AS failed`

const SELECT_JOB = `SELECT j.*, ${COUNTS('j')} FROM cohort_jobs j WHERE j.tenant_id = $1 AND j.id = $2`

/** The fence of every runner write: the job is running and `lease` still holds it. */
const HOLD_LEASE = `UPDATE cohort_jobs SET lease_until = $4::timestamptz + make_interval(secs => $5), updated_at = $4
  WHERE tenant_id = $1 AND id = $2 AND state = 'running' AND lease_owner = $3 RETURNING id`

/** Rows are inserted in chunks of this many, one statement each (a file holds up to a few thousand). */
const INSERT_CHUNK = 500

interface RowRow {
  csv_row: number
  learner: string | null
  state: CohortJobRowState
  award_id: string
  issues: unknown
  input?: unknown
}

export function createCohortJobRepository(db: SqlClient): CohortJobRepository {
  async function get(client: SqlClient, tenantId: string, id: string): Promise<CohortJob | undefined> {
    const { rows } = await client.query<JobRow>(SELECT_JOB, [tenantId, id])
    return rows[0] ? toJob(rows[0]) : undefined
  }

  return {
    async create(job) {
      if (job.rows.length === 0) throw new StoreError('constraint_violated', 'cohort job: rows must not be empty')
      return db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO cohort_jobs (tenant_id, id, specification_id, specification_version, mode, hold, actor, state,
             total, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $9, $9)`,
          [
            job.tenantId,
            job.id,
            job.specificationId,
            job.specificationVersion,
            job.mode,
            job.hold,
            job.actor,
            job.rows.length,
            job.now,
          ],
        )
        for (let i = 0; i < job.rows.length; i += INSERT_CHUNK) {
          const chunk = job.rows.slice(i, i + INSERT_CHUNK).map((r) => ({
            csv_row: r.row,
            learner: r.learner ?? null,
            input: r.state === 'pending' ? r.input : null,
            award_id: r.awardId,
            state: r.state,
            issues: r.state === 'failed' ? r.issues : null,
          }))
          await tx.query(
            `INSERT INTO cohort_job_rows (tenant_id, job_id, csv_row, learner, input, award_id, state, issues, updated_at)
             SELECT $1, $2, r.csv_row, r.learner, r.input, r.award_id, r.state, r.issues, $3
               FROM jsonb_to_recordset($4::jsonb)
                 AS r(csv_row integer, learner text, input jsonb, award_id text, state text, issues jsonb)`,
            [job.tenantId, job.id, job.now, jsonParam(chunk)],
          )
        }
        const created = await get(tx, job.tenantId, job.id)
        if (!created) throw new StoreError('database_error', 'cohort job: not found after insert')
        return created
      })
    },

    get: (tenantId, id) => get(db, tenantId, id),

    async rows(tenantId, id, state) {
      const { rows } = await db.query<RowRow>(
        `SELECT csv_row, learner, state, award_id, issues FROM cohort_job_rows
          WHERE tenant_id = $1 AND job_id = $2 AND ($3::text IS NULL OR state = $3::text)
          ORDER BY csv_row`,
        [tenantId, id, state ?? null],
      )
      return rows.map((r) => ({
        row: toNumber(r.csv_row),
        ...(r.learner === null ? {} : { learner: r.learner }),
        state: r.state,
        awardId: r.award_id,
        ...(r.issues === null || r.issues === undefined ? {} : { issues: r.issues }),
      }))
    },

    async claim({ now, owner, leaseSeconds, job }) {
      const { rows } = await db.query<JobRow>(
        `WITH next AS (
           SELECT tenant_id, id FROM cohort_jobs
            WHERE (state = 'queued' OR (state = 'running' AND (lease_until IS NULL OR lease_until <= $1)))
              AND ($4::text IS NULL OR (tenant_id = $4::text AND id = $5::text))
            ORDER BY created_at, id LIMIT 1
            FOR UPDATE SKIP LOCKED)
         UPDATE cohort_jobs j
            SET state = 'running', lease_owner = $2, lease_until = $1::timestamptz + make_interval(secs => $3),
                attempts = j.attempts + 1, started_at = COALESCE(j.started_at, $1), updated_at = $1
           FROM next WHERE j.tenant_id = next.tenant_id AND j.id = next.id
         RETURNING j.*, ${COUNTS('j')}`,
        [now, owner, leaseSeconds, job?.tenantId ?? null, job?.id ?? null],
      )
      return rows[0] ? toJob(rows[0]) : undefined
    },

    async pendingRows(lease, limit) {
      const { rows } = await db.query<RowRow>(
        `SELECT r.csv_row, r.learner, r.state, r.award_id, r.issues, r.input FROM cohort_job_rows r
           JOIN cohort_jobs j ON j.tenant_id = r.tenant_id AND j.id = r.job_id
          WHERE r.tenant_id = $1 AND r.job_id = $2 AND r.state = 'pending'
            AND j.state = 'running' AND j.lease_owner = $3
          ORDER BY r.csv_row LIMIT $4`,
        [lease.tenantId, lease.jobId, lease.owner, Math.min(Math.max(limit, 1), 1000)],
      )
      return rows.map((r) => ({
        row: toNumber(r.csv_row),
        ...(r.learner === null ? {} : { learner: r.learner }),
        input: r.input,
        awardId: r.award_id,
      }))
    },

    async recordRow(lease, outcome, now, leaseSeconds) {
      // The job's row first: it is what a claim locks, so a runner whose lease was taken over
      // waits here for the claim to commit and then finds lease_owner changed.
      const held = await db.query(HOLD_LEASE, [lease.tenantId, lease.jobId, lease.owner, now, leaseSeconds])
      if (held.rowCount !== 1) return 'lease_lost'
      const { rowCount } = await db.query(
        // The input goes once the row is done: an issued row's award holds it, a failed row's
        // report says what was wrong — the learner's data is not kept twice (data minimisation).
        `UPDATE cohort_job_rows SET state = $4, issues = $5::jsonb, input = NULL, updated_at = $6
          WHERE tenant_id = $1 AND job_id = $2 AND csv_row = $3 AND state = 'pending'`,
        [
          lease.tenantId,
          lease.jobId,
          outcome.row,
          outcome.outcome,
          outcome.outcome === 'failed' ? jsonParam(outcome.issues) : null,
          now,
        ],
      )
      return rowCount === 1 ? 'recorded' : 'row_done'
    },

    async finish(lease, now, end) {
      return db.transaction(async (tx) => {
        const held = await tx.query(
          `SELECT 1 FROM cohort_jobs WHERE tenant_id = $1 AND id = $2 AND state = 'running' AND lease_owner = $3
             FOR UPDATE`,
          [lease.tenantId, lease.jobId, lease.owner],
        )
        if (held.rowCount !== 1) return undefined
        if (end) {
          await tx.query(
            `UPDATE cohort_job_rows SET state = 'failed', issues = $3::jsonb, input = NULL, updated_at = $4
              WHERE tenant_id = $1 AND job_id = $2 AND state = 'pending'`,
            [lease.tenantId, lease.jobId, jsonParam(end.issues), now],
          )
        }
        const { rows } = await tx.query<JobRow>(
          `UPDATE cohort_jobs j
              SET state = CASE WHEN EXISTS (SELECT 1 FROM cohort_job_rows r
                                 WHERE r.tenant_id = j.tenant_id AND r.job_id = j.id AND r.state = 'failed')
                          THEN 'failed' ELSE 'succeeded' END,
                  lease_owner = NULL, lease_until = NULL, error = $3, finished_at = $4, updated_at = $4
            WHERE j.tenant_id = $1 AND j.id = $2
              AND NOT EXISTS (SELECT 1 FROM cohort_job_rows r
                               WHERE r.tenant_id = j.tenant_id AND r.job_id = j.id AND r.state = 'pending')
            RETURNING j.*, ${COUNTS('j')}`,
          [lease.tenantId, lease.jobId, end?.error ?? null, now],
        )
        return rows[0] ? toJob(rows[0]) : undefined
      })
    },

    async release(lease, now) {
      const { rowCount } = await db.query(
        `UPDATE cohort_jobs SET lease_owner = NULL, lease_until = NULL, attempts = GREATEST(attempts - 1, 0), updated_at = $4
          WHERE tenant_id = $1 AND id = $2 AND state = 'running' AND lease_owner = $3`,
        [lease.tenantId, lease.jobId, lease.owner, now],
      )
      return rowCount === 1
    },

    async cancel(tenantId, id, now) {
      const { rows } = await db.query<JobRow>(
        `UPDATE cohort_jobs j SET state = 'cancelled', lease_owner = NULL, lease_until = NULL, finished_at = $3, updated_at = $3
          WHERE j.tenant_id = $1 AND j.id = $2 AND j.state IN ('queued', 'running')
          RETURNING j.*, ${COUNTS('j')}`,
        [tenantId, id, now],
      )
      if (rows[0]) return { job: toJob(rows[0]), changed: true }
      const job = await get(db, tenantId, id)
      return job && { job, changed: false }
    },
  }
}
