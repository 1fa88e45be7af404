import { GuardedFetchError } from '@alma/trust'
import { describe, expect, it } from 'vitest'
import { createJwtVcIssuerKeysLookup } from './issuer-metadata-cache.ts'

const ISS = 'https://issuer.example/uni-a'
const URL_OF_METADATA = 'https://issuer.example/.well-known/jwt-vc-issuer/uni-a'
const KEY = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }

/** An issuer whose answer the test changes; counts the fetches of the metadata. */
function issuerServer() {
  const state = {
    answer: 'metadata' as 'metadata' | 'missing' | 'down',
    fetches: 0,
    clock: 1_000_000,
  }
  const fetchDocument = async (url: string) => {
    expect(url).toBe(URL_OF_METADATA)
    state.fetches++
    if (state.answer === 'missing') throw new GuardedFetchError('http_status', 'answered 404', { status: 404 })
    if (state.answer === 'down') throw new GuardedFetchError('timeout', 'no answer in 5000 ms')
    return JSON.stringify({ issuer: ISS, jwks: { keys: [KEY] } })
  }
  const lookUp = createJwtVcIssuerKeysLookup({ fetchDocument, now: () => state.clock, ttlMs: 60_000 })
  return { state, lookUp }
}

describe('createJwtVcIssuerKeysLookup', () => {
  it('reuses an answer for its TTL, shares one fetch between concurrent lookups, then asks again', async () => {
    const { state, lookUp } = issuerServer()
    const [a, b] = await Promise.all([lookUp(ISS), lookUp(ISS)])
    expect(a).toEqual({ outcome: 'published', url: URL_OF_METADATA, keys: [KEY] })
    expect(b).toBe(a)
    expect(state.fetches).toBe(1)
    state.clock += 59_000
    expect(await lookUp(ISS)).toBe(a)
    state.clock += 2_000
    await lookUp(ISS)
    expect(state.fetches).toBe(2)
  })

  it('remembers an issuer that published keys: its metadata going dark is unreachable and known to publish', async () => {
    const { state, lookUp } = issuerServer()
    await lookUp(ISS)
    state.answer = 'down'
    state.clock += 61_000
    expect(await lookUp(ISS)).toEqual({
      outcome: 'unreachable',
      url: URL_OF_METADATA,
      reason: 'no answer in 5000 ms',
      knownToPublish: true,
    })
    // Failures are not cached: the next verification asks again.
    await lookUp(ISS)
    expect(state.fetches).toBe(3)
  })

  it('an issuer never seen publishing: unreachable is not known to publish; no metadata is not-published', async () => {
    const { state, lookUp } = issuerServer()
    state.answer = 'down'
    expect(await lookUp(ISS)).toEqual({ outcome: 'unreachable', url: URL_OF_METADATA, reason: 'no answer in 5000 ms' })
    state.answer = 'missing'
    expect(await lookUp(ISS)).toEqual({ outcome: 'not-published', url: URL_OF_METADATA, reason: 'answered 404' })
  })

  it('refetches on request at most once per interval: a stream of unknown keys is not a stream of fetches', async () => {
    const { state, lookUp } = issuerServer()
    const first = await lookUp(ISS)
    state.clock += 10_000
    expect(await lookUp(ISS, { refreshIfOlderThanMs: 30_000 })).toBe(first)
    expect(state.fetches).toBe(1)
    state.clock += 21_000
    const second = await lookUp(ISS, { refreshIfOlderThanMs: 30_000 })
    expect(second).not.toBe(first)
    expect(state.fetches).toBe(2)
    expect(await lookUp(ISS, { refreshIfOlderThanMs: 30_000 })).toBe(second)
    expect(state.fetches).toBe(2)
  })
})
