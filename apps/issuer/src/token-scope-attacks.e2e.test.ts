// What one access token may yield (issue 12 §4 "token scope"; security.md "Found by an outside
// review"): each configuration it grants once — one request with up to batch_size proofs (OpenID4VCI
// 1.0 §8.2, §12.2.4), or one deferred issuance (§9) —, and nothing once a credential of the award
// was revoked or suspended (§8.3.1.2 credential_request_denied). Every issuance is audited with the
// token's hash. Key proofs and DPoP proofs that name a key to fetch (jku, x5u) or bind it otherwise
// are refused (App. F.1, RFC 8725 §3.10, RFC 9449 §4.2). Real HTTP, real store; every refusal
// asserted exactly, with nothing issued.
import { createHash } from 'node:crypto'
import { calculateJwkThumbprint } from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { mountAdminApi } from './admin/admin-api.ts'
import { ADMIN_SCOPES, createApiKey } from './admin/api-keys.ts'
import {
  AttackClient,
  expectError,
  type HttpResult,
  JWT_VC_CONFIG,
  newKey,
  rawEs256Jwt,
  SD_JWT_CONFIG,
  type TestKey,
  testClock,
} from './testing/attack-kit.ts'
import { startTestIssuer, type TestIssuer } from './testing/issuer-harness.ts'

const clock = testClock()
let issuer: TestIssuer
let client: AttackClient
let adminKey: string

type CreatedTestOffer = Awaited<ReturnType<TestIssuer['offer']>>

beforeAll(async () => {
  issuer = await startTestIssuer({ now: clock.now, routes: [mountAdminApi] })
  client = new AttackClient(issuer, clock)
  adminKey = (await createApiKey(issuer.store, 'uni-a', ADMIN_SCOPES, new Date())).key
})
afterAll(async () => {
  await issuer?.close()
})
afterEach(() => clock.reset())

const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url')

/** A request for `configuration` with one proof per key, all on one fresh c_nonce. */
async function request(token: string, configuration: string, keys: readonly TestKey[], nonce?: string) {
  const cNonce = nonce ?? (await client.nonce())
  const proofs = await Promise.all(keys.map((key) => client.proof({ key, nonce: cNonce })))
  return client.credential('uni-a', token, { credential_configuration_id: configuration, proofs: { jwt: proofs } })
}

async function keys(n: number): Promise<TestKey[]> {
  return Promise.all(Array.from({ length: n }, () => newKey()))
}

