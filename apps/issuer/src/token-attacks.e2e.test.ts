// Token endpoint and authorization code flow under attack (security.md "Issuance (OpenID4VCI)";
// VCI 1.0 §6.3, §13.6.3; RFC 6749 §4.1.3, §5.2; RFC 7636; RFC 9126): real HTTP against a real
// issuer, every rejection asserted by status and error body, and the store checked unchanged.
import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  AttackClient,
  expectError,
  formsOf,
  getPage,
  type HttpResult,
  SD_JWT_CONFIG,
  sha256Base64url,
  testClock,
} from './testing/attack-kit.ts'
import { startTestIssuer, type TestIssuer } from './testing/issuer-harness.ts'

const clock = testClock()
let issuer: TestIssuer
let client: AttackClient

beforeAll(async () => {
  issuer = await startTestIssuer({ now: clock.now })
  client = new AttackClient(issuer, clock)
})
afterAll(async () => {
  await issuer?.close()
})
afterEach(() => clock.reset())

describe('pre-authorized code', () => {
  it('is single-use: a second redemption is invalid_grant and mints nothing', async () => {
    const offer = await issuer.offer({})
    await client.redeem(offer)
    const before = await client.offerState(offer.offer.id)
    const again = await client.token('uni-a', client.preAuthorizedParams(offer))
    expectError(again, 400, 'invalid_grant', /unknown or was already used/)
    expect(await client.offerState(offer.offer.id)).toEqual(before)
  })

  it('mints exactly one token for 20 concurrent redemptions', async () => {
    const offer = await issuer.offer({})
    const params = client.preAuthorizedParams(offer)
    const results = await Promise.all(Array.from({ length: 20 }, () => client.token('uni-a', params)))
    const ok = results.filter((r) => r.status === 200)
    expect(ok).toHaveLength(1)
    for (const r of results.filter((r) => r.status !== 200)) {
      expectError(r, 400, 'invalid_grant', /unknown or was already used/)
    }
    const state = await client.offerState(offer.offer.id)
    expect(state.state).toBe('token_issued')
  })

  it('is invalid_grant once the offer has expired, and the offer stays unredeemed', async () => {
    const offer = await issuer.offer({})
    const before = await client.offerState(offer.offer.id)
    clock.advance(issuer.ctx.config.offerTtlSeconds + 1)
    const res = await client.token('uni-a', client.preAuthorizedParams(offer))
    expectError(res, 400, 'invalid_grant', /expired/)
    expect(await client.offerState(offer.offer.id)).toEqual(before)
    // The offer by reference is gone too (VCI 1.0 §4.1.3: until redeemed or expired).
    expect((await fetch(client.url('uni-a', `offers/${offer.offer.id}`))).status).toBe(404)
  })

  it('is invalid_grant at another tenant, and still redeemable at its own', async () => {
    const offer = await issuer.offer({})
    const before = await client.offerState(offer.offer.id)
    const res = await client.token('uni-b', client.preAuthorizedParams(offer))
    expectError(res, 400, 'invalid_grant', /unknown or was already used/)
    expect(await client.offerState(offer.offer.id)).toEqual(before)
    await client.redeem(offer)
  })

  it('with a code_verifier (no code challenge is bound to it) → invalid_grant, offer unredeemed', async () => {
    // RFC 9700 §2.1.1: a code_verifier with no challenge behind it is refused, not ignored (PKCE
    // downgrade protection of @openid4vc/oauth2 0.5+; 0.4.6 ignored it).
    const offer = await issuer.offer({})
    const before = await client.offerState(offer.offer.id)
    const res = await client.token('uni-a', {
      ...client.preAuthorizedParams(offer),
      code_verifier: randomBytes(32).toString('base64url'),
    })
    expectError(res, 400, 'invalid_grant', /code_verifier/)
    expect(await client.offerState(offer.offer.id)).toEqual(before)
    await client.redeem(offer)
  })

  it('is invalid_grant for a code we never issued', async () => {
    const res = await client.token('uni-a', {
      grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
      'pre-authorized_code': randomBytes(32).toString('base64url'),
    })
    expectError(res, 400, 'invalid_grant', /unknown or was already used/)
  })
})

