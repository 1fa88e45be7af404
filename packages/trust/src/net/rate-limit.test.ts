import { describe, expect, it } from 'vitest'
import { createRateLimiter } from './rate-limit.ts'

describe('createRateLimiter', () => {
  it('allows a burst, then names the seconds until the next token, per key', () => {
    let now = 0
    const limiter = createRateLimiter({ burst: 2, perSecond: 0.5, clock: () => now })
    expect(limiter.take('a')).toBeUndefined()
    expect(limiter.take('a')).toBeUndefined()
    expect(limiter.take('a')).toBe(2)
    expect(limiter.take('b')).toBeUndefined()
    now = 2000
    expect(limiter.take('a')).toBeUndefined()
    expect(limiter.take('a')).toBe(2)
  })
})
