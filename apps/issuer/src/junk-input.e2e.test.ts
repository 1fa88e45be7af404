// The stranger's tests of the issuer (issue 12 §5 and "How we test from now on"): every route the
// app answers — read from its router, so a route added later is walked too — gets junk in every
// path parameter, the query and the body, no credentials, someone else's ids, the wrong content
// type and bodies that do not match their Content-Encoding. None may answer 5xx; each answer is
// the exact 4xx the table says, and nothing is logged at error level (a 5xx is logged there).
import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { ADMIN_SCOPES, createApiKey, mountAdminApi } from './admin/index.ts'
import { mountIssuerWebApp } from './http/web-app.ts'
import { AttackClient, expectError, type HttpResult, newKey, testClock } from './testing/attack-kit.ts'
import { COURSE_ID, quietLog, readExample, startTestIssuer, type TestIssuer } from './testing/issuer-harness.ts'
import {
  type AppRoute,
  decompressionBombs,
  ENCODING_JUNK,
  fillPath,
  PATH_JUNK,
  routeKey,
  routesOf,
  sendRaw,
} from './testing/route-walk.ts'

let issuer: TestIssuer
let client: AttackClient
let keys: Record<'uni-a' | 'uni-b', string>
/** Per tenant: an open offer, its award, an issued credential and its status list, an access token. */
let ids: Record<'uni-a' | 'uni-b', { offerId: string; awardId: string; credentialId: string; listId: string }>
let tokens: Record<'uni-a' | 'uni-b', string>
const errorLog = vi.spyOn(quietLog, 'error')
const warnLog = vi.spyOn(quietLog, 'warn')

beforeAll(async () => {
  issuer = await startTestIssuer({ routes: [mountAdminApi, mountIssuerWebApp] })
  client = new AttackClient(issuer, testClock())
  const now = new Date()
  keys = {
    'uni-a': (await createApiKey(issuer.store, 'uni-a', ADMIN_SCOPES, now)).key,
    'uni-b': (await createApiKey(issuer.store, 'uni-b', ADMIN_SCOPES, now)).key,
  }
  const made: Partial<typeof ids> = {}
  const madeTokens: Partial<typeof tokens> = {}
  for (const tenant of ['uni-a', 'uni-b'] as const) {
    const redeemed = await issuer.offer({ tenant })
    const token = await client.redeem(redeemed, { tenant })
    const body = await client.credentialBody(await newKey(), await client.nonce(tenant), undefined, tenant)
    expect((await client.credential(tenant, token, body)).status).toBe(200)
    const [credential] = await client.issuedFor(redeemed.awardId, tenant)
    const open = await issuer.offer({ tenant })
    made[tenant] = {
      offerId: open.offer.id,
      awardId: open.awardId,
      credentialId: credential!.id,
      listId: String(credential!.statusListId),
    }
    madeTokens[tenant] = token
  }
  ids = made as typeof ids
  tokens = madeTokens as typeof tokens
}, 120_000)

afterAll(async () => {
  await issuer?.close()
})

afterEach(() => {
  // A 5xx is logged at error level; junk must be answered and logged below it.
  expect(errorLog).not.toHaveBeenCalled()
})

/** Path parameters that name a tenant's things, filled with `tenant`'s (under uni-a's path). */
function valuesFor(route: AppRoute, tenant: 'uni-a' | 'uni-b'): Record<string, string> {
  const own = ids[tenant]
  const id = route.path.includes('/specifications/')
    ? COURSE_ID
    : route.path.includes('/awards/')
      ? own.awardId
      : encodeURIComponent(own.credentialId)
  return {
    tenant: 'uni-a',
    offerId: own.offerId,
    listId: own.listId,
    format: 'png',
    asset: 'index.html',
    job: randomUUID(),
    id,
  }
}

const isAdmin = (route: AppRoute) => route.path.startsWith('/admin/:tenant')
const hasBody = (route: AppRoute) => route.method !== 'GET'

