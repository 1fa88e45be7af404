// Issue 12 §3, "one request can stall every tenant", on the issuer over HTTP: an award's EDC is
// built and its certificate pages rendered on an ELM worker while /health is answered; busy
// workers and a task past its deadline are 503 (Retry-After when busy) with nothing stored; the
// expensive admin endpoints are rate-limited per tenant (429 with Retry-After).
import { createElmWorkers, type ElmWorkers } from '@alma/elm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COURSE_ID, readExample, startTestIssuer, type TestIssuer } from '../testing/issuer-harness.ts'
import { ADMIN_SCOPES, createAdminApi, createApiKey } from './index.ts'

const ana = readExample('awards/ana-andromeda.json')
const specification = readExample('specification.json')

interface Issuer {
  readonly issuer: TestIssuer
  readonly keyA: string
  readonly keyB: string
  close(): Promise<void>
}

/** An issuer of its own (store, tenants, keys) with these admin API options and ELM workers. */
async function start(
  options: { workers?: ElmWorkers; admin?: Parameters<typeof createAdminApi>[0] } = {},
): Promise<Issuer> {
  const issuer = await startTestIssuer({
    cohortJobs: false,
    routes: [createAdminApi(options.admin)],
    ...(options.workers ? { elmWorkers: options.workers } : {}),
  })
  const now = new Date()
  return {
    issuer,
    keyA: (await createApiKey(issuer.store, 'uni-a', ADMIN_SCOPES, now)).key,
    keyB: (await createApiKey(issuer.store, 'uni-b', ADMIN_SCOPES, now)).key,
    async close() {
      await issuer.close()
      await options.workers?.close()
    },
  }
}

function post({ issuer, keyA }: Issuer, path: string, body: unknown, key = keyA) {
  return fetch(`${issuer.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

async function awardCount({ issuer }: Issuer, tenant = 'uni-a'): Promise<number> {
  return (await issuer.store.awards.search(tenant, { limit: 1 })).total
}

/** Until the workers have taken a task, or `settled` says the request ended without one. */
async function untilRunning(workers: ElmWorkers, settled: () => boolean): Promise<void> {
  while (workers.stats().running === 0 && !settled()) await new Promise((resolve) => setTimeout(resolve, 5))
}

describe('awards are built and rendered on an ELM worker', () => {
  const workers = createElmWorkers({ size: 1 })
  let issuer: Issuer
  beforeAll(async () => {
    issuer = await start({ workers })
  }, 120_000)
  afterAll(async () => {
    await issuer?.close()
  })

  it('answers /health while an award’s EDC and certificate pages are being made: health first, then the award', async () => {
    const order: string[] = []
    const award = post(issuer, '/admin/uni-a/awards', { specificationId: COURSE_ID, award: ana }).then((res) => {
      order.push('award')
      return res
    })
    // Ordering, not time: wait until the worker has the task, then ask for /health.
    await untilRunning(workers, () => order.length > 0)
    const health = await fetch(`${issuer.issuer.url}/health`)
    order.push('health')
    expect(health.status).toBe(200)
    const created = await award
    expect(order).toEqual(['health', 'award'])
    expect(created.status).toBe(201)
    const { id } = await created.json()
    const png = await fetch(`${issuer.issuer.url}/admin/uni-a/awards/${id}/certificate.png`, {
      headers: { authorization: `Bearer ${issuer.keyA}` },
    })
    expect(png.status).toBe(200)
    expect(png.headers.get('content-type')).toBe('image/png')
  }, 120_000)
})

describe('busy workers and deadlines', () => {
  it('busy (one thread, no queue): of two awards at once one is made, the other is 503 with Retry-After and stores nothing', async () => {
    const issuer = await start({ workers: createElmWorkers({ size: 1, maxQueued: 0 }) })
    try {
      const before = await awardCount(issuer)
      const answers = await Promise.all([
        post(issuer, '/admin/uni-a/awards', { specificationId: COURSE_ID, award: ana }),
        post(issuer, '/admin/uni-a/awards', { specificationId: COURSE_ID, award: ana }),
      ])
      expect(answers.map((r) => r.status).sort()).toEqual([201, 503])
      const refused = answers.find((r) => r.status === 503)!
      const retryAfter = refused.headers.get('retry-after')
      expect(Number(retryAfter)).toBeGreaterThan(0)
      const body = await refused.json()
      expect(body.error).toBe('temporarily_unavailable')
      expect(body.error_description).toMatch(
        /^building the EDC document cannot start now: the ELM workers are busy \(1 running, 0 waiting\); retry after \d+ s$/,
      )
      expect(await awardCount(issuer)).toBe(before + 1)
    } finally {
      await issuer.close()
    }
  }, 120_000)

  it('past the deadline: 503 naming the work, nothing stored; the Annex I check likewise, so the workers keep answering', async () => {
    // Any EDC build takes longer than 1 ms.
    const workers = createElmWorkers({ size: 1, deadlineMs: 1 })
    const issuer = await start({ workers })
    try {
      const before = await awardCount(issuer)
      const late = await post(issuer, '/admin/uni-a/awards', { specificationId: COURSE_ID, award: ana })
      expect(late.status).toBe(503)
      expect(await late.json()).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'building the EDC document: the EDC build did not finish within 1 ms and was stopped',
      })
      expect(await awardCount(issuer)).toBe(before)
      expect(workers.stats().threads).toBe(0)
      const check = await post(issuer, `/admin/uni-a/specifications/${COURSE_ID}/annex-i-check`, { specification })
      expect(check.status).toBe(503)
      expect((await check.json()).error_description).toBe(
        'checking the course against Annex I: the Annex I report did not finish within 1 ms and was stopped',
      )
    } finally {
      await issuer.close()
    }
  }, 120_000)
})

describe('rate limits per tenant on the expensive admin endpoints', () => {
  let issuer: Issuer
  beforeAll(async () => {
    issuer = await start({ admin: { expensiveRateLimit: { burst: 1, perSecond: 0.01 } } })
  }, 120_000)
  afterAll(async () => {
    await issuer?.close()
  })

  it('one Annex I check in the bucket, then 429 with Retry-After; cheap endpoints and another tenant are not affected', async () => {
    const check = (key = issuer.keyA, tenant = 'uni-a') =>
      post(issuer, `/admin/${tenant}/specifications/${COURSE_ID}/annex-i-check`, { specification }, key)
    expect((await check()).status).toBe(200)
    const limited = await check()
    expect(limited.status).toBe(429)
    const retryAfter = limited.headers.get('retry-after')
    expect(Number(retryAfter)).toBeGreaterThan(0)
    expect(await limited.json()).toEqual({
      error: 'rate_limited',
      error_description: `too many award, Annex I check and certificate requests for tenant uni-a; retry after ${retryAfter} s`,
    })
    // The same bucket holds awards and certificate images: refused before any work, nothing stored.
    const before = await awardCount(issuer)
    const award = await post(issuer, '/admin/uni-a/awards', { specificationId: COURSE_ID, award: ana })
    expect(award.status).toBe(429)
    expect(await awardCount(issuer)).toBe(before)
    const list = await fetch(`${issuer.issuer.url}/admin/uni-a/specifications`, {
      headers: { authorization: `Bearer ${issuer.keyA}` },
    })
    expect(list.status).toBe(200)
    expect((await check(issuer.keyB, 'uni-b')).status).toBe(200)
  }, 120_000)
})
