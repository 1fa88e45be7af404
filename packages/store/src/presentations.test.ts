import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { runStoreMaintenance } from './maintenance.ts'
import type { Store } from './open-store.ts'
import type { NewPresentationRequest } from './repositories/presentation-requests.ts'
import { type BackendContext, describeEachBackend } from './test-backends.ts'

const T0 = new Date('2026-03-01T10:00:00.000Z')
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000)
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex')
const randomId = () => randomBytes(16).toString('base64url')

async function seedRelyingParty(store: Store): Promise<string> {
  const tenantId = `rp-${randomBytes(5).toString('hex')}`
  await store.tenants.create({ id: tenantId, name: 'Employer', did: `did:web:verifier.example:${tenantId}`, now: T0 })
  return tenantId
}

function newRequest(tenantId: string, overrides: Partial<NewPresentationRequest> = {}): NewPresentationRequest {
  return {
    tenantId,
    id: randomId(),
    nonce: randomBytes(16).toString('base64url'),
    clientId: 'x509_san_dns:verifier.example',
    responseMode: 'direct_post.jwt',
    request: { dcqlQuery: { credentials: [] } },
    encryptionKey: { ciphertext: 'opaque' },
    expiresAt: at(300),
    now: T0,
    ...overrides,
  }
}