/** uni-a's credentials for a route that needs them: its admin key, or a wallet's access token. */
function credentialsFor(route: AppRoute, tenant: 'uni-a' | 'uni-b' = 'uni-a'): Record<string, string> {
  if (isAdmin(route)) return { authorization: `Bearer ${keys[tenant]}` }
  if (WALLET_TOKEN_ROUTES.has(routeKey(route))) return { authorization: `Bearer ${tokens[tenant]}` }
  return {}
}

const WALLET_TOKEN_ROUTES = new Set([
  'POST /:tenant/credential',
  'POST /:tenant/deferred-credential',
  'POST /:tenant/notification',
])

/** A query a route needs to reach its body (the cohort endpoint checks its query first). */
function queryFor(route: AppRoute): string {
  return routeKey(route) === 'POST /admin/:tenant/awards/cohort' ? `?specificationId=${COURSE_ID}` : ''
}

type Expect = readonly [status: number, error: string]
const UNAUTHORIZED: Expect = [401, 'unauthorized']
const FORBIDDEN: Expect = [403, 'forbidden']
const NOT_FOUND: Expect = [404, 'not_found']
const NOT_JSON: Expect = [415, 'unsupported_media_type']

/**
 * What a stranger gets from each route: without credentials; with another tenant's admin key or
 * access token (`otherKey`); with this tenant's credentials but another tenant's ids in the path
 * (`otherIds`); and a POST/PUT body of text/plain (`wrongType`). Undefined: not applicable (a
 * public route, no ids, no body). A route missing here fails the walk: add it.
 */
const STRANGER: Readonly<
  Record<string, { anonymous?: Expect; otherKey?: Expect; otherIds?: Expect; wrongType?: Expect }>
