// The cohort runner: awards queued cohort files row by row, off the request path (issue 12 §3).
//
// Steps of one job: claim its lease (one atomic UPDATE … RETURNING; of several processes on one
// PostgreSQL one wins) → the course of the version the file was checked against, validated once
// → for each pending row: yield to the event loop, build the EDC (buildAwardEdc: the
// certificate pages are rendered there), then store the award and record the row in ONE
// transaction fenced by the lease → finish (succeeded, or failed with each row's reason) and
// audit it. Progress is in the store after every row, so a job survives a restart: the next
// runner claims it (at once when the previous one stopped and released it, after the lease
// ends when it crashed) and goes on with the rows still pending. Each row's award id was chosen
// when the job was queued, and a row is recorded only while the lease is held and the row still
// pending, so no row is awarded twice.
import { randomUUID } from 'node:crypto'
import { ElmError } from '@alma/elm'
import { type CohortJob, type CohortJobLease, isStoreError, type PendingCohortJobRow } from '@alma/store'
import { IssuerError } from '../errors.ts'
import { buildAwardEdc } from '../issuance/awards.ts'
import type { IssuerContext } from '../issuance/issuer-context.ts'
import { columnOf, yieldToEventLoop } from './cohort.ts'
import { prepareCourse } from './course.ts'
import type { AdminIssue } from './parse-admin-input.ts'

export interface CohortRunnerOptions {
  /** How long a claim holds a job without news from its runner (renewed after every row). */
  readonly leaseSeconds?: number
  /** How often to look for jobs queued by other processes or left by a crashed one. */
  readonly pollMs?: number
  /** A job claimed this many times without finishing (crashes, lost leases) is given up. */
  readonly maxAttempts?: number
  /** The clock of leases and of the awards' EDC; the issuer's by default. */
  readonly now?: () => Date
  /**
   * Called before each row is built; what it returns is awaited. For observers (the CLI's
   * progress) and tests that hold a row to look at a job half-way.
   */
  readonly beforeRow?: (job: CohortJob, row: number) => void | Promise<void>
  /** Called after each row's outcome is recorded. */
  readonly afterRow?: (job: CohortJob, row: number, outcome: 'issued' | 'failed') => void
}

export interface CohortRunner {
  /** Starts polling and looks at once: jobs left queued or running by an earlier process resume. */
  start(): void
  /** Looks for claimable jobs now (a job was just queued). */
  wake(): void
  /** Claims and runs jobs until none is claimable (or the runner stops). */
  drain(): Promise<void>
  /**
   * Runs the given job if its lease can be taken; the job as it ended, or undefined when another
   * runner holds it (or it was not claimable).
   */
  run(tenantId: string, jobId: string): Promise<CohortJob | undefined>
  /** Stops after the row in progress and gives the lease back; resolves when stopped. */
  stop(): Promise<void>
}

export const DEFAULT_COHORT_LEASE_SECONDS = 60
export const DEFAULT_COHORT_POLL_MS = 5_000
export const DEFAULT_COHORT_MAX_ATTEMPTS = 5

/** Pending rows read from the store at a time. */
const ROW_BATCH = 50

/** A row's outcome could not be recorded: the lease was lost or the row was no longer pending. */
class NotRecorded extends Error {
  constructor(readonly reason: 'lease_lost' | 'row_done') {
    super(reason)
  }
}

/** Tries of a row whose building the issuer could not do now (503: workers busy, a deadline passed). */
const BUSY_TRIES = 4
/** The longest wait between two of them, whatever Retry-After says: the lease must outlast the waits. */
const MAX_BUSY_WAIT_S = 10

/** The issuer's own condition, not the row's: the row stays pending and the job is tried again. */
function isTransient(error: unknown): error is IssuerError {
  return error instanceof IssuerError && error.status === 503
}

/** The runners of each issuer context, so the admin endpoint can wake the one of its process. */
const runnersOf = new WeakMap<IssuerContext, Set<CohortRunner>>()

/** Wakes the started cohort runners of this process (after a job was queued). */
export function wakeCohortRunners(ctx: IssuerContext): void {
  for (const runner of runnersOf.get(ctx) ?? []) runner.wake()
}

