// Cohort jobs (issue 12 §3): the lease is taken by one atomic statement, every runner write is
// fenced by it, and a row is recorded once — on PGlite and, with TEST_DATABASE_URL, on PostgreSQL
// with a second pool standing in for a second process.
import { randomBytes, randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Store } from './open-store.ts'
import type { CohortJobLease, NewCohortJobRow } from './repositories/cohort-jobs.ts'
import { type BackendContext, describeEachBackend } from './test-backends.ts'

const T0 = new Date('2026-03-01T10:00:00.000Z')
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000)
const LEASE = 60

async function seedTenant(store: Store): Promise<string> {
  const tenantId = `t-${randomBytes(5).toString('hex')}`
  await store.tenants.create({ id: tenantId, name: 'Uni', did: `did:web:issuer.example:${tenantId}`, now: T0 })
  await store.specifications.create({ tenantId, id: 'course', document: { title: { en: 'Course' } }, now: T0 })
  return tenantId
}

function pendingRows(n: number): NewCohortJobRow[] {
  return Array.from({ length: n }, (_, i) => ({
    row: i + 2,
    learner: `Learner ${i + 2}`,
    state: 'pending' as const,
    input: { learner: { givenName: 'Learner', familyName: String(i + 2) }, grade: 'Pass', awardingDate: '2026-07-15' },
    awardId: randomUUID(),
  }))
}

async function queue(store: Store, tenantId: string, rows: readonly NewCohortJobRow[], now = T0) {
  return store.cohortJobs.create({
    tenantId,
    id: randomUUID(),
    specificationId: 'course',
    specificationVersion: 1,
    mode: 'all-or-nothing',
    hold: false,
    actor: 'test',
    rows,
    now,
  })
}

const lease = (tenantId: string, jobId: string, owner: string): CohortJobLease => ({ tenantId, jobId, owner })