> = {
  'GET /health': {},
  'GET /admin/openapi.json': {},
  'GET /admin/:tenant/specifications': { anonymous: UNAUTHORIZED, otherKey: FORBIDDEN },
  'GET /admin/:tenant/specifications/:id': { anonymous: UNAUTHORIZED, otherKey: FORBIDDEN },
  'PUT /admin/:tenant/specifications/:id': { anonymous: UNAUTHORIZED, otherKey: FORBIDDEN, wrongType: NOT_JSON },
  'POST /admin/:tenant/specifications/:id/annex-i-check': {
    anonymous: UNAUTHORIZED,
    otherKey: FORBIDDEN,
    wrongType: NOT_JSON,
  },
  'POST /admin/:tenant/awards/cohort': { anonymous: UNAUTHORIZED, otherKey: FORBIDDEN, wrongType: NOT_JSON },
  'GET /admin/:tenant/cohorts/:job': { anonymous: UNAUTHORIZED, otherKey: FORBIDDEN, otherIds: NOT_FOUND },
  'POST /admin/:tenant/cohorts/:job/cancel': {
    anonymous: UNAUTHORIZED,
    otherKey: FORBIDDEN,
    otherIds: NOT_FOUND,
    wrongType: NOT_JSON,
  },
  'POST /admin/:tenant/awards': { anonymous: UNAUTHORIZED, otherKey: FORBIDDEN, wrongType: NOT_JSON },
  'GET /admin/:tenant/awards': { anonymous: UNAUTHORIZED, otherKey: FORBIDDEN },
  'GET /admin/:tenant/awards/:id': { anonymous: UNAUTHORIZED, otherKey: FORBIDDEN, otherIds: NOT_FOUND },
  'GET /admin/:tenant/awards/:id/certificate.png': {
    anonymous: UNAUTHORIZED,
    otherKey: FORBIDDEN,
    otherIds: NOT_FOUND,
  },
  'POST /admin/:tenant/awards/:id/approve': {
    anonymous: UNAUTHORIZED,
    otherKey: FORBIDDEN,
    otherIds: NOT_FOUND,
    wrongType: NOT_JSON,
  },
  'POST /admin/:tenant/awards/:id/offers': {
    anonymous: UNAUTHORIZED,
    otherKey: FORBIDDEN,
    otherIds: NOT_FOUND,
    wrongType: NOT_JSON,
  },
  'GET /admin/:tenant/credentials': { anonymous: UNAUTHORIZED, otherKey: FORBIDDEN },
  'POST /admin/:tenant/credentials/:id/revoke': {
    anonymous: UNAUTHORIZED,
    otherKey: FORBIDDEN,
    otherIds: NOT_FOUND,
    wrongType: NOT_JSON,
  },
  'POST /admin/:tenant/credentials/:id/suspend': {
    anonymous: UNAUTHORIZED,
    otherKey: FORBIDDEN,
    otherIds: NOT_FOUND,
    wrongType: NOT_JSON,
  },
  'POST /admin/:tenant/credentials/:id/unsuspend': {
    anonymous: UNAUTHORIZED,
    otherKey: FORBIDDEN,
    otherIds: NOT_FOUND,
    wrongType: NOT_JSON,
  },
  'GET /admin/:tenant/audit': { anonymous: UNAUTHORIZED, otherKey: FORBIDDEN },
  'GET /admin': {},
  'GET /ui': {},
  'GET /ui/:asset': {},
  // The learner's page answers in HTML; its status is what a stranger learns.
  'GET /:tenant/offers/:offerId/page': { otherIds: [404, 'html'] },
  // Its code form: without the page's form token it asks again (400); another tenant's offer is unknown.
  'POST /:tenant/offers/:offerId/page': { anonymous: [400, 'html'], otherIds: [404, 'html'], wrongType: [400, 'html'] },
  'GET /:tenant/offers/:offerId/certificate.png': { otherIds: NOT_FOUND },
  'GET /.well-known/openid-credential-issuer/:tenant': {},
  'GET /:tenant/.well-known/openid-credential-issuer': {},
  'GET /.well-known/oauth-authorization-server/:tenant': {},
  'GET /:tenant/.well-known/oauth-authorization-server': {},
  'GET /:tenant/.well-known/openid-configuration': {},
  'GET /.well-known/jwt-vc-issuer/:tenant': {},
  'GET /:tenant/jwks': {},
  'GET /:tenant/did.json': {},
  'GET /:tenant/alliance-registry': {},
  'GET /:tenant/status/:listId': { otherIds: NOT_FOUND },
  'GET /:tenant/offers/:offerId': { otherIds: NOT_FOUND },
  'GET /:tenant/offers/:offerId/qr.:format': { otherIds: NOT_FOUND },
  // RFC 6749 §5.2 / §4.1.2.1: a token or PAR request that is not a form is an invalid_request.
  'POST /:tenant/token': { wrongType: [400, 'invalid_request'] },
  // VCI 1.0 §7: the nonce request has no body; whatever is sent is ignored.
  'POST /:tenant/nonce': { wrongType: [200, 'c_nonce'] },
  // RFC 6750 §3.1: a resource request without or with another issuer's token → 401 invalid_token.
  'POST /:tenant/credential': {
    anonymous: [401, 'invalid_token'],
    otherKey: [401, 'invalid_token'],
    wrongType: [400, 'invalid_credential_request'],
  },
  'POST /:tenant/deferred-credential': {
    anonymous: [401, 'invalid_token'],
    otherKey: [401, 'invalid_token'],
    wrongType: [400, 'invalid_request'],
  },
  'POST /:tenant/notification': {
    anonymous: [401, 'invalid_token'],
    otherKey: [401, 'invalid_token'],
    wrongType: [400, 'invalid_notification_request'],
  },
  'POST /:tenant/par': { wrongType: [400, 'invalid_request'] },
  'GET /:tenant/authorize': {},
  'POST /:tenant/authorize/authenticate': { wrongType: [400, 'invalid_request'] },
  'POST /:tenant/authorize/decision': { wrongType: [400, 'invalid_request'] },
}