async function admin(path: string, body?: unknown): Promise<HttpResult> {
  const res = await fetch(`${issuer.url}/admin/uni-a${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, headers: res.headers, body: await res.json() }
}

const ALREADY_ISSUED = /was already issued on this access token; a token yields each configuration once/
const WITHDRAWN =
  /^the institution withdrew the offer of this access token: a credential of the award was revoked or suspended$/

describe('one access token yields each granted configuration once', () => {
  it('a second request for the same configuration → credential_request_denied, nothing issued, its nonce not spent', async () => {
    const offer = await issuer.offer({})
    const token = await client.redeem(offer)
    const first = await request(token, SD_JWT_CONFIG, await keys(1))
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    const nonce = await client.nonce()
    const second = await request(token, SD_JWT_CONFIG, await keys(1), nonce)
    expectError(second, 400, 'credential_request_denied', ALREADY_ISSUED)
    expect(second.body.error_description).toContain(SD_JWT_CONFIG)
    expect(await client.issuedFor(offer.awardId)).toHaveLength(1)
    expect(await client.nonceUnspent(nonce)).toBe(true)
  })

  it('by credential_identifier or by a draft format the same: the configuration is spent, not the spelling', async () => {
    const offer = await issuer.offer({})
    const token = await client.redeem(offer)
    expect((await request(token, SD_JWT_CONFIG, await keys(1))).status).toBe(200)
    const nonce = await client.nonce()
    const proof = await client.proof({ key: (await keys(1))[0]!, nonce })
    const byIdentifier = await client.credential('uni-a', token, {
      credential_identifier: SD_JWT_CONFIG,
      proofs: { jwt: [proof] },
    })
    expectError(byIdentifier, 400, 'credential_request_denied', ALREADY_ISSUED)
    // Draft 13/14: the request names a format and a vct instead of a configuration.
    const byFormat = await client.credential('uni-a', token, {
      format: 'vc+sd-jwt',
      vct: 'https://example.org',
      proof: { proof_type: 'jwt', jwt: proof },
    })
    expectError(byFormat, 400, 'credential_request_denied', ALREADY_ISSUED)
    expect(await client.issuedFor(offer.awardId)).toHaveLength(1)
    expect(await client.nonceUnspent(nonce)).toBe(true)
  })

  it('both configurations granted by one token are each issued once', async () => {
    const offer = await issuer.offer({})
    const token = await client.redeem(offer)
    for (const configuration of [JWT_VC_CONFIG, SD_JWT_CONFIG]) {
      const res = await request(token, configuration, await keys(1))
      expect(res.status, JSON.stringify(res.body)).toBe(200)
    }
    for (const configuration of [JWT_VC_CONFIG, SD_JWT_CONFIG]) {
      expectError(await request(token, configuration, await keys(1)), 400, 'credential_request_denied', ALREADY_ISSUED)
    }
    const issued = await client.issuedFor(offer.awardId)
    expect(issued.map((c) => c.credentialConfigurationId).sort()).toEqual([JWT_VC_CONFIG, SD_JWT_CONFIG].sort())
  })

  it('a batch of batch_size proofs in one request is issued; batch_size + 1 is refused and spends nothing', async () => {
    const batchSize = issuer.ctx.config.batchSize
    const offer = await issuer.offer({})
    const token = await client.redeem(offer)
    const nonce = await client.nonce()
    const tooMany = await request(token, SD_JWT_CONFIG, await keys(batchSize + 1), nonce)
    expectError(tooMany, 400, 'invalid_credential_request', new RegExp(`at most ${batchSize} proofs \\(batch_size\\)`))
    expect(await client.issuedFor(offer.awardId)).toEqual([])
    expect(await client.nonceUnspent(nonce)).toBe(true)

    const batch = await request(token, SD_JWT_CONFIG, await keys(batchSize), nonce)
    expect(batch.status, JSON.stringify(batch.body)).toBe(200)
    expect(batch.body.credentials).toHaveLength(batchSize)
    expect(await client.issuedFor(offer.awardId)).toHaveLength(batchSize)
    // The batch was the configuration's one issuance.
    expectError(await request(token, SD_JWT_CONFIG, await keys(1)), 400, 'credential_request_denied', ALREADY_ISSUED)
    expect(await client.issuedFor(offer.awardId)).toHaveLength(batchSize)
  })

  it('10 parallel requests with one token and ten nonces → exactly one 200, the others refused', async () => {
    const offer = await issuer.offer({})
    const token = await client.redeem(offer)
    const bodies = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const [key] = await keys(1)
        return client.credentialBody(key!, await client.nonce())
      }),
    )
    const results = await Promise.all(bodies.map((body) => client.credential('uni-a', token, body)))
    expect(results.filter((r) => r.status === 200)).toHaveLength(1)
    for (const refused of results.filter((r) => r.status !== 200)) {
      expectError(refused, 400, 'credential_request_denied', ALREADY_ISSUED)
    }
    expect(await client.issuedFor(offer.awardId)).toHaveLength(1)
    const audited = (await issuer.store.auditLog.list('uni-a', { action: 'credential.issued', limit: 1000 })).filter(
      (e) => e.subject === offer.awardId,
    )
    expect(audited).toHaveLength(1)
  })
})

describe('revoking or suspending the award’s credentials stops issuance at once for tokens already minted', () => {
  /** An award with both configurations offered, its token, and one sd-jwt credential issued on it. */
  async function issuedOnce(): Promise<{ offer: CreatedTestOffer; token: string; credentialId: string }> {
    const offer = await issuer.offer({})
    const token = await client.redeem(offer)
    const res = await request(token, SD_JWT_CONFIG, await keys(1))
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const [credential] = await client.issuedFor(offer.awardId)
    return { offer, token, credentialId: credential!.id }
  }

  for (const action of ['revoke', 'suspend'] as const) {
    it(`after ${action} (admin API): the same token's other configuration → credential_request_denied, nothing issued`, async () => {
      const { offer, token, credentialId } = await issuedOnce()
      const changed = await admin(`/credentials/${encodeURIComponent(credentialId)}/${action}`)
      expect(changed.status, JSON.stringify(changed.body)).toBe(200)
      expect((await client.offerState(offer.offer.id)).state).toBe('withdrawn')

      const nonce = await client.nonce()
      const res = await request(token, JWT_VC_CONFIG, await keys(1), nonce)
      expectError(res, 400, 'credential_request_denied', WITHDRAWN)
      expect(await client.issuedFor(offer.awardId)).toHaveLength(1)
      expect(await client.nonceUnspent(nonce)).toBe(true)
      const [entry] = await issuer.store.auditLog.list('uni-a', {
        action: `credential.${action === 'revoke' ? 'revoked' : 'suspended'}`,
        limit: 1,
      })
      expect(entry).toMatchObject({ subject: credentialId, details: { withdrawnOffers: 1 } })
      // The admin sees why the offer went quiet.
      const view = await fetch(`${issuer.url}/admin/uni-a/awards/${offer.awardId}`, {
        headers: { authorization: `Bearer ${adminKey}` },
      })
      const offers = ((await view.json()) as { offers: { id: string; state: string; withdrawnAt?: string }[] }).offers
      expect(offers.find((o) => o.id === offer.offer.id)).toMatchObject({
        state: 'withdrawn',
        withdrawnAt: expect.any(String),
      })
    })
  }

  it('after unsuspending, the withdrawn offer stays withdrawn; a new offer issues', async () => {
    const { offer, token, credentialId } = await issuedOnce()
    expect((await admin(`/credentials/${encodeURIComponent(credentialId)}/suspend`)).status).toBe(200)
    expect((await admin(`/credentials/${encodeURIComponent(credentialId)}/unsuspend`)).status).toBe(200)
    expectError(await request(token, JWT_VC_CONFIG, await keys(1)), 400, 'credential_request_denied', WITHDRAWN)
    expect((await client.offerState(offer.offer.id)).state).toBe('withdrawn')

    const again = await admin(`/awards/${offer.awardId}/offers`, { txCode: false })
    expect(again.status, JSON.stringify(again.body)).toBe(201)
    const fresh = await client.token('uni-a', {
      grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
      'pre-authorized_code': issuer.ctx.preAuthorizedCodeFor('uni-a', again.body.offerId),
    })
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(200)
    const res = await request(fresh.body.access_token, JWT_VC_CONFIG, await keys(1))
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(await client.issuedFor(offer.awardId)).toHaveLength(2)
  })

  it('another token for the same award, minted before the revocation, is stopped too; its offer link is dead', async () => {
    const { offer, credentialId } = await issuedOnce()
    const second = await admin(`/awards/${offer.awardId}/offers`, { txCode: false })
    const secondToken = await client.token('uni-a', {
      grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
      'pre-authorized_code': issuer.ctx.preAuthorizedCodeFor('uni-a', second.body.offerId),
    })
    expect(secondToken.status).toBe(200)
    const third = await admin(`/awards/${offer.awardId}/offers`, { txCode: false })
    expect((await admin(`/credentials/${encodeURIComponent(credentialId)}/revoke`)).status).toBe(200)

    expectError(
      await request(secondToken.body.access_token, SD_JWT_CONFIG, await keys(1)),
      400,
      'credential_request_denied',
      WITHDRAWN,
    )
    // The offer not yet redeemed is withdrawn as well: no longer served, its code refused.
    expect((await fetch(`${issuer.url}/uni-a/offers/${third.body.offerId}`)).status).toBe(404)
    const code = await client.token('uni-a', {
      grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
      'pre-authorized_code': issuer.ctx.preAuthorizedCodeFor('uni-a', third.body.offerId),
    })
    expectError(code, 400, 'invalid_grant', /unknown or was already used/)
    expect(await client.issuedFor(offer.awardId)).toHaveLength(1)
  })

  it('a pending deferred issuance is denied at the deferred endpoint after a revocation', async () => {
    const { offer, credentialId } = await issuedOnce()
    // The award goes back on hold; a second offer's wallet is told to wait (§9).
    expect(
      await issuer.store.awards.transition({
        tenantId: 'uni-a',
        id: offer.awardId,
        from: 'ready',
        to: 'held',
        now: new Date(),
      }),
    ).toBe(true)
    const second = await admin(`/awards/${offer.awardId}/offers`, { txCode: false })
    const token = (
      await client.token('uni-a', {
        grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
        'pre-authorized_code': issuer.ctx.preAuthorizedCodeFor('uni-a', second.body.offerId),
      })
    ).body.access_token as string
    const pending = await request(token, SD_JWT_CONFIG, await keys(1))
    expect(pending.status, JSON.stringify(pending.body)).toBe(202)
    expect((await admin(`/credentials/${encodeURIComponent(credentialId)}/revoke`)).status).toBe(200)
    await issuer.store.awards.transition({
      tenantId: 'uni-a',
      id: offer.awardId,
      from: 'held',
      to: 'ready',
      now: new Date(),
    })
    const res = await client.credential(
      'uni-a',
      token,
      { transaction_id: pending.body.transaction_id },
      { path: 'deferred-credential' },
    )
    expectError(res, 400, 'credential_request_denied', WITHDRAWN)
    expect(await client.issuedFor(offer.awardId)).toHaveLength(1)
  })
})

