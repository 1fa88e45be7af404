// Cohorts as background jobs (issue 12 §3), over real HTTP against the real app and store:
// a file is checked whole and answered at once (400 with a report, nothing built, or 202 with a
// job); the job awards its rows one by one off the request path, visibly; it survives a restart
// and a runner that lost its lease; two runners on one database award each row exactly once.
// Orderings are asserted with the runner's beforeRow hook holding a row, never with clocks.
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createElmWorkers } from '@alma/elm'
import { dropSchema, openStore, type Store } from '@alma/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startTestIssuer, type TestIssuer } from '../testing/issuer-harness.ts'
import { createApiKey } from './api-keys.ts'
import { MAX_COHORT_BYTES, MAX_COHORT_ROWS, queueCohort } from './cohort.ts'
import { createCohortRunner } from './cohort-runner.ts'
import { ADMIN_SCOPES, createAdminApi, mountAdminApi } from './index.ts'

const COURSE = 'digital-learning-content'
const HEADER = 'given_name,family_name,email,grade,awarding_date'
const goodRow = (i: number) => `Learner,N${i},l${i}@example.org,Pass,2026-07-15`
/** A file of `n` good learner rows (rows 2 … n + 1), with `extra` appended. */
const cohortCsv = (n: number, extra: string[] = [], from = 0) =>
  [HEADER, ...Array.from({ length: n }, (_, i) => goodRow(from + i)), ...extra].join('\n')

/** Holds the runner before one row (any job) until released: the job is then visibly half-way. */
function rowGate() {
  let target: number | undefined
  let reached: () => void = () => {}
  let reachedAt: Promise<void> = Promise.resolve()
  let open: () => void = () => {}
  let opened: Promise<void> = Promise.resolve()
  const seen: string[] = []
  return {
    seen,
    holdAt(row: number) {
      target = row
      reachedAt = new Promise((resolve) => {
        reached = resolve
      })
      opened = new Promise((resolve) => {
        open = resolve
      })
    },
    reached: () => reachedAt,
    release() {
      target = undefined
      open()
    },
    async beforeRow(job: { id: string }, row: number) {
      seen.push(`${job.id}:${row}`)
      if (row === target) {
        reached()
        await opened
      }
    },
  }
}

interface Call {
  method?: string
  key?: string | null
  raw?: string
  type?: string
}

function caller(base: () => string, defaultKey: () => string) {
  return async (path: string, options: Call = {}) => {
    const headers: Record<string, string> = {}
    const key = options.key === undefined ? defaultKey() : options.key
    if (key !== null) headers.authorization = `Bearer ${key}`
    if (options.raw !== undefined) headers['content-type'] = options.type ?? 'text/csv'
    const response = await fetch(`${base()}${path}`, {
      method: options.method ?? (options.raw === undefined ? 'GET' : 'POST'),
      headers,
      ...(options.raw !== undefined ? { body: options.raw } : {}),
    })
    const text = await response.text()
    let json: any
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, headers: response.headers, json, text }
  }
}

async function count(store: Store, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await store.sql.query<{ n: number | string }>(sql, params)
  return Number(rows[0]?.n ?? 0)
}
const awardTotal = (store: Store) => count(store, "SELECT count(*) AS n FROM awards WHERE tenant_id = 'uni-a'")
const jobTotal = (store: Store) => count(store, 'SELECT count(*) AS n FROM cohort_jobs')