/** `status error` of an answer, for tables of mismatches that read well when a test fails. */
function outcome(res: HttpResult): string {
  if (typeof res.body === 'object' && res.body !== null) {
    return `${res.status} ${res.body.error ?? Object.keys(res.body)[0]}`
  }
  return `${res.status} ${(res.headers.get('content-type') ?? '').includes('html') ? 'html' : 'other'}`
}

describe('the walk', () => {
  it('finds every route of the issuer, and each has a line in the stranger table', () => {
    const routes = routesOf(issuer.server).map(routeKey)
    expect(routes.length).toBeGreaterThanOrEqual(40)
    expect(routes.filter((key) => !Object.hasOwn(STRANGER, key))).toEqual([])
  })
})

describe('junk in the request target, on every route', () => {
  it('junk in any path parameter → 400 naming the problem (431 from Node for 100 KB)', async () => {
    const mismatches: string[] = []
    for (const route of routesOf(issuer.server)) {
      for (const param of route.params) {
        for (const junk of PATH_JUNK) {
          const path = fillPath(route, valuesFor(route, 'uni-a'), { param, raw: junk.raw })
          const res = await sendRaw(`${issuer.url}${path}`, {
            method: route.method,
            headers: { ...credentialsFor(route), ...(hasBody(route) ? { 'content-type': 'application/json' } : {}) },
            ...(hasBody(route) ? { body: '{}' } : {}),
          })
          const expected = junk.description
            ? { status: junk.status, error: 'invalid_request', description: junk.description }
            : { status: junk.status }
          const actual = junk.description
            ? { status: res.status, error: res.body?.error, description: res.body?.error_description }
            : { status: res.status }
          if (JSON.stringify(actual) !== JSON.stringify(expected)) {
            mismatches.push(`${routeKey(route)} :${param} ${junk.name} → ${JSON.stringify(actual)}`)
          }
        }
      }
    }
    expect(mismatches).toEqual([])
  }, 120_000)

  it('a control character in any query parameter → 400 naming it; a 100 KB query → 431', async () => {
    const mismatches: string[] = []
    for (const route of routesOf(issuer.server)) {
      const path = fillPath(route, valuesFor(route, 'uni-a'))
      for (const [query, expected] of [
        ['?request_uri=%00', "400 the query parameter 'request_uri' holds a control character"],
        ['?lang=en%0D%0ASet-Cookie:x', "400 the query parameter 'lang' holds a control character"],
        [`?q=${'a'.repeat(100_000)}`, '431 '],
      ] as const) {
        const res = await sendRaw(`${issuer.url}${path}${query}`, {
          method: route.method,
          headers: credentialsFor(route),
        })
        const actual = `${res.status} ${res.body?.error_description ?? ''}`
        if (actual !== expected) mismatches.push(`${routeKey(route)} ${query.slice(0, 30)} → ${actual}`)
      }
    }
    expect(mismatches).toEqual([])
  }, 120_000)

  // The exact answers of issue 12 §5's examples, as a client sees them.
  it('GET /uni-a/offers/%00 and GET /%ff/did.json → 400 invalid_request, no-store, logged as a warning', async () => {
    warnLog.mockClear()
    expectError(
      await sendRaw(`${issuer.url}/uni-a/offers/%00`, { method: 'GET' }),
      400,
      'invalid_request',
      /^a path segment holds a control character \(U\+0000\)$/,
    )
    expectError(
      await sendRaw(`${issuer.url}/%ff/did.json`, { method: 'GET' }),
      400,
      'invalid_request',
      /^the path is not valid percent-encoded UTF-8$/,
    )
    expect(warnLog).toHaveBeenCalledWith({ code: 'invalid_request', status: 400 }, expect.any(String))
  })
})