describe('deferred issuance is no second minting path', () => {
  it('one deferral per configuration; the transaction id issues its keys once; then the token is spent', async () => {
    const held = await issuer.offer({ hold: true })
    const token = await client.redeem(held)
    const proven = await keys(3)
    const pending = await request(token, SD_JWT_CONFIG, proven)
    expect(pending.status, JSON.stringify(pending.body)).toBe(202)
    // A second request while pending: refused, no second transaction.
    const nonce = await client.nonce()
    const again = await request(token, SD_JWT_CONFIG, await keys(1), nonce)
    expectError(again, 400, 'credential_request_denied', /is already being issued on this access token: poll/)
    expect(await client.nonceUnspent(nonce)).toBe(true)

    expect((await admin(`/awards/${held.awardId}/approve`)).status).toBe(200)
    const deferred = (body: unknown) => client.credential('uni-a', token, body, { path: 'deferred-credential' })
    const [first, second] = await Promise.all([
      deferred({ transaction_id: pending.body.transaction_id }),
      deferred({ transaction_id: pending.body.transaction_id }),
    ])
    const delivered = [first, second].filter((r) => r.status === 200)
    expect(delivered).toHaveLength(1)
    expect(delivered[0]!.body.credentials).toHaveLength(3)
    expectError([first, second].find((r) => r.status !== 200)!, 400, 'invalid_transaction_id', /already used/)
    // Bound to the keys the first request proved, not to anything sent later.
    const thumbprints = (await client.issuedFor(held.awardId)).map((c) => c.holderKeyThumbprint).sort()
    expect(thumbprints).toEqual((await Promise.all(proven.map((k) => calculateJwkThumbprint(k.publicJwk)))).sort())
    expectError(await request(token, SD_JWT_CONFIG, await keys(1)), 400, 'credential_request_denied', ALREADY_ISSUED)
    expect(await client.issuedFor(held.awardId)).toHaveLength(3)
  })
})

