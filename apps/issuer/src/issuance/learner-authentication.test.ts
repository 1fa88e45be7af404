// The built-in learner authentication over a real embedded store: the offer's transaction code,
// counted with the token request's attempts (issue 12 §2).
import { openStore, type Store } from '@alma/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { offerTxCodeAuthentication, TX_CODE_FIELD } from './learner-authentication.ts'
import { hashTxCode, hashValue } from './secrets.ts'

const T0 = new Date('2026-03-01T10:00:00.000Z')
const codeFor = (tenantId: string, offerId: string) => `pre-authorized:${tenantId}:${offerId}`

let store: Store
beforeAll(async () => {
  store = await openStore({})
  await store.tenants.create({ id: 'uni-a', name: 'University A', did: 'did:web:example.org:uni-a', now: T0 })
  await store.specifications.create({ tenantId: 'uni-a', id: 'course', document: { title: 'Course' }, now: T0 })
  await store.awards.create({
    tenantId: 'uni-a',
    id: 'award-1',
    specificationId: 'course',
    specificationVersion: 1,
    learner: { learner: { givenName: 'Ana', familyName: 'Andromeda' } },
    state: 'ready',
    now: T0,
  })
}, 60_000) // opening an embedded PostgreSQL takes seconds on a busy machine
afterAll(async () => {
  await store?.close()
})

async function offer(id: string, txCode: string | undefined, maxTxCodeAttempts = 3) {
  return store.offers.create({
    tenantId: 'uni-a',
    id,
    awardId: 'award-1',
    credentialConfigurationIds: ['course_dc_sd_jwt'],
    preAuthorizedCodeHash: hashValue(codeFor('uni-a', id)),
    ...(txCode ? { txCodeHash: hashTxCode(codeFor('uni-a', id), txCode) } : {}),
    maxTxCodeAttempts,
    issuerState: `state-${id}`,
    expiresAt: new Date(T0.getTime() + 600_000),
    now: T0,
  })
}

function method() {
  return offerTxCodeAuthentication({
    checkTxCode: (input) => store.offers.checkTxCode(input),
    preAuthorizedCodeFor: codeFor,
  })
}

describe('offerTxCodeAuthentication', () => {
  it('is required exactly for offers with a transaction code, and asks for it without anything personal', async () => {
    const protectedOffer = await offer('o-required', '123456')
    const open = await offer('o-open', undefined)
    expect(method().required(protectedOffer)).toBe(true)
    expect(method().required(open)).toBe(false)
    expect(method().challenge(protectedOffer)).toEqual({
      kind: 'form',
      fields: [{ name: TX_CODE_FIELD, inputMode: 'numeric', length: 6, autocomplete: 'one-time-code' }],
    })
  })

  it('accepts the code with spaces between digits, counts wrong ones, burns at the limit, then calls the offer burnt', async () => {
    const o = await offer('o-count', '123456')
    const now = new Date(T0.getTime() + 1000)
    const answer = (code: unknown) => method().authenticate({ offer: o, answer: { [TX_CODE_FIELD]: code }, now })
    expect(await answer('123 456')).toEqual({ ok: true, method: 'offer_tx_code' })
    expect(await answer('000000')).toEqual({ ok: false, reason: 'wrong_code', attemptsRemaining: 2 })
    // Not attempts: nothing counted.
    expect(await answer(undefined)).toEqual({
      ok: false,
      reason: 'malformed',
      description: 'the transaction code is missing',
    })
    expect(await answer(['123456'])).toEqual({
      ok: false,
      reason: 'malformed',
      description: 'the transaction code is missing',
    })
    expect(await answer('9'.repeat(65))).toEqual({
      ok: false,
      reason: 'malformed',
      description: 'that is not a transaction code',
    })
    expect(await store.offers.getById('uni-a', o.id)).toMatchObject({ txCodeAttempts: 1, state: 'offered' })
    expect(await answer('111111')).toEqual({ ok: false, reason: 'wrong_code', attemptsRemaining: 1 })
    expect(await answer('222222')).toEqual({ ok: false, reason: 'burnt' })
    expect(await answer('123456')).toEqual({ ok: false, reason: 'burnt' })
    expect(await store.offers.getById('uni-a', o.id)).toMatchObject({
      state: 'burnt',
      txCodeAttempts: 3,
      burntVia: 'authorization_code',
    })
  })

  it('calls a redeemed offer closed, even with the right code', async () => {
    const o = await offer('o-redeemed', '654321')
    const now = new Date(T0.getTime() + 1000)
    expect(await store.offers.redeemIssuerState('uni-a', o.id, now)).toMatchObject({ state: 'token_issued' })
    expect(await method().authenticate({ offer: o, answer: { [TX_CODE_FIELD]: '654321' }, now })).toEqual({
      ok: false,
      reason: 'offer_closed',
    })
  })
})
