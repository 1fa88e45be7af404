// The stranger's tests of the verifier (issue 12 §5 and "How we test from now on"): every route the
// app answers — read from its router, so a route added later is walked too — gets junk in every
// path parameter, the query and the body, no credentials, another relying party's key and ids,
// the wrong content type and bodies that do not match their Content-Encoding (the response_uri
// included). None may answer 5xx; each answer is the exact 4xx the table says, and nothing is
// logged at error level (a 5xx is logged there).
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { issueSealCertificate } from '@alma/trust'
import { FlattenedSign } from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { expectError, type HttpResult } from '../../issuer/src/testing/attack-kit.ts'
import { quietLog } from '../../issuer/src/testing/issuer-harness.ts'
import {
  type AppRoute,
  decompressionBombs,
  ENCODING_JUNK,
  fillPath,
  PATH_JUNK,
  routeKey,
  routesOf,
  sendRaw,
} from '../../issuer/src/testing/route-walk.ts'
import { MAX_EDC_UPLOAD_BYTES } from './edc-upload/index.ts'
import { mountVerifierWebApp } from './http/web-app.ts'
import { provisionRelyingParty } from './provision-relying-party.ts'
import { createRelyingPartyKey } from './relying-party-keys.ts'
import { startTestVerifier, type TestVerifier } from './testing/verifier-harness.ts'

const OTHER = 'acme'
let verifier: TestVerifier
let keys: Record<string, string>
/** Per relying party: a presentation request's id. */
let requestIds: Record<string, string>
const errorLog = vi.spyOn(quietLog, 'error')
const warnLog = vi.spyOn(quietLog, 'warn')

beforeAll(async () => {
  verifier = await startTestVerifier({ trustAnchors: [], routes: [mountVerifierWebApp] })
  await provisionRelyingParty(
    { store: verifier.store, keyring: verifier.ctx.keyring, baseUrl: verifier.url, ca: verifier.ca, now: new Date() },
    { id: OTHER, name: 'ACME Recruiting' },
  )
  keys = { [verifier.rpId]: verifier.apiKey, [OTHER]: (await createRelyingPartyKey(verifier.store, OTHER)).key }
  requestIds = {}
  for (const rp of [verifier.rpId, OTHER]) {
    const created = await verifier.api(
      'POST',
      `/api/${rp}/presentation-requests`,
      { template: { type: 'any-micro-credential' }, responseMode: 'direct_post' },
      keys[rp],
    )
    expect(created.status).toBe(201)
    requestIds[rp] = created.body.id
  }
}, 120_000)

afterAll(async () => {
  await verifier?.close()
})

afterEach(() => {
  // A 5xx is logged at error level; junk must be answered and logged below it.
  expect(errorLog).not.toHaveBeenCalled()
})

/** Path parameters filled with `rp`'s request, always under this relying party's path. */
function valuesFor(rp: string): Record<string, string> {
  const id = requestIds[rp] as string
  return { rp: verifier.rpId, id, file: `${id}.png` }
}

const isApi = (route: AppRoute) => route.path.startsWith('/api/:rp') || route.path.startsWith('/ui/api/:rp')
const hasBody = (route: AppRoute) => route.method !== 'GET'
const UPLOAD = 'POST /api/:rp/edc-verifications'

function credentialsFor(route: AppRoute, rp = verifier.rpId): Record<string, string> {
  return isApi(route) ? { authorization: `Bearer ${keys[rp]}` } : {}
}

type Expect = readonly [status: number, error: string]
const UNAUTHORIZED: Expect = [401, 'unauthorized']
const FORBIDDEN: Expect = [403, 'forbidden']
const NOT_FOUND: Expect = [404, 'not_found']
const WALLET_UNKNOWN: Expect = [400, 'invalid_request']