describe('tx_code', () => {
  it('wrong tx_code → invalid_grant, counts one attempt, and the right code still works', async () => {
    const offer = await issuer.offer({ txCode: true })
    const wrong = offer.txCode === '000000' ? '000001' : '000000'
    const res = await client.token('uni-a', client.preAuthorizedParams(offer, wrong))
    expectError(res, 400, 'invalid_grant', /transaction code is wrong/)
    const after = await client.offerState(offer.offer.id)
    expect({ state: after.state, attempts: after.txCodeAttempts }).toEqual({ state: 'offered', attempts: 1 })
    await client.redeem(offer)
  })

  it('burns the code after maxTxCodeAttempts wrong tries, even if the right code follows', async () => {
    const offer = await issuer.offer({ txCode: true })
    const max = issuer.ctx.config.maxTxCodeAttempts
    expect(max).toBe(5)
    const wrong = offer.txCode === '000000' ? '000001' : '000000'
    for (let i = 1; i < max; i++) {
      const res = await client.token('uni-a', client.preAuthorizedParams(offer, wrong))
      expectError(res, 400, 'invalid_grant', /transaction code is wrong/)
    }
    const last = await client.token('uni-a', client.preAuthorizedParams(offer, wrong))
    expectError(last, 400, 'invalid_grant', /too many wrong transaction codes/)
    const right = await client.token('uni-a', client.preAuthorizedParams(offer, offer.txCode))
    expectError(right, 400, 'invalid_grant', /too many wrong transaction codes/)
    const state = await client.offerState(offer.offer.id)
    expect({ state: state.state, attempts: state.txCodeAttempts, tokenIssuedAt: state.tokenIssuedAt }).toEqual({
      state: 'burnt',
      attempts: max,
      tokenIssuedAt: undefined,
    })
    expect((await fetch(client.url('uni-a', `offers/${offer.offer.id}`))).status).toBe(404)
  })

  it('burns the code under concurrent guessing: no more than maxTxCodeAttempts guesses are judged', async () => {
    const offer = await issuer.offer({ txCode: true })
    const guesses = Array.from({ length: 20 }, (_, i) => String(i).padStart(6, '9')).filter((g) => g !== offer.txCode)
    const results = await Promise.all(guesses.map((g) => client.token('uni-a', client.preAuthorizedParams(offer, g))))
    expect(results.every((r) => r.status === 400 && r.body.error === 'invalid_grant')).toBe(true)
    expect(results.filter((r) => /transaction code is wrong/.test(r.body.error_description))).toHaveLength(4)
    const right = await client.token('uni-a', client.preAuthorizedParams(offer, offer.txCode))
    expectError(right, 400, 'invalid_grant', /too many wrong transaction codes/)
    expect((await client.offerState(offer.offer.id)).state).toBe('burnt')
  })

  it('missing tx_code → invalid_request, and no attempt is counted', async () => {
    const offer = await issuer.offer({ txCode: true })
    const before = await client.offerState(offer.offer.id)
    const res = await client.token('uni-a', client.preAuthorizedParams(offer))
    expectError(res, 400, 'invalid_request', /requires a tx_code/)
    expect(await client.offerState(offer.offer.id)).toEqual(before)
    await client.redeem(offer)
  })

  it('tx_code sent when none was offered → invalid_request, offer unchanged', async () => {
    const offer = await issuer.offer({})
    const before = await client.offerState(offer.offer.id)
    const res = await client.token('uni-a', client.preAuthorizedParams(offer, '123456'))
    expectError(res, 400, 'invalid_request', /no transaction code/)
    expect(await client.offerState(offer.offer.id)).toEqual(before)
    await client.redeem(offer)
  })
})

