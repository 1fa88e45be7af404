// A token bucket per API key, in memory. It is per process: behind a load balancer with N
// processes a key gets up to N times the rate; a shared limiter (the proxy, or the database)
// is the production answer (security.md, "Rate limits return 429").

export interface RateLimitOptions {
  /** Requests a key may send at once (the bucket's size). */
  readonly burst: number
  /** Tokens added per second. */
  readonly perSecond: number
  /** Milliseconds, monotonic; `performance.now` by default. */
  readonly clock?: () => number
}

/**
 * Generous: bulk integrations create thousands of offers in a row; the limit is there to slow a
 * leaked key or a runaway script, not to shape normal use.
 */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 2000, perSecond: 200 }

export interface RateLimiter {
  /** Takes one token: `undefined` when allowed, else the seconds to wait (for `Retry-After`). */
  take(key: string): number | undefined
}

export function createRateLimiter(options: RateLimitOptions = DEFAULT_RATE_LIMIT): RateLimiter {
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
