// One access token, one issuance per configuration (store migration 0005): the redemption is one
// compare-and-set inside the statement that records the credentials, on PGlite and on PostgreSQL
// (with a second pool standing in for a second process), and a withdrawal of the offer stops it.
import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { MIGRATIONS, migrate } from './migrations/migrate.ts'
import type { Repositories, Store } from './open-store.ts'
import type { RecordIssuance } from './repositories/issued-credentials.ts'
import { createPgliteDatabase } from './sql/pglite-database.ts'
import { type BackendContext, describeEachBackend } from './test-backends.ts'

const T0 = new Date('2026-03-01T10:00:00.000Z')
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000)
const randomId = (prefix: string) => `${prefix}-${randomBytes(6).toString('hex')}`
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url')
const CONFIGURATION = 'course_dc_sd_jwt'

/** A tenant, a ready award, and an offer whose access token was issued (state `token_issued`). */
async function redeemedOffer(store: Store) {
  const tenantId = randomId('t')
  await store.tenants.create({ id: tenantId, name: 'Uni', did: `did:web:example.org:${tenantId}`, now: T0 })
  await store.specifications.create({ tenantId, id: 'course', document: { title: 'Course' }, now: T0 })
  const awardId = randomId('award')
  await store.awards.create({
    tenantId,
    id: awardId,
    specificationId: 'course',
    specificationVersion: 1,
    learner: { learner: { givenName: 'Ana' } },
    state: 'ready',
    now: T0,
  })
  const offerId = randomId('offer')
  await store.offers.create({
    tenantId,
    id: offerId,
    awardId,
    credentialConfigurationIds: [CONFIGURATION, 'course_jwt_vc_json'],
    issuerState: randomId('state'),
    expiresAt: at(600),
    now: T0,
  })
  expect(await store.offers.redeemIssuerState(tenantId, offerId, at(1))).toMatchObject({ state: 'token_issued' })
  const list = await store.statusLists.ensureList(tenantId, 'revocation', 'token', T0)
  return { tenantId, awardId, offerId, list }
}

type Fixture = Awaited<ReturnType<typeof redeemedOffer>>

/** One issuance of `count` credentials on fresh status entries, as the credential endpoint records it. */
async function issuance(
  store: Repositories,
  f: Fixture,
  options: { count?: number; token?: string; transactionIdHash?: string; configuration?: string } = {},
): Promise<RecordIssuance> {
  const credentials = []
  for (let i = 0; i < (options.count ?? 1); i++) {
    const statusIndex = await store.statusLists.allocateIndex(f.tenantId, f.list.id, undefined, f.list.size)
    credentials.push({ id: `urn:uuid:${randomId('vc')}`, statusListId: f.list.id, statusIndex })
  }
  return {
    tenantId: f.tenantId,
    awardId: f.awardId,
    offerId: f.offerId,
    format: 'dc+sd-jwt',
    credentialConfigurationId: options.configuration ?? CONFIGURATION,
    issuedAt: at(2),
    credentials,
    audit: { actor: 'wallet', action: 'credential.issued', subject: f.awardId, details: { count: credentials.length } },
    redemption: {
      accessTokenHash: sha256(options.token ?? 'the-access-token'),
      ...(options.transactionIdHash ? { transactionIdHash: options.transactionIdHash } : {}),
    },
  }
}

/** Credentials, audit entries and linked status entries of the fixture's tenant: what an issuance leaves. */
async function traces(store: Store, f: Fixture) {
  const { rows } = await store.sql.query<{ n: number | string }>(
    'SELECT count(*) AS n FROM status_entries WHERE tenant_id = $1 AND credential_id IS NOT NULL',
    [f.tenantId],
  )
  return {
    credentials: (await store.issuedCredentials.listByAward(f.tenantId, f.awardId)).length,
    audited: (await store.auditLog.list(f.tenantId, { action: 'credential.issued' })).length,
    linkedEntries: Number(rows[0]?.n),
  }
}

