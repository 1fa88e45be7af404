// The verifier end to end over HTTP: a relying party creates requests, a wallet (written out by
// hand, testing/hand-wallet.ts) fetches the signed request object and answers with credentials
// from the running test issuer; the relying party reads every check.
import { SD_JWT_CLAIMS } from '@alma/credentials'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestIssuer, type TestIssuer } from '../../issuer/src/testing/issuer-harness.ts'
import { createRelyingPartyKey } from './relying-party-keys.ts'
import {
  type IssuedCredentials,
  issueBoth,
  openRequest,
  presentSdJwt,
  submitResponse,
  vpJwt,
} from './testing/hand-wallet.ts'
import { startTestVerifier, type TestVerifier } from './testing/verifier-harness.ts'

let issuer: TestIssuer
let verifier: TestVerifier
let issued: IssuedCredentials

beforeAll(async () => {
  issuer = await startTestIssuer()
  verifier = await startTestVerifier({
    trustAnchors: [String(issuer.ca?.certificatePem)],
    devAllowList: [issuer.url],
  })
  issued = await issueBoth(issuer)
}, 120_000)
afterAll(async () => {
  await verifier?.close()
  await issuer?.close()
})

async function create(body: Record<string, unknown>) {
  const created = await verifier.api('POST', `/api/${verifier.rpId}/presentation-requests`, body)
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  return created.body as { id: string; authorizationRequestUri: string; clientId: string; qrSvg: string }
}

async function result(id: string, query = '') {
  return verifier.api('GET', `/api/${verifier.rpId}/presentation-requests/${id}${query}`)
}