describe('every issuance is audited with its access token’s hash, never the token', () => {
  it('direct, deferred and the deferred delivery', async () => {
    const offer = await issuer.offer({})
    const token = await client.redeem(offer)
    expect((await request(token, JWT_VC_CONFIG, await keys(2))).status).toBe(200)
    const held = await issuer.offer({ hold: true })
    const heldToken = await client.redeem(held)
    const pending = await request(heldToken, SD_JWT_CONFIG, await keys(1))
    expect(pending.status).toBe(202)
    expect((await admin(`/awards/${held.awardId}/approve`)).status).toBe(200)
    const delivered = await client.credential(
      'uni-a',
      heldToken,
      { transaction_id: pending.body.transaction_id },
      { path: 'deferred-credential' },
    )
    expect(delivered.status).toBe(200)

    const log = await issuer.store.auditLog.list('uni-a', { limit: 1000 })
    const of = (award: string, action: string) => log.filter((e) => e.subject === award && e.action === action)
    const [direct] = of(offer.awardId, 'credential.issued')
    expect(direct?.details).toMatchObject({
      offer: offer.offer.id,
      configuration: JWT_VC_CONFIG,
      count: 2,
      accessTokenHash: tokenHash(token),
    })
    expect(direct?.details.credentials).toEqual(
      expect.arrayContaining((await client.issuedFor(offer.awardId)).map((c) => c.id)),
    )
    expect(of(held.awardId, 'credential.deferred')[0]?.details).toMatchObject({
      configuration: SD_JWT_CONFIG,
      accessTokenHash: tokenHash(heldToken),
    })
    expect(of(held.awardId, 'credential.issued')[0]?.details).toMatchObject({
      deferred: true,
      accessTokenHash: tokenHash(heldToken),
    })
    const text = JSON.stringify(log)
    expect(text).not.toContain(token)
    expect(text).not.toContain(heldToken)
    // The hash is also what the redemption records.
    expect(await issuer.store.credentialRedemptions.get('uni-a', offer.offer.id, JWT_VC_CONFIG)).toMatchObject({
      state: 'issued',
      accessTokenHash: tokenHash(token),
    })
  })
})