function redemptionSuite(ctx: BackendContext) {
  it('a configuration is issued once per token: a second issuance records nothing', async () => {
    const store = ctx.store()
    const f = await redeemedOffer(store)
    const first = await store.issuedCredentials.recordIssuance(await issuance(store, f, { count: 3 }))
    expect(first.ok && first.credentials).toHaveLength(3)
    expect(await store.credentialRedemptions.get(f.tenantId, f.offerId, CONFIGURATION)).toMatchObject({
      state: 'issued',
      accessTokenHash: sha256('the-access-token'),
      redeemedAt: at(2),
      issuedAt: at(2),
    })
    const again = await store.issuedCredentials.recordIssuance(await issuance(store, f))
    expect(again).toEqual({ ok: false, reason: 'already_redeemed' })
    expect(await traces(store, f)).toEqual({ credentials: 3, audited: 1, linkedEntries: 3 })
    // The offer's other configuration is still there to be issued, once.
    const other = await store.issuedCredentials.recordIssuance(
      await issuance(store, f, { configuration: 'course_jwt_vc_json' }),
    )
    expect(other.ok).toBe(true)
  })

  it('every issuance is audited with the hash of its access token, never the token', async () => {
    const store = ctx.store()
    const f = await redeemedOffer(store)
    await store.issuedCredentials.recordIssuance(await issuance(store, f, { token: 'secret-token-value' }))
    const [entry] = await store.auditLog.list(f.tenantId, { action: 'credential.issued' })
    expect(entry?.details).toEqual({ count: 1, accessTokenHash: sha256('secret-token-value') })
    expect(JSON.stringify(entry)).not.toContain('secret-token-value')
  })

  it('20 concurrent issuances with one token: exactly one records', async () => {
    const store = ctx.store()
    const f = await redeemedOffer(store)
    const inputs = await Promise.all(Array.from({ length: 20 }, () => issuance(store, f)))
    const results = await Promise.all(inputs.map((input) => store.issuedCredentials.recordIssuance(input)))
    expect(results.filter((r) => r.ok)).toHaveLength(1)
    expect(results.filter((r) => !r.ok)).toEqual(Array(19).fill({ ok: false, reason: 'already_redeemed' }))
    expect(await traces(store, f)).toEqual({ credentials: 1, audited: 1, linkedEntries: 1 })
  })

  it('a failed issuance statement spends nothing: the spend and the credentials commit together', async () => {
    const store = ctx.store()
    const f = await redeemedOffer(store)
    // A crash after recording, before the commit: the transaction rolls back.
    const crashed = store.transaction(async (tx) => {
      const recorded = await tx.issuedCredentials.recordIssuance(await issuance(tx, f))
      expect(recorded.ok).toBe(true)
      throw new Error('the process died')
    })
    await expect(crashed).rejects.toThrow('the process died')
    expect(await store.credentialRedemptions.get(f.tenantId, f.offerId, CONFIGURATION)).toBeUndefined()
    expect(await traces(store, f)).toEqual({ credentials: 0, audited: 0, linkedEntries: 0 })
    // The learner's retry is issued.
    expect((await store.issuedCredentials.recordIssuance(await issuance(store, f))).ok).toBe(true)
  })

  it('a withdrawn offer issues nothing, nor does a suspended or revoked award', async () => {
    const store = ctx.store()
    const f = await redeemedOffer(store)
    expect(await store.offers.withdrawOpenOffers(f.tenantId, f.awardId, at(3))).toBe(1)
    expect(await store.offers.getById(f.tenantId, f.offerId)).toMatchObject({ state: 'withdrawn', withdrawnAt: at(3) })
    expect(await store.issuedCredentials.recordIssuance(await issuance(store, f))).toEqual({
      ok: false,
      reason: 'offer_not_open',
    })
    expect(await store.credentialRedemptions.get(f.tenantId, f.offerId, CONFIGURATION)).toBeUndefined()
    // Withdrawn is final; a second withdrawal finds nothing open.
    expect(await store.offers.withdrawOpenOffers(f.tenantId, f.awardId, at(4))).toBe(0)

    for (const state of ['suspended', 'revoked'] as const) {
      const g = await redeemedOffer(store)
      await store.sql.query('UPDATE awards SET state = $3 WHERE tenant_id = $1 AND id = $2', [
        g.tenantId,
        g.awardId,
        state,
      ])
      expect(await store.issuedCredentials.recordIssuance(await issuance(store, g))).toEqual({
        ok: false,
        reason: 'award_not_issuable',
      })
      expect(await traces(store, g)).toEqual({ credentials: 0, audited: 0, linkedEntries: 0 })
    }
  })

  it('an issuance and an offer of another award do not mix', async () => {
    const store = ctx.store()
    const f = await redeemedOffer(store)
    const g = await redeemedOffer(store)
    const crossed = { ...(await issuance(store, f)), awardId: g.awardId, tenantId: f.tenantId }
    expect(await store.issuedCredentials.recordIssuance(crossed)).toEqual({ ok: false, reason: 'offer_not_open' })
  })

  it('a deferral spends the configuration; its transaction id issues once, before it expires', async () => {
    const store = ctx.store()
    const f = await redeemedOffer(store)
    const defer = (transactionIdHash: string) =>
      store.credentialRedemptions.defer({
        tenantId: f.tenantId,
        offerId: f.offerId,
        awardId: f.awardId,
        credentialConfigurationId: CONFIGURATION,
        accessTokenHash: sha256('the-access-token'),
        transactionIdHash,
        holderKeys: [{ jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } }],
        expiresAt: at(100),
        now: at(2),
        audit: { actor: 'wallet', action: 'credential.deferred', subject: f.awardId, details: { count: 1 } },
      })
    const deferred = await defer(sha256('tx-1'))
    expect(deferred).toMatchObject({ state: 'deferred', holderKeys: [{ jwk: { kty: 'EC' } }] })
    // Neither a second deferral nor a direct issuance with the same token.
    expect(await defer(sha256('tx-2'))).toBeUndefined()
    expect(await store.issuedCredentials.recordIssuance(await issuance(store, f))).toEqual({
      ok: false,
      reason: 'already_redeemed',
    })
    const [audited] = await store.auditLog.list(f.tenantId, { action: 'credential.deferred' })
    expect(audited?.details).toEqual({ count: 1, accessTokenHash: sha256('the-access-token') })
    expect(await store.credentialRedemptions.findPending(f.tenantId, sha256('tx-1'), at(99))).toMatchObject({
      offerId: f.offerId,
    })
    expect(await store.credentialRedemptions.findPending(f.tenantId, sha256('tx-1'), at(100))).toBeUndefined()
    expect(await store.credentialRedemptions.findPending(f.tenantId, sha256('tx-2'), at(3))).toBeUndefined()

    // An unknown transaction id issues nothing; the right one once; then it is spent.
    const wrong = await issuance(store, f, { transactionIdHash: sha256('tx-2') })
    expect(await store.issuedCredentials.recordIssuance(wrong)).toEqual({
      ok: false,
      reason: 'transaction_not_pending',
    })
    const delivered = await store.issuedCredentials.recordIssuance(
      await issuance(store, f, { transactionIdHash: sha256('tx-1') }),
    )
    expect(delivered.ok).toBe(true)
    const replay = await issuance(store, f, { transactionIdHash: sha256('tx-1') })
    expect(await store.issuedCredentials.recordIssuance(replay)).toEqual({
      ok: false,
      reason: 'transaction_not_pending',
    })
    expect(await store.credentialRedemptions.findPending(f.tenantId, sha256('tx-1'), at(3))).toBeUndefined()
    expect(await traces(store, f)).toEqual({ credentials: 1, audited: 1, linkedEntries: 1 })
  })

  it('a deferral on a withdrawn offer is refused; an expired transaction id issues nothing', async () => {
    const store = ctx.store()
    const f = await redeemedOffer(store)
    const input = {
      tenantId: f.tenantId,
      offerId: f.offerId,
      awardId: f.awardId,
      credentialConfigurationId: CONFIGURATION,
      accessTokenHash: sha256('t'),
      transactionIdHash: sha256(randomId('tx')),
      holderKeys: [{ jwk: { kty: 'EC' } }],
      expiresAt: at(10),
      now: at(2),
      audit: { actor: 'wallet', action: 'credential.deferred' },
    }
    expect(await store.credentialRedemptions.defer(input)).toBeDefined()
    const late = { ...(await issuance(store, f, { transactionIdHash: input.transactionIdHash })), issuedAt: at(10) }
    expect(await store.issuedCredentials.recordIssuance(late)).toEqual({ ok: false, reason: 'transaction_not_pending' })

    const g = await redeemedOffer(store)
    await store.offers.withdrawOpenOffers(g.tenantId, g.awardId, at(3))
    expect(
      await store.credentialRedemptions.defer({
        ...input,
        tenantId: g.tenantId,
        offerId: g.offerId,
        awardId: g.awardId,
      }),
    ).toBeUndefined()
    expect(await store.auditLog.list(g.tenantId, { action: 'credential.deferred' })).toEqual([])
  })

  if (ctx.openPeer) {
    const openPeer = ctx.openPeer
    it('two processes, 40 concurrent issuances with one token: exactly one records', async () => {
      const store = ctx.store()
      const peer = await openPeer()
      const f = await redeemedOffer(store)
      const inputs = await Promise.all(Array.from({ length: 40 }, () => issuance(store, f)))
      const results = await Promise.all(
        inputs.map((input, i) => (i % 2 === 0 ? store : peer).issuedCredentials.recordIssuance(input)),
      )
      expect(results.filter((r) => r.ok)).toHaveLength(1)
      expect(await traces(store, f)).toEqual({ credentials: 1, audited: 1, linkedEntries: 1 })
    })

    it('an issuance waiting on a withdrawal that commits sees the withdrawal', async () => {
      const store = ctx.store()
      const peer = await openPeer()
      const f = await redeemedOffer(store)
      const input = await issuance(store, f)
      let issuing: Promise<unknown> | undefined
      await store.transaction(async (tx) => {
        expect(await tx.offers.withdrawOpenOffers(f.tenantId, f.awardId, at(3))).toBe(1)
        // The other process tries to issue while the withdrawal holds the offer row: it cannot
        // finish before this commits (the row lock), and once it does, it sees the withdrawal.
        issuing = peer.issuedCredentials.recordIssuance(input)
        await new Promise((resolve) => setTimeout(resolve, 50))
      })
      expect(await issuing).toEqual({ ok: false, reason: 'offer_not_open' })
      expect(await traces(store, f)).toEqual({ credentials: 0, audited: 0, linkedEntries: 0 })
    })
  }
}