describe('token request transport', () => {
  it('malformed JSON → 400 invalid_request naming the JSON', async () => {
    const res = await fetchResult(client.url('uni-a', 'token'), 'application/json', '{"grant_type":')
    expectError(res, 400, 'invalid_request', /not valid JSON/)
  })

  it('JSON instead of a form → 400 invalid_request naming the content type, offer unchanged', async () => {
    const offer = await issuer.offer({})
    const before = await client.offerState(offer.offer.id)
    const res = await fetchResult(
      client.url('uni-a', 'token'),
      'application/json',
      JSON.stringify(client.preAuthorizedParams(offer)),
    )
    expectError(res, 400, 'invalid_request', /application\/x-www-form-urlencoded/)
    expect(await client.offerState(offer.offer.id)).toEqual(before)
  })

  it('a body over 1 MB → 413 payload_too_large, offer unchanged', async () => {
    const offer = await issuer.offer({})
    const before = await client.offerState(offer.offer.id)
    const body = new URLSearchParams({ ...client.preAuthorizedParams(offer), padding: 'x'.repeat(1024 * 1024) })
    const res = await fetchResult(client.url('uni-a', 'token'), 'application/x-www-form-urlencoded', body.toString())
    expectError(res, 413, 'payload_too_large', /too large/)
    expect(await client.offerState(offer.offer.id)).toEqual(before)
  })

  it('an unknown grant_type → 400 unsupported_grant_type', async () => {
    const res = await client.token('uni-a', { grant_type: 'password', username: 'a', password: 'b' })
    expectError(res, 400, 'unsupported_grant_type', /password|grant/)
  })
})

// --- Authorization code flow (PAR + PKCE S256) ------------------------------------------------

const CLIENT_ID = 'attack-wallet'
const REDIRECT_URI = 'https://wallet.example/callback'

function par(params: Record<string, string>): Promise<HttpResult> {
  return fetchResult(
    client.url('uni-a', 'par'),
    'application/x-www-form-urlencoded',
    new URLSearchParams(params).toString(),
  )
}

function parParams(issuerState: string, verifier: string): Record<string, string> {
  return {
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    code_challenge: sha256Base64url(verifier),
    code_challenge_method: 'S256',
    issuer_state: issuerState,
    scope: SD_JWT_CONFIG,
  }
}

/**
 * PAR, then the learner approves on the authorization page (these offers have no tx_code, so the
 * page offers approval with its decision token at once); the authorization code from the redirect.
 */
async function authorizationCode(issuerState: string, verifier: string): Promise<string> {
  const pushed = await par(parParams(issuerState, verifier))
  expect(pushed.status, JSON.stringify(pushed.body)).toBe(201)
  const query = new URLSearchParams({ client_id: CLIENT_ID, request_uri: pushed.body.request_uri })
  const page = await getPage(`${client.url('uni-a', 'authorize')}?${query}`)
  const form = formsOf(String(page.body))['decision-form']
  if (!form) throw new Error('no decision form on the authorization page')
  const decision = await fetch(form.action, {
    method: 'POST',
    body: new URLSearchParams({ ...form.hidden, decision: 'approve' }),
    redirect: 'manual',
  })
  expect(decision.status).toBe(303)
  const code = new URL(String(decision.headers.get('location'))).searchParams.get('code')
  if (!code) throw new Error('no code in the redirect')
  return code
}

function codeParams(code: string, verifier: string, redirectUri = REDIRECT_URI): Record<string, string> {
  return {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
    client_id: CLIENT_ID,
  }
}

describe('PAR', () => {
  it('without PKCE → invalid_request, offer unchanged', async () => {
    const offer = await issuer.offer({})
    const before = await client.offerState(offer.offer.id)
    const {
      code_challenge: _c,
      code_challenge_method: _m,
      ...params
    } = parParams(String(offer.offer.issuerState), 'v'.repeat(43))
    const res = await par(params)
    expectError(res, 400, 'invalid_request', /PKCE/)
    expect(await client.offerState(offer.offer.id)).toEqual(before)
  })

  it('with code_challenge_method plain → invalid_request', async () => {
    const offer = await issuer.offer({})
    const verifier = 'v'.repeat(43)
    const res = await par({
      ...parParams(String(offer.offer.issuerState), verifier),
      code_challenge: verifier,
      code_challenge_method: 'plain',
    })
    expectError(res, 400, 'invalid_request', /S256/)
    expect((await client.offerState(offer.offer.id)).state).toBe('offered')
  })

  it('with an unknown issuer_state → invalid_request', async () => {
    const res = await par(parParams(randomBytes(32).toString('base64url'), 'v'.repeat(43)))
    expectError(res, 400, 'invalid_request', /issuer_state/)
  })

  it('with the issuer_state of another tenant → invalid_request', async () => {
    const offer = await issuer.offer({ tenant: 'uni-b' })
    const res = await par(parParams(String(offer.offer.issuerState), 'v'.repeat(43)))
    expectError(res, 400, 'invalid_request', /issuer_state/)
    expect((await client.offerState(offer.offer.id, 'uni-b')).state).toBe('offered')
  })
})

