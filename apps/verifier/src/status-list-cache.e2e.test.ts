// The verifier's status-list cache against a real HTTP server on loopback, on the verifier's own
// clock (issue 12 §5): a copy is reused for at most statusListTtlSeconds, less when the list's own
// `ttl` (IETF Token Status List, seconds; W3C Bitstring, milliseconds) or `exp` says so, and never
// when the caller asks for a copy younger than it; each answer says when it was fetched.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestVerifier, type TestVerifier } from './testing/verifier-harness.ts'
import { statusListReuseLimit } from './verifier-context.ts'

const T0 = Date.parse('2026-12-08T10:00:00Z')
let clock = T0
let verifier: TestVerifier
let server: Server
let origin: string
/** What each path serves, and how often it was asked. */
const served = new Map<string, { body: string; hits: number }>()

/** A JWT-shaped body: the cache reads its claims unverified (the status step verifies). */
const jwt = (claims: Record<string, unknown>) =>
  ['{"alg":"ES256","typ":"statuslist+jwt"}', JSON.stringify(claims), 'sig']
    .map((part, i) => (i < 2 ? Buffer.from(part).toString('base64url') : part))
    .join('.')

function serve(path: string, claims: Record<string, unknown>) {
  served.set(path, { body: jwt(claims), hits: 0 })
  return `${origin}${path}`
}
const hits = (path: string) => served.get(path)?.hits
const at = (seconds: number) => {
  clock = T0 + seconds * 1000
}
const list = { bits: 1, lst: 'eNrbuRgAAhcBXQ' }

beforeAll(async () => {
  server = createServer((req, res) => {
    const entry = served.get(String(req.url))
    if (!entry) {
      res.writeHead(404).end()
      return
    }
    entry.hits++
    res.writeHead(200, { 'content-type': 'application/statuslist+jwt' }).end(entry.body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  verifier = await startTestVerifier({
    trustAnchors: [],
    devAllowList: [origin],
    now: () => new Date(clock),
    config: { statusListTtlSeconds: 300 },
  })
}, 60_000)
afterAll(async () => {
  await verifier?.close()
  await new Promise((resolve) => server?.close(resolve))
})

describe('status-list cache', () => {
  it('honours the Token Status List ttl below the configured 300 s, and keeps the first fetch time', async () => {
    at(0)
    const url = serve('/ttl-60', { sub: 'x', iat: T0 / 1000, ttl: 60, status_list: list })
    const first = await verifier.ctx.fetchStatusList(url)
    expect(first.fetchedAt.toISOString()).toBe('2026-12-08T10:00:00.000Z')
    at(30)
    expect((await verifier.ctx.fetchStatusList(url)).fetchedAt).toEqual(first.fetchedAt)
    expect(hits('/ttl-60')).toBe(1)
    at(61)
    expect((await verifier.ctx.fetchStatusList(url)).fetchedAt.toISOString()).toBe('2026-12-08T10:01:01.000Z')
    expect(hits('/ttl-60')).toBe(2)
  })

  it('never reuses a copy past its exp, and a ttl above the configured limit does not lengthen it', async () => {
    at(0)
    const expiring = serve('/exp-10', { sub: 'x', iat: T0 / 1000, exp: T0 / 1000 + 10, ttl: 3600, status_list: list })
    await verifier.ctx.fetchStatusList(expiring)
    at(9)
    await verifier.ctx.fetchStatusList(expiring)
    expect(hits('/exp-10')).toBe(1)
    at(11)
    await verifier.ctx.fetchStatusList(expiring)
    expect(hits('/exp-10')).toBe(2)

    at(0)
    const long = serve('/ttl-3600', { sub: 'x', iat: T0 / 1000, ttl: 3600, status_list: list })
    await verifier.ctx.fetchStatusList(long)
    at(299)
    await verifier.ctx.fetchStatusList(long)
    expect(hits('/ttl-3600')).toBe(1)
    at(301)
    await verifier.ctx.fetchStatusList(long)
    expect(hits('/ttl-3600')).toBe(2)
  })

  it('honours a W3C Bitstring Status List credential ttl (milliseconds)', async () => {
    at(0)
    const url = serve('/bitstring', {
      iss: 'did:web:x',
      vc: { credentialSubject: { type: 'BitstringStatusList', encodedList: 'u', ttl: 5000 } },
    })
    await verifier.ctx.fetchStatusList(url)
    at(4)
    await verifier.ctx.fetchStatusList(url)
    expect(hits('/bitstring')).toBe(1)
    at(6)
    await verifier.ctx.fetchStatusList(url)
    expect(hits('/bitstring')).toBe(2)
  })

  it('fetches again when the caller asks for a younger copy (maxAgeSeconds), 0 meaning always', async () => {
    at(0)
    const url = serve('/max-age', { sub: 'x', iat: T0 / 1000, ttl: 300, status_list: list })
    await verifier.ctx.fetchStatusList(url)
    at(30)
    expect((await verifier.ctx.fetchStatusList(url, { maxAgeSeconds: 100 })).fetchedAt.getTime()).toBe(T0)
    expect(hits('/max-age')).toBe(1)
    expect((await verifier.ctx.fetchStatusList(url, { maxAgeSeconds: 20 })).fetchedAt.getTime()).toBe(T0 + 30_000)
    expect(hits('/max-age')).toBe(2)
    expect((await verifier.ctx.fetchStatusList(url, { maxAgeSeconds: 0 })).fetchedAt.getTime()).toBe(T0 + 30_000)
    expect(hits('/max-age')).toBe(3)
    // The fresh copy serves the callers without a bound from now on.
    at(40)
    expect((await verifier.ctx.fetchStatusList(url)).fetchedAt.getTime()).toBe(T0 + 30_000)
    expect(hits('/max-age')).toBe(3)
  })

  it('does not remember a failure: the next check fetches again (fail closed, then recover)', async () => {
    at(0)
    const url = `${origin}/not-yet`
    await expect(verifier.ctx.fetchStatusList(url)).rejects.toThrow()
    serve('/not-yet', { sub: 'x', iat: T0 / 1000, status_list: list })
    expect((await verifier.ctx.fetchStatusList(url)).fetchedAt.getTime()).toBe(T0)
    expect(hits('/not-yet')).toBe(1)
  })
})

describe('statusListReuseLimit', () => {
  it('reads ttl and exp of both list formats, and nothing from what is not a JWT', () => {
    const fetched = T0
    expect(statusListReuseLimit(jwt({ ttl: 60, status_list: list }), fetched)).toBe(T0 + 60_000)
    expect(statusListReuseLimit(jwt({ ttl: 60, exp: T0 / 1000 + 10, status_list: list }), fetched)).toBe(T0 + 10_000)
    // ttl means seconds only in a Status List Token; the Bitstring credential's is in milliseconds.
    expect(statusListReuseLimit(jwt({ ttl: 60 }), fetched)).toBe(Number.POSITIVE_INFINITY)
    expect(statusListReuseLimit(jwt({ vc: { credentialSubject: { ttl: 1500 } } }), fetched)).toBe(T0 + 1500)
    for (const junk of ['', 'a.b', 'not base64.%%%.x', jwt({ ttl: -5, status_list: list }), jwt({ exp: 'soon' })]) {
      expect(statusListReuseLimit(junk, fetched), junk).toBe(Number.POSITIVE_INFINITY)
    }
  })
})
