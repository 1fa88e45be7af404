// Credential, nonce, deferred and notification endpoints under attack (security.md "Issuance
// (OpenID4VCI)"; VCI 1.0 §7, §8.2, §8.3.1.2, §9.3, §11.3, App. F; RFC 6750 §2–3): real HTTP,
// every rejection asserted by status and error body, nothing issued and no c_nonce spent.
import { randomBytes } from 'node:crypto'
import { decodeJwt } from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  AttackClient,
  expectError,
  type HttpResult,
  hmacJwt,
  JWT_VC_CONFIG,
  newKey,
  rawEs256Jwt,
  SD_JWT_CONFIG,
  type TestKey,
  testClock,
  unsignedJwt,
} from './testing/attack-kit.ts'
import { startTestIssuer, type TestIssuer } from './testing/issuer-harness.ts'

const clock = testClock()
let issuer: TestIssuer
let client: AttackClient
let key: TestKey

type CreatedTestOffer = Awaited<ReturnType<TestIssuer['offer']>>

beforeAll(async () => {
  issuer = await startTestIssuer({ now: clock.now })
  client = new AttackClient(issuer, clock)
  key = await newKey()
})
afterAll(async () => {
  await issuer?.close()
})
afterEach(() => clock.reset())

/** Nothing was issued on the offer, its state is still `token_issued`, and the nonce is unspent. */
async function expectNothingChanged(offer: CreatedTestOffer, nonce?: string, tenant = 'uni-a') {
  expect(await client.issuedFor(offer.awardId, tenant)).toEqual([])
  expect((await client.offerState(offer.offer.id, tenant)).state).toBe('token_issued')
  if (nonce !== undefined) expect(await client.nonceUnspent(nonce, tenant)).toBe(true)
}

describe('access token → 401 invalid_token with WWW-Authenticate, nothing issued', () => {
  let offer: CreatedTestOffer
  let token: string

  beforeAll(async () => {
    offer = await issuer.offer({})
    token = await client.redeem(offer)
  })

  it('in the query string', async () => {
    const nonce = await client.nonce()
    const res = await client.credential('uni-a', undefined, await client.credentialBody(key, nonce), {
      query: `?access_token=${encodeURIComponent(token)}`,
    })
    expectError(res, 401, 'invalid_token', /query string/)
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
    await expectNothingChanged(offer, nonce)
  })

  it('in the query string as well as the header', async () => {
    const nonce = await client.nonce()
    const res = await client.credential('uni-a', token, await client.credentialBody(key, nonce), {
      query: `?access_token=${encodeURIComponent(token)}`,
    })
    expectError(res, 401, 'invalid_token', /query string/)
    await expectNothingChanged(offer, nonce)
  })

  it('missing', async () => {
    const nonce = await client.nonce()
    const res = await client.credential('uni-a', undefined, await client.credentialBody(key, nonce))
    expectError(res, 401, 'invalid_token', /no access token/)
    await expectNothingChanged(offer, nonce)
  })

  it('expired', async () => {
    clock.advance(issuer.ctx.config.accessTokenTtlSeconds + 1)
    const nonce = await client.nonce()
    const res = await client.credential('uni-a', token, await client.credentialBody(key, nonce))
    expectError(res, 401, 'invalid_token', /expired/)
    await expectNothingChanged(offer, nonce)
  })

  it('of another tenant (a uni-b token at uni-a)', async () => {
    const other = await issuer.offer({ tenant: 'uni-b' })
    const otherToken = await client.redeem(other, { tenant: 'uni-b' })
    const nonce = await client.nonce()
    const res = await client.credential('uni-a', otherToken, await client.credentialBody(key, nonce))
    expectError(res, 401, 'invalid_token', /unrecognized authorization server 'iss'/)
    await expectNothingChanged(other, undefined, 'uni-b')
    expect(await client.nonceUnspent(nonce)).toBe(true)
  })

  it('forged with alg none', async () => {
    const claims = decodeJwt(token)
    const forged = unsignedJwt({ alg: 'none', typ: 'at+jwt' }, { ...claims, exp: clock.seconds() + 600 })
    const nonce = await client.nonce()
    const res = await client.credential('uni-a', forged, await client.credentialBody(key, nonce))
    expectError(res, 401, 'invalid_token', /not valid/)
    await expectNothingChanged(offer, nonce)
  })

  it('not a token at all', async () => {
    const nonce = await client.nonce()
    const res = await client.credential('uni-a', 'garbage', await client.credentialBody(key, nonce))
    expectError(res, 401, 'invalid_token', /not valid/)
    await expectNothingChanged(offer, nonce)
  })

  it('a token whose credential was issued works afterwards (nothing above spent it)', async () => {
    const nonce = await client.nonce()
    const res = await client.credential('uni-a', token, await client.credentialBody(key, nonce))
    expect(res.status, JSON.stringify(res.body)).toBe(200)
  })
})