describe('cohort files over the admin API', () => {
  let issuer: TestIssuer
  let keyA: string
  let keyB: string
  let readOnlyA: string
  const gate = rowGate()
  const call = caller(
    () => issuer.url,
    () => keyA,
  )
  const cohortPath = (query = '') => `/admin/uni-a/awards/cohort?specificationId=${COURSE}${query}`
  /** The job once the runner has nothing left to claim (drain resolves then). */
  const finalState = async (id: string) => {
    await issuer.cohorts?.drain()
    return (await call(`/admin/uni-a/cohorts/${id}`)).json
  }

  beforeAll(async () => {
    issuer = await startTestIssuer({
      routes: [mountAdminApi],
      // No polling: in this file a job is run by the runner its POST woke.
      cohortJobs: { pollMs: 3_600_000, beforeRow: (job, row) => gate.beforeRow(job, row) },
    })
    const now = new Date()
    keyA = (await createApiKey(issuer.store, 'uni-a', ADMIN_SCOPES, now)).key
    keyB = (await createApiKey(issuer.store, 'uni-b', ADMIN_SCOPES, now)).key
    readOnlyA = (await createApiKey(issuer.store, 'uni-a', ['read'], now)).key
  }, 60_000)
  afterAll(async () => {
    gate.release()
    await issuer?.close()
  })

  it('the last of 500 rows bad: 400 at once naming row 501, nothing queued, built or stored; /health answered meanwhile', async () => {
    const csv = cohortCsv(499, ['Bob,Builder,bob@,Pass,2026-07-15'])
    const [awards, jobs, seen] = [await awardTotal(issuer.store), await jobTotal(issuer.store), gate.seen.length]
    const [cohort, health] = await Promise.all([
      call(cohortPath(), { raw: csv }),
      fetch(`${issuer.url}/health`).then(async (r) => ({ status: r.status, body: await r.json() })),
    ])
    expect(health).toEqual({ status: 200, body: { status: 'ok' } })
    expect(cohort.status).toBe(400)
    expect(cohort.json.error).toBe('invalid_input')
    expect(cohort.json.error_description).toBe(
      'cohort CSV: 1 of 500 rows are invalid; nothing was stored (mode all-or-nothing; use mode=valid-rows to store the good rows)',
    )
    expect(cohort.json.stored).toBe(0)
    expect(cohort.json.rows).toHaveLength(500)
    expect(cohort.json.rows[0]).toEqual({ row: 2, ok: true, learner: 'Learner N0' })
    expect(cohort.json.rows[499]).toEqual({
      row: 501,
      ok: false,
      learner: 'Bob Builder',
      issues: [{ path: 'email', message: expect.any(String) }],
    })
    expect(cohort.json.issues).toEqual([{ path: 'row 501: email', message: expect.any(String) }])
    // Nothing was built: no job for a runner to take, no row ever started, no award.
    expect(await jobTotal(issuer.store)).toBe(jobs)
    expect(gate.seen.length).toBe(seen)
    expect(await awardTotal(issuer.store)).toBe(awards)
  })

  it('a good file: 202 with the job and its Location; awarded row by row, visibly; /health answered mid-job; every row once', async () => {
    const awards = await awardTotal(issuer.store)
    gate.holdAt(4)
    const r = await call(cohortPath('&hold=true'), { raw: cohortCsv(6) })
    expect(r.status).toBe(202)
    const id = r.json.id as string
    expect(r.headers.get('location')).toBe(`/admin/uni-a/cohorts/${id}`)
    expect(r.json).toMatchObject({
      state: 'queued',
      specificationId: COURSE,
      specificationVersion: 1,
      mode: 'all-or-nothing',
      awardState: 'held',
      total: 6,
      pending: 6,
      issued: 0,
      failed: 0,
    })
    expect(r.json.rows.map((x: { row: number; state: string }) => [x.row, x.state])).toEqual(
      [2, 3, 4, 5, 6, 7].map((row) => [row, 'pending']),
    )

    // The runner holds before row 4: rows 2 and 3 are awarded, the rest pending — and the
    // process answers other requests meanwhile.
    await gate.reached()
    const health = await fetch(`${issuer.url}/health`)
    expect(health.status).toBe(200)
    const halfway = await call(`/admin/uni-a/cohorts/${id}`, { key: readOnlyA })
    expect(halfway.status).toBe(200)
    expect(halfway.json).toMatchObject({ state: 'running', total: 6, issued: 2, pending: 4, failed: 0 })
    expect(halfway.json.rows.map((x: { state: string }) => x.state)).toEqual([
      'issued',
      'issued',
      'pending',
      'pending',
      'pending',
      'pending',
    ])
    expect(halfway.json.rows[0]).toEqual({
      row: 2,
      learner: 'Learner N0',
      state: 'issued',
      awardId: expect.any(String),
    })
    const progressOnly = await call(`/admin/uni-a/cohorts/${id}?rows=none`)
    expect(progressOnly.json.rows).toBeUndefined()
    expect(progressOnly.json.issued).toBe(2)
    gate.release()

    const done = await finalState(id)
    expect(done).toMatchObject({ state: 'succeeded', total: 6, issued: 6, pending: 0, failed: 0 })
    expect(done.finishedAt).toEqual(expect.any(String))
    const ids = done.rows.map((x: { awardId: string }) => x.awardId)
    expect(new Set(ids).size).toBe(6)
    expect(await awardTotal(issuer.store)).toBe(awards + 6)
    // Each row built once, in file order.
    expect(gate.seen.filter((s) => s.startsWith(`${id}:`))).toEqual([2, 3, 4, 5, 6, 7].map((row) => `${id}:${row}`))
    const award = await call(`/admin/uni-a/awards/${ids[2]}`)
    expect(award.json).toMatchObject({
      state: 'held',
      award: { learner: { givenName: 'Learner', familyName: 'N2', email: 'l2@example.org' } },
    })
    const audit = await call('/admin/uni-a/audit?limit=20')
    const mine = audit.json.items.filter((e: { subject?: string }) => e.subject === id)
    expect(mine.map((e: { action: string }) => e.action)).toEqual(['award.cohort_finished', 'award.cohort_queued'])
    expect(mine[0].details).toEqual({ state: 'succeeded', issued: 6, failed: 0 })
  })

  it('mode valid-rows: 202 with the bad rows already failed; the job ends failed with the good rows awarded', async () => {
    const r = await call(cohortPath('&mode=valid-rows'), {
      raw: `${HEADER}\nAda,Lovelace,ada@example.org,Pass,2026-07-15\nBob,Builder,bob@,,2026-07-15\n`,
    })
    expect(r.status).toBe(202)
    expect(r.json).toMatchObject({ total: 2, pending: 1, failed: 1, mode: 'valid-rows' })
    expect(r.json.rows[1]).toMatchObject({ row: 3, learner: 'Bob Builder', state: 'failed' })
    expect(r.json.rows[1].issues.map((i: { path: string }) => i.path).sort()).toEqual(['email', 'grade'])
    const done = await finalState(r.json.id)
    expect(done).toMatchObject({ state: 'failed', issued: 1, failed: 1, pending: 0 })
    const failedOnly = await call(`/admin/uni-a/cohorts/${r.json.id}?rows=failed`)
    expect(failedOnly.json.rows.map((x: { row: number }) => x.row)).toEqual([3])
  })

  it('refuses more than the row cap and a body over the limit: 413 naming the cap, nothing queued', async () => {
    const jobs = await jobTotal(issuer.store)
    const many = await call(cohortPath(), { raw: cohortCsv(MAX_COHORT_ROWS + 1) })
    expect(many.status).toBe(413)
    expect(many.json).toEqual({
      error: 'payload_too_large',
      error_description: `cohort CSV: more than ${MAX_COHORT_ROWS} learner rows; at most ${MAX_COHORT_ROWS} per file, split it`,
      issues: [{ path: '(file)', message: `has more than ${MAX_COHORT_ROWS} learner rows` }],
      maxRows: MAX_COHORT_ROWS,
    })
    // Exactly the cap is fine to check (here refused for its one bad row, so that nothing is built).
    const atCap = await call(cohortPath(), {
      raw: cohortCsv(MAX_COHORT_ROWS - 1, ['Bob,Builder,bob@,Pass,2026-07-15']),
    })
    expect(atCap.status).toBe(400)
    expect(atCap.json.rows).toHaveLength(MAX_COHORT_ROWS)

    const big = await call(cohortPath(), { raw: `${HEADER}\n${'x'.repeat(MAX_COHORT_BYTES)}` })
    expect(big.status).toBe(413)
    expect(big.json).toEqual({
      error: 'payload_too_large',
      error_description: `cohort CSV: the file is larger than ${MAX_COHORT_BYTES / 1024} KiB; at most ${MAX_COHORT_ROWS} learner rows per file, split it`,
      maxBytes: MAX_COHORT_BYTES,
      maxRows: MAX_COHORT_ROWS,
    })
    expect(await jobTotal(issuer.store)).toBe(jobs)
  })

  it('names control characters (NUL included) by column, and stores nothing', async () => {
    const jobs = await jobTotal(issuer.store)
    const r = await call(cohortPath(), {
      raw: `${HEADER}\nAda\u0000,Lovelace,ada@example.org,Pass,2026-07-15\n"Tab\tby",Two,,Pass,2026-07-15\n`,
    })
    expect(r.status).toBe(400)
    expect(r.json.rows).toEqual([
      {
        row: 2,
        ok: false,
        learner: 'Ada\u0000 Lovelace',
        issues: [{ path: 'given_name', message: 'contains a control character (U+0000)' }],
      },
      {
        row: 3,
        ok: false,
        learner: 'Tab\tby Two',
        issues: [{ path: 'given_name', message: 'contains a control character (U+0009)' }],
      },
    ])
    expect(await jobTotal(issuer.store)).toBe(jobs)
  })

  it('cancels a running job: the row being built is not stored, the rest stay pending; a second cancel is 409', async () => {
    const awards = await awardTotal(issuer.store)
    gate.holdAt(3)
    const r = await call(cohortPath(), { raw: cohortCsv(4, [], 100) })
    expect(r.status).toBe(202)
    await gate.reached()
    const readOnly = await call(`/admin/uni-a/cohorts/${r.json.id}/cancel`, { method: 'POST', key: readOnlyA })
    expect(readOnly.status).toBe(403)
    expect(readOnly.json).toEqual({
      error: 'insufficient_scope',
      error_description: 'this API key lacks the scope awards:write',
      scope: 'awards:write',
    })
    const cancel = await call(`/admin/uni-a/cohorts/${r.json.id}/cancel`, { method: 'POST' })
    expect(cancel.status).toBe(200)
    expect(cancel.json).toMatchObject({ state: 'cancelled', issued: 1, pending: 3 })
    gate.release()
    // The runner lets go of the job at its next write; it stays as it was cancelled.
    await issuer.cohorts?.drain()
    const after = await call(`/admin/uni-a/cohorts/${r.json.id}`)
    expect(after.json).toMatchObject({ state: 'cancelled', issued: 1, pending: 3, failed: 0 })
    expect(await awardTotal(issuer.store)).toBe(awards + 1)
    const again = await call(`/admin/uni-a/cohorts/${r.json.id}/cancel`, { method: 'POST' })
    expect(again.status).toBe(409)
    expect(again.json).toEqual({ error: 'conflict', error_description: `cohort job ${r.json.id} is cancelled already` })
  })

  describe('strangers', () => {
    let jobId: string
    beforeAll(async () => {
      const r = await call(cohortPath(), { raw: cohortCsv(1, [], 200) })
      jobId = r.json.id
      await finalState(jobId)
    })

    it('401 without a key: no job read, none queued (the body is not even read)', async () => {
      const jobs = await jobTotal(issuer.store)
      for (const [path, method, raw] of [
        [`/admin/uni-a/cohorts/${jobId}`, 'GET', undefined],
        [`/admin/uni-a/cohorts/${jobId}/cancel`, 'POST', undefined],
        [cohortPath(), 'POST', cohortCsv(1)],
      ] as const) {
        const r = await call(path, { key: null, method, ...(raw ? { raw } : {}) })
        expect(r.status).toBe(401)
        expect(r.headers.get('www-authenticate')).toBe('Bearer realm="alma-admin"')
        expect(r.json).toEqual({
          error: 'unauthorized',
          error_description: 'send an admin API key as "Authorization: Bearer <key>"',
        })
      }
      expect(await jobTotal(issuer.store)).toBe(jobs)
    })

    it("another tenant's job is not found under its own tenant, and its key is forbidden on ours", async () => {
      const other = await call(`/admin/uni-b/cohorts/${jobId}`, { key: keyB })
      expect(other.status).toBe(404)
      expect(other.json).toEqual({ error: 'not_found', error_description: `no cohort job ${jobId}` })
      const cancel = await call(`/admin/uni-b/cohorts/${jobId}/cancel`, { key: keyB, method: 'POST' })
      expect(cancel.status).toBe(404)
      expect(cancel.json).toEqual({ error: 'not_found', error_description: `no cohort job ${jobId}` })
      const forbidden = await call(`/admin/uni-a/cohorts/${jobId}`, { key: keyB })
      expect(forbidden.status).toBe(403)
      expect(forbidden.json).toEqual({
        error: 'forbidden',
        error_description: 'this API key is not valid for tenant uni-a',
      })
      expect((await call(`/admin/uni-a/cohorts/${jobId}?rows=none`)).json.state).toBe('succeeded')
    })

    it('junk job ids are 404 without reaching the store; an unknown id is 404 naming it; unknown query is 400', async () => {
      for (const junk of ['not-a-job', 'A'.repeat(200), '...', jobId.toUpperCase(), `${jobId}x`, "'OR'1'='1"]) {
        for (const [suffix, method] of [
          ['', 'GET'],
          ['/cancel', 'POST'],
        ] as const) {
          const r = await call(`/admin/uni-a/cohorts/${junk}${suffix}`, { method })
          expect(r.status, `${method} ${junk}${suffix}`).toBe(404)
          expect(r.json).toEqual({ error: 'not_found', error_description: 'no such cohort job' })
        }
      }
      // A NUL, a character no identifier has, or an overlong segment is refused before any route
      // (http/request-input.ts): never a 5xx, never the store.
      for (const junk of ['%00', `${jobId}%00`, '%E2%80%AE', '..%2F..%2Fetc', 'A'.repeat(300)]) {
        const path = `/admin/uni-a/cohorts/${junk}`
        const r = await call(path)
        expect(r.status, path).toBeGreaterThanOrEqual(400)
        expect(r.status, path).toBeLessThan(500)
      }
      const unknown = randomUUID()
      const r = await call(`/admin/uni-a/cohorts/${unknown}`)
      expect(r.status).toBe(404)
      expect(r.json).toEqual({ error: 'not_found', error_description: `no cohort job ${unknown}` })
      const query = await call(`/admin/uni-a/cohorts/${jobId}?rows=some&x=1`)
      expect(query.status).toBe(400)
      expect(query.json.issues.map((i: { path: string }) => i.path).sort()).toEqual(['rows', 'x'])
    })

    it('a read-only key may not queue a cohort', async () => {
      const jobs = await jobTotal(issuer.store)
      const r = await call(cohortPath(), { key: readOnlyA, raw: cohortCsv(1) })
      expect(r.status).toBe(403)
      expect(r.json.error).toBe('insufficient_scope')
      expect(await jobTotal(issuer.store)).toBe(jobs)
    })
  })
})