describe('key proof headers that fetch or bind a key elsewhere → invalid_proof naming the header', () => {
  let offer: CreatedTestOffer
  let token: string
  let nonce: string
  let key: TestKey

  beforeAll(async () => {
    offer = await issuer.offer({})
    token = await client.redeem(offer)
    nonce = await client.nonce()
    key = await newKey()
  })

  const JWKS_URL = 'https://attacker.example/jwks.json'
  const cases: [name: string, header: (k: TestKey) => Record<string, unknown>, description: RegExp][] = [
    ['jku beside jwk', (k) => ({ jwk: k.publicJwk, jku: JWKS_URL }), /^jku is not accepted: keys are never fetched/],
    ['jku with a kid', () => ({ kid: 'did:example:123#key-1', jku: JWKS_URL }), /^jku is not accepted/],
    [
      'x5u',
      (k) => ({ jwk: k.publicJwk, x5u: 'https://attacker.example/chain.pem' }),
      /^x5u is not accepted: keys are never fetched from a URL/,
    ],
    [
      'x5c instead of jwk (no binding method we advertise)',
      () => ({ x5c: ['MIIBszCCAVmgAwIBAgIU'] }),
      /^x5c is not accepted: this issuer binds credentials to a jwk or a DID/,
    ],
    [
      'crit with an unknown extension',
      (k) => ({ jwk: k.publicJwk, crit: ['x-unknown'], 'x-unknown': true }),
      /^crit \(x-unknown\) names header parameters this issuer does not process$/,
    ],
    ['crit naming b64', (k) => ({ jwk: k.publicJwk, crit: ['b64'], b64: true }), /^crit \(b64\)/],
    // Not echoed: error_description may not carry a quote (RFC 6749 §5.2).
    ['crit naming a quote', (k) => ({ jwk: k.publicJwk, crit: ['x"y'], 'x"y': 1 }), /^crit \(\?\) names/],
  ]

  for (const [name, header, description] of cases) {
    it(name, async () => {
      const jwt = rawEs256Jwt(
        { typ: 'openid4vci-proof+jwt', ...header(key) },
        { aud: `${issuer.url}/uni-a`, iat: clock.seconds(), nonce },
        key,
      )
      const res = await client.credential('uni-a', token, {
        credential_configuration_id: SD_JWT_CONFIG,
        proofs: { jwt: [jwt] },
      })
      expectError(res, 400, 'invalid_proof', description)
      expect(await client.issuedFor(offer.awardId)).toEqual([])
      expect(await client.nonceUnspent(nonce)).toBe(true)
    })
  }

  it('in a batch, the bad proof is named and the whole request refused', async () => {
    const [other] = await keys(1)
    const good = await client.proof({ key: other!, nonce })
    const res = await client.credential('uni-a', token, {
      credential_configuration_id: SD_JWT_CONFIG,
      proofs: {
        jwt: [
          good,
          rawEs256Jwt(
            { typ: 'openid4vci-proof+jwt', jwk: key.publicJwk, jku: 'https://attacker.example/jwks.json' },
            { aud: `${issuer.url}/uni-a`, iat: clock.seconds(), nonce },
            key,
          ),
        ],
      },
    })
    expectError(res, 400, 'invalid_proof', /^proof 2: jku is not accepted/)
    expect(await client.issuedFor(offer.awardId)).toEqual([])
  })

  it('after the refusals, the same nonce with a proper proof is issued', async () => {
    const res = await client.credential('uni-a', token, await client.credentialBody(key, nonce))
    expect(res.status, JSON.stringify(res.body)).toBe(200)
  })
})