/**
 * What a stranger gets from each route: without credentials; with another relying party's API key
 * (`otherKey`); with this relying party's key but another's request id (`otherIds`); and a POST
 * body of text/plain (`wrongType`). Undefined: not applicable. A route missing here fails the walk.
 */
const STRANGER: Readonly<
  Record<string, { anonymous?: Expect; otherKey?: Expect; otherIds?: Expect; wrongType?: Expect }>
> = {
  [UPLOAD]: { anonymous: UNAUTHORIZED, otherKey: FORBIDDEN, wrongType: [415, 'unsupported_media_type'] },
  'GET /health': {},
  'GET /ui': {},
  'GET /ui/:file': {},
  'GET /ui/api/:rp/presentation-requests/:id/facts': {
    anonymous: UNAUTHORIZED,
    otherKey: FORBIDDEN,
    otherIds: NOT_FOUND,
  },
  'GET /api/openapi.json': {},
  'POST /api/:rp/presentation-requests': {
    anonymous: UNAUTHORIZED,
    otherKey: FORBIDDEN,
    wrongType: [415, 'unsupported_media_type'],
  },
  'GET /api/:rp/presentation-requests': { anonymous: UNAUTHORIZED, otherKey: FORBIDDEN },
  'GET /api/:rp/presentation-requests/:id': { anonymous: UNAUTHORIZED, otherKey: FORBIDDEN, otherIds: NOT_FOUND },
  'GET /api/:rp/presentation-requests/:id/certificate.svg': {
    anonymous: UNAUTHORIZED,
    otherKey: FORBIDDEN,
    otherIds: NOT_FOUND,
  },
  // OpenID4VP 1.0 §5.10, §8.5: the wallet-facing endpoints take no credentials and answer a wallet
  // with invalid_request; another relying party's request is unknown under this one's path.
  'GET /:rp/oid4vp/requests/:id': { otherIds: WALLET_UNKNOWN },
  'POST /:rp/oid4vp/requests/:id': { otherIds: WALLET_UNKNOWN, wrongType: [400, 'invalid_request'] },
  'POST /:rp/oid4vp/responses/:id': { otherIds: WALLET_UNKNOWN, wrongType: [400, 'invalid_request'] },
  'GET /:rp/qr/:file': { otherIds: NOT_FOUND },
  'GET /:rp/did.json': {},
}

function outcome(res: HttpResult): string {
  if (typeof res.body === 'object' && res.body !== null) {
    return `${res.status} ${res.body.error ?? Object.keys(res.body)[0]}`
  }
  return `${res.status} ${(res.headers.get('content-type') ?? '').includes('html') ? 'html' : 'other'}`
}

describe('the walk', () => {
  it('finds every route of the verifier, and each has a line in the stranger table', () => {
    const routes = routesOf(verifier.server).map(routeKey)
    expect(routes.length).toBeGreaterThanOrEqual(15)
    expect(routes.filter((key) => !Object.hasOwn(STRANGER, key))).toEqual([])
  })
})