describeEachBackend('credential redemptions', 'redemptions', redemptionSuite)

describe('migration 0005 on a database with issued credentials and pending deferrals', () => {
  it('spends what was issued and keeps pending deferred transactions', async () => {
    const db = await createPgliteDatabase()
    try {
      await migrate(db, { migrations: MIGRATIONS.filter((m) => m.version < 5) })
      await db.exec(`
        INSERT INTO tenants (id, name, did, created_at, updated_at) VALUES ('t', 'T', 'did:web:t', now(), now());
        INSERT INTO specifications (tenant_id, id, version, document, created_at, updated_at)
          VALUES ('t', 'course', 1, '{}', now(), now());
        INSERT INTO awards (tenant_id, id, specification_id, specification_version, learner, state, created_at, updated_at)
          VALUES ('t', 'a', 'course', 1, '{}', 'ready', now(), now());
        INSERT INTO offers (tenant_id, id, award_id, credential_configuration_ids, max_tx_code_attempts, state, expires_at, created_at, token_issued_at)
          VALUES ('t', 'o1', 'a', '{c_dc_sd_jwt,c_jwt_vc_json}', 3, 'credential_issued', now() + interval '1 day', '2026-01-01', '2026-01-02'),
                 ('t', 'o2', 'a', '{c_dc_sd_jwt}', 3, 'token_issued', now() + interval '1 day', '2026-01-01', '2026-01-03');
        INSERT INTO issued_credentials (tenant_id, id, award_id, offer_id, format, credential_configuration_id, state, issued_at)
          VALUES ('t', 'vc1', 'a', 'o1', 'dc+sd-jwt', 'c_dc_sd_jwt', 'valid', '2026-01-05'),
                 ('t', 'vc2', 'a', 'o1', 'dc+sd-jwt', 'c_dc_sd_jwt', 'valid', '2026-01-04');
        INSERT INTO single_use_values (tenant_id, kind, value_hash, data, expires_at)
          VALUES ('t', 'deferred_transaction_id', 'tx-hash',
            '{"offerId":"o2","configurationId":"c_dc_sd_jwt","holders":[{"jwk":{"kty":"EC"}}]}', '2030-01-01');
      `)
      expect(await migrate(db)).toContain(5)
      const { rows } = await db.query<Record<string, unknown>>(
        `SELECT offer_id, credential_configuration_id, state, access_token_hash, transaction_id_hash, holder_keys,
           redeemed_at, issued_at
         FROM credential_redemptions ORDER BY offer_id`,
      )
      expect(rows).toEqual([
        {
          offer_id: 'o1',
          credential_configuration_id: 'c_dc_sd_jwt',
          state: 'issued',
          access_token_hash: null,
          transaction_id_hash: null,
          holder_keys: null,
          redeemed_at: new Date('2026-01-04T00:00:00.000Z'),
          issued_at: new Date('2026-01-04T00:00:00.000Z'),
        },
        {
          offer_id: 'o2',
          credential_configuration_id: 'c_dc_sd_jwt',
          state: 'deferred',
          access_token_hash: null,
          transaction_id_hash: 'tx-hash',
          holder_keys: [{ jwk: { kty: 'EC' } }],
          redeemed_at: new Date('2026-01-03T00:00:00.000Z'),
          issued_at: null,
        },
      ])
    } finally {
      await db.close()
    }
  })
})
