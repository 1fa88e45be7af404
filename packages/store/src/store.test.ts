import { createHash, randomBytes } from 'node:crypto'
import { createTenantKeyring, type KeyRecord, parseKek } from '@alma/trust'
import { describe, expect, it } from 'vitest'
import { isStoreError, type StoreErrorCode } from './errors.ts'
import type { Store } from './open-store.ts'
import type { NewAward } from './repositories/awards.ts'
import { type NewOffer, OFFER_TRANSITIONS } from './repositories/offers.ts'
import { type BackendContext, describeEachBackend } from './test-backends.ts'

const T0 = new Date('2026-03-01T10:00:00.000Z')
/** T0 plus `seconds`. */
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000)
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex')
const randomId = (prefix: string) => `${prefix}-${randomBytes(6).toString('hex')}`

async function codeOf(p: Promise<unknown>): Promise<StoreErrorCode | string | undefined> {
  try {
    await p
  } catch (e) {
    return isStoreError(e) ? e.code : `not a StoreError: ${String(e)}`
  }
  return undefined
}

/** A tenant with a specification and an award, the minimum most records refer to. */
async function seedTenant(store: Store) {
  const tenantId = randomId('t')
  await store.tenants.create({
    id: tenantId,
    name: `University ${tenantId}`,
    did: `did:web:example.org:${tenantId}`,
    now: T0,
  })
  const spec = await store.specifications.create({ tenantId, id: 'spec-1', document: { title: 'Course' }, now: T0 })
  const award = await store.awards.create(newAward(tenantId, 'award-1'))
  return { tenantId, spec, award }
}

function newAward(tenantId: string, id: string, overrides: Partial<NewAward> = {}): NewAward {
  return {
    tenantId,
    id,
    specificationId: 'spec-1',
    specificationVersion: 1,
    learner: { learner: { givenName: 'Ana', familyName: 'García', email: `${id}@example.org` }, grade: 'Pass' },
    state: 'ready',
    now: T0,
    ...overrides,
  }
}

function newOffer(tenantId: string, overrides: Partial<NewOffer> = {}): NewOffer & { code: string } {
  const code = randomBytes(16).toString('base64url')
  return {
    tenantId,
    id: randomId('offer'),
    awardId: 'award-1',
    credentialConfigurationIds: ['micro_credential_jwt'],
    preAuthorizedCodeHash: sha256(code),
    expiresAt: at(600),
    now: T0,
    code,
    ...overrides,
  }
}

