// DPoP under attack (security.md "Issuance (OpenID4VCI)"; RFC 9449 §4.3, §5, §7.1, §11.1): bad
// proofs at the token endpoint (400, nothing redeemed) and at the credential endpoint (401 with
// a DPoP challenge, nothing issued, the c_nonce not spent).
import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  AttackClient,
  expectError,
  type HttpResult,
  newKey,
  SD_JWT_CONFIG,
  sha256Base64url,
  type TestKey,
  testClock,
  unsignedJwt,
} from './testing/attack-kit.ts'
import { startTestIssuer, type TestIssuer } from './testing/issuer-harness.ts'

const clock = testClock()
let issuer: TestIssuer
let client: AttackClient
let dpopKey: TestKey
let otherKey: TestKey

beforeAll(async () => {
  issuer = await startTestIssuer({ now: clock.now })
  client = new AttackClient(issuer, clock)
  dpopKey = await newKey()
  otherKey = await newKey()
})
afterAll(async () => {
  await issuer?.close()
})
afterEach(() => clock.reset())

type ProofFor = (htu: string, accessToken?: string) => Promise<string>

/** Variants of a DPoP proof; each must be refused (RFC 9449 §4.3). */
const BAD_PROOFS: readonly (readonly [name: string, make: ProofFor, description: RegExp])[] = [
  [
    'typ is not dpop+jwt',
    (htu, ath) => client.dpop({ key: dpopKey, htu, accessToken: ath, header: { typ: 'jwt' } }),
    /typ/,
  ],
  [
    'alg none',
    async (htu, ath) =>
      unsignedJwt(
        { typ: 'dpop+jwt', alg: 'none', jwk: dpopKey.publicJwk },
        { htm: 'POST', htu, iat: clock.seconds(), jti: randomUUID(), ...(ath ? { ath: sha256Base64url(ath) } : {}) },
      ),
    /alg none is not one of|not a valid DPoP jwt/,
  ],
  [
    'a private key in jwk',
    (htu, ath) => client.dpop({ key: dpopKey, htu, accessToken: ath, header: { jwk: dpopKey.privateJwk } }),
    /private/,
  ],
  ['wrong htm', (htu, ath) => client.dpop({ key: dpopKey, htu, accessToken: ath, htm: 'GET' }), /htm/],
  [
    'wrong htu (another tenant)',
    (htu, ath) => client.dpop({ key: dpopKey, htu: htu.replace('/uni-a/', '/uni-b/'), accessToken: ath }),
    /htu/,
  ],
  [
    'iat 60 s in the past',
    (htu, ath) => client.dpop({ key: dpopKey, htu, accessToken: ath, iat: clock.seconds() - 60 }),
    /iat/,
  ],
  [
    'iat 60 s in the future',
    (htu, ath) => client.dpop({ key: dpopKey, htu, accessToken: ath, iat: clock.seconds() + 60 }),
    /iat/,
  ],
  [
    'iat missing',
    (htu, ath) => client.dpop({ key: dpopKey, htu, accessToken: ath, payload: { iat: undefined } }),
    /iat/,
  ],
  [
    'a signature by another key',
    (htu, ath) => client.dpop({ key: dpopKey, htu, accessToken: ath, signWith: otherKey }),
    /verification failed/,
  ],
]

describe('DPoP at the token endpoint → 400 invalid_dpop_proof, code not redeemed', () => {
  for (const [name, make, description] of BAD_PROOFS) {
    it(name, async () => {
      const offer = await issuer.offer({})
      const before = await client.offerState(offer.offer.id)
      const proof = await make(client.url('uni-a', 'token'))
      const res = await client.token('uni-a', client.preAuthorizedParams(offer), { dpop: proof })
      expectError(res, 400, 'invalid_dpop_proof', description)
      expect(await client.offerState(offer.offer.id)).toEqual(before)
      // The code was not spent by the refused attempt.
      await client.redeem(offer, { dpopKey })
    })
  }

  it('a reused jti → invalid_dpop_proof, the second offer not redeemed', async () => {
    const first = await issuer.offer({})
    const second = await issuer.offer({})
    const proof = await client.dpop({ key: dpopKey, htu: client.url('uni-a', 'token') })
    const ok = await client.token('uni-a', client.preAuthorizedParams(first), { dpop: proof })
    expect(ok.status).toBe(200)
    const before = await client.offerState(second.offer.id)
    const replay = await client.token('uni-a', client.preAuthorizedParams(second), { dpop: proof })
    expectError(replay, 400, 'invalid_dpop_proof', /jti/)
    expect(await client.offerState(second.offer.id)).toEqual(before)
  })

  it('a malformed DPoP header → invalid_dpop_proof', async () => {
    const offer = await issuer.offer({})
    const res = await client.token('uni-a', client.preAuthorizedParams(offer), { dpop: 'not-a-jwt' })
    expectError(res, 400, 'invalid_dpop_proof', /DPoP/)
    expect((await client.offerState(offer.offer.id)).state).toBe('offered')
  })

  for (const drift of [-9, 9]) {
    it(`accepts iat ${drift} s off (within ±10 s)`, async () => {
      const offer = await issuer.offer({})
      const proof = await client.dpop({ key: dpopKey, htu: client.url('uni-a', 'token'), iat: clock.seconds() + drift })
      const res = await client.token('uni-a', client.preAuthorizedParams(offer), { dpop: proof })
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      expect(res.body.token_type).toBe('DPoP')
    })
  }
})