describe('an issuer restarted in the middle of a cohort job', () => {
  it('resumes the job on the same data directory: the rows left are awarded, none twice', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'alma-cohort-restart-'))
    try {
      const port = await freePort()
      const gate = rowGate()
      const firstStore = await openStore({ dataDir })
      const first = await startTestIssuer({
        store: firstStore,
        port,
        routes: [mountAdminApi],
        cohortJobs: { pollMs: 3_600_000, beforeRow: (job, row) => gate.beforeRow(job, row) },
      })
      const key = (await createApiKey(firstStore, 'uni-a', ADMIN_SCOPES, new Date())).key
      gate.holdAt(4)
      const queued = await fetch(`${first.url}/admin/uni-a/awards/cohort?specificationId=${COURSE}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
        body: cohortCsv(6),
      })
      expect(queued.status).toBe(202)
      const id = ((await queued.json()) as { id: string }).id
      await gate.reached()
      // Stop while row 4 is about to be built: the runner stops there and hands the lease back.
      const closing = first.close()
      gate.release()
      await closing
      const left = await firstStore.cohortJobs.get('uni-a', id)
      expect(left).toMatchObject({ state: 'running', issued: 2, pending: 4 })
      expect(left?.leaseOwner).toBeUndefined()
      await firstStore.close()

      const seen: number[] = []
      const secondStore = await openStore({ dataDir })
      const second = await startTestIssuer({
        store: secondStore,
        port,
        provision: false,
        routes: [mountAdminApi],
        cohortJobs: { pollMs: 3_600_000, beforeRow: (_job, row) => void seen.push(row) },
      })
      try {
        await second.cohorts?.drain()
        const done = await secondStore.cohortJobs.get('uni-a', id)
        expect(done).toMatchObject({ state: 'succeeded', issued: 6, pending: 0, failed: 0 })
        expect(seen).toEqual([4, 5, 6, 7])
        const rows = await secondStore.cohortJobs.rows('uni-a', id)
        for (const row of rows) expect(await secondStore.awards.getWithoutDocument('uni-a', row.awardId)).toBeDefined()
        expect(await count(secondStore, "SELECT count(*) AS n FROM awards WHERE tenant_id = 'uni-a'")).toBe(6)
        const status = await fetch(`${second.url}/admin/uni-a/cohorts/${id}?rows=none`, {
          headers: { authorization: `Bearer ${key}` },
        })
        expect(((await status.json()) as { state: string }).state).toBe('succeeded')
      } finally {
        await second.close()
        await secondStore.close()
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  }, 120_000)
})

describe('cohort runners that lose a lease', () => {
  let issuer: TestIssuer
  beforeAll(async () => {
    issuer = await startTestIssuer({ cohortJobs: false })
  }, 60_000)
  afterAll(async () => {
    await issuer?.close()
  })

  async function queue(n: number, from: number) {
    const tenant = await issuer.ctx.tenant('uni-a')
    return queueCohort(issuer.ctx, tenant, {
      specificationId: COURSE,
      csv: cohortCsv(n, [], from),
      actor: 'test',
    })
  }

  it('a crashed runner left its lease: the job waits until the lease ends, then resumes without awarding a row twice', async () => {
    const job = await queue(3, 300)
    const t0 = Date.now()
    // What a crash leaves: a lease held by a runner that is gone, one row recorded.
    await issuer.store.cohortJobs.claim({
      now: new Date(t0),
      owner: 'crashed',
      leaseSeconds: 60,
      job: { tenantId: 'uni-a', id: job.id },
    })
    const crashed = { tenantId: 'uni-a', jobId: job.id, owner: 'crashed' }
    const [first] = await issuer.store.cohortJobs.pendingRows(crashed, 1)
    await issuer.store.transaction(async (tx) => {
      expect(await tx.cohortJobs.recordRow(crashed, { row: first!.row, outcome: 'issued' }, new Date(t0), 60)).toBe(
        'recorded',
      )
      await tx.awards.create({
        tenantId: 'uni-a',
        id: first!.awardId,
        specificationId: COURSE,
        specificationVersion: 1,
        learner: first!.input,
        state: 'ready',
        now: new Date(t0),
      })
    })
    const seen: number[] = []
    const early = createCohortRunner(issuer.ctx, {
      now: () => new Date(t0 + 30_000),
      beforeRow: (_j, row) => void seen.push(row),
    })
    await early.drain()
    expect(seen).toEqual([])
    expect((await issuer.store.cohortJobs.get('uni-a', job.id))?.leaseOwner).toBe('crashed')
    const late = createCohortRunner(issuer.ctx, {
      now: () => new Date(t0 + 120_000),
      beforeRow: (_j, row) => void seen.push(row),
    })
    await late.drain()
    expect(seen).toEqual([first!.row + 1, first!.row + 2])
    expect(await issuer.store.cohortJobs.get('uni-a', job.id)).toMatchObject({
      state: 'succeeded',
      issued: 3,
      attempts: 2,
    })
  })

  it('a runner that lost its lease while building a row stores nothing; the one that took over awards each row once', async () => {
    const job = await queue(4, 400)
    const t0 = Date.now()
    const gate = rowGate()
    gate.holdAt(3)
    const outcomesA: number[] = []
    const a = createCohortRunner(issuer.ctx, {
      now: () => new Date(t0),
      beforeRow: (j, row) => gate.beforeRow(j, row),
      afterRow: (_j, row) => void outcomesA.push(row),
    })
    const running = a.run('uni-a', job.id)
    await gate.reached()
    // A's lease (60 s from t0) has ended by B's clock: B claims the job and awards rows 3, 4, 5.
    const b = createCohortRunner(issuer.ctx, { now: () => new Date(t0 + 120_000) })
    const byB = await b.run('uni-a', job.id)
    expect(byB).toMatchObject({ state: 'succeeded', issued: 4 })
    // A goes on with row 3, builds it, and is refused when recording it: nothing stored.
    gate.release()
    expect(await running).toBeUndefined()
    expect(outcomesA).toEqual([2])
    const rows = await issuer.store.cohortJobs.rows('uni-a', job.id)
    expect(rows.map((r) => r.state)).toEqual(['issued', 'issued', 'issued', 'issued'])
    for (const row of rows) expect(await issuer.store.awards.getWithoutDocument('uni-a', row.awardId)).toBeDefined()
    expect(
      await count(
        issuer.store,
        `SELECT count(*) AS n FROM awards WHERE tenant_id = 'uni-a' AND learner #>> '{learner,familyName}' LIKE 'N40_'`,
      ),
    ).toBe(4)
  })

  it('a course changed after the file was checked: the rows left fail with the reason, nothing is built', async () => {
    const job = await queue(2, 500)
    const spec = await issuer.store.specifications.get('uni-a', COURSE)
    await issuer.store.specifications.update({
      tenantId: 'uni-a',
      id: COURSE,
      document: spec!.document,
      expectedVersion: spec!.version,
      now: new Date(),
    })
    const seen: number[] = []
    const done = await createCohortRunner(issuer.ctx, { beforeRow: (_j, row) => void seen.push(row) }).run(
      'uni-a',
      job.id,
    )
    expect(seen).toEqual([])
    const reason = `the course ${COURSE} changed after the file was checked (version ${spec!.version} → ${spec!.version + 1}); upload the rows again`
    expect(done).toMatchObject({ state: 'failed', issued: 0, failed: 2, error: reason })
    const rows = await issuer.store.cohortJobs.rows('uni-a', job.id)
    expect(rows[0]?.issues).toEqual([{ path: '(row)', message: `not awarded: ${reason}` }])
  })
})