describe('junk in the request target, on every route', () => {
  it('junk in any path parameter → 400 naming the problem (431 from Node for 100 KB)', async () => {
    const mismatches: string[] = []
    for (const route of routesOf(verifier.server)) {
      for (const param of route.params) {
        for (const junk of PATH_JUNK) {
          const path = fillPath(route, valuesFor(verifier.rpId), { param, raw: junk.raw })
          const res = await sendRaw(`${verifier.url}${path}`, {
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
    for (const route of routesOf(verifier.server)) {
      const path = fillPath(route, valuesFor(verifier.rpId))
      for (const [query, expected] of [
        ['?state=%00', "400 the query parameter 'state' holds a control character"],
        ['?lang=de%0D%0ASet-Cookie:x', "400 the query parameter 'lang' holds a control character"],
        [`?q=${'a'.repeat(100_000)}`, '431 '],
      ] as const) {
        const res = await sendRaw(`${verifier.url}${path}${query}`, {
          method: route.method,
          headers: credentialsFor(route),
        })
        const actual = `${res.status} ${res.body?.error_description ?? ''}`
        if (actual !== expected) mismatches.push(`${routeKey(route)} ${query.slice(0, 30)} → ${actual}`)
      }
    }
    expect(mismatches).toEqual([])
  }, 120_000)

  it('GET /employer/oid4vp/requests/%00 and GET /%ff/did.json → 400 invalid_request, logged as a warning', async () => {
    warnLog.mockClear()
    expectError(
      await sendRaw(`${verifier.url}/${verifier.rpId}/oid4vp/requests/%00`, { method: 'GET' }),
      400,
      'invalid_request',
      /^a path segment holds a control character \(U\+0000\)$/,
    )
    expectError(
      await sendRaw(`${verifier.url}/%ff/did.json`, { method: 'GET' }),
      400,
      'invalid_request',
      /^the path is not valid percent-encoded UTF-8$/,
    )
    expect(warnLog).toHaveBeenCalledWith({ code: 'invalid_request', status: 400 }, expect.any(String))
  })
})

describe('junk in the body, on every route that reads one', () => {
  const bodyRoutes = () => routesOf(verifier.server).filter(hasBody)

  async function walkBodies(
    routes: readonly AppRoute[],
    send: (route: AppRoute, url: string) => Promise<HttpResult>,
    expected: string,
  ): Promise<string[]> {
    const mismatches: string[] = []
    for (const route of routes) {
      const res = await send(route, `${verifier.url}${fillPath(route, valuesFor(verifier.rpId))}`)
      const actual = `${res.status} ${res.body?.error} ${res.body?.error_description}`
      if (actual !== expected) mismatches.push(`${routeKey(route)} → ${actual}`)
    }
    return mismatches
  }

  it('a body that does not match its Content-Encoding (gzip, deflate, br) → 400 naming the coding', async () => {
    for (const { coding, body } of ENCODING_JUNK) {
      for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
        const mismatches = await walkBodies(
          bodyRoutes(),
          (route, url) =>
            sendRaw(url, {
              method: route.method,
              headers: { ...credentialsFor(route), 'content-type': type, 'content-encoding': coding },
              body,
            }),
          `400 invalid_request the request body is not valid '${coding}' data (its Content-Encoding)`,
        )
        expect(mismatches, `${coding} as ${type}`).toEqual([])
      }
    }
  }, 120_000)

  it('the response_uri: a direct_post body that does not inflate → 400, the request unanswered', async () => {
    const id = requestIds[verifier.rpId] as string
    for (const { coding, body } of ENCODING_JUNK) {
      const res = await sendRaw(`${verifier.url}/${verifier.rpId}/oid4vp/responses/${id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': coding },
        body,
      })
      expectError(res, 400, 'invalid_request', /^the request body is not valid '(gzip|deflate|br)' data/)
    }
    expect((await verifier.api('GET', `/api/${verifier.rpId}/presentation-requests/${id}`)).body.state).toBe('created')
  })

  it('an unknown Content-Encoding → 415', async () => {
    const mismatches = await walkBodies(
      bodyRoutes(),
      (route, url) =>
        sendRaw(url, {
          method: route.method,
          headers: { ...credentialsFor(route), 'content-type': 'application/json', 'content-encoding': 'x-junk' },
          body: '{}',
        }),
      '415 unsupported_media_type unsupported body encoding',
    )
    expect(mismatches).toEqual([])
  })

  it('a decompression bomb (a small body inflating past the limit) → 413, cut off while inflating', async () => {
    const limit = Math.max(verifier.ctx.config.bodyLimitBytes, MAX_EDC_UPLOAD_BYTES)
    for (const { coding, body } of decompressionBombs(limit * 2)) {
      expect(body.length).toBeLessThan(limit / 50)
      const send = (route: AppRoute, url: string) =>
        sendRaw(url, {
          method: route.method,
          headers: { ...credentialsFor(route), 'content-type': 'application/json', 'content-encoding': coding },
          body,
        })
      const mismatches = await walkBodies(
        bodyRoutes().filter((route) => routeKey(route) !== UPLOAD),
        send,
        '413 payload_too_large the request body is too large',
      )
      // The EDC upload names its own cap (issue 12 §3).
      const upload = bodyRoutes().filter((route) => routeKey(route) === UPLOAD)
      expect(upload).toHaveLength(1)
      mismatches.push(
        ...(await walkBodies(
          upload,
          send,
          `413 payload_too_large the EDC file is larger than ${MAX_EDC_UPLOAD_BYTES} bytes (2 MiB), the most this verifier accepts`,
        )),
      )
      expect(mismatches, coding).toEqual([])
    }
  }, 120_000)

  // The EDC upload's body is a file, checked by its own parser (edc-upload/); the rest are requests.
  const requestRoutes = () => bodyRoutes().filter((route) => routeKey(route) !== UPLOAD)

  it('JSON with a duplicate member → 400 naming the member (the relying-party API read it last-wins)', async () => {
    const mismatches = await walkBodies(
      requestRoutes(),
      (route, url) =>
        sendRaw(url, {
          method: route.method,
          headers: { ...credentialsFor(route), 'content-type': 'application/json' },
          body: '{"template":{"type":"any-micro-credential"},"template":{"type":"eqf-ects"}}',
        }),
      "400 invalid_request the request body is not valid JSON: duplicate member 'template'",
    )
    expect(mismatches).toEqual([])
  })

  it('a NUL or a lone surrogate in any JSON string or form value → 400 naming the field', async () => {
    for (const [type, body, description] of [
      ['application/json', '{"purpose":{"en":"x\\u0000"}}', 'purpose.en holds a NUL character (U+0000)'],
      ['application/json', '{"purpose":"\\udbff"}', 'purpose holds a lone surrogate (ill-formed UTF-16)'],
      ['application/x-www-form-urlencoded', 'state=a%00b&vp_token=x', 'state holds a NUL character (U+0000)'],
    ] as const) {
      const mismatches = await walkBodies(
        requestRoutes(),
        (route, url) =>
          sendRaw(url, { method: route.method, headers: { ...credentialsFor(route), 'content-type': type }, body }),
        `400 invalid_request ${description}`,
      )
      expect(mismatches, body).toEqual([])
    }
  })

  it('the relying-party API: a duplicate member creates no presentation request', async () => {
    const before = (await verifier.api('GET', `/api/${verifier.rpId}/presentation-requests`)).body
    const res = await sendRaw(`${verifier.url}/api/${verifier.rpId}/presentation-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${verifier.apiKey}`, 'content-type': 'application/json' },
      body: '{"template":{"type":"any-micro-credential"},"responseMode":"direct_post","responseMode":"direct_post.jwt"}',
    })
    expectError(res, 400, 'invalid_request', /^the request body is not valid JSON: duplicate member 'responseMode'$/)
    expect((await verifier.api('GET', `/api/${verifier.rpId}/presentation-requests`)).body).toEqual(before)
  })
})

describe('strangers: no credentials, another relying party’s key and ids, the wrong content type', () => {
  async function walkTable(
    kind: 'anonymous' | 'otherKey' | 'otherIds' | 'wrongType',
    send: (route: AppRoute) => Promise<HttpResult>,
  ): Promise<string[]> {
    const mismatches: string[] = []
    for (const route of routesOf(verifier.server)) {
      const expected = STRANGER[routeKey(route)]?.[kind]
      if (!expected) continue
      const actual = outcome(await send(route))
      if (actual !== `${expected[0]} ${expected[1]}`) mismatches.push(`${routeKey(route)} → ${actual}`)
    }
    return mismatches
  }
  const url = (route: AppRoute, rp = verifier.rpId) => `${verifier.url}${fillPath(route, valuesFor(rp))}`
  const withJson = (route: AppRoute, headers: Record<string, string>) =>
    hasBody(route)
      ? { method: route.method, headers: { ...headers, 'content-type': 'application/json' }, body: '{}' }
      : { method: route.method, headers }

  it('no credentials → 401 wherever an API key is needed', async () => {
    expect(await walkTable('anonymous', (route) => sendRaw(url(route), withJson(route, {})))).toEqual([])
  })

  it("another relying party's API key → 403", async () => {
    const mismatches = await walkTable('otherKey', (route) =>
      sendRaw(url(route), withJson(route, credentialsFor(route, OTHER))),
    )
    expect(mismatches).toEqual([])
  })

  it("another relying party's request id under this one's path → not found, and theirs is untouched", async () => {
    const mismatches = await walkTable('otherIds', (route) =>
      sendRaw(url(route, OTHER), withJson(route, credentialsFor(route))),
    )
    expect(mismatches).toEqual([])
    const theirs = await verifier.api(
      'GET',
      `/api/${OTHER}/presentation-requests/${requestIds[OTHER]}`,
      undefined,
      keys[OTHER],
    )
    expect(theirs.body.state).toBe('created')
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

  it("an id that never existed answers as another relying party's does: no oracle of what exists elsewhere", async () => {
    const unknown = randomBytes(18).toString('base64url')
    const mismatches = await walkTable('otherIds', (route) =>
      sendRaw(
        `${verifier.url}${fillPath(route, { rp: verifier.rpId, id: unknown, file: `${unknown}.svg` })}`,
        withJson(route, credentialsFor(route)),
      ),
    )
    expect(mismatches).toEqual([])
  })
})

describe('relying-party API input hygiene', () => {
  it('a label with a control character → 400 invalid_input naming label, nothing created', async () => {
    const before = (await verifier.api('GET', `/api/${verifier.rpId}/presentation-requests`)).body
    const res = await verifier.api('POST', `/api/${verifier.rpId}/presentation-requests`, {
      template: { type: 'any-micro-credential' },
      label: 'Hiring\u001b[2J round',
    })
    expect(res).toMatchObject({
      status: 400,
      body: {
        error: 'invalid_input',
        issues: [{ path: 'label', message: 'must not hold a control character (U+001B)' }],
      },
    })
    expect((await verifier.api('GET', `/api/${verifier.rpId}/presentation-requests`)).body).toEqual(before)
  })
})

describe('the EDC upload with a seal over junk', () => {
  it('a seal whose base64url payload is not UTF-8 → 200 with the file check failed, not 500', async () => {
    // The signature checks out (the sealer signed exactly these bytes); the bytes are no text.
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const certificate = await issueSealCertificate(verifier.ca, {
      publicKey,
      organizationName: 'Junk Sealer',
      commonName: 'JUNK SEAL',
      country: 'DE',
      organizationIdentifier: 'VATDE-000000000',
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 86_400_000),
    })
    const jws = await new FlattenedSign(Buffer.from('{"a":"\xff"}', 'latin1'))
      .setProtectedHeader({ alg: 'ES256', x5c: certificate.x5c })
      .sign(privateKey)
    const res = await sendRaw(`${verifier.url}/api/${verifier.rpId}/edc-verifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${verifier.apiKey}`, 'content-type': 'application/jose+json' },
      body: JSON.stringify({
        payload: jws.payload,
        signatures: [{ protected: jws.protected, signature: jws.signature }],
      }),
    })
    expect(res.status).toBe(200)
    expect(res.body.verdict).toBe('failed')
    expect(res.body.checks.find((c: { id: string }) => c.id === 'file')).toMatchObject({
      status: 'ERROR',
      reason: 'the sealed payload is not UTF-8 text (RFC 8259 §8.1)',
    })
  })
})