describe('DPoP at the credential endpoint → 401 with a DPoP challenge, nothing issued', () => {
  let offer: Awaited<ReturnType<TestIssuer['offer']>>
  let token: string
  const credentialUrl = () => client.url('uni-a', 'credential')

  beforeAll(async () => {
    offer = await issuer.offer({})
    token = await client.redeem(offer, { dpopKey })
  })

  /** Sends the request with `dpop` and checks that nothing changed. */
  async function refused(dpop: string | undefined, scheme = 'DPoP'): Promise<HttpResult> {
    const nonce = await client.nonce()
    const body = await client.credentialBody(await newKey(), nonce)
    const res = await client.credential('uni-a', token, body, { scheme, ...(dpop ? { dpop } : {}) })
    expect(await client.issuedFor(offer.awardId)).toEqual([])
    expect((await client.offerState(offer.offer.id)).state).toBe('token_issued')
    expect(await client.nonceUnspent(nonce)).toBe(true)
    return res
  }

  for (const [name, make, description] of BAD_PROOFS) {
    it(name, async () => {
      const res = await refused(await make(credentialUrl(), token))
      expectError(res, 401, 'invalid_dpop_proof', description)
      expect(res.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/)
    })
  }

  it('wrong ath (hash of another token)', async () => {
    const res = await refused(await client.dpop({ key: dpopKey, htu: credentialUrl(), accessToken: `${token}x` }))
    expectError(res, 401, 'invalid_dpop_proof', /ath/)
  })

  it('ath missing', async () => {
    const res = await refused(await client.dpop({ key: dpopKey, htu: credentialUrl() }))
    expectError(res, 401, 'invalid_dpop_proof', /ath/)
  })

  it('a key different from the one the token is bound to', async () => {
    const res = await refused(await client.dpop({ key: otherKey, htu: credentialUrl(), accessToken: token }))
    expectError(res, 401, 'invalid_dpop_proof', /thumbprint/)
  })

  it('no DPoP header with the DPoP scheme', async () => {
    const res = await refused(undefined)
    expectError(res, 401, 'invalid_dpop_proof', /DPoP/)
  })

  it('the DPoP-bound token presented as Bearer → invalid_token', async () => {
    const res = await refused(undefined, 'Bearer')
    expectError(res, 401, 'invalid_token', /DPoP/)
    expect(res.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/)
  })

  it('the DPoP-bound token as Bearer even with a valid DPoP header → invalid_token', async () => {
    const res = await refused(await client.dpop({ key: dpopKey, htu: credentialUrl(), accessToken: token }), 'Bearer')
    expectError(res, 401, 'invalid_token', /DPoP/)
  })

  it('a reused jti → invalid_dpop_proof', async () => {
    const jti = randomUUID()
    // First use: the DPoP proof passes (the key proof is bad, so nothing is issued).
    const nonce = await client.nonce()
    const badKeyProof = {
      credential_configuration_id: SD_JWT_CONFIG,
      proofs: { jwt: [await client.proof({ key: await newKey(), nonce, header: { typ: 'jwt' } })] },
    }
    const first = await client.credential('uni-a', token, badKeyProof, {
      scheme: 'DPoP',
      dpop: await client.dpop({ key: dpopKey, htu: credentialUrl(), accessToken: token, jti }),
    })
    expectError(first, 400, 'invalid_proof', /typ/)
    const res = await refused(await client.dpop({ key: dpopKey, htu: credentialUrl(), accessToken: token, jti }))
    expectError(res, 401, 'invalid_dpop_proof', /jti/)
  })

  it('after all refusals the token and a proper proof still work', async () => {
    const nonce = await client.nonce()
    const res = await client.credential('uni-a', token, await client.credentialBody(await newKey(), nonce), {
      scheme: 'DPoP',
      dpop: await client.dpop({ key: dpopKey, htu: credentialUrl(), accessToken: token, iat: clock.seconds() - 9 }),
    })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(await client.issuedFor(offer.awardId)).toHaveLength(1)
  })
})
