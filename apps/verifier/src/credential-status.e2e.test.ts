// The credential a wallet receives, and its revocation as a relying party sees it (issue 12 §5, §6),
// end to end: a jwt_vc_json redeemed from the running issuer (@openid4vc/openid4vci as the wallet)
// is validated exactly as the credential response carried it — its `vc`, no copy, nothing stripped
// — against the EC's SHACL shapes; revoked through the issuer's own revocation, the verifier over
// HTTP fails its status step. A verifier answering from its status-list cache says when that list
// was fetched; a request created with statusMaxAgeSeconds 0 fetches the list and sees the
// revocation at once.
import { CREDENTIAL_PROFILE_ISSUED_BY_MANDATE, parseEdc } from '@alma/elm'
import { validateEdcShacl } from '@alma/elm/shacl'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { changeCredentialStatus } from '../../issuer/src/admin/credential-status.ts'
import { startTestIssuer, type TestIssuer } from '../../issuer/src/testing/issuer-harness.ts'
import { type IssuedCredentials, issueBoth, openRequest, submitResponse, vpJwt } from './testing/hand-wallet.ts'
import { startTestVerifier, type TestVerifier } from './testing/verifier-harness.ts'

let issuer: TestIssuer
let verifier: TestVerifier

beforeAll(async () => {
  issuer = await startTestIssuer()
  // The default status-list cache (statusListTtlSeconds 300): a revocation is seen late unless asked.
  verifier = await startTestVerifier({
    trustAnchors: [String(issuer.ca?.certificatePem)],
    devAllowList: [issuer.url],
  })
}, 120_000)
afterAll(async () => {
  await verifier?.close()
  await issuer?.close()
})

/** Revokes the award's jwt_vc_json credential the way the admin API does. */
async function revokeVcJwt(issued: IssuedCredentials) {
  const records = await issuer.store.issuedCredentials.listByAward('uni-a', issued.awardId)
  const record = records.find((r) => r.format === 'jwt_vc_json')
  expect(record).toBeDefined()
  const change = await changeCredentialStatus(issuer.ctx, 'uni-a', {
    credentialId: String(record?.id),
    action: 'revoke',
    actor: 'test',
  })
  expect(change).toMatchObject({ changed: true, credential: { state: 'revoked' } })
}

/** A jwt_vc_json-only request answered with the credential; returns the session as the relying party reads it. */
async function presentVcJwt(issued: IssuedCredentials, options: Record<string, unknown> = {}) {
  const created = await verifier.api('POST', `/api/${verifier.rpId}/presentation-requests`, {
    template: { type: 'any-micro-credential' },
    formats: ['jwt_vc_json'],
    ...options,
  })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  const { payload } = await openRequest(created.body.authorizationRequestUri, { trustedCa: verifier.ca.certificatePem })
  const query = payload.dcql_query.credentials[0]
  const vp = await vpJwt(issued.vcJwt, issued.keys[0]!, { aud: payload.client_id, nonce: payload.nonce })
  expect(await submitResponse(payload, { vp_token: { [query.id]: [vp] }, state: payload.state })).toEqual({
    status: 200,
    body: {},
  })
  const read = await verifier.api('GET', `/api/${verifier.rpId}/presentation-requests/${created.body.id}`)
  expect(read.status).toBe(200)
  const status = read.body.result.credentials[0].steps.find((s: { id: string }) => s.id === 'status')
  return { session: read.body, status: status as { status: string; reason: string } }
}

const FETCHED = /; status list fetched (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ), (just now|\d+ s ago)\)$/