describe('nonce endpoint', () => {
  it('answers a fresh c_nonce with Cache-Control: no-store', async () => {
    const res = await fetch(client.url('uni-a', 'nonce'), { method: 'POST' })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = (await res.json()) as { c_nonce: string }
    // expiry . 128 random bits . 128-bit MAC (issuance/nonce.ts)
    expect(body.c_nonce).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/)
    expect(await client.nonce()).not.toBe(body.c_nonce)
  })
})

describe('c_nonce in the key proof', () => {
  let offer: CreatedTestOffer
  let token: string

  beforeAll(async () => {
    offer = await issuer.offer({})
    token = await client.redeem(offer)
  })

  it('unknown → invalid_nonce', async () => {
    const res = await client.credential(
      'uni-a',
      token,
      await client.credentialBody(key, randomBytes(32).toString('base64url')),
    )
    expectError(res, 400, 'invalid_nonce', /unknown, expired or already used/)
    await expectNothingChanged(offer)
  })

  it('expired → invalid_nonce', async () => {
    const nonce = await client.nonce()
    clock.advance(issuer.ctx.config.cNonceTtlSeconds + 1)
    const res = await client.credential('uni-a', token, await client.credentialBody(key, nonce))
    expectError(res, 400, 'invalid_nonce', /unknown, expired or already used/)
    await expectNothingChanged(offer)
  })

  it('of another tenant → invalid_nonce, and it stays usable there', async () => {
    const nonce = await client.nonce('uni-b')
    const res = await client.credential('uni-a', token, await client.credentialBody(key, nonce))
    expectError(res, 400, 'invalid_nonce', /unknown, expired or already used/)
    await expectNothingChanged(offer)
    expect(await client.nonceUnspent(nonce, 'uni-b')).toBe(true)
  })

  it('no nonce claim → invalid_proof', async () => {
    const body = { credential_configuration_id: SD_JWT_CONFIG, proofs: { jwt: [await client.proof({ key })] } }
    const res = await client.credential('uni-a', token, body)
    expectError(res, 400, 'invalid_proof', /nonce is missing/)
    await expectNothingChanged(offer)
  })

  it('an empty nonce claim → invalid_proof', async () => {
    const res = await client.credential('uni-a', token, await client.credentialBody(key, ''))
    expectError(res, 400, 'invalid_proof', /nonce is missing/)
    await expectNothingChanged(offer)
  })

  it('reused → invalid_nonce, and only the first request issued', async () => {
    const nonce = await client.nonce()
    const first = await client.credential('uni-a', token, await client.credentialBody(key, nonce))
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    // The token's other configuration: the same one again would be refused before the nonce is
    // looked at (one issuance per configuration per token, token-scope-attacks.e2e.test.ts).
    const second = await client.credential(
      'uni-a',
      token,
      await client.credentialBody(await newKey(), nonce, JWT_VC_CONFIG),
    )
    expectError(second, 400, 'invalid_nonce', /unknown, expired or already used/)
    expect(await client.issuedFor(offer.awardId)).toHaveLength(1)
  })

  it('raced: 10 concurrent requests with one nonce (and ten tokens) → exactly one 200', async () => {
    // Ten tokens, so that only the nonce is shared: one token's requests would race on the
    // token's single issuance per configuration as well.
    const offers = await Promise.all(Array.from({ length: 10 }, () => issuer.offer({})))
    const tokens = await Promise.all(offers.map((o) => client.redeem(o)))
    const nonce = await client.nonce()
    const results = await Promise.all(
      tokens.map(async (t) => client.credential('uni-a', t, await client.credentialBody(await newKey(), nonce))),
    )
    expect(results.filter((r) => r.status === 200)).toHaveLength(1)
    for (const r of results.filter((r) => r.status !== 200)) {
      expectError(r, 400, 'invalid_nonce', /unknown, expired or already used/)
    }
    const issued = await Promise.all(offers.map((o) => client.issuedFor(o.awardId)))
    expect(issued.flat()).toHaveLength(1)
  })
})

