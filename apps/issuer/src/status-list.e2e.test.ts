// The served status lists over HTTP on the issuer's own clock: a list signed once per version is
// signed again once its copy is older than its ttl, so a list that does not change for a day is
// never served past its own `exp` (a verifier refuses an expired Status List Token and fails
// closed); an unchanged copy within its ttl is the same representation (ETag, 304).
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { STATUS_LIST_TTL_SECONDS } from './http/status-list.ts'
import { startTestIssuer, type TestIssuer } from './testing/issuer-harness.ts'

const T0 = Date.now()
let clock = T0
let issuer: TestIssuer

beforeAll(async () => {
  issuer = await startTestIssuer({ now: () => new Date(clock) })
}, 60_000)
afterAll(async () => {
  await issuer?.close()
})

describe('GET /{tenant}/status/{list}', () => {
  it('re-signs a list whose copy outlived its ttl: a day without changes is never served expired', async () => {
    const list = await issuer.ctx.currentStatusList('uni-a', 'token')
    const url = `${issuer.url}/uni-a/status/${list.id}`
    const first = await fetch(url)
    expect(first.status).toBe(200)
    expect(first.headers.get('content-type')).toMatch(/^application\/statuslist\+jwt/)
    const etag = String(first.headers.get('etag'))
    const token = await first.text()
    expect(decodeProtectedHeader(token).typ).toBe('statuslist+jwt')
    const claims = decodeJwt(token) as { iat: number; exp: number; ttl: number }
    expect(claims.ttl).toBe(STATUS_LIST_TTL_SECONDS)
    expect(claims.exp).toBeGreaterThan(claims.iat)

    // Within its ttl: the same signed copy, and a conditional request is answered 304.
    clock = T0 + (STATUS_LIST_TTL_SECONDS - 1) * 1000
    const again = await fetch(url)
    expect(again.headers.get('etag')).toBe(etag)
    expect(await again.text()).toBe(token)
    expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304)

    // A day and more later, unchanged: signed again, valid now, a new representation.
    clock = (claims.exp + 3600) * 1000
    const later = await fetch(url, { headers: { 'if-none-match': etag } })
    expect(later.status).toBe(200)
    expect(later.headers.get('etag')).not.toBe(etag)
    const renewed = decodeJwt(await later.text()) as { iat: number; exp: number }
    expect(renewed.iat).toBeGreaterThan(claims.iat)
    expect(renewed.exp * 1000).toBeGreaterThan(clock)
  })
})