describe('DPoP proofs carry their key in jwk only (RFC 9449 §4.2) → invalid_dpop_proof', () => {
  let dpopKey: TestKey
  beforeAll(async () => {
    dpopKey = await newKey()
  })

  const headers: [name: string, header: Record<string, unknown>, description: RegExp][] = [
    ['jku', { jku: 'https://attacker.example/jwks.json' }, /jku/],
    ['x5u', { x5u: 'https://attacker.example/chain.pem' }, /x5u/],
    ['x5c', { x5c: ['MIIBszCCAVmgAwIBAgIU'] }, /x5c/],
    ['kid', { kid: 'did:key:z6Mk#z6Mk' }, /kid/],
    ['crit', { crit: ['x-unknown'], 'x-unknown': true }, /crit/],
  ]

  for (const [name, header, description] of headers) {
    it(`${name} at the token endpoint: 400, the code not redeemed`, async () => {
      const offer = await issuer.offer({})
      const dpop = rawEs256Jwt(
        { typ: 'dpop+jwt', jwk: dpopKey.publicJwk, ...header },
        { htm: 'POST', htu: client.url('uni-a', 'token'), iat: clock.seconds(), jti: crypto.randomUUID() },
        dpopKey,
      )
      const res = await client.token('uni-a', client.preAuthorizedParams(offer), { dpop })
      expectError(res, 400, 'invalid_dpop_proof', description)
      expect((await client.offerState(offer.offer.id)).state).toBe('offered')
    })

    it(`${name} at the credential endpoint: 401, nothing issued`, async () => {
      const offer = await issuer.offer({})
      const token = await client.redeem(offer, { dpopKey })
      const dpop = rawEs256Jwt(
        { typ: 'dpop+jwt', jwk: dpopKey.publicJwk, ...header },
        {
          htm: 'POST',
          htu: client.url('uni-a', 'credential'),
          iat: clock.seconds(),
          jti: crypto.randomUUID(),
          ath: createHash('sha256').update(token).digest('base64url'),
        },
        dpopKey,
      )
      const body = await client.credentialBody((await keys(1))[0]!, await client.nonce())
      const res = await client.credential('uni-a', token, body, { scheme: 'DPoP', dpop })
      expectError(res, 401, 'invalid_dpop_proof', description)
      expect(await client.issuedFor(offer.awardId)).toEqual([])
    })
  }
})

describe('an award whose EDC cannot be the EU learning credential', () => {
  it('a dc+sd-jwt request → credential_request_denied naming the missing claim, nothing issued, the other format still issued', async () => {
    const offer = await issuer.offer({})
    // An EDC stating only a national level (ELM nqfLevel) has no EQF level: the EU type's mandatory
    // integer level_of_learning_experience cannot be written.
    const { rows } = await issuer.store.sql.query('SELECT edc FROM awards WHERE tenant_id = $1 AND id = $2', [
      'uni-a',
      offer.awardId,
    ])
    const edc = structuredClone((rows[0] as { edc: Record<string, unknown> }).edc)
    const claims = (edc.credentialSubject as { hasClaim: unknown }).hasClaim
    const achievement = (Array.isArray(claims) ? claims[0] : claims) as { specifiedBy: Record<string, unknown> }
    delete achievement.specifiedBy.eqfLevel
    await issuer.store.sql.query('UPDATE awards SET edc = $3 WHERE tenant_id = $1 AND id = $2', [
      'uni-a',
      offer.awardId,
      JSON.stringify(edc),
    ])
    const token = await client.redeem(offer)
    const refused = await request(token, SD_JWT_CONFIG, await keys(1))
    expectError(refused, 400, 'credential_request_denied', /requires level_of_learning_experience/)
    expect(await client.issuedFor(offer.awardId)).toHaveLength(0)
    const other = await request(token, JWT_VC_CONFIG, await keys(1))
    expect(other.status, JSON.stringify(other.body)).toBe(200)
  })
})