describe('key proof → invalid_proof, nothing issued, the c_nonce not spent', () => {
  let offer: CreatedTestOffer
  let token: string
  let nonce: string
  let otherKey: TestKey

  beforeAll(async () => {
    offer = await issuer.offer({})
    token = await client.redeem(offer)
    nonce = await client.nonce()
    otherKey = await newKey()
  })

  async function sendProof(jwt: string): Promise<HttpResult> {
    return client.credential('uni-a', token, { credential_configuration_id: SD_JWT_CONFIG, proofs: { jwt: [jwt] } })
  }

  const cases: [name: string, make: () => Promise<string>, description: RegExp][] = [
    ['typ not openid4vci-proof+jwt', () => client.proof({ key, nonce, header: { typ: 'JWT' } }), /typ/],
    ['typ missing', () => client.proof({ key, nonce, header: { typ: undefined } }), /typ/],
    [
      'alg none',
      async () =>
        unsignedJwt(
          { typ: 'openid4vci-proof+jwt', alg: 'none', jwk: key.publicJwk },
          { aud: `${issuer.url}/uni-a`, iat: clock.seconds(), nonce },
        ),
      /alg none is not supported/,
    ],
    [
      'alg HS256',
      async () =>
        hmacJwt(
          { typ: 'openid4vci-proof+jwt', jwk: key.publicJwk },
          { aud: `${issuer.url}/uni-a`, iat: clock.seconds(), nonce },
          'a shared secret',
        ),
      /alg HS256 is not supported/,
    ],
    [
      'alg RS256 (not advertised)',
      async () => {
        const rsa = await newKey('RS256')
        return client.proof({ key: rsa, nonce, header: { alg: 'RS256' } })
      },
      /alg RS256 is not supported/,
    ],
    ['no jwk or kid', () => client.proof({ key, nonce, header: { jwk: undefined } }), /exactly one of kid or jwk/],
    [
      'jwk and kid',
      () => client.proof({ key, nonce, header: { kid: 'did:example:123#key-1' } }),
      /exactly one of kid or jwk/,
    ],
    // x5c binds to no method we advertise (token-scope-attacks.e2e.test.ts has it alone).
    ['jwk and x5c', () => client.proof({ key, nonce, header: { x5c: ['MIIB'] } }), /x5c is not accepted/],
    ['jwk with d', () => client.proof({ key, nonce, header: { jwk: key.privateJwk } }), /private/],
    ['kid not a DID URL', () => client.proof({ key, nonce, header: { jwk: undefined, kid: 'key-1' } }), /DID URL/],
    [
      'crit header',
      async () =>
        rawEs256Jwt(
          { typ: 'openid4vci-proof+jwt', jwk: key.publicJwk, crit: ['x-unknown'], 'x-unknown': true },
          { aud: `${issuer.url}/uni-a`, iat: clock.seconds(), nonce },
          key,
        ),
      /crit/,
    ],
    ['aud of another tenant', () => client.proof({ key, nonce, tenant: 'uni-b' }), /aud/],
    ['aud as an array', () => client.proof({ key, nonce, payload: { aud: [`${issuer.url}/uni-a`] } }), /aud/],
    ['aud missing', () => client.proof({ key, nonce, payload: { aud: undefined } }), /aud/],
    ['iat missing', () => client.proof({ key, nonce, payload: { iat: undefined } }), /iat is missing/],
    ['iat 400 s in the past', () => client.proof({ key, nonce, payload: { iat: clock.seconds() - 400 } }), /iat/],
    ['iat 400 s in the future', () => client.proof({ key, nonce, payload: { iat: clock.seconds() + 400 } }), /iat/],
    ['a bad signature', () => client.proof({ key, nonce, signWith: otherKey }), /signature/],
    ['not a JWT', async () => 'not.a.jwt', /not a signed JWT/],
  ]

  for (const [name, make, description] of cases) {
    it(name, async () => {
      const res = await sendProof(await make())
      expectError(res, 400, 'invalid_proof', description)
      await expectNothingChanged(offer, nonce)
    })
  }

  it('proofs missing', async () => {
    const res = await client.credential('uni-a', token, { credential_configuration_id: SD_JWT_CONFIG })
    expectError(res, 400, 'invalid_proof', /no jwt proof/)
    await expectNothingChanged(offer, nonce)
  })

  it('proofs.jwt empty', async () => {
    const res = await client.credential('uni-a', token, {
      credential_configuration_id: SD_JWT_CONFIG,
      proofs: { jwt: [] },
    })
    expectError(res, 400, 'invalid_proof', /no jwt proof/)
    await expectNothingChanged(offer, nonce)
  })

  it('after every refusal, the same c_nonce with a proper proof is accepted', async () => {
    const res = await client.credential('uni-a', token, await client.credentialBody(key, nonce))
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(await client.issuedFor(offer.awardId)).toHaveLength(1)
  })
})