describe('junk in the body, on every route that reads one', () => {
  const bodyRoutes = () => routesOf(issuer.server).filter(hasBody)

  async function walkBodies(
    send: (route: AppRoute, url: string) => Promise<HttpResult>,
    expected: (route: AppRoute) => string,
  ): Promise<string[]> {
    const mismatches: string[] = []
    for (const route of bodyRoutes()) {
      const url = `${issuer.url}${fillPath(route, valuesFor(route, 'uni-a'))}${queryFor(route)}`
      const res = await send(route, url)
      const actual = `${res.status} ${res.body?.error} ${res.body?.error_description}`
      if (actual !== expected(route)) mismatches.push(`${routeKey(route)} → ${actual}`)
    }
    return mismatches
  }

  it('a body that does not match its Content-Encoding (gzip, deflate, br) → 400 naming the coding', async () => {
    for (const { coding, body } of ENCODING_JUNK) {
      for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
        const mismatches = await walkBodies(
          (route, url) =>
            sendRaw(url, {
              method: route.method,
              headers: { ...credentialsFor(route), 'content-type': type, 'content-encoding': coding },
              body,
            }),
          () => `400 invalid_request the request body is not valid '${coding}' data (its Content-Encoding)`,
        )
        expect(mismatches, `${coding} as ${type}`).toEqual([])
      }
    }
  }, 120_000)

  it('an unknown Content-Encoding → 415', async () => {
    const mismatches = await walkBodies(
      (route, url) =>
        sendRaw(url, {
          method: route.method,
          headers: { ...credentialsFor(route), 'content-type': 'application/json', 'content-encoding': 'x-junk' },
          body: '{}',
        }),
      () => '415 unsupported_media_type unsupported body encoding',
    )
    expect(mismatches).toEqual([])
  })

  it('a decompression bomb (a small body inflating past the limit) → 413, cut off while inflating', async () => {
    const limit = issuer.ctx.config.bodyLimitBytes
    for (const { coding, body } of decompressionBombs(limit * 4)) {
      expect(body.length).toBeLessThan(limit / 50)
      const mismatches = await walkBodies(
        (route, url) =>
          sendRaw(url, {
            method: route.method,
            headers: { ...credentialsFor(route), 'content-type': 'application/json', 'content-encoding': coding },
            body,
          }),
        () => '413 payload_too_large the request body is too large',
      )
      expect(mismatches, coding).toEqual([])
    }
  }, 120_000)

  it('JSON with a duplicate member → 400 naming the member, before anything else is read', async () => {
    const mismatches = await walkBodies(
      (route, url) =>
        sendRaw(url, {
          method: route.method,
          headers: { ...credentialsFor(route), 'content-type': 'application/json' },
          body: '{"txCode":false,"txCode":true}',
        }),
      () => "400 invalid_request the request body is not valid JSON: duplicate member 'txCode'",
    )
    expect(mismatches).toEqual([])
  })

  it('a NUL or a lone surrogate in any JSON string or form value → 400 naming the field', async () => {
    for (const [type, body, description] of [
      ['application/json', '{"a":{"b":["ok","x\\u0000"]}}', 'a.b[1] holds a NUL character (U+0000)'],
      ['application/json', '{"name":"Ana\\ud800"}', 'name holds a lone surrogate (ill-formed UTF-16)'],
      ['application/x-www-form-urlencoded', 'issuer_state=%00', 'issuer_state holds a NUL character (U+0000)'],
    ] as const) {
      const mismatches = await walkBodies(
        (route, url) =>
          sendRaw(url, {
            method: route.method,
            headers: { ...credentialsFor(route), 'content-type': type },
            body,
          }),
        () => `400 invalid_request ${description}`,
      )
      expect(mismatches, body).toEqual([])
    }
  })
})