function storeSuite(ctx: BackendContext) {
  describe('tenants', () => {
    it('creates, reads, lists and updates the configuration', async () => {
      const store = ctx.store()
      const id = randomId('t')
      const created = await store.tenants.create({
        id,
        name: 'Uni',
        did: 'did:web:uni.example',
        config: { a: 1 },
        now: T0,
      })
      expect(created).toMatchObject({ id, name: 'Uni', did: 'did:web:uni.example', config: { a: 1 }, createdAt: T0 })
      expect(await store.tenants.get(id)).toEqual(created)
      expect((await store.tenants.list()).map((t) => t.id)).toContain(id)
      const updated = await store.tenants.updateConfig(id, { a: 2, list: [1, 2] }, at(5))
      expect(updated).toMatchObject({ config: { a: 2, list: [1, 2] }, updatedAt: at(5), createdAt: T0 })
    })

    it('rejects a duplicate id, a bad slug and an unknown tenant', async () => {
      const store = ctx.store()
      const id = randomId('t')
      await store.tenants.create({ id, name: 'Uni', did: 'did:web:uni.example', now: T0 })
      expect(await codeOf(store.tenants.create({ id, name: 'Again', did: 'did:web:x', now: T0 }))).toBe('duplicate')
      expect(await codeOf(store.tenants.create({ id: 'Not A Slug', name: 'x', did: 'did:web:x', now: T0 }))).toBe(
        'constraint_violated',
      )
      expect(await codeOf(store.tenants.updateConfig('no-such-tenant', {}, T0))).toBe('not_found')
      expect(await store.tenants.get('no-such-tenant')).toBeUndefined()
    })
  })

  describe('api keys', () => {
    it('finds a live key by its secret hash, and not after revocation', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const secretHash = sha256(randomId('secret'))
      await store.apiKeys.create({
        tenantId,
        id: 'admin',
        secretHash,
        scopes: ['awards:write', 'offers:write'],
        now: T0,
      })
      expect(await store.apiKeys.findByHash(secretHash)).toEqual({
        tenantId,
        keyId: 'admin',
        scopes: ['awards:write', 'offers:write'],
      })
      expect(await store.apiKeys.findByHash(secretHash, tenantId)).toMatchObject({ tenantId })
      expect(await store.apiKeys.findByHash(sha256('other'))).toBeUndefined()
      expect(await store.apiKeys.revoke(tenantId, 'admin', at(1))).toBe(true)
      expect(await store.apiKeys.revoke(tenantId, 'admin', at(2))).toBe(false)
      expect(await store.apiKeys.findByHash(secretHash)).toBeUndefined()
      expect(await store.apiKeys.list(tenantId)).toEqual([
        { tenantId, id: 'admin', scopes: ['awards:write', 'offers:write'], createdAt: T0, revokedAt: at(1) },
      ])
    })

    it('refuses a secret hash that is not a SHA-256', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const create = store.apiKeys.create({ tenantId, id: 'k', secretHash: 'plain-secret', scopes: [], now: T0 })
      expect(await codeOf(create)).toBe('constraint_violated')
    })
  })

  describe('signing keys', () => {
    it("runs @alma/trust's keyring rotation against the store", async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      let clock = T0.getTime()
      const keyring = createTenantKeyring({
        repository: store.signingKeys,
        kek: parseKek(randomBytes(32).toString('base64url')),
        now: () => {
          clock += 1000
          return new Date(clock)
        },
      })
      const first = await keyring.generate(tenantId)
      expect((await keyring.active(tenantId)).kid).toBe(first.kid)
      const { active, previous } = await keyring.rotate(tenantId)
      expect(previous).toMatchObject({ kid: first.kid, state: 'published' })
      expect((await keyring.active(tenantId)).kid).toBe(active.kid)
      expect((await keyring.verificationKeys(tenantId)).map((k) => k.kid)).toEqual([active.kid, first.kid])
      await keyring.retire(tenantId, first.kid)
      expect((await keyring.verificationKeys(tenantId)).map((k) => k.kid)).toEqual([active.kid])
      // The private key survives the round trip through jsonb, encrypted.
      const stored = (await store.signingKeys.listByTenant(tenantId)).find((k) => k.kid === active.kid)!
      expect(stored).toEqual(active)
      expect(keyring.privateKey(stored).asymmetricKeyType).toBe('ec')
    })

    it('rejects a duplicate (tenant, kid) and applies a state change once', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const record: KeyRecord = {
        tenantId,
        kid: 'kid-1',
        alg: 'ES256',
        state: 'active',
        publicJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
        x5c: ['MIIB'],
        encryptedPrivateKey: { v: 1, alg: 'A256GCM', kekId: 'k', wrappedDek: 'w', iv: 'i', ciphertext: 'c', tag: 't' },
        createdAt: T0.toISOString(),
        stateChangedAt: T0.toISOString(),
      }
      await store.signingKeys.save(record)
      expect(await codeOf(store.signingKeys.save(record))).toBe('duplicate')
      const change = { tenantId, kid: 'kid-1', from: 'active', to: 'published', at: at(1).toISOString() } as const
      const results = await Promise.all([store.signingKeys.updateState(change), store.signingKeys.updateState(change)])
      expect(results.filter(Boolean)).toHaveLength(1)
      expect(await store.signingKeys.listByTenant(tenantId)).toEqual([
        { ...record, state: 'published', stateChangedAt: at(1).toISOString() },
      ])
    })
  })

  describe('specifications', () => {
    it('creates, updates with a version check, and lists', async () => {
      const store = ctx.store()
      const { tenantId, spec } = await seedTenant(store)
      expect(spec).toMatchObject({ version: 1, document: { title: 'Course' } })
      expect(spec.annexReport).toBeUndefined()
      expect(await codeOf(store.specifications.create({ tenantId, id: 'spec-1', document: {}, now: T0 }))).toBe(
        'duplicate',
      )
      const v2 = await store.specifications.update({
        tenantId,
        id: 'spec-1',
        expectedVersion: 1,
        document: { title: 'Course, 2nd edition' },
        annexReport: { complete: true },
        now: at(10),
      })
      expect(v2).toMatchObject({ version: 2, annexReport: { complete: true }, createdAt: T0, updatedAt: at(10) })
      const stale = store.specifications.update({
        tenantId,
        id: 'spec-1',
        expectedVersion: 1,
        document: {},
        now: at(11),
      })
      expect(await codeOf(stale)).toBe('version_conflict')
      const missing = store.specifications.update({ tenantId, id: 'nope', expectedVersion: 1, document: {}, now: T0 })
      expect(await codeOf(missing)).toBe('not_found')
      expect(await store.specifications.get(tenantId, 'spec-1')).toEqual(v2)
      expect(await store.specifications.list(tenantId)).toEqual([v2])
    })
  })

  describe('awards', () => {
    it('creates, reads and moves through states by compare-and-set', async () => {
      const store = ctx.store()
      const { tenantId, award } = await seedTenant(store)
      expect(award).toMatchObject({ id: 'award-1', state: 'ready', specificationVersion: 1 })
      expect(award.edc).toBeUndefined()
      const edc = { '@context': ['https://www.w3.org/2018/credentials/v1'], big: 'x'.repeat(100_000) }
      const move = { tenantId, id: 'award-1', from: 'ready', to: 'issued', now: at(1), edc } as const
      const results = await Promise.all([store.awards.transition(move), store.awards.transition(move)])
      expect(results.filter(Boolean)).toHaveLength(1)
      expect(await store.awards.get(tenantId, 'award-1')).toMatchObject({ state: 'issued', edc, updatedAt: at(1) })
      expect(await codeOf(store.awards.transition({ ...move, from: 'issued', to: 'held' }))).toBe('invalid_transition')
    })

    it('refuses an award of an unknown specification', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const award = store.awards.create(newAward(tenantId, 'a2', { specificationId: 'nope' }))
      expect(await codeOf(award)).toBe('reference_missing')
    })

    it('createMany inserts all or nothing', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const cohort = Array.from({ length: 20 }, (_, i) => newAward(tenantId, `c-${i}`))
      const bad = [
        ...cohort.slice(0, 10),
        newAward(tenantId, 'c-bad', { state: 'graduated' as never }),
        ...cohort.slice(10),
      ]
      expect(await codeOf(store.awards.createMany(bad))).toBe('constraint_violated')
      expect((await store.awards.search(tenantId, { limit: 100 })).total).toBe(1)
      const duplicate = [...cohort, newAward(tenantId, 'c-3')]
      expect(await codeOf(store.awards.createMany(duplicate))).toBe('duplicate')
      expect((await store.awards.search(tenantId, { limit: 100 })).total).toBe(1)
      expect(await store.awards.createMany(cohort)).toHaveLength(20)
      expect((await store.awards.search(tenantId, { limit: 100 })).total).toBe(21)
    })

    it('createMany inside a transaction rolls back alone (savepoint); the transaction goes on', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      await store.transaction(async (tx) => {
        const failed = tx.awards.createMany([newAward(tenantId, 'x-1'), newAward(tenantId, 'award-1')])
        expect(await codeOf(failed)).toBe('duplicate')
        await tx.awards.create(newAward(tenantId, 'x-2'))
      })
      expect(await store.awards.get(tenantId, 'x-1')).toBeUndefined()
      expect(await store.awards.get(tenantId, 'x-2')).toBeDefined()
    })

    it('searches by learner text, state and specification, with paging', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      await store.specifications.create({ tenantId, id: 'spec-2', document: {}, now: T0 })
      await store.awards.createMany([
        newAward(tenantId, 'b-1', {
          learner: { learner: { givenName: 'Björn', familyName: 'Borg', email: 'bjorn@example.se' } },
          now: at(1),
        }),
        newAward(tenantId, 'b-2', {
          learner: { learner: { givenName: { en: 'Mary', ga: 'Máire' }, familyName: 'Byrne' } },
          specificationId: 'spec-2',
          state: 'held',
          now: at(2),
        }),
        newAward(tenantId, 'b-3', {
          learner: { learner: { givenName: 'Per_cent', familyName: '100%' } },
          now: at(3),
        }),
      ])
      const ids = async (query: Parameters<Store['awards']['search']>[1]) =>
        (await store.awards.search(tenantId, query)).items.map((a) => a.id)
      expect(await ids({ text: 'borg' })).toEqual(['b-1'])
      expect(await ids({ text: 'BJORN@example' })).toEqual(['b-1'])
      expect(await ids({ text: 'Máire' })).toEqual(['b-2'])
      expect(await ids({ text: 'Björn Borg' })).toEqual(['b-1'])
      // LIKE wildcards in the text match literally.
      expect(await ids({ text: '100%' })).toEqual(['b-3'])
      expect(await ids({ text: '_' })).toEqual(['b-3'])
      expect(await ids({ state: 'held' })).toEqual(['b-2'])
      expect(await ids({ specificationId: 'spec-2' })).toEqual(['b-2'])
      expect(await ids({ state: 'ready', specificationId: 'spec-1' })).toEqual(['b-3', 'b-1', 'award-1'])
      const page = await store.awards.search(tenantId, { limit: 2, offset: 1 })
      expect(page).toMatchObject({ total: 4 })
      expect(page.items.map((a) => a.id)).toEqual(['b-2', 'b-1'])
      expect(await store.awards.search(tenantId, { limit: 2, offset: 10 })).toEqual({ items: [], total: 4 })
      expect(await codeOf(store.awards.search(tenantId, { limit: 100_000 }))).toBe('constraint_violated')
    })
  })

  describe('offers', () => {
    it('serves the offer by reference until redemption, then redeems it once', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const offer = newOffer(tenantId, { issuerState: randomId('state') })
      const created = await store.offers.create(offer)
      expect(created).toMatchObject({
        state: 'offered',
        txCodeRequired: false,
        txCodeAttempts: 0,
        maxTxCodeAttempts: 3,
      })
      expect(await store.offers.getOfferForWallet(tenantId, offer.id, at(1))).toEqual(created)
      expect(await store.offers.getOfferForWallet(tenantId, offer.id, at(2))).toEqual(created)
      expect(await store.offers.getByIssuerState(tenantId, offer.issuerState!)).toEqual(created)
      expect(await store.offers.markCredentialIssued(tenantId, offer.id, at(3))).toBe(false)

      const redeemed = await store.offers.redeemPreAuthorizedCode({
        tenantId,
        codeHash: sha256(offer.code),
        txCodeHash: undefined,
        now: at(5),
      })
      expect(redeemed).toEqual({ ok: true, offer: { ...created, state: 'token_issued', tokenIssuedAt: at(5) } })
      expect(await store.offers.getOfferForWallet(tenantId, offer.id, at(6))).toBeUndefined()
      const again = { tenantId, codeHash: sha256(offer.code), txCodeHash: undefined, now: at(6) }
      expect(await store.offers.redeemPreAuthorizedCode(again)).toEqual({ ok: false, reason: 'unknown_or_used' })

      expect(await store.offers.markCredentialIssued(tenantId, offer.id, at(7))).toBe(true)
      expect(await store.offers.markCredentialIssued(tenantId, offer.id, at(8))).toBe(true)
      expect(await store.offers.getById(tenantId, offer.id)).toMatchObject({
        state: 'credential_issued',
        credentialIssuedAt: at(7),
      })
      expect((await store.offers.listByAward(tenantId, 'award-1')).map((o) => o.id)).toEqual([offer.id])
    })

    it('refuses unknown and expired codes, and expires stale offers', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const offer = newOffer(tenantId, { expiresAt: at(60) })
      await store.offers.create(offer)
      const redeem = (code: string, now: Date) =>
        store.offers.redeemPreAuthorizedCode({ tenantId, codeHash: sha256(code), txCodeHash: undefined, now })
      expect(await redeem('unknown', at(1))).toEqual({ ok: false, reason: 'unknown_or_used' })
      expect(await redeem(offer.code, at(60))).toEqual({ ok: false, reason: 'expired' })
      expect(await store.offers.getOfferForWallet(tenantId, offer.id, at(60))).toBeUndefined()
      expect(await store.offers.expireStale(at(61))).toBeGreaterThanOrEqual(1)
      expect(await store.offers.getById(tenantId, offer.id)).toMatchObject({ state: 'expired' })
      expect(await redeem(offer.code, at(1))).toEqual({ ok: false, reason: 'expired' })
    })

    it('counts wrong tx_codes, burns the code at the limit, and refuses the right one afterwards', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const offer = newOffer(tenantId, { txCodeHash: sha256('493536'), maxTxCodeAttempts: 3 })
      await store.offers.create(offer)
      const redeem = (txCode: string | undefined) =>
        store.offers.redeemPreAuthorizedCode({
          tenantId,
          codeHash: sha256(offer.code),
          txCodeHash: txCode === undefined ? undefined : sha256(txCode),
          now: at(1),
        })
      expect(await redeem(undefined)).toEqual({ ok: false, reason: 'tx_code_missing' })
      expect(await redeem('000000')).toEqual({ ok: false, reason: 'wrong_tx_code', attemptsRemaining: 2 })
      expect(await redeem('111111')).toEqual({ ok: false, reason: 'wrong_tx_code', attemptsRemaining: 1 })
      expect(await store.offers.getById(tenantId, offer.id)).toMatchObject({ txCodeAttempts: 2, state: 'offered' })
      expect(await redeem('222222')).toEqual({ ok: false, reason: 'burnt', attemptsRemaining: 0 })
      expect(await redeem('493536')).toEqual({ ok: false, reason: 'burnt' })
      expect(await store.offers.getById(tenantId, offer.id)).toMatchObject({ txCodeAttempts: 3, state: 'burnt' })
    })

    it('accepts the right tx_code and refuses one that was not offered', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const withCode = newOffer(tenantId, { txCodeHash: sha256('1234') })
      const without = newOffer(tenantId)
      await store.offers.create(withCode)
      await store.offers.create(without)
      const unexpected = { tenantId, codeHash: sha256(without.code), txCodeHash: sha256('1234'), now: at(1) }
      expect(await store.offers.redeemPreAuthorizedCode(unexpected)).toEqual({
        ok: false,
        reason: 'tx_code_unexpected',
      })
      const first = { tenantId, codeHash: sha256(withCode.code), txCodeHash: sha256('0000'), now: at(1) }
      expect(await store.offers.redeemPreAuthorizedCode(first)).toMatchObject({ ok: false, reason: 'wrong_tx_code' })
      const right = await store.offers.redeemPreAuthorizedCode({ ...first, txCodeHash: sha256('1234') })
      expect(right).toMatchObject({ ok: true, offer: { state: 'token_issued', txCodeAttempts: 1 } })
    })

    it('checkTxCode shares the counter with the token request: wrong codes through either grant burn the offer for both', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const offer = newOffer(tenantId, {
        txCodeHash: sha256('493536'),
        maxTxCodeAttempts: 3,
        issuerState: randomId('s'),
      })
      await store.offers.create(offer)
      const check = (txCode: string, now = at(1)) =>
        store.offers.checkTxCode({
          tenantId,
          offerId: offer.id,
          txCodeHash: sha256(txCode),
          via: 'authorization_code',
          now,
        })
      const redeem = (txCode: string) =>
        store.offers.redeemPreAuthorizedCode({
          tenantId,
          codeHash: sha256(offer.code),
          txCodeHash: sha256(txCode),
          now: at(2),
        })

      // The right code leaves the offer open and its counter as it was.
      expect(await check('493536')).toMatchObject({ ok: true, offer: { state: 'offered', txCodeAttempts: 0 } })
      expect(await check('000000')).toEqual({ ok: false, reason: 'wrong_tx_code', attemptsRemaining: 2 })
      expect(await check('493536')).toMatchObject({ ok: true, offer: { state: 'offered', txCodeAttempts: 1 } })
      expect(await redeem('111111')).toEqual({ ok: false, reason: 'wrong_tx_code', attemptsRemaining: 1 })
      // The third wrong code, on the authorization page, burns it: the token request is refused too.
      expect(await check('222222', at(3))).toEqual({ ok: false, reason: 'burnt', attemptsRemaining: 0 })
      expect(await store.offers.getById(tenantId, offer.id)).toMatchObject({
        state: 'burnt',
        txCodeAttempts: 3,
        burntAt: at(3),
        burntVia: 'authorization_code',
      })
      expect(await redeem('493536')).toEqual({ ok: false, reason: 'burnt' })
      expect(await check('493536')).toEqual({ ok: false, reason: 'burnt' })
      expect(await store.offers.redeemIssuerState(tenantId, offer.id, at(4))).toBeUndefined()
      expect(OFFER_TRANSITIONS.offered).toContain('burnt')
      expect(OFFER_TRANSITIONS.burnt).toEqual([])
    })

    it('a token request that burns the offer records it, and checkTxCode refuses closed offers and offers without a code', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const offer = newOffer(tenantId, { txCodeHash: sha256('1234'), maxTxCodeAttempts: 1, expiresAt: at(60) })
      const without = newOffer(tenantId, { expiresAt: at(60) })
      const expiring = newOffer(tenantId, { txCodeHash: sha256('1234'), expiresAt: at(60) })
      for (const o of [offer, without, expiring]) await store.offers.create(o)
      const wrong = { tenantId, codeHash: sha256(offer.code), txCodeHash: sha256('9999'), now: at(5) }
      expect(await store.offers.redeemPreAuthorizedCode(wrong)).toEqual({
        ok: false,
        reason: 'burnt',
        attemptsRemaining: 0,
      })
      expect(await store.offers.getById(tenantId, offer.id)).toMatchObject({
        burntAt: at(5),
        burntVia: 'pre-authorized_code',
      })
      const check = (offerId: string, now: Date) =>
        store.offers.checkTxCode({ tenantId, offerId, txCodeHash: sha256('1234'), via: 'authorization_code', now })
      expect(await check(without.id, at(1))).toEqual({ ok: false, reason: 'tx_code_unexpected' })
      expect(await check(expiring.id, at(60))).toEqual({ ok: false, reason: 'expired' })
      expect(await check('no-such-offer', at(1))).toEqual({ ok: false, reason: 'not_open' })
      const redeemed = { tenantId, codeHash: sha256(expiring.code), txCodeHash: sha256('1234'), now: at(2) }
      expect(await store.offers.redeemPreAuthorizedCode(redeemed)).toMatchObject({ ok: true })
      expect(await check(expiring.id, at(3))).toEqual({ ok: false, reason: 'not_open' })
      // Nothing of it changed the offers it refused.
      expect(await store.offers.getById(tenantId, without.id)).toMatchObject({ state: 'offered', txCodeAttempts: 0 })
    })

    it('concurrent wrong codes through both grants never count past the shared limit', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const offer = newOffer(tenantId, { txCodeHash: sha256('1234'), maxTxCodeAttempts: 5 })
      await store.offers.create(offer)
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          i % 2
            ? store.offers.checkTxCode({
                tenantId,
                offerId: offer.id,
                txCodeHash: sha256('9999'),
                via: 'authorization_code',
                now: at(1),
              })
            : store.offers.redeemPreAuthorizedCode({
                tenantId,
                codeHash: sha256(offer.code),
                txCodeHash: sha256('9999'),
                now: at(1),
              }),
        ),
      )
      expect(results.filter((r) => !r.ok && r.reason === 'wrong_tx_code')).toHaveLength(4)
      expect(results.filter((r) => !r.ok && r.reason === 'burnt')).toHaveLength(36)
      expect(await store.offers.getById(tenantId, offer.id)).toMatchObject({ state: 'burnt', txCodeAttempts: 5 })
    })

    it('200 concurrent redemptions of one code: exactly one wins', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const offer = newOffer(tenantId)
      await store.offers.create(offer)
      const input = { tenantId, codeHash: sha256(offer.code), txCodeHash: undefined, now: at(1) }
      const results = await Promise.all(Array.from({ length: 200 }, () => store.offers.redeemPreAuthorizedCode(input)))
      expect(results.filter((r) => r.ok)).toHaveLength(1)
      expect(new Set(results.filter((r) => !r.ok).map((r) => !r.ok && r.reason))).toEqual(new Set(['unknown_or_used']))
    })

    it('concurrent wrong tx_codes never count past the limit', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const offer = newOffer(tenantId, { txCodeHash: sha256('1234'), maxTxCodeAttempts: 5 })
      await store.offers.create(offer)
      const input = { tenantId, codeHash: sha256(offer.code), txCodeHash: sha256('9999'), now: at(1) }
      const results = await Promise.all(Array.from({ length: 50 }, () => store.offers.redeemPreAuthorizedCode(input)))
      expect(results.filter((r) => !r.ok && r.reason === 'wrong_tx_code')).toHaveLength(4)
      expect(results.filter((r) => !r.ok && r.reason === 'burnt')).toHaveLength(46)
      expect(await store.offers.getById(tenantId, offer.id)).toMatchObject({ state: 'burnt', txCodeAttempts: 5 })
    })

    if (ctx.openPeer) {
      const openPeer = ctx.openPeer
      it('200 concurrent redemptions from two processes (two pools): exactly one wins', async () => {
        const store = ctx.store()
        const peer = await openPeer()
        const { tenantId } = await seedTenant(store)
        const offer = newOffer(tenantId)
        await store.offers.create(offer)
        const input = { tenantId, codeHash: sha256(offer.code), txCodeHash: undefined, now: at(1) }
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) => (i % 2 ? peer : store).offers.redeemPreAuthorizedCode(input)),
        )
        expect(results.filter((r) => r.ok)).toHaveLength(1)
      })
    }
  })

  describe('single-use values', () => {
    it('consumes once, before expiry, in its tenant and kind only', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const values = store.singleUseValues
      await values.put('c_nonce', tenantId, sha256('n1'), { credentialIssuer: 'x' }, at(300))
      await values.put('c_nonce', tenantId, sha256('n2'), undefined, at(300))
      await values.put('c_nonce', tenantId, sha256('n3'), { a: 1 }, at(300))
      expect(await codeOf(values.put('c_nonce', tenantId, sha256('n1'), {}, at(300)))).toBe('duplicate')
      expect(await values.consume('authorization_code', tenantId, sha256('n1'), at(1))).toBeUndefined()
      expect(await values.consume('c_nonce', tenantId, sha256('n1'), at(1))).toEqual({ credentialIssuer: 'x' })
      expect(await values.consume('c_nonce', tenantId, sha256('n1'), at(2))).toBeUndefined()
      expect(await values.consume('c_nonce', tenantId, sha256('n2'), at(1))).toBeNull()
      expect(await values.consume('c_nonce', tenantId, sha256('n3'), at(300))).toBeUndefined()
      expect(await values.consume('c_nonce', tenantId, sha256('unknown'), at(1))).toBeUndefined()
    })

    it('50 concurrent consumptions: exactly one wins', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      await store.singleUseValues.put('authorization_code', tenantId, sha256('code'), { sub: 'x' }, at(60))
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          store.singleUseValues.consume('authorization_code', tenantId, sha256('code'), at(1)),
        ),
      )
      expect(results.filter((r) => r !== undefined)).toEqual([{ sub: 'x' }])
    })

    it('remembers a DPoP jti once, even concurrently, and purges expired values', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const values = store.singleUseValues
      const jti = sha256(randomId('jti'))
      const results = await Promise.all(
        Array.from({ length: 20 }, () => values.remember('dpop_jti', tenantId, jti, at(60))),
      )
      expect(results.filter(Boolean)).toHaveLength(1)
      expect(await values.remember('dpop_jti', tenantId, jti, at(60))).toBe(false)
      expect(await values.remember('dpop_jti', tenantId, sha256('other'), at(120))).toBe(true)
      expect(await values.purgeExpired(at(61))).toBeGreaterThanOrEqual(1)
      // Purged after expiry: the jti is new again (its proof's iat is long out of window by then).
      expect(await values.remember('dpop_jti', tenantId, jti, at(200))).toBe(true)
      expect(await values.remember('dpop_jti', tenantId, sha256('other'), at(200))).toBe(false)
    })
  })

  describe('status lists and issued credentials', () => {
    it('records an issued credential with its status entry, in one transaction', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const offer = newOffer(tenantId)
      await store.offers.create(offer)
      const issued = await store.transaction(async (tx) => {
        const list = await tx.statusLists.ensureList(tenantId, 'revocation', 'token', T0)
        const idx = await tx.statusLists.allocateIndex(tenantId, list.id)
        return tx.issuedCredentials.insert({
          tenantId,
          id: 'cred-1',
          awardId: 'award-1',
          offerId: offer.id,
          format: 'dc+sd-jwt',
          credentialConfigurationId: 'micro_credential_sd_jwt',
          holderKeyThumbprint: 'thumb',
          statusListId: list.id,
          statusIndex: idx,
          notificationId: 'notif-1',
          issuedAt: at(1),
        })
      })
      expect(issued).toMatchObject({ state: 'valid', offerId: offer.id, notificationId: 'notif-1', issuedAt: at(1) })
      expect(issued.notificationEvent).toBeUndefined()
      const { rows } = await store.sql.query<{ credential_id: string }>(
        'SELECT credential_id FROM status_entries WHERE tenant_id = $1 AND list_id = $2 AND idx = $3',
        [tenantId, issued.statusListId, issued.statusIndex],
      )
      expect(rows).toEqual([{ credential_id: 'cred-1' }])
      expect(await store.issuedCredentials.get(tenantId, 'cred-1')).toEqual(issued)
      expect(await store.issuedCredentials.listByAward(tenantId, 'award-1')).toEqual([issued])
      expect(await store.issuedCredentials.findByNotificationId(tenantId, 'notif-1')).toEqual(issued)
      expect((await store.issuedCredentials.search(tenantId, { format: 'dc+sd-jwt' })).items).toEqual([issued])
      expect(await store.issuedCredentials.search(tenantId, { format: 'jwt_vc_json' })).toEqual({ items: [], total: 0 })

      const accepted = { tenantId, notificationId: 'notif-1', event: 'credential_accepted', now: at(5) } as const
      expect(await store.issuedCredentials.recordNotification(accepted)).toMatchObject({
        notificationEvent: 'credential_accepted',
        notifiedAt: at(5),
      })
      expect(await store.issuedCredentials.recordNotification({ ...accepted, now: at(9) })).toMatchObject({
        notifiedAt: at(5),
      })
      expect(await store.issuedCredentials.recordNotification({ ...accepted, notificationId: 'nope' })).toBeUndefined()

      expect(await store.issuedCredentials.setState({ tenantId, id: 'cred-1', from: 'valid', to: 'revoked' })).toBe(
        true,
      )
      expect(await store.issuedCredentials.setState({ tenantId, id: 'cred-1', from: 'valid', to: 'suspended' })).toBe(
        false,
      )
      const duplicateNotification = store.issuedCredentials.insert({
        tenantId,
        id: 'cred-2',
        awardId: 'award-1',
        format: 'jwt_vc_json',
        credentialConfigurationId: 'c',
        notificationId: 'notif-1',
        issuedAt: at(1),
      })
      expect(await codeOf(duplicateNotification)).toBe('duplicate')
    })

    it('records a whole issuance in one statement, or nothing of it', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const offer = newOffer(tenantId)
      await store.offers.create(offer)
      expect(await store.offers.redeemIssuerState(tenantId, offer.id, at(1))).toMatchObject({ state: 'token_issued' })
      const list = await store.statusLists.ensureList(tenantId, 'revocation', 'token', T0)
      const first = await store.statusLists.allocateIndex(tenantId, list.id, undefined, list.size)
      const second = await store.statusLists.allocateIndex(tenantId, list.id, undefined, list.size)
      const issuance = {
        tenantId,
        awardId: 'award-1',
        offerId: offer.id,
        format: 'dc+sd-jwt',
        credentialConfigurationId: 'micro_credential_sd_jwt',
        issuedAt: at(2),
        audit: { actor: 'wallet', action: 'credential.issued', subject: 'award-1', details: { count: 2 } },
        redemption: { accessTokenHash: 'token-hash' },
      } as const
      // A duplicate id inside the batch fails the statement: no credential, no link, no audit entry,
      // and the configuration is not spent (the successful call below redeems it).
      const failing = store.issuedCredentials.recordIssuance({
        ...issuance,
        credentials: [
          { id: 'batch-dup', statusListId: list.id, statusIndex: first },
          { id: 'batch-dup', statusListId: list.id, statusIndex: second },
        ],
      })
      expect(await codeOf(failing)).toBe('duplicate')
      expect(await store.issuedCredentials.listByAward(tenantId, 'award-1')).toEqual([])
      expect(await store.auditLog.list(tenantId, { action: 'credential.issued' })).toEqual([])

      const recorded = await store.issuedCredentials.recordIssuance({
        ...issuance,
        credentials: [
          {
            id: 'batch-1',
            holderKeyThumbprint: 't1',
            statusListId: list.id,
            statusIndex: first,
            notificationId: 'n-1',
          },
          { id: 'batch-2', holderKeyThumbprint: 't2', statusListId: list.id, statusIndex: second },
        ],
      })
      expect(recorded.ok && recorded.credentials.map((c) => c.id).sort()).toEqual(['batch-1', 'batch-2'])
      const { rows } = await store.sql.query<{ credential_id: string }>(
        'SELECT credential_id FROM status_entries WHERE tenant_id = $1 AND list_id = $2 ORDER BY credential_id',
        [tenantId, list.id],
      )
      expect(rows.map((r) => r.credential_id)).toEqual(['batch-1', 'batch-2'])
      expect(await store.offers.getById(tenantId, offer.id)).toMatchObject({ state: 'credential_issued' })
      expect(await store.auditLog.list(tenantId, { action: 'credential.issued' })).toHaveLength(1)
      expect(await store.issuedCredentials.findByNotificationId(tenantId, 'n-1')).toMatchObject({ id: 'batch-1' })
    })

    it('rolls the status entry back when issuance fails', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const list = await store.statusLists.ensureList(tenantId, 'revocation', 'bitstring', T0)
      let allocated = -1
      const failed = store.transaction(async (tx) => {
        allocated = await tx.statusLists.allocateIndex(tenantId, list.id)
        throw new Error('signing failed')
      })
      await expect(failed).rejects.toThrow('signing failed')
      expect(await store.statusLists.getStatus(tenantId, list.id, allocated)).toBeUndefined()
    })

    it('1,000 allocations give 1,000 distinct indices in range', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const list = await store.statusLists.ensureList(tenantId, 'revocation', 'token', T0)
      expect(list).toMatchObject({ size: 131_072, version: 1 })
      const indices = await Promise.all(
        Array.from({ length: 1000 }, () => store.statusLists.allocateIndex(tenantId, list.id)),
      )
      expect(new Set(indices).size).toBe(1000)
      expect(indices.every((i) => Number.isInteger(i) && i >= 0 && i < list.size)).toBe(true)
      // Random, not sequential: 1,000 draws from 131,072 are spread out.
      expect(Math.max(...indices) - Math.min(...indices)).toBeGreaterThan(100_000)
    })

    it('retries a taken index without aborting the surrounding transaction, and reports a full list', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const list = await store.statusLists.ensureList(tenantId, 'suspension', 'token', T0)
      await store.statusLists.allocateIndex(tenantId, list.id, () => 7)
      const draws = [7, 7, 8]
      const idx = await store.transaction(async (tx) => {
        const i = await tx.statusLists.allocateIndex(tenantId, list.id, () => draws.shift()!)
        await tx.auditLog.append({ tenantId, at: T0, actor: 'test', action: 'still.usable' })
        return i
      })
      expect(idx).toBe(8)
      expect(await codeOf(store.statusLists.allocateIndex(tenantId, list.id, () => 7))).toBe('status_list_full')
      expect(await codeOf(store.statusLists.allocateIndex(tenantId, 'nope'))).toBe('not_found')
    })

    it('100 concurrent status changes on one list: none lost', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const list = await store.statusLists.ensureList(tenantId, 'revocation', 'bitstring', T0)
      const indices = await Promise.all(
        Array.from({ length: 100 }, () => store.statusLists.allocateIndex(tenantId, list.id)),
      )
      const versions = await Promise.all(
        indices.map((idx, i) => store.statusLists.setStatus(tenantId, list.id, idx, 1 + (i % 3), at(1))),
      )
      expect(new Set(versions).size).toBe(100)
      const snapshot = await store.statusLists.readList(tenantId, list.id)
      expect(snapshot).toMatchObject({ size: 131_072, version: 101, updatedAt: at(1) })
      const expected = indices.map((idx, i) => ({ idx, status: 1 + (i % 3) })).sort((a, b) => a.idx - b.idx)
      expect(snapshot!.entries).toEqual(expected)

      await store.statusLists.setStatus(tenantId, list.id, indices[0]!, 0, at(2))
      expect((await store.statusLists.readList(tenantId, list.id))!.entries).toHaveLength(99)
      expect(await store.statusLists.setStatus(tenantId, list.id, 131_071, 1, at(3))).toBeUndefined()
      expect(await codeOf(store.statusLists.setStatus(tenantId, list.id, indices[1]!, 256, at(3)))).toBe(
        'constraint_violated',
      )
    })

    it('opens a new list when the current one is more than half full', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const first = await store.statusLists.ensureList(tenantId, 'revocation', 'token', T0)
      expect((await store.statusLists.ensureList(tenantId, 'revocation', 'token', at(1))).id).toBe(first.id)
      expect((await store.statusLists.ensureList(tenantId, 'revocation', 'bitstring', at(1))).id).not.toBe(first.id)
      await store.sql.query(
        `INSERT INTO status_entries (tenant_id, list_id, idx) SELECT $1, $2, i FROM generate_series(0, $3::int - 1) AS i`,
        [tenantId, first.id, first.size / 2],
      )
      expect((await store.statusLists.ensureList(tenantId, 'revocation', 'token', at(2))).id).toBe(first.id)
      await store.statusLists.allocateIndex(tenantId, first.id)
      const opened = await Promise.all([
        store.statusLists.ensureList(tenantId, 'revocation', 'token', at(3)),
        store.statusLists.ensureList(tenantId, 'revocation', 'token', at(3)),
      ])
      expect(opened[0].id).not.toBe(first.id)
      expect(opened[1].id).toBe(opened[0].id)
      expect(await store.statusLists.readList(tenantId, opened[0].id)).toEqual({
        size: 131_072,
        version: 1,
        updatedAt: at(3),
        entries: [],
      })
    })

    it('refuses a list smaller than 131,072 entries', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      const small = store.statusLists.ensureList(tenantId, 'revocation', 'token', T0, { size: 1024 })
      expect(await codeOf(small)).toBe('constraint_violated')
    })
  })

  describe('audit log', () => {
    it('appends and lists newest first, by action, with a cursor', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      for (let i = 0; i < 5; i++) {
        await store.auditLog.append({
          tenantId,
          at: at(i),
          actor: 'admin',
          action: i % 2 ? 'credential.revoked' : 'credential.issued',
          subject: `cred-${i}`,
          details: { i },
        })
      }
      const all = await store.auditLog.list(tenantId)
      expect(all.map((e) => e.subject)).toEqual(['cred-4', 'cred-3', 'cred-2', 'cred-1', 'cred-0'])
      expect(all[0]).toMatchObject({ tenantId, at: at(4), actor: 'admin', details: { i: 4 } })
      const revoked = await store.auditLog.list(tenantId, { action: 'credential.revoked' })
      expect(revoked.map((e) => e.subject)).toEqual(['cred-3', 'cred-1'])
      const older = await store.auditLog.list(tenantId, { before: all[1]!.id, limit: 2 })
      expect(older.map((e) => e.subject)).toEqual(['cred-2', 'cred-1'])
    })

    it('refuses UPDATE, DELETE and TRUNCATE in the database', async () => {
      const store = ctx.store()
      const { tenantId } = await seedTenant(store)
      await store.auditLog.append({ tenantId, at: T0, actor: 'admin', action: 'credential.issued' })
      const sql = store.sql
      expect(await codeOf(sql.query(`UPDATE audit_log SET actor = 'mallory' WHERE tenant_id = $1`, [tenantId]))).toBe(
        'write_refused',
      )
      expect(await codeOf(sql.query('DELETE FROM audit_log WHERE tenant_id = $1', [tenantId]))).toBe('write_refused')
      expect(await codeOf(sql.query('TRUNCATE audit_log'))).toBe('write_refused')
      expect(await store.auditLog.list(tenantId)).toMatchObject([{ actor: 'admin' }])
    })
  })

  it("keeps every tenant's records invisible to every other tenant", async () => {
    const store = ctx.store()
    const a = await seedTenant(store)
    const b = await seedTenant(store)
    const A = a.tenantId
    const B = b.tenantId
    // Records of A, with ids that B has too where B seeded them (spec-1, award-1).
    const secretHash = sha256(randomId('secret'))
    await store.apiKeys.create({ tenantId: A, id: 'admin', secretHash, scopes: ['all'], now: T0 })
    const keyring = createTenantKeyring({
      repository: store.signingKeys,
      kek: parseKek(randomBytes(32).toString('base64url')),
    })
    await keyring.generate(A)
    const offer = newOffer(A, { issuerState: 'shared-state', txCodeHash: sha256('1') })
    await store.offers.create(offer)
    await store.singleUseValues.put('c_nonce', A, sha256('nonce'), { x: 1 }, at(60))
    const list = await store.statusLists.ensureList(A, 'revocation', 'token', T0)
    const idx = await store.statusLists.allocateIndex(A, list.id)
    await store.issuedCredentials.insert({
      tenantId: A,
      id: 'cred-a',
      awardId: 'award-1',
      format: 'jwt_vc_json',
      credentialConfigurationId: 'c',
      statusListId: list.id,
      statusIndex: idx,
      notificationId: 'notif-a',
      issuedAt: T0,
    })
    await store.auditLog.append({ tenantId: A, at: T0, actor: 'admin', action: 'credential.issued' })

    expect(await store.apiKeys.findByHash(secretHash, B)).toBeUndefined()
    expect(await store.apiKeys.list(B)).toEqual([])
    expect(await store.apiKeys.revoke(B, 'admin', T0)).toBe(false)
    expect(await store.signingKeys.listByTenant(B)).toEqual([])
    expect((await store.specifications.get(B, 'spec-1'))?.tenantId).toBe(B)
    expect((await store.specifications.list(B)).map((s) => s.tenantId)).toEqual([B])
    expect((await store.awards.search(B)).items.map((x) => x.tenantId)).toEqual([B])
    expect(await store.offers.getById(B, offer.id)).toBeUndefined()
    expect(await store.offers.getByIssuerState(B, 'shared-state')).toBeUndefined()
    expect(await store.offers.getOfferForWallet(B, offer.id, at(1))).toBeUndefined()
    expect(await store.offers.listByAward(B, 'award-1')).toEqual([])
    const redeemAtB = { tenantId: B, codeHash: sha256(offer.code), txCodeHash: sha256('2'), now: at(1) }
    expect(await store.offers.redeemPreAuthorizedCode(redeemAtB)).toEqual({ ok: false, reason: 'unknown_or_used' })
    expect(await store.offers.markCredentialIssued(B, offer.id, at(1))).toBe(false)
    expect(await store.singleUseValues.consume('c_nonce', B, sha256('nonce'), at(1))).toBeUndefined()
    expect(await store.issuedCredentials.get(B, 'cred-a')).toBeUndefined()
    expect(await store.issuedCredentials.listByAward(B, 'award-1')).toEqual([])
    expect(await store.issuedCredentials.search(B)).toEqual({ items: [], total: 0 })
    expect(await store.issuedCredentials.findByNotificationId(B, 'notif-a')).toBeUndefined()
    const notifyAtB = { tenantId: B, notificationId: 'notif-a', event: 'credential_deleted', now: T0 } as const
    expect(await store.issuedCredentials.recordNotification(notifyAtB)).toBeUndefined()
    expect(await store.issuedCredentials.setState({ tenantId: B, id: 'cred-a', to: 'revoked' })).toBe(false)
    expect(await store.statusLists.get(B, list.id)).toBeUndefined()
    expect(await store.statusLists.list(B)).toEqual([])
    expect(await store.statusLists.readList(B, list.id)).toBeUndefined()
    expect(await store.statusLists.setStatus(B, list.id, idx, 1, at(1))).toBeUndefined()
    expect(await store.statusLists.getStatus(B, list.id, idx)).toBeUndefined()
    expect(await codeOf(store.statusLists.allocateIndex(B, list.id))).toBe('not_found')
    expect(await store.auditLog.list(B)).toEqual([])

    // A's records are untouched by B's attempts.
    expect(await store.offers.getById(A, offer.id)).toMatchObject({ state: 'offered', txCodeAttempts: 0 })
    expect(await store.issuedCredentials.get(A, 'cred-a')).toMatchObject({ state: 'valid' })
    expect(await store.statusLists.getStatus(A, list.id, idx)).toBe(0)
    expect(await store.singleUseValues.consume('c_nonce', A, sha256('nonce'), at(1))).toEqual({ x: 1 })

    // And B cannot point at A's records: references carry the tenant.
    await store.awards.create(newAward(A, 'award-only-in-a'))
    expect(await codeOf(store.offers.create(newOffer(B, { awardId: 'award-only-in-a' })))).toBe('reference_missing')
    const crossStatus = store.issuedCredentials.insert({
      tenantId: B,
      id: 'cred-b',
      awardId: 'award-1',
      format: 'jwt_vc_json',
      credentialConfigurationId: 'c',
      statusListId: list.id,
      statusIndex: idx,
      issuedAt: T0,
    })
    expect(await codeOf(crossStatus)).toBe('reference_missing')
  })
}

describeEachBackend('store repositories', 'repositories', storeSuite)