describe('presentation round trips', () => {
  it('eqf-ects over direct_post.jwt: only EQF, ECTS and awarding bodies disclosed; verified', async () => {
    const created = await create({
      template: { type: 'eqf-ects', minEqfLevel: 4, minEcts: 1 },
      clientIdPrefix: 'x509_san_dns',
    })
    expect(created.authorizationRequestUri).toMatch(/^openid4vp:\/\/\?client_id=x509_san_dns%3Alocalhost&request_uri=/)
    const { payload, header } = await openRequest(created.authorizationRequestUri, {
      trustedCa: verifier.ca.certificatePem,
    })
    expect(header.typ).toBe('oauth-authz-req+jwt')
    expect(header.x5c).toHaveLength(1) // the anchor is not sent (HAIP)
    expect(payload).toMatchObject({
      response_type: 'vp_token',
      client_id: 'x509_san_dns:localhost',
      response_mode: 'direct_post.jwt',
      aud: 'https://self-issued.me/v2',
    })
    expect(payload.nonce.length).toBeGreaterThanOrEqual(22)
    expect(new URL(payload.response_uri).hostname).toBe('localhost')
    const sdQuery = payload.dcql_query.credentials.find((c: { format: string }) => c.format === 'dc+sd-jwt')
    expect(sdQuery.claims).toEqual([
      // The level asked by value (OpenID4VP 1.0 §6.3): EQF 4 or above, as the EU type's integer.
      { path: ['level_of_learning_experience'], values: [4, 5, 6, 7, 8] },
      { path: ['ects_credits'] },
      { path: ['awarding_bodies'] },
    ])

    const presentation = await presentSdJwt(
      issued.sdJwt,
      issued.keys[1]!,
      ['level_of_learning_experience', 'ects_credits', 'awarding_bodies'],
      {
        aud: payload.client_id,
        nonce: payload.nonce,
      },
    )
    const answer = await submitResponse(payload, { vp_token: { [sdQuery.id]: [presentation] }, state: payload.state })
    expect(answer).toEqual({ status: 200, body: {} })

    const read = await result(created.id)
    expect(read.status).toBe(200)
    expect(read.body.state).toBe('succeeded')
    expect(read.body.result.verdict).toBe('verified')
    const [credential] = read.body.result.credentials
    expect(credential.steps.map((s: { id: string; status: string }) => `${s.id}:${s.status}`)).toEqual([
      'format-and-query:OK',
      'signature:OK',
      'issuer-trust:OK',
      'holder-binding:OK',
      'validity:OK',
      'status:OK',
      'policy:OK',
      'annex-i:OK',
    ])
    // Nothing personal but what was disclosed reaches the relying party; the EU type's issuer facts
    // (issuer, title, dates, languages) are never selectively disclosable.
    const inTheClear: string[] = SD_JWT_CLAIMS.filter((c) => c.sd === 'never').map((c) => c.name)
    const disclosed = Object.keys(credential.claims).filter((k) => !inTheClear.includes(k))
    expect(disclosed.sort()).toEqual(['awarding_bodies', 'ects_credits', 'level_of_learning_experience'])
    expect(credential.claims).not.toHaveProperty('family_name')
    expect(read.body.result.credentialSets[0].satisfiedBy).toEqual([sdQuery.id])
  })

  it('any micro-credential as jwt_vc_json over direct_post, request fetched by POST with wallet_nonce', async () => {
    const created = await create({
      template: { type: 'any-micro-credential' },
      responseMode: 'direct_post',
      requestUriMethod: 'post',
    })
    expect(created.authorizationRequestUri).toContain('request_uri_method=post')
    const { payload } = await openRequest(created.authorizationRequestUri, {
      trustedCa: verifier.ca.certificatePem,
      walletNonce: 'wn-42',
    })
    expect(payload.wallet_nonce).toBe('wn-42')
    expect(payload.client_metadata.jwks).toBeUndefined()
    const vcQuery = payload.dcql_query.credentials.find((c: { format: string }) => c.format === 'jwt_vc_json')
    const vp = await vpJwt(issued.vcJwt, issued.keys[0]!, { aud: payload.client_id, nonce: payload.nonce })
    const answer = await submitResponse(payload, { vp_token: { [vcQuery.id]: [vp] }, state: payload.state })
    expect(answer.status).toBe(200)
    const read = await result(created.id)
    expect(read.body.result.verdict).toBe('verified')
    expect(read.body.result.credentials[0].format).toBe('jwt_vc_json')
    expect(read.body.result.credentials[0].annexI).toBeDefined()
  })

  it('same-device: the redirect carries a single-use response_code that releases the result once', async () => {
    const created = await create({
      template: { type: 'any-micro-credential' },
      sameDevice: { redirectUri: 'https://employer.example/after-wallet' },
    })
    const { payload } = await openRequest(created.authorizationRequestUri, { trustedCa: verifier.ca.certificatePem })
    const sdQuery = payload.dcql_query.credentials.find((c: { format: string }) => c.format === 'dc+sd-jwt')
    const presentation = await presentSdJwt(
      issued.sdJwt,
      issued.keys[1]!,
      sdQuery.claims.map((c: { path: string[] }) => c.path[0]),
      { aud: payload.client_id, nonce: payload.nonce },
    )
    const answer = await submitResponse(payload, { vp_token: { [sdQuery.id]: [presentation] }, state: payload.state })
    expect(answer.status).toBe(200)
    const redirect = new URL(answer.body.redirect_uri)
    expect(`${redirect.origin}${redirect.pathname}`).toBe('https://employer.example/after-wallet')
    const code = new URLSearchParams(redirect.hash.slice(1)).get('response_code')!
    expect(code.length).toBeGreaterThanOrEqual(32)

    const withheld = await result(created.id)
    expect(withheld.body.result).toBeUndefined()
    expect(withheld.body.resultWithheld).toBeDefined()
    expect((await result(created.id, '?response_code=wrong')).status).toBe(403)
    const released = await result(created.id, `?response_code=${code}`)
    expect(released.body.result.verdict).toBe('verified')
    expect((await result(created.id, `?response_code=${code}`)).status).toBe(403)
  })

  it('serves the request object again on a second fetch, the QR code, the did.json and the OpenAPI document', async () => {
    const created = await create({
      template: { type: 'any-micro-credential' },
      clientIdPrefix: 'decentralized_identifier',
    })
    const params = new URL(created.authorizationRequestUri).searchParams
    const first = await fetch(params.get('request_uri')!)
    const second = await fetch(params.get('request_uri')!, { redirect: 'manual' })
    expect([first.status, second.status]).toEqual([200, 200])
    expect(second.headers.get('content-type')).toContain('application/oauth-authz-req+jwt')
    const header = JSON.parse(Buffer.from((await second.text()).split('.')[0]!, 'base64url').toString())
    expect(header.kid).toMatch(/^did:web:localhost%3A\d+:employer#/)
    expect(created.clientId).toMatch(/^decentralized_identifier:did:web:localhost%3A\d+:employer$/)

    const svg = await fetch(created.qrSvg)
    expect(svg.headers.get('content-type')).toContain('image/svg+xml')
    const png = await fetch(created.qrSvg.replace('.svg', '.png'))
    expect(
      Buffer.from(await png.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG')

    const did = await (await fetch(`${verifier.url}/${verifier.rpId}/did.json`)).json()
    expect(did.id).toBe(created.clientId.replace('decentralized_identifier:', ''))
    const openapi = await (await fetch(`${verifier.url}/api/openapi.json`)).json()
    expect(openapi.paths['/api/{rp}/presentation-requests'].post).toBeDefined()
  })

  it('a haip:// link when asked (HAIP 1.0), carrying the same request', async () => {
    const created = await create({ template: { type: 'any-micro-credential' }, scheme: 'haip' })
    expect(created.authorizationRequestUri).toMatch(/^haip:\/\/\?client_id=x509_hash%3A/)
    const { payload } = await openRequest(created.authorizationRequestUri, { trustedCa: verifier.ca.certificatePem })
    expect(payload.client_id).toMatch(/^x509_hash:/)
  })

  it('x509_hash (the default, HAIP 1.0): the client_id is the hash of the signing certificate', async () => {
    const created = await create({ template: { type: 'any-micro-credential' } })
    const { payload, header } = await openRequest(created.authorizationRequestUri, {
      trustedCa: verifier.ca.certificatePem,
    })
    const { createHash } = await import('node:crypto')
    const hash = createHash('sha256').update(Buffer.from(header.x5c[0], 'base64')).digest('base64url')
    expect(payload.client_id).toBe(`x509_hash:${hash}`)
  })
})

describe('requests refused when created', () => {
  it('an x509 client identifier for a relying party without a certificate → 400 naming clientIdPrefix', async () => {
    const now = new Date()
    await verifier.store.tenants.create({
      id: 'no-cert',
      name: 'No Certificate Ltd',
      did: 'did:web:localhost:no-cert',
      config: { kind: 'relying-party' },
      now,
    })
    await verifier.ctx.keyring.generate('no-cert')
    const { key } = await createRelyingPartyKey(verifier.store, 'no-cert')
    const refused = await verifier.api(
      'POST',
      '/api/no-cert/presentation-requests',
      { template: { type: 'any-micro-credential' } },
      key,
    )
    expect(refused).toEqual({
      status: 400,
      body: {
        error: 'invalid_input',
        error_description: 'this relying party has no certificate: use decentralized_identifier',
        issues: [{ path: 'clientIdPrefix', message: 'no certificate to sign with' }],
      },
    })
    const byDid = await verifier.api(
      'POST',
      '/api/no-cert/presentation-requests',
      { template: { type: 'any-micro-credential' }, clientIdPrefix: 'decentralized_identifier' },
      key,
    )
    expect(byDid.status).toBe(201)
  })

  it('a same-device redirect URI with a fragment → 400 naming it', async () => {
    const refused = await verifier.api('POST', `/api/${verifier.rpId}/presentation-requests`, {
      template: { type: 'any-micro-credential' },
      sameDevice: { redirectUri: 'https://employer.example/back#here' },
    })
    expect(refused.status).toBe(400)
    expect(refused.body.issues).toEqual([
      { path: 'sameDevice.redirectUri', message: 'must not have a fragment (the response_code is put there)' },
    ])
  })
})

describe('alliance-member requests', () => {
  it('name the registry by JWT or by URL, exactly one; an unreachable URL is named', async () => {
    const neither = await verifier.api('POST', `/api/${verifier.rpId}/presentation-requests`, {
      template: { type: 'alliance-member', allianceDid: 'did:web:alliance.example' },
    })
    expect(neither.status).toBe(400)
    expect(neither.body.issues).toEqual([
      { path: 'template.allianceRegistryJwt', message: 'give exactly one of the two' },
    ])
    const unreachable = await verifier.api('POST', `/api/${verifier.rpId}/presentation-requests`, {
      template: {
        type: 'alliance-member',
        allianceDid: 'did:web:alliance.example',
        allianceRegistryUrl: 'http://10.0.0.1/alliance-registry',
      },
    })
    expect(unreachable.status).toBe(400)
    expect(unreachable.body.error_description).toMatch(
      /^template.allianceRegistryUrl: the registry could not be fetched/,
    )
    expect((await verifier.store.presentationRequests.list(verifier.rpId, { limit: 200 })).length).toBeGreaterThan(0)
  })
})

describe('results a relying party can show', () => {
  it('renders the certificate of a presented jwt_vc_json from the verified EDC', async () => {
    const created = await create({
      template: { type: 'any-micro-credential' },
      formats: ['jwt_vc_json'],
      responseMode: 'direct_post',
    })
    const { payload } = await openRequest(created.authorizationRequestUri, { trustedCa: verifier.ca.certificatePem })
    const vp = await vpJwt(issued.vcJwt, issued.keys[0]!, { aud: payload.client_id, nonce: payload.nonce })
    const query = payload.dcql_query.credentials[0]
    expect((await submitResponse(payload, { vp_token: { [query.id]: [vp] }, state: payload.state })).status).toBe(200)
    const svg = await fetch(
      `${verifier.url}/api/${verifier.rpId}/presentation-requests/${created.id}/certificate.svg?lang=de`,
      {
        headers: { authorization: `Bearer ${verifier.apiKey}` },
      },
    )
    expect(svg.status).toBe(200)
    expect(svg.headers.get('content-type')).toContain('image/svg+xml')
    expect(await svg.text()).toContain('<svg')
  })

  it('verifies an uploaded EDC file: the EC sealed sample (seal OK, certificate expired and not anchored)', async () => {
    const { readFileSync } = await import('node:fs')
    const sample = readFileSync(
      new URL('../../../../shared/reference/elm/samples/Sample-MC-Annex1-signed.jsonld', import.meta.url),
    )
    const response = await fetch(`${verifier.url}/api/${verifier.rpId}/edc-verifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${verifier.apiKey}`, 'content-type': 'application/ld+json' },
      body: sample,
    })
    expect(response.status).toBe(200)
    const body = await response.json()
    expect(body.sealed).toBe(true)
    expect(body.verdict).toBe('failed')
    const status = Object.fromEntries(body.checks.map((c: { id: string; status: string }) => [c.id, c.status]))
    expect(status['seal-signature']).toBe('OK')
    expect(status['certificate-chain-trusted']).toBe('ERROR')
    expect(status.format).toBe('OK')
    expect(body.annexI).toBeDefined()
    const wrongType = await fetch(`${verifier.url}/api/${verifier.rpId}/edc-verifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${verifier.apiKey}`, 'content-type': 'text/plain' },
      body: 'x',
    })
    expect(wrongType.status).toBe(415)
  })
})
