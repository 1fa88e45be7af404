// A token bucket per key, in memory, for the HTTP APIs of the issuer (per admin API key, per
// tenant on expensive endpoints) and the verifier (per relying party on expensive endpoints). It
// is per process: behind a load balancer with N processes a key gets up to N times the rate; a
// shared limiter (the proxy, or the database) is the production answer (security.md, "Rate
// limits return 429").

export interface RateLimitOptions {
  /** Requests a key may send at once (the bucket's size). */
  readonly burst: number
  /** Tokens added per second. */
  readonly perSecond: number
  /** Milliseconds, monotonic; `performance.now` by default. */
  readonly clock?: () => number
}

export interface RateLimiter {
  /** Takes one token: `undefined` when allowed, else the seconds to wait (for `Retry-After`, RFC 9110 §10.2.3). */
  take(key: string): number | undefined
}

/**
 * @example
 * ```ts
 * const limiter = createRateLimiter({ burst: 20, perSecond: 1 })
 * const wait = limiter.take(relyingPartyId)
 * if (wait !== undefined) res.set('Retry-After', String(wait)).status(429)
 * ```
 */
export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const clock = options.clock ?? (() => performance.now())
  const buckets = new Map<string, { tokens: number; at: number }>()
  return {
    take(key) {
      const now = clock()
      // A refilled bucket is the default state: forget those now and then, so idle keys cost nothing.
      if (buckets.size > 10_000) {
        for (const [k, b] of buckets) {
          if (b.tokens + ((now - b.at) / 1000) * options.perSecond >= options.burst) buckets.delete(k)
        }
      }
      const bucket = buckets.get(key) ?? { tokens: options.burst, at: now }
      bucket.tokens = Math.min(options.burst, bucket.tokens + ((now - bucket.at) / 1000) * options.perSecond)
      bucket.at = now
      buckets.set(key, bucket)
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1
        return undefined
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / options.perSecond))
    },
  }
}