describe('batch: the whole request is rejected, nothing issued', () => {
  let offer: CreatedTestOffer
  let token: string
  let nonce: string
  let keys: TestKey[]

  beforeAll(async () => {
    offer = await issuer.offer({})
    token = await client.redeem(offer)
    nonce = await client.nonce()
    keys = await Promise.all(Array.from({ length: 11 }, () => newKey()))
  })

  it('one bad proof among good ones → invalid_proof naming it', async () => {
    const proofs = await Promise.all(
      keys.slice(0, 3).map((k, i) => client.proof({ key: k, nonce, ...(i === 1 ? { signWith: keys[5] } : {}) })),
    )
    const res = await client.credential('uni-a', token, {
      credential_configuration_id: SD_JWT_CONFIG,
      proofs: { jwt: proofs },
    })
    expectError(res, 400, 'invalid_proof', /^proof 2: signature invalid$/)
    await expectNothingChanged(offer, nonce)
  })

  it('one proof with a bad shape among good ones → invalid_proof naming it', async () => {
    const proofs = await Promise.all(
      keys.slice(0, 3).map((k, i) => client.proof({ key: k, nonce, ...(i === 2 ? { tenant: 'uni-b' } : {}) })),
    )
    const res = await client.credential('uni-a', token, {
      credential_configuration_id: SD_JWT_CONFIG,
      proofs: { jwt: proofs },
    })
    expectError(res, 400, 'invalid_proof', /^proof 3: aud/)
    await expectNothingChanged(offer, nonce)
  })

  it(`more proofs than batch_size (${11}) → invalid_credential_request`, async () => {
    expect(issuer.ctx.config.batchSize).toBe(10)
    const proofs = await Promise.all(keys.map((k) => client.proof({ key: k, nonce })))
    const res = await client.credential('uni-a', token, {
      credential_configuration_id: SD_JWT_CONFIG,
      proofs: { jwt: proofs },
    })
    expectError(res, 400, 'invalid_credential_request', /batch_size/)
    await expectNothingChanged(offer, nonce)
  })

  it('mixed nonces → invalid_nonce, neither nonce spent', async () => {
    const second = await client.nonce()
    const proofs = await Promise.all([
      client.proof({ key: keys[0]!, nonce }),
      client.proof({ key: keys[1]!, nonce: second }),
    ])
    const res = await client.credential('uni-a', token, {
      credential_configuration_id: SD_JWT_CONFIG,
      proofs: { jwt: proofs },
    })
    expectError(res, 400, 'invalid_nonce', /same c_nonce/)
    await expectNothingChanged(offer, nonce)
    expect(await client.nonceUnspent(second)).toBe(true)
  })

  it('after the refusals, a batch of batch_size with the same nonce is issued', async () => {
    const proofs = await Promise.all(keys.slice(0, 10).map((k) => client.proof({ key: k, nonce })))
    const res = await client.credential('uni-a', token, {
      credential_configuration_id: SD_JWT_CONFIG,
      proofs: { jwt: proofs },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.credentials).toHaveLength(10)
    expect(await client.issuedFor(offer.awardId)).toHaveLength(10)
  })
})

describe('which credential', () => {
  let offer: CreatedTestOffer
  let token: string

  beforeAll(async () => {
    offer = await issuer.offer({ configurations: [SD_JWT_CONFIG] })
    token = await client.redeem(offer)
  })

  it('unknown credential_configuration_id → unknown_credential_configuration', async () => {
    const nonce = await client.nonce()
    const res = await client.credential(
      'uni-a',
      token,
      await client.credentialBody(key, nonce, 'no-such-course_dc_sd_jwt'),
    )
    expectError(res, 400, 'unknown_credential_configuration', /no-such-course_dc_sd_jwt/)
    await expectNothingChanged(offer, nonce)
  })

  it('unknown credential_identifier → unknown_credential_identifier', async () => {
    const nonce = await client.nonce()
    const res = await client.credential('uni-a', token, {
      credential_identifier: 'no-such-identifier',
      proofs: { jwt: [await client.proof({ key, nonce })] },
    })
    expectError(res, 400, 'unknown_credential_identifier', /no-such-identifier/)
    await expectNothingChanged(offer, nonce)
  })

  it('an identifier this token was not given → unknown_credential_identifier', async () => {
    const nonce = await client.nonce()
    const res = await client.credential('uni-a', token, {
      credential_identifier: JWT_VC_CONFIG,
      proofs: { jwt: [await client.proof({ key, nonce })] },
    })
    expectError(res, 400, 'unknown_credential_identifier', /credential_identifier/)
    await expectNothingChanged(offer, nonce)
  })

  it('a known configuration the token does not grant → invalid_credential_request', async () => {
    const nonce = await client.nonce()
    const res = await client.credential('uni-a', token, await client.credentialBody(key, nonce, JWT_VC_CONFIG))
    expectError(res, 400, 'invalid_credential_request', /does not grant/)
    await expectNothingChanged(offer, nonce)
  })

  it('both credential_configuration_id and credential_identifier → invalid_credential_request', async () => {
    const nonce = await client.nonce()
    const res = await client.credential('uni-a', token, {
      credential_configuration_id: SD_JWT_CONFIG,
      credential_identifier: SD_JWT_CONFIG,
      proofs: { jwt: [await client.proof({ key, nonce })] },
    })
    expectError(res, 400, 'invalid_credential_request', /credential_identifier/)
    await expectNothingChanged(offer, nonce)
  })

  it('neither → invalid_credential_request', async () => {
    const nonce = await client.nonce()
    const res = await client.credential('uni-a', token, { proofs: { jwt: [await client.proof({ key, nonce })] } })
    expectError(res, 400, 'invalid_credential_request', /credential_configuration_id|credential_identifier/)
    await expectNothingChanged(offer, nonce)
  })

  it('credential_response_encryption (not offered) → invalid_encryption_parameters', async () => {
    const nonce = await client.nonce()
    const res = await client.credential('uni-a', token, {
      ...(await client.credentialBody(key, nonce)),
      credential_response_encryption: { jwk: key.publicJwk, alg: 'ECDH-ES', enc: 'A128GCM' },
    })
    expectError(res, 400, 'invalid_encryption_parameters', /encryption is not offered/)
    await expectNothingChanged(offer, nonce)
  })
})

describe('credential request transport', () => {
  let offer: CreatedTestOffer
  let token: string

  beforeAll(async () => {
    offer = await issuer.offer({})
    token = await client.redeem(offer)
  })

  it('malformed JSON → 400 invalid_request naming the JSON', async () => {
    const res = await client.credential('uni-a', token, undefined, { rawBody: '{"credential_configuration_id":' })
    expectError(res, 400, 'invalid_request', /not valid JSON/)
    await expectNothingChanged(offer)
  })

  it('a JSON body that is not an object → invalid_credential_request', async () => {
    const res = await client.credential('uni-a', token, [1, 2])
    expectError(res, 400, 'invalid_credential_request', /JSON object/)
    await expectNothingChanged(offer)
  })

  it('wrong content type → invalid_credential_request naming application/json', async () => {
    const nonce = await client.nonce()
    const res = await client.credential('uni-a', token, await client.credentialBody(key, nonce), {
      contentType: 'text/plain',
    })
    expectError(res, 400, 'invalid_credential_request', /application\/json/)
    await expectNothingChanged(offer, nonce)
  })

  it('a body over 1 MB → 413 payload_too_large', async () => {
    const nonce = await client.nonce()
    const body = { ...(await client.credentialBody(key, nonce)), padding: 'x'.repeat(1024 * 1024) }
    const res = await client.credential('uni-a', token, body)
    expectError(res, 413, 'payload_too_large', /too large/)
    await expectNothingChanged(offer, nonce)
  })
})

describe('deferred transaction_id', () => {
  let held: CreatedTestOffer
  let heldToken: string
  let transactionId: string
  let otherToken: string

  const deferred = (token: string, body: unknown, query = '') =>
    client.credential('uni-a', token, body, { path: 'deferred-credential', query })

  beforeAll(async () => {
    held = await issuer.offer({ hold: true })
    heldToken = await client.redeem(held)
    const nonce = await client.nonce()
    const pending = await client.credential('uni-a', heldToken, await client.credentialBody(key, nonce))
    expect(pending.status, JSON.stringify(pending.body)).toBe(202)
    transactionId = pending.body.transaction_id
    const other = await issuer.offer({})
    otherToken = await client.redeem(other)
  })

  it('unknown → invalid_transaction_id', async () => {
    const res = await deferred(heldToken, { transaction_id: randomBytes(32).toString('base64url') })
    expectError(res, 400, 'invalid_transaction_id', /unknown, already used, or not of this access token/)
  })

  it('used with another token → invalid_transaction_id, and still pending for its own', async () => {
    await issuer.store.awards.transition({
      tenantId: 'uni-a',
      id: held.awardId,
      from: 'held',
      to: 'ready',
      now: new Date(),
    })
    const res = await deferred(otherToken, { transaction_id: transactionId })
    expectError(res, 400, 'invalid_transaction_id', /unknown, already used, or not of this access token/)
    expect(await client.issuedFor(held.awardId)).toEqual([])
  })

  it('with the token in the query string → 401 invalid_token', async () => {
    const res = await client.credential(
      'uni-a',
      undefined,
      { transaction_id: transactionId },
      { path: 'deferred-credential', query: `?access_token=${encodeURIComponent(heldToken)}` },
    )
    expectError(res, 401, 'invalid_token', /query string/)
    expect(await client.issuedFor(held.awardId)).toEqual([])
  })

  it('missing → invalid_request', async () => {
    const res = await deferred(heldToken, {})
    expectError(res, 400, 'invalid_request', /transaction_id is required/)
  })

  it('reused → invalid_transaction_id, issued once', async () => {
    const first = await deferred(heldToken, { transaction_id: transactionId })
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    expect(first.body.credentials).toHaveLength(1)
    const again = await deferred(heldToken, { transaction_id: transactionId })
    expectError(again, 400, 'invalid_transaction_id', /unknown, already used, or not of this access token/)
    expect(await client.issuedFor(held.awardId)).toHaveLength(1)
  })

  it('the issued deferred answer carries a notification_id the notification endpoint takes (VCI 1.0 §9.2, §11)', async () => {
    // A second held award: the transaction above is spent. @openid4vc 0.4.6 refused a deferred
    // response with both credentials and notification_id, so the issuer used to leave it out.
    const second = await issuer.offer({ hold: true })
    const secondToken = await client.redeem(second)
    const pending = await client.credential(
      'uni-a',
      secondToken,
      await client.credentialBody(key, await client.nonce()),
    )
    expect(pending.status, JSON.stringify(pending.body)).toBe(202)
    expect(pending.body.notification_id).toBeUndefined()
    await issuer.store.awards.transition({
      tenantId: 'uni-a',
      id: second.awardId,
      from: 'held',
      to: 'ready',
      now: new Date(),
    })
    const issued = await deferred(secondToken, { transaction_id: pending.body.transaction_id })
    expect(issued.status, JSON.stringify(issued.body)).toBe(200)
    expect(issued.body.credentials).toHaveLength(1)
    expect(typeof issued.body.notification_id).toBe('string')
    const notified = await client.credential(
      'uni-a',
      secondToken,
      { notification_id: issued.body.notification_id, event: 'credential_accepted' },
      { path: 'notification' },
    )
    expect(notified.status, JSON.stringify(notified.body)).toBe(204)
  })
})

describe('notification_id', () => {
  let offer: CreatedTestOffer
  let token: string
  let notificationId: string
  let otherToken: string

  const notify = (t: string, body: unknown) => client.credential('uni-a', t, body, { path: 'notification' })

  beforeAll(async () => {
    offer = await issuer.offer({})
    token = await client.redeem(offer)
    const nonce = await client.nonce()
    const issued = await client.credential('uni-a', token, await client.credentialBody(key, nonce))
    expect(issued.status).toBe(200)
    notificationId = issued.body.notification_id
    const other = await issuer.offer({})
    otherToken = await client.redeem(other)
    const otherNonce = await client.nonce()
    expect((await client.credential('uni-a', otherToken, await client.credentialBody(key, otherNonce))).status).toBe(
      200,
    )
  })

  it('unknown → invalid_notification_id', async () => {
    const res = await notify(token, { notification_id: 'no-such-id', event: 'credential_accepted' })
    expectError(res, 400, 'invalid_notification_id', /unknown notification_id/)
  })

  it("another issuance's id → invalid_notification_id, nothing recorded", async () => {
    const res = await notify(otherToken, { notification_id: notificationId, event: 'credential_deleted' })
    expectError(res, 400, 'invalid_notification_id', /unknown notification_id/)
    const records = await client.issuedFor(offer.awardId)
    expect(records.map((r) => r.notificationEvent)).toEqual([undefined])
  })

  it('an unknown event → invalid_notification_request naming the field', async () => {
    const res = await notify(token, { notification_id: notificationId, event: 'credential_stolen' })
    expectError(res, 400, 'invalid_notification_request', /event/)
  })

  it('the right id is accepted (204) and idempotent', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(client.url('uni-a', 'notification'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ notification_id: notificationId, event: 'credential_accepted' }),
      })
      expect(res.status).toBe(204)
    }
  })
})