describe('the jwt_vc_json a wallet receives (issue 12 §6)', () => {
  it('validates as received with zero SHACL violations; revoked, the verifier fails its status step', async () => {
    const issued = await issueBoth(issuer)
    // What the credential response carried (hand-wallet takes credentials[0].credential as is).
    const payload = decodeJwt(issued.vcJwt) as Record<string, any>
    expect(payload.status).toEqual({
      status_list: { idx: expect.any(Number), uri: expect.stringMatching(new RegExp(`^${issuer.url}/uni-a/status/`)) },
    })
    expect(payload.vc).not.toHaveProperty('credentialStatus')
    const edc = payload.vc
    const mandate = parseEdc(edc).profiles.some((p) => p.id === CREDENTIAL_PROFILE_ISSUED_BY_MANDATE)
    for (const profile of ['generic-full', ...(mandate ? (['issued-by-mandate'] as const) : [])] as const) {
      const report = await validateEdcShacl(edc, profile)
      expect(report.violations, profile).toEqual([])
      expect(report.conforms, profile).toBe(true)
    }

    const before = await presentVcJwt(issued, { statusMaxAgeSeconds: 0 })
    expect(before.session.result.verdict).toBe('verified')
    expect(before.status.status).toBe('OK')
    await revokeVcJwt(issued)
    const after = await presentVcJwt(issued, { statusMaxAgeSeconds: 0 })
    const { uri, idx } = payload.status.status_list
    expect(after.status).toEqual({
      id: 'status',
      status: 'ERROR',
      reason: expect.stringMatching(new RegExp(`^revoked \\(status 1 on ${uri} index ${idx}${FETCHED.source}`)),
    })
    expect(after.session.state).toBe('failed')
    expect(after.session.result.verdict).toBe('failed')
    expect(after.session.result.credentials[0].claims).toBeUndefined()
  })
})

describe('stale status said plainly, fresh status on request (issue 12 §5)', () => {
  it('a warm cache answers "not revoked" naming its fetch time; statusMaxAgeSeconds 0 sees the revocation', async () => {
    const issued = await issueBoth(issuer)
    const { uri, idx } = (decodeJwt(issued.vcJwt) as Record<string, any>).status.status_list
    // A request without the option warms the cache, and its reason says when the list was fetched.
    const first = await presentVcJwt(issued)
    expect(first.status).toEqual({
      id: 'status',
      status: 'OK',
      reason: expect.stringMatching(
        new RegExp(`^not revoked or suspended \\(status 0 on ${uri} index ${idx}${FETCHED.source}`),
      ),
    })
    const fetchedFirst = FETCHED.exec(first.status.reason)?.[1]

    await revokeVcJwt(issued)
    // Same list, still cached: the old answer, with the old fetch time for the relying party to judge.
    const cached = await presentVcJwt(issued)
    expect(cached.session.result.verdict).toBe('verified')
    expect(cached.status.status).toBe('OK')
    expect(cached.status.reason).toMatch(
      new RegExp(`^not revoked or suspended \\(status 0 on ${uri} index ${idx}; status list fetched ${fetchedFirst}, `),
    )

    // Asked fresh: the list is fetched for this answer, and the revocation is seen.
    const fresh = await presentVcJwt(issued, { statusMaxAgeSeconds: 0 })
    expect(fresh.session.statusMaxAgeSeconds).toBe(0)
    expect(fresh.status).toEqual({
      id: 'status',
      status: 'ERROR',
      reason: expect.stringMatching(new RegExp(`^revoked \\(status 1 on ${uri} index ${idx}${FETCHED.source}`)),
    })
    expect(fresh.session.result.verdict).toBe('failed')
    const fetchedFresh = FETCHED.exec(fresh.status.reason)?.[1]
    expect(Date.parse(String(fetchedFresh))).toBeGreaterThanOrEqual(Date.parse(String(fetchedFirst)))

    // The fresh fetch replaced the cached copy: the next cached answer sees the revocation too.
    const afterwards = await presentVcJwt(issued)
    expect(afterwards.status.status).toBe('ERROR')
    expect(afterwards.status.reason).toMatch(/^revoked \(status 1 on /)
  })

  it('refuses a statusMaxAgeSeconds that is not a whole number of seconds in 0…86400, creating nothing', async () => {
    const before = await verifier.store.presentationRequests.list(verifier.rpId, { limit: 1000 })
    for (const statusMaxAgeSeconds of [-1, 1.5, '0', 86_401]) {
      const created = await verifier.api('POST', `/api/${verifier.rpId}/presentation-requests`, {
        template: { type: 'any-micro-credential' },
        statusMaxAgeSeconds,
      })
      expect(created.status, String(statusMaxAgeSeconds)).toBe(400)
      expect(created.body.error, String(statusMaxAgeSeconds)).toBe('invalid_input')
      expect(created.body.error_description, String(statusMaxAgeSeconds)).toMatch(/statusMaxAgeSeconds/)
    }
    expect(await verifier.store.presentationRequests.list(verifier.rpId, { limit: 1000 })).toHaveLength(before.length)
  })
})
