// Interop: @openid4vc/openid4vp (inside the reference wallet, apps/wallet: the library resolves and
// checks the signed request, builds and submits the response) presents credentials that our
// issuer issued to it over OpenID4VCI, to our verifier over real HTTP.
import { createDidResolver } from '@alma/trust'
import { acceptCredentialOffer, answerPresentationRequest, CredentialStore } from '@alma/wallet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestIssuer, type TestIssuer } from '../../issuer/src/testing/issuer-harness.ts'
import { startTestVerifier, type TestVerifier } from './testing/verifier-harness.ts'

let issuer: TestIssuer
let verifier: TestVerifier
let store: CredentialStore

beforeAll(async () => {
  issuer = await startTestIssuer()
  verifier = await startTestVerifier({ trustAnchors: [String(issuer.ca?.certificatePem)], devAllowList: [issuer.url] })
  store = CredentialStore.inMemory()
  const offer = await issuer.offer({ txCode: true })
  await acceptCredentialOffer(offer.offerUri, {
    store,
    askTxCode: async () => String(offer.txCode),
    allowInsecureLoopback: true,
  })
  expect(
    store
      .list()
      .map((c) => c.format)
      .sort(),
  ).toEqual(['dc+sd-jwt', 'jwt_vc_json'])
}, 120_000)
afterAll(async () => {
  await verifier?.close()
  await issuer?.close()
})

async function request(body: Record<string, unknown>) {
  const created = await verifier.api('POST', `/api/${verifier.rpId}/presentation-requests`, body)
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  return created.body as { id: string; authorizationRequestUri: string }
}

async function resultOf(id: string) {
  return (await verifier.api('GET', `/api/${verifier.rpId}/presentation-requests/${id}`)).body
}

const present = (uri: string, options: Partial<Parameters<typeof answerPresentationRequest>[1]> = {}) =>
  answerPresentationRequest(uri, {
    store,
    trustAnchors: [verifier.ca.certificatePem],
    allowInsecureLoopback: true,
    ...options,
  })

describe('@openid4vc/openid4vp wallet → our verifier', () => {
  for (const responseMode of ['direct_post.jwt', 'direct_post'] as const) {
    for (const requestUriMethod of ['get', 'post'] as const) {
      it(`dc+sd-jwt, ${responseMode}, request_uri by ${requestUriMethod.toUpperCase()}: selective disclosure, verified`, async () => {
        const created = await request({
          template: { type: 'eqf-ects', minEqfLevel: 4, minEcts: 1 },
          formats: ['dc+sd-jwt'],
          responseMode,
          requestUriMethod,
        })
        const answer = await present(created.authorizationRequestUri)
        expect(answer.status).toBe(200)
        expect(answer.responseMode).toBe(responseMode)
        const read = await resultOf(created.id)
        expect(read.state).toBe('succeeded')
        expect(read.result.verdict).toBe('verified')
        const claims = read.result.credentials[0].claims
        // Only what the policy needs (and who awarded it) left the wallet.
        expect(claims.level_of_learning_experience).toBeTypeOf('number')
        expect(claims.ects_credits).toBeTypeOf('number')
        expect(claims.awarding_bodies).toBeDefined()
        for (const hidden of [
          'given_name',
          'family_name',
          'birth_date',
          'assessment_grade',
          'learner_identification',
        ]) {
          expect(claims[hidden], hidden).toBeUndefined()
        }
      })
    }
  }

  for (const responseMode of ['direct_post.jwt', 'direct_post'] as const) {
    it(`jwt_vc_json, ${responseMode}: a VP JWT bound to the credential's key, verified`, async () => {
      const created = await request({
        template: { type: 'any-micro-credential' },
        formats: ['jwt_vc_json'],
        responseMode,
      })
      const answer = await present(created.authorizationRequestUri)
      expect(answer.presented.map((p) => p.format)).toEqual(['jwt_vc_json'])
      const read = await resultOf(created.id)
      expect(read.result.verdict).toBe('verified')
      expect(read.result.credentials[0].steps.every((s: { status: string }) => s.status !== 'ERROR')).toBe(true)
    })
  }

  it('decentralized_identifier: the request object signed with the key of our did:web', async () => {
    const created = await request({
      template: { type: 'any-micro-credential' },
      clientIdPrefix: 'decentralized_identifier',
    })
    const answer = await present(created.authorizationRequestUri, {
      // The verifier's did:web is on loopback http: development resolution, for that origin only.
      didResolver: createDidResolver({ mode: 'development', devAllowList: [verifier.url] }),
    })
    expect(answer.verifier.clientId).toMatch(/^decentralized_identifier:did:web:localhost/)
    expect((await resultOf(created.id)).result.verdict).toBe('verified')
  })

  it('a wallet that does not trust the verifier’s CA sends nothing', async () => {
    const created = await request({ template: { type: 'any-micro-credential' } })
    await expect(
      present(created.authorizationRequestUri, { trustAnchors: [String(issuer.ca?.certificatePem)] }),
    ).rejects.toThrow()
    expect((await resultOf(created.id)).state).toBe('retrieved')
  })
})