describe('a cohort job while the issuer cannot build (503: ELM workers busy or past their deadline)', () => {
  // A deadline no EDC build meets: every build is refused as the issuer's condition, not the row's.
  const hopeless = createElmWorkers({ size: 1, deadlineMs: 1 })
  let busy: TestIssuer
  let able: TestIssuer
  beforeAll(async () => {
    busy = await startTestIssuer({ cohortJobs: false, elmWorkers: hopeless })
    able = await startTestIssuer({
      store: busy.store,
      provision: false,
      cohortJobs: false,
      config: { baseUrl: busy.url },
    })
  }, 60_000)
  afterAll(async () => {
    await able?.close()
    await busy?.close()
    await hopeless.close()
  })

  it('keeps the row pending (never failed) and the job leased; a runner that can build resumes it once the lease ends', async () => {
    const job = await queueCohort(busy.ctx, await busy.ctx.tenant('uni-a'), {
      specificationId: COURSE,
      csv: cohortCsv(1, [], 600),
      actor: 'test',
    })
    const t0 = Date.now()
    await createCohortRunner(busy.ctx, { now: () => new Date(t0) }).drain()
    const waiting = await busy.store.cohortJobs.get('uni-a', job.id)
    expect(waiting).toMatchObject({ state: 'running', pending: 1, issued: 0, failed: 0, attempts: 1 })
    expect(waiting?.leaseOwner).toEqual(expect.any(String))
    expect(await awardTotal(busy.store)).toBe(0)

    const done = await createCohortRunner(able.ctx, { now: () => new Date(t0 + 120_000) }).run('uni-a', job.id)
    expect(done).toMatchObject({ state: 'succeeded', issued: 1, failed: 0, attempts: 2 })
    expect(await awardTotal(busy.store)).toBe(1)
  }, 60_000)
})