describe('strangers: no credentials, someone else’s key, someone else’s ids, the wrong content type', () => {
  async function walkTable(
    kind: 'anonymous' | 'otherKey' | 'otherIds' | 'wrongType',
    send: (route: AppRoute) => Promise<HttpResult>,
  ): Promise<string[]> {
    const mismatches: string[] = []
    for (const route of routesOf(issuer.server)) {
      const expected = STRANGER[routeKey(route)]?.[kind]
      if (!expected) continue
      const res = await send(route)
      const actual = outcome(res)
      if (actual !== `${expected[0]} ${expected[1]}`) mismatches.push(`${routeKey(route)} → ${actual}`)
      if (res.status >= 500) mismatches.push(`${routeKey(route)} → 5xx`)
    }
    return mismatches
  }
  const url = (route: AppRoute, tenant: 'uni-a' | 'uni-b' = 'uni-a') =>
    `${issuer.url}${fillPath(route, valuesFor(route, tenant))}${queryFor(route)}`
  const jsonBody = (route: AppRoute) =>
    hasBody(route) ? { 'content-type': 'application/json' as string, body: '{}' } : undefined

  it('no credentials → 401 wherever credentials are needed', async () => {
    const mismatches = await walkTable('anonymous', (route) => {
      const body = jsonBody(route)
      return sendRaw(url(route), {
        method: route.method,
        headers: body ? { 'content-type': body['content-type'] } : {},
        ...(body ? { body: body.body } : {}),
      })
    })
    expect(mismatches).toEqual([])
  })

  it("another tenant's admin key or access token → 403 (admin) or 401 invalid_token (wallet)", async () => {
    const mismatches = await walkTable('otherKey', (route) => {
      const body = jsonBody(route)
      return sendRaw(url(route), {
        method: route.method,
        headers: { ...credentialsFor(route, 'uni-b'), ...(body ? { 'content-type': body['content-type'] } : {}) },
        ...(body ? { body: body.body } : {}),
      })
    })
    expect(mismatches).toEqual([])
  })

  it("another tenant's ids under this tenant's path → 404, and nothing of theirs changes", async () => {
    const before = await issuer.store.issuedCredentials.get('uni-b', ids['uni-b'].credentialId)
    const mismatches = await walkTable('otherIds', (route) => {
      const body = jsonBody(route)
      return sendRaw(url(route, 'uni-b'), {
        method: route.method,
        headers: { ...credentialsFor(route), ...(body ? { 'content-type': body['content-type'] } : {}) },
        ...(body ? { body: body.body } : {}),
      })
    })
    expect(mismatches).toEqual([])
    expect(before?.state).toBe('valid')
    expect(await issuer.store.issuedCredentials.get('uni-b', ids['uni-b'].credentialId)).toEqual(before)
  })

  it('a body of the wrong content type → the exact 4xx of each endpoint', async () => {
    const mismatches = await walkTable('wrongType', (route) =>
      sendRaw(url(route), {
        method: route.method,
        headers: { ...credentialsFor(route), 'content-type': 'text/plain' },
        body: 'hello',
      }),
    )
    expect(mismatches).toEqual([])
  })

  it("another tenant's pre-authorized code at this tenant's token endpoint → 400 invalid_grant", async () => {
    const offer = await issuer.offer({ tenant: 'uni-b' })
    const res = await client.token('uni-a', client.preAuthorizedParams(offer))
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 400, error: 'invalid_grant' })
    expect((await client.offerState(offer.offer.id, 'uni-b')).state).toBe('offered')
  })
})