describe('issued credentials hide the issuance second; status indices are random and unique', () => {
  it('iat and nbf are whole hours in both formats', async () => {
    const offer = await issuer.offer({})
    const token = await client.redeem(offer)
    for (const configuration of [JWT_VC_CONFIG, SD_JWT_CONFIG]) {
      const nonce = await client.nonce()
      const res = await client.credential('uni-a', token, await client.credentialBody(key, nonce, configuration))
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      const credential = String(res.body.credentials[0].credential)
      const claims = decodeJwt(credential.split('~')[0]!)
      expect(claims.iat, configuration).toEqual(expect.any(Number))
      expect(claims.iat! % 3600, `${configuration} iat`).toBe(0)
      expect(claims.nbf! % 3600, `${configuration} nbf`).toBe(0)
      expect(claims.iat).toBeLessThanOrEqual(clock.seconds())
    }
  })

  it('50 issuances get 50 distinct, non-sequential status indices', async () => {
    const indices: number[] = []
    const fromCredentials: number[] = []
    for (let round = 0; round < 5; round++) {
      const offer = await issuer.offer({})
      const token = await client.redeem(offer)
      const nonce = await client.nonce()
      const keys = await Promise.all(Array.from({ length: 10 }, () => newKey()))
      const proofs = await Promise.all(keys.map((k) => client.proof({ key: k, nonce })))
      const res = await client.credential('uni-a', token, {
        credential_configuration_id: SD_JWT_CONFIG,
        proofs: { jwt: proofs },
      })
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      for (const { credential } of res.body.credentials as { credential: string }[]) {
        const status = decodeJwt(credential.split('~')[0]!).status as { status_list: { idx: number } }
        fromCredentials.push(status.status_list.idx)
      }
      indices.push(...(await client.issuedFor(offer.awardId)).map((r) => r.statusIndex ?? Number.NaN))
    }
    expect(indices).toHaveLength(50)
    expect(new Set(indices).size).toBe(50)
    expect([...fromCredentials].sort((a, b) => a - b)).toEqual([...indices].sort((a, b) => a - b))
    const sorted = [...indices].sort((a, b) => a - b)
    expect(sorted.at(-1)! - sorted[0]!).toBeGreaterThan(1000)
  })
})