function cohortJobSuite(ctx: BackendContext) {
  describe('cohort jobs', () => {
    it('stores a job with its rows: queued, counted by row state, the report in file order', async () => {
      const store = ctx.store()
      const tenantId = await seedTenant(store)
      const rows: NewCohortJobRow[] = [
        ...pendingRows(2),
        { row: 4, learner: 'Bob', state: 'failed', issues: [{ path: 'email', message: 'bad' }], awardId: randomUUID() },
      ]
      const job = await queue(store, tenantId, rows)
      expect(job).toMatchObject({ state: 'queued', total: 3, pending: 2, issued: 0, failed: 1, attempts: 0 })
      expect(job.leaseOwner).toBeUndefined()
      const report = await store.cohortJobs.rows(tenantId, job.id)
      expect(report.map((r) => [r.row, r.state])).toEqual([
        [2, 'pending'],
        [3, 'pending'],
        [4, 'failed'],
      ])
      expect(report[2]?.issues).toEqual([{ path: 'email', message: 'bad' }])
      expect(await store.cohortJobs.rows(tenantId, job.id, 'failed')).toHaveLength(1)
      // Another tenant sees nothing of it.
      const other = await seedTenant(store)
      expect(await store.cohortJobs.get(other, job.id)).toBeUndefined()
      expect(await store.cohortJobs.rows(other, job.id)).toEqual([])
    })

    it('leases a job to one runner; another gets it only once the lease ended, and the first then records nothing', async () => {
      const store = ctx.store()
      const tenantId = await seedTenant(store)
      const job = await queue(store, tenantId, pendingRows(3))
      const a = await store.cohortJobs.claim({
        now: at(1),
        owner: 'a',
        leaseSeconds: LEASE,
        job: { tenantId, id: job.id },
      })
      expect(a).toMatchObject({ state: 'running', leaseOwner: 'a', attempts: 1, startedAt: at(1) })
      expect(a?.leaseUntil).toEqual(at(1 + LEASE))
      // Still leased: nobody else may take it.
      expect(
        await store.cohortJobs.claim({ now: at(2), owner: 'b', leaseSeconds: LEASE, job: { tenantId, id: job.id } }),
      ).toBeUndefined()
      expect(
        await store.cohortJobs.recordRow(lease(tenantId, job.id, 'a'), { row: 2, outcome: 'issued' }, at(3), LEASE),
      ).toBe('recorded')
      // A row is recorded once.
      expect(
        await store.cohortJobs.recordRow(lease(tenantId, job.id, 'a'), { row: 2, outcome: 'issued' }, at(3), LEASE),
      ).toBe('row_done')
      // Recording extended the lease: at 1 + LEASE it is still a's.
      expect(
        await store.cohortJobs.claim({
          now: at(1 + LEASE),
          owner: 'b',
          leaseSeconds: LEASE,
          job: { tenantId, id: job.id },
        }),
      ).toBeUndefined()
      const b = await store.cohortJobs.claim({
        now: at(3 + LEASE),
        owner: 'b',
        leaseSeconds: LEASE,
        job: { tenantId, id: job.id },
      })
      expect(b).toMatchObject({ state: 'running', leaseOwner: 'b', attempts: 2, issued: 1, pending: 2 })
      // a lost the lease: nothing of a's is written any more.
      expect(
        await store.cohortJobs.recordRow(
          lease(tenantId, job.id, 'a'),
          { row: 3, outcome: 'issued' },
          at(4 + LEASE),
          LEASE,
        ),
      ).toBe('lease_lost')
      expect(await store.cohortJobs.pendingRows(lease(tenantId, job.id, 'a'), 10)).toEqual([])
      expect(await store.cohortJobs.finish(lease(tenantId, job.id, 'a'), at(4 + LEASE))).toBeUndefined()
      expect(await store.cohortJobs.release(lease(tenantId, job.id, 'a'), at(4 + LEASE))).toBe(false)
      expect((await store.cohortJobs.pendingRows(lease(tenantId, job.id, 'b'), 10)).map((r) => r.row)).toEqual([3, 4])
      expect((await store.cohortJobs.get(tenantId, job.id))?.issued).toBe(1)
      // A recorded row no longer keeps the learner's input (the award has it); a pending one does.
      const inputs = await store.sql.query<{ csv_row: number; input: unknown }>(
        'SELECT csv_row, input FROM cohort_job_rows WHERE tenant_id = $1 AND job_id = $2 ORDER BY csv_row',
        [tenantId, job.id],
      )
      expect(inputs.rows.map((r) => [Number(r.csv_row), r.input === null])).toEqual([
        [2, true],
        [3, false],
        [4, false],
      ])
    })

    it('finishes succeeded only when no row is pending; failed when a row failed; an error fails the rest', async () => {
      const store = ctx.store()
      const tenantId = await seedTenant(store)
      const job = await queue(store, tenantId, pendingRows(2))
      await store.cohortJobs.claim({ now: at(1), owner: 'a', leaseSeconds: LEASE, job: { tenantId, id: job.id } })
      const l = lease(tenantId, job.id, 'a')
      await store.cohortJobs.recordRow(l, { row: 2, outcome: 'issued' }, at(2), LEASE)
      expect(await store.cohortJobs.finish(l, at(3))).toBeUndefined()
      expect((await store.cohortJobs.get(tenantId, job.id))?.state).toBe('running')
      await store.cohortJobs.recordRow(l, { row: 3, outcome: 'issued' }, at(4), LEASE)
      const done = await store.cohortJobs.finish(l, at(5))
      expect(done).toMatchObject({ state: 'succeeded', issued: 2, failed: 0, pending: 0, finishedAt: at(5) })
      expect(done?.leaseOwner).toBeUndefined()
      // Ended: not claimable, not cancellable.
      expect(
        await store.cohortJobs.claim({ now: at(6), owner: 'b', leaseSeconds: LEASE, job: { tenantId, id: job.id } }),
      ).toBeUndefined()
      expect(await store.cohortJobs.cancel(tenantId, job.id, at(6))).toMatchObject({
        changed: false,
        job: { state: 'succeeded' },
      })

      const second = await queue(store, tenantId, pendingRows(3))
      await store.cohortJobs.claim({ now: at(1), owner: 'c', leaseSeconds: LEASE, job: { tenantId, id: second.id } })
      const c = lease(tenantId, second.id, 'c')
      await store.cohortJobs.recordRow(
        c,
        { row: 2, outcome: 'failed', issues: [{ path: '(row)', message: 'x' }] },
        at(2),
        LEASE,
      )
      const ended = await store.cohortJobs.finish(c, at(3), {
        error: 'the course changed',
        issues: [{ path: '(job)', message: 'the course changed' }],
      })
      expect(ended).toMatchObject({ state: 'failed', issued: 0, failed: 3, pending: 0, error: 'the course changed' })
      const report = await store.cohortJobs.rows(tenantId, second.id)
      expect(report.map((r) => r.issues)).toEqual([
        [{ path: '(row)', message: 'x' }],
        [{ path: '(job)', message: 'the course changed' }],
        [{ path: '(job)', message: 'the course changed' }],
      ])
    })

    it('a released job is claimable at once and the release is not counted as an attempt; a cancel fences the runner', async () => {
      const store = ctx.store()
      const tenantId = await seedTenant(store)
      const job = await queue(store, tenantId, pendingRows(2))
      await store.cohortJobs.claim({ now: at(1), owner: 'a', leaseSeconds: LEASE, job: { tenantId, id: job.id } })
      expect(await store.cohortJobs.release(lease(tenantId, job.id, 'a'), at(2))).toBe(true)
      const released = await store.cohortJobs.get(tenantId, job.id)
      expect(released).toMatchObject({ state: 'running', attempts: 0 })
      expect(released?.leaseOwner).toBeUndefined()
      expect(
        await store.cohortJobs.claim({ now: at(2), owner: 'b', leaseSeconds: LEASE, job: { tenantId, id: job.id } }),
      ).toMatchObject({ leaseOwner: 'b', attempts: 1 })
      const cancelled = await store.cohortJobs.cancel(tenantId, job.id, at(3))
      expect(cancelled).toMatchObject({ changed: true, job: { state: 'cancelled', pending: 2, finishedAt: at(3) } })
      expect(
        await store.cohortJobs.recordRow(lease(tenantId, job.id, 'b'), { row: 2, outcome: 'issued' }, at(4), LEASE),
      ).toBe('lease_lost')
      expect(await store.cohortJobs.cancel(tenantId, 'no-such-job', at(4))).toBeUndefined()
    })

    it('claims the oldest claimable job first, skipping leased ones', async () => {
      const store = ctx.store()
      const tenantId = await seedTenant(store)
      // Far in the past, so that jobs of the other tests (queued at T0) come after these.
      const first = await queue(store, tenantId, pendingRows(1), new Date('2001-01-01T00:00:00Z'))
      const second = await queue(store, tenantId, pendingRows(1), new Date('2001-01-01T00:00:01Z'))
      const x = await store.cohortJobs.claim({ now: at(1), owner: 'x', leaseSeconds: LEASE })
      const y = await store.cohortJobs.claim({ now: at(1), owner: 'y', leaseSeconds: LEASE })
      expect([x?.id, y?.id]).toEqual([first.id, second.id])
      await store.cohortJobs.cancel(tenantId, first.id, at(2))
      await store.cohortJobs.cancel(tenantId, second.id, at(2))
    })

    if (ctx.openPeer) {
      const openPeer = ctx.openPeer
      it('two pools claiming 20 jobs at once: each job is leased to exactly one of them', async () => {
        const store = ctx.store()
        const peer = await openPeer()
        const tenantId = await seedTenant(store)
        const jobs = []
        for (let i = 0; i < 20; i++)
          jobs.push(
            await queue(store, tenantId, pendingRows(1), new Date(`2002-01-01T00:00:${String(i).padStart(2, '0')}Z`)),
          )
        const claims = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (i % 2 === 0 ? store : peer).cohortJobs.claim({ now: at(1), owner: `o${i}`, leaseSeconds: LEASE }),
          ),
        )
        const claimed = claims.filter((c) => c !== undefined && c.tenantId === tenantId).map((c) => c!.id)
        expect(claimed.sort()).toEqual(jobs.map((j) => j.id).sort())
        for (const job of jobs) await store.cohortJobs.cancel(tenantId, job.id, at(2))
      })
    }
  })
}

describeEachBackend('cohort job repository', 'cohort_jobs', cohortJobSuite)