describe('authorization code', () => {
  it('is single-use: the second redemption is invalid_grant', async () => {
    const offer = await issuer.offer({})
    const verifier = randomBytes(32).toString('base64url')
    const code = await authorizationCode(String(offer.offer.issuerState), verifier)
    const first = await client.token('uni-a', codeParams(code, verifier))
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    const before = await client.offerState(offer.offer.id)
    const second = await client.token('uni-a', codeParams(code, verifier))
    expectError(second, 400, 'invalid_grant', /authorization code is unknown, expired or already used/)
    expect(await client.offerState(offer.offer.id)).toEqual(before)
  })

  it('without a code_verifier → invalid_grant, and the code is spent (RFC 7636 §4.6)', async () => {
    const offer = await issuer.offer({})
    const verifier = randomBytes(32).toString('base64url')
    const code = await authorizationCode(String(offer.offer.issuerState), verifier)
    const { code_verifier: _omitted, ...withoutVerifier } = codeParams(code, verifier)
    const res = await client.token('uni-a', withoutVerifier)
    expectError(res, 400, 'invalid_grant', /code_verifier/)
    expect((await client.offerState(offer.offer.id)).state).toBe('offered')
    const retry = await client.token('uni-a', codeParams(code, verifier))
    expectError(retry, 400, 'invalid_grant', /authorization code is unknown, expired or already used/)
  })

  it('with a wrong code_verifier → invalid_grant, and the code is spent', async () => {
    const offer = await issuer.offer({})
    const verifier = randomBytes(32).toString('base64url')
    const code = await authorizationCode(String(offer.offer.issuerState), verifier)
    const res = await client.token('uni-a', codeParams(code, randomBytes(32).toString('base64url')))
    expectError(res, 400, 'invalid_grant', /code_verifier|pkce|code challenge/i)
    expect((await client.offerState(offer.offer.id)).state).toBe('offered')
    const retry = await client.token('uni-a', codeParams(code, verifier))
    expectError(retry, 400, 'invalid_grant', /authorization code is unknown, expired or already used/)
    expect((await client.offerState(offer.offer.id)).state).toBe('offered')
  })

  it('with a wrong redirect_uri → invalid_grant, offer unredeemed', async () => {
    const offer = await issuer.offer({})
    const verifier = randomBytes(32).toString('base64url')
    const code = await authorizationCode(String(offer.offer.issuerState), verifier)
    const res = await client.token('uni-a', codeParams(code, verifier, 'https://attacker.example/callback'))
    expectError(res, 400, 'invalid_grant', /redirect_uri/)
    expect((await client.offerState(offer.offer.id)).state).toBe('offered')
  })

  it('expired (after authorizationCodeTtlSeconds) → invalid_grant', async () => {
    const offer = await issuer.offer({})
    const verifier = randomBytes(32).toString('base64url')
    const code = await authorizationCode(String(offer.offer.issuerState), verifier)
    clock.advance(issuer.ctx.config.authorizationCodeTtlSeconds + 1)
    const res = await client.token('uni-a', codeParams(code, verifier))
    expectError(res, 400, 'invalid_grant', /authorization code is unknown, expired or already used/)
    expect((await client.offerState(offer.offer.id)).state).toBe('offered')
  })

  it('presented at another tenant → invalid_grant', async () => {
    const offer = await issuer.offer({})
    const verifier = randomBytes(32).toString('base64url')
    const code = await authorizationCode(String(offer.offer.issuerState), verifier)
    const res = await client.token('uni-b', codeParams(code, verifier))
    expectError(res, 400, 'invalid_grant', /authorization code is unknown, expired or already used/)
    expect((await client.offerState(offer.offer.id)).state).toBe('offered')
  })
})

async function fetchResult(url: string, contentType: string, body: string): Promise<HttpResult> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body })
  const text = await res.text()
  return {
    status: res.status,
    headers: res.headers,
    body: (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text,
  }
}