function presentationSuite(ctx: BackendContext) {
  describe('presentation requests', () => {
    it('moves created → retrieved → responding → succeeded, keeping the latest wallet_nonce', async () => {
      const store = ctx.store()
      const tenantId = await seedRelyingParty(store)
      const created = await store.presentationRequests.create(newRequest(tenantId))
      expect(created).toMatchObject({ state: 'created', responseMode: 'direct_post.jwt', responseCodePending: false })

      expect(await store.presentationRequests.markRetrieved(tenantId, created.id, at(1), 'wn-1')).toMatchObject({
        state: 'retrieved',
        walletNonce: 'wn-1',
      })
      // A wallet's retry of the POST request_uri gets a new signed request with its new nonce.
      const again = await store.presentationRequests.markRetrieved(tenantId, created.id, at(2), 'wn-2')
      expect(again?.walletNonce).toBe('wn-2')
      expect(again?.retrievedAt).toEqual(at(1))

      const claim = await store.presentationRequests.claimForResponse(tenantId, created.id, at(3))
      expect(claim).toMatchObject({ ok: true, request: { state: 'responding' } })
      expect(await store.presentationRequests.markRetrieved(tenantId, created.id, at(4))).toBeUndefined()

      const done = await store.presentationRequests.complete({
        tenantId,
        id: created.id,
        state: 'succeeded',
        result: { verdict: 'verified' },
        responseCodeHash: sha256('code'),
        now: at(5),
      })
      expect(done).toBe(true)
      expect(await store.presentationRequests.get(tenantId, created.id)).toMatchObject({
        state: 'succeeded',
        result: { verdict: 'verified' },
        responseCodePending: true,
        completedAt: at(5),
      })
      // complete only from responding
      expect(
        await store.presentationRequests.complete({
          tenantId,
          id: created.id,
          state: 'failed',
          result: {},
          now: at(6),
        }),
      ).toBe(false)
    })

    it('lets exactly one of many concurrent responses claim a request', async () => {
      const store = ctx.store()
      const tenantId = await seedRelyingParty(store)
      const { id } = await store.presentationRequests.create(newRequest(tenantId))
      const peer = ctx.openPeer ? await ctx.openPeer() : store
      const claims = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 ? peer : store).presentationRequests.claimForResponse(tenantId, id, at(1)),
        ),
      )
      expect(claims.filter((c) => c.ok)).toHaveLength(1)
      expect(claims.filter((c) => !c.ok).every((c) => !c.ok && c.reason === 'already_answered')).toBe(true)
    })

    it('refuses unknown, expired and other tenants’ requests', async () => {
      const store = ctx.store()
      const tenantId = await seedRelyingParty(store)
      const other = await seedRelyingParty(store)
      const { id } = await store.presentationRequests.create(newRequest(tenantId))
      expect(await store.presentationRequests.claimForResponse(other, id, at(1))).toEqual({
        ok: false,
        reason: 'unknown',
      })
      expect(await store.presentationRequests.get(other, id)).toBeUndefined()
      expect(await store.presentationRequests.markRetrieved(tenantId, id, at(300))).toBeUndefined()
      expect(await store.presentationRequests.claimForResponse(tenantId, id, at(301))).toEqual({
        ok: false,
        reason: 'expired',
      })
      expect(await store.presentationRequests.expireStale(at(301))).toBeGreaterThanOrEqual(1)
      expect((await store.presentationRequests.get(tenantId, id))?.state).toBe('expired')
    })

    it('redeems a response_code once, only with the right code', async () => {
      const store = ctx.store()
      const tenantId = await seedRelyingParty(store)
      const { id } = await store.presentationRequests.create(newRequest(tenantId))
      await store.presentationRequests.claimForResponse(tenantId, id, at(1))
      await store.presentationRequests.complete({
        tenantId,
        id,
        state: 'succeeded',
        result: {},
        responseCodeHash: sha256('right'),
        now: at(2),
      })
      expect(await store.presentationRequests.redeemResponseCode(tenantId, id, sha256('wrong'))).toBe(false)
      const tries = await Promise.all(
        [1, 2, 3].map(() => store.presentationRequests.redeemResponseCode(tenantId, id, sha256('right'))),
      )
      expect(tries.filter(Boolean)).toHaveLength(1)
      expect((await store.presentationRequests.get(tenantId, id))?.responseCodePending).toBe(false)
    })

    it('lists a tenant’s requests newest first', async () => {
      const store = ctx.store()
      const tenantId = await seedRelyingParty(store)
      const first = await store.presentationRequests.create(newRequest(tenantId, { now: at(1) }))
      const second = await store.presentationRequests.create(newRequest(tenantId, { now: at(2) }))
      expect((await store.presentationRequests.list(tenantId)).map((r) => r.id)).toEqual([second.id, first.id])
    })
  })

  describe('maintenance', () => {
    it('purges expired single-use values and expires unanswered offers and requests, once', async () => {
      const store = ctx.store()
      const tenantId = await seedRelyingParty(store)
      await store.singleUseValues.put('vp_token', tenantId, `h-${randomId()}`, null, at(10))
      const open = await store.presentationRequests.create(newRequest(tenantId, { expiresAt: at(10) }))
      const later = await store.presentationRequests.create(newRequest(tenantId, { expiresAt: at(1000) }))
      const report = await runStoreMaintenance(store, at(11))
      expect(report.purgedSingleUseValues).toBeGreaterThanOrEqual(1)
      expect(report.expiredPresentationRequests).toBeGreaterThanOrEqual(1)
      expect((await store.presentationRequests.get(tenantId, open.id))?.state).toBe('expired')
      expect((await store.presentationRequests.get(tenantId, later.id))?.state).toBe('created')
      expect(await store.singleUseValues.remember('vp_token', tenantId, 'fresh', at(20))).toBe(true)
    })

    it('fails a response abandoned mid-check, and only an old one', async () => {
      const store = ctx.store()
      const tenantId = await seedRelyingParty(store)
      const abandoned = await store.presentationRequests.create(newRequest(tenantId, { expiresAt: at(5000) }))
      const fresh = await store.presentationRequests.create(newRequest(tenantId, { expiresAt: at(5000) }))
      await store.presentationRequests.claimForResponse(tenantId, abandoned.id, at(1))
      await store.presentationRequests.claimForResponse(tenantId, fresh.id, at(650))
      expect((await runStoreMaintenance(store, at(700))).abandonedPresentationResponses).toBeGreaterThanOrEqual(1)
      expect(await store.presentationRequests.get(tenantId, abandoned.id)).toMatchObject({
        state: 'failed',
        result: { verdict: 'failed', reason: expect.stringContaining('stopped'), credentials: [] },
      })
      expect((await store.presentationRequests.get(tenantId, fresh.id))?.state).toBe('responding')
    })
  })

  describe('webhook deliveries', () => {
    it('leases due deliveries once, retries with a new time, gives up, and delivers', async () => {
      const store = ctx.store()
      const tenantId = await seedRelyingParty(store)
      const delivery = await store.webhookDeliveries.enqueue({
        tenantId,
        id: randomId(),
        url: 'https://rp.example/hook',
        event: 'presentation.completed',
        body: { requestId: 'r1' },
        now: T0,
      })
      const peer = ctx.openPeer ? await ctx.openPeer() : store
      const [a, b] = await Promise.all([
        store.webhookDeliveries.leaseDue(at(1), 30, 10),
        peer.webhookDeliveries.leaseDue(at(1), 30, 10),
      ])
      const leased = [...(a ?? []), ...(b ?? [])].filter((d) => d.id === delivery.id)
      expect(leased).toHaveLength(1)
      expect(leased[0]?.attempts).toBe(1)
      // still leased: nobody else gets it
      expect((await store.webhookDeliveries.leaseDue(at(2), 30, 10)).some((d) => d.id === delivery.id)).toBe(false)

      await store.webhookDeliveries.markAttemptFailed(tenantId, delivery.id, 'HTTP 503', at(60))
      expect((await store.webhookDeliveries.leaseDue(at(59), 30, 10)).some((d) => d.id === delivery.id)).toBe(false)
      const retry = (await store.webhookDeliveries.leaseDue(at(60), 30, 10)).find((d) => d.id === delivery.id)
      expect(retry).toMatchObject({ attempts: 2, lastError: 'HTTP 503' })

      await store.webhookDeliveries.markDelivered(tenantId, delivery.id, at(61))
      expect(await store.webhookDeliveries.get(tenantId, delivery.id)).toMatchObject({
        state: 'delivered',
        deliveredAt: at(61),
      })

      const doomed = await store.webhookDeliveries.enqueue({
        tenantId,
        id: randomId(),
        url: 'https://rp.example/hook',
        event: 'presentation.completed',
        body: {},
        now: T0,
      })
      await store.webhookDeliveries.leaseDue(at(1), 30, 10)
      await store.webhookDeliveries.markAttemptFailed(tenantId, doomed.id, 'connection refused', undefined)
      expect((await store.webhookDeliveries.get(tenantId, doomed.id))?.state).toBe('failed')
    })
  })
}

describeEachBackend('presentation requests and webhooks', 'presentations', presentationSuite)