// Issue 12 §5's admin cases, each asserting the exact rejection and that nothing was stored.
describe('admin input hygiene', () => {
  const ana = readExample<{ learner: Record<string, unknown> }>('awards/ana-andromeda.json')

  async function admin(path: string, body: string, method = 'POST'): Promise<HttpResult> {
    return sendRaw(`${issuer.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${keys['uni-a']}`, 'content-type': 'application/json' },
      body,
    })
  }
  const awardCount = async () => (await issuer.store.awards.search('uni-a', { limit: 1 })).total

  it('{"txCode":false,"txCode":true} → 400 naming txCode, no offer made (it was read last-wins)', async () => {
    const before = await issuer.store.offers.listByAward('uni-a', ids['uni-a'].awardId)
    const res = await admin(`/admin/uni-a/awards/${ids['uni-a'].awardId}/offers`, '{"txCode":false,"txCode":true}')
    expectError(res, 400, 'invalid_request', /^the request body is not valid JSON: duplicate member 'txCode'$/)
    expect(await issuer.store.offers.listByAward('uni-a', ids['uni-a'].awardId)).toEqual(before)
  })

  it('a learner name with a control character → 400 invalid_input naming the field, nothing stored', async () => {
    const before = await awardCount()
    const award = { ...ana, learner: { ...ana.learner, givenName: 'Ana\u0007' } }
    const res = await admin('/admin/uni-a/awards', JSON.stringify({ specificationId: COURSE_ID, award }))
    expect({ status: res.status, body: res.body }).toEqual({
      status: 400,
      body: {
        error: 'invalid_input',
        error_description: expect.stringContaining('award.learner.givenName: must not hold a control character'),
        issues: [{ path: 'award.learner.givenName', message: 'must not hold a control character (U+0007)' }],
      },
    })
    expect(await awardCount()).toBe(before)
  })

  it('a lone surrogate in a learner name → 400 naming the field, never "breaks a constraint of the store"', async () => {
    const before = await awardCount()
    const award = JSON.stringify({ ...ana, learner: { ...ana.learner, givenName: 'ANA' } }).replace(
      '"ANA"',
      '"Ana\\udc00"',
    )
    const res = await admin('/admin/uni-a/awards', `{"specificationId":"${COURSE_ID}","award":${award}}`)
    expectError(res, 400, 'invalid_request', /^award\.learner\.givenName holds a lone surrogate \(ill-formed UTF-16\)$/)
    expect(await awardCount()).toBe(before)
  })

  it('a revocation reason with a control character → 400 naming reason, the credential unchanged', async () => {
    const id = encodeURIComponent(ids['uni-a'].credentialId)
    const res = await admin(`/admin/uni-a/credentials/${id}/revoke`, JSON.stringify({ reason: 'oops\u001b[2J' }))
    expect({ status: res.status, error: res.body.error, issues: res.body.issues }).toEqual({
      status: 400,
      error: 'invalid_input',
      issues: [{ path: 'reason', message: 'must not hold a control character (U+001B)' }],
    })
    expect((await issuer.store.issuedCredentials.get('uni-a', ids['uni-a'].credentialId))?.state).toBe('valid')
  })

  it('a cohort CSV that does not match its Content-Encoding → 400, read by the endpoint itself', async () => {
    const res = await sendRaw(`${issuer.url}/admin/uni-a/awards/cohort?specificationId=${COURSE_ID}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys['uni-a']}`, 'content-type': 'text/csv', 'content-encoding': 'gzip' },
      body: 'givenName,familyName\nAna,Andromeda\n',
    })
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 400, error: 'invalid_request' })
  })
})

describe('form bodies', () => {
  it('more form parameters than the reader takes → 400 naming it (was an unmapped 413 → 500)', async () => {
    const body = Array.from({ length: 150 }, (_, i) => `p${i}=x`).join('&')
    const res = await sendRaw(`${issuer.url}/uni-a/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    })
    expectError(res, 400, 'invalid_request', /^too many form parameters$/)
  })
})

describe('PAR with junk (issue 12 §5: issuer_state=%00 answered 500)', () => {
  it('issuer_state=%00 → 400 naming issuer_state, logged as a warning', async () => {
    const res = await sendRaw(`${issuer.url}/uni-a/par`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'issuer_state=%00&client_id=wallet&response_type=code&code_challenge=abc&code_challenge_method=S256&redirect_uri=https%3A%2F%2Fwallet.example%2Fcb',
    })
    expectError(res, 400, 'invalid_request', /^issuer_state holds a NUL character \(U\+0000\)$/)
  })
})