/** Why a row could not be built, as admin issues naming columns (never a stack or internal detail). */
function buildIssues(error: unknown): AdminIssue[] {
  if (error instanceof ElmError) {
    const issues = error.issues.map((i) => ({ path: columnOf(i.path), message: i.message }))
    return issues.length > 0 ? issues : [{ path: '(row)', message: error.message }]
  }
  if (error instanceof IssuerError) return [{ path: '(row)', message: error.description }]
  return [{ path: '(row)', message: 'the credential could not be built (see the issuer log)' }]
}

export function createCohortRunner(ctx: IssuerContext, options: CohortRunnerOptions = {}): CohortRunner {
  const leaseSeconds = options.leaseSeconds ?? DEFAULT_COHORT_LEASE_SECONDS
  const pollMs = options.pollMs ?? DEFAULT_COHORT_POLL_MS
  const maxAttempts = options.maxAttempts ?? DEFAULT_COHORT_MAX_ATTEMPTS
  const clock = options.now ?? ctx.now
  const { store, log } = ctx
  let stopping = false
  let draining: Promise<void> | undefined
  let again = false
  let timer: NodeJS.Timeout | undefined
  /** The job being run now, so stop() can wait for its row to end. */
  let current: Promise<unknown> | undefined

  /** Ends a job early: its pending rows fail with `message`. */
  async function giveUp(lease: CohortJobLease, message: string): Promise<CohortJob | undefined> {
    return finish(lease, { error: message, issues: [{ path: '(row)', message: `not awarded: ${message}` }] })
  }

  async function finish(
    lease: CohortJobLease,
    end?: { error: string; issues: AdminIssue[] },
  ): Promise<CohortJob | undefined> {
    const now = clock()
    return store.transaction(async (tx) => {
      const done = await tx.cohortJobs.finish(lease, now, end)
      if (!done) return undefined
      await tx.auditLog.append({
        tenantId: done.tenantId,
        at: now,
        actor: done.actor,
        action: 'award.cohort_finished',
        subject: done.id,
        details: {
          state: done.state,
          issued: done.issued,
          failed: done.failed,
          ...(done.error ? { error: done.error } : {}),
        },
      })
      return done
    })
  }

  /**
   * The row's EDC. When the issuer cannot build now (503: its workers busy, or past a deadline)
   * the row waits and is tried again — it is background work — and after {@link BUSY_TRIES} tries
   * the job stops there, its lease kept until it ends, and it is resumed later.
   */
  async function buildRow(course: ReturnType<typeof prepareCourse>, row: PendingCohortJobRow, now: Date) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await buildAwardEdc(course, row.input, now, ctx.elmWorkers)
      } catch (error) {
        if (!isTransient(error) || attempt >= BUSY_TRIES || stopping) throw error
        const wait = Math.min(Math.max(error.retryAfterSeconds ?? 1, 1), MAX_BUSY_WAIT_S)
        await new Promise((resolve) => setTimeout(resolve, wait * 1000))
      }
    }
  }

  /** Builds and stores one row's award; records a failure instead when it cannot be built or stored. */
  async function issueRow(
    job: CohortJob,
    lease: CohortJobLease,
    course: ReturnType<typeof prepareCourse>,
    row: PendingCohortJobRow,
  ): Promise<'issued' | 'failed'> {
    const now = clock()
    let failure: AdminIssue[] | undefined
    try {
      const edc = await buildRow(course, row, now)
      await store.transaction(async (tx) => {
        const recorded = await tx.cohortJobs.recordRow(lease, { row: row.row, outcome: 'issued' }, now, leaseSeconds)
        if (recorded !== 'recorded') throw new NotRecorded(recorded)
        await tx.awards.create({
          tenantId: job.tenantId,
          id: row.awardId,
          specificationId: job.specificationId,
          specificationVersion: job.specificationVersion,
          learner: row.input,
          edc,
          state: job.hold ? 'held' : 'ready',
          now,
        })
      })
      return 'issued'
    } catch (error) {
      if (error instanceof NotRecorded || isTransient(error)) throw error
      // A value the store refuses is this row's problem; any other store failure is the job's
      // (the row stays pending and the job is retried).
      if (isStoreError(error) && !isStoreError(error, 'constraint_violated')) throw error
      if (!(error instanceof ElmError) && !(error instanceof IssuerError))
        log.error({ err: error, job: job.id, row: row.row }, 'cohort row could not be built')
      failure = isStoreError(error)
        ? [{ path: '(row)', message: 'the row breaks a constraint of the store' }]
        : buildIssues(error)
    }
    const recorded = await store.cohortJobs.recordRow(
      lease,
      { row: row.row, outcome: 'failed', issues: failure },
      now,
      leaseSeconds,
    )
    if (recorded !== 'recorded') throw new NotRecorded(recorded)
    return 'failed'
  }

  /** Runs a claimed job to its end, or until the runner stops or loses the lease. */
  async function runClaimed(job: CohortJob): Promise<CohortJob | undefined> {
    const owner = job.leaseOwner
    if (!owner) return undefined
    const lease: CohortJobLease = { tenantId: job.tenantId, jobId: job.id, owner }
    if (job.attempts > maxAttempts) {
      return giveUp(lease, `the job was interrupted ${job.attempts - 1} times; upload the rows again`)
    }
    const spec = await store.specifications.get(job.tenantId, job.specificationId)
    if (!spec || spec.version !== job.specificationVersion) {
      return giveUp(
        lease,
        `the course ${job.specificationId} changed after the file was checked (version ${job.specificationVersion}` +
          `${spec ? ` → ${spec.version}` : ''}); upload the rows again`,
      )
    }
    let course: ReturnType<typeof prepareCourse>
    try {
      course = prepareCourse(await ctx.tenant(job.tenantId), spec.document)
    } catch (error) {
      if (!(error instanceof IssuerError)) throw error
      return giveUp(lease, error.description)
    }
    try {
      for (;;) {
        const rows = await store.cohortJobs.pendingRows(lease, ROW_BATCH)
        if (rows.length === 0) break
        for (const row of rows) {
          // Between rows the event loop answers requests; a stopping runner hands the job over.
          await yieldToEventLoop()
          if (!stopping) await options.beforeRow?.(job, row.row)
          if (stopping) {
            await store.cohortJobs.release(lease, clock())
            return undefined
          }
          const outcome = await issueRow(job, lease, course, row)
          options.afterRow?.(job, row.row, outcome)
        }
      }
    } catch (error) {
      if (error instanceof NotRecorded) {
        // Cancelled, or another runner took the job over after our lease ended: it is theirs now.
        log.warn({ job: job.id, reason: error.reason }, 'cohort job: lease lost; another runner or a cancel has it')
        return undefined
      }
      // Stopping (the workers close with the server): hand the job over now, not when the lease ends.
      if (stopping) {
        await store.cohortJobs.release(lease, clock()).catch(() => false)
        return undefined
      }
      throw error
    }
    return finish(lease)
  }

  async function claimAndRun(target?: { tenantId: string; id: string }): Promise<CohortJob | 'none' | undefined> {
    const job = await store.cohortJobs.claim({
      now: clock(),
      owner: `runner:${randomUUID()}`,
      leaseSeconds,
      ...(target ? { job: target } : {}),
    })
    if (!job) return 'none'
    const running = runClaimed(job)
    current = running
    try {
      return await running
    } finally {
      current = undefined
    }
  }

  async function drainLoop(): Promise<void> {
    do {
      again = false
      while (!stopping) {
        try {
          if ((await claimAndRun()) === 'none') break
        } catch (error) {
          // The workers busy, or a database failure: the job keeps its lease until it ends and is
          // tried again then (a job that keeps failing is given up after maxAttempts claims).
          if (isTransient(error))
            log.warn({ err: error }, 'cohort runner: the issuer is busy; the job is resumed later')
          else log.error({ err: error }, 'cohort runner: a job failed; it is retried once its lease ends')
          break
        }
      }
    } while (again && !stopping)
  }

  const runner: CohortRunner = {
    start() {
      if (timer || stopping) return
      const set = runnersOf.get(ctx) ?? new Set<CohortRunner>()
      runnersOf.set(ctx, set)
      set.add(runner)
      timer = setInterval(() => runner.wake(), pollMs)
      timer.unref()
      runner.wake()
    },
    wake() {
      if (stopping) return
      if (draining) {
        again = true
        return
      }
      draining = drainLoop().finally(() => {
        draining = undefined
      })
    },
    async drain() {
      runner.wake()
      while (draining) await draining
    },
    async run(tenantId, jobId) {
      const result = await claimAndRun({ tenantId, id: jobId })
      return result === 'none' ? undefined : result
    },
    async stop() {
      stopping = true
      if (timer) clearInterval(timer)
      timer = undefined
      runnersOf.get(ctx)?.delete(runner)
      await Promise.allSettled([draining, current])
    },
  }
  return runner
}