const databaseUrl = process.env.TEST_DATABASE_URL
if (!databaseUrl) console.warn('PostgreSQL tests skipped: set TEST_DATABASE_URL')
const describePg = databaseUrl ? describe : describe.skip

describePg('two issuers on one PostgreSQL, each with its cohort runner', () => {
  const schema = `issuer_cohorts_${process.pid}`
  let storeA: Store
  let storeB: Store
  let a: TestIssuer
  let b: TestIssuer
  const built: string[] = []

  beforeAll(async () => {
    storeA = await openStore({ databaseUrl: String(databaseUrl), schema, maxConnections: 10 })
    storeB = await openStore({ databaseUrl: String(databaseUrl), schema, maxConnections: 10 })
    const record = (job: { id: string }, row: number) => void built.push(`${job.id}:${row}`)
    a = await startTestIssuer({
      store: storeA,
      routes: [mountAdminApi],
      cohortJobs: { pollMs: 3_600_000, beforeRow: record },
    })
    b = await startTestIssuer({
      store: storeB,
      provision: false,
      // One deployment: both processes serve the same public URL (the tenants' DIDs are made from it).
      config: { baseUrl: a.url },
      routes: [createAdminApi()],
      cohortJobs: { pollMs: 3_600_000, beforeRow: record },
    })
  }, 60_000)
  afterAll(async () => {
    await a?.close()
    await b?.close()
    await storeA?.close()
    await storeB?.close()
    await dropSchema(String(databaseUrl), schema)
  })

  it('awards every row of four jobs exactly once while both runners claim', async () => {
    const key = (await createApiKey(storeA, 'uni-a', ADMIN_SCOPES, new Date())).key
    const ids: string[] = []
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${(i % 2 === 0 ? a : b).url}/admin/uni-a/awards/cohort?specificationId=${COURSE}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
        body: cohortCsv(5, [], i * 10),
      })
      expect(r.status).toBe(202)
      ids.push(((await r.json()) as { id: string }).id)
    }
    await Promise.all([a.cohorts?.drain(), b.cohorts?.drain()])
    for (const id of ids) {
      expect(await storeA.cohortJobs.get('uni-a', id)).toMatchObject({ state: 'succeeded', issued: 5 })
      const rows = await storeA.cohortJobs.rows('uni-a', id)
      for (const row of rows) expect(await storeB.awards.getWithoutDocument('uni-a', row.awardId)).toBeDefined()
    }
    // Each row was built once, by one of the two runners.
    expect(built.length).toBe(20)
    expect(new Set(built).size).toBe(20)
    expect(await count(storeA, "SELECT count(*) AS n FROM awards WHERE tenant_id = 'uni-a'")).toBe(20)
  }, 120_000)
})
