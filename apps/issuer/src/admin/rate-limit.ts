// The admin API's rate limits: the token bucket of @alma/trust (shared with the verifier), per
// API key on every endpoint and per tenant on the expensive ones (issue 12 §3).
import type { RateLimitOptions } from '@alma/trust'

export { createRateLimiter, type RateLimiter, type RateLimitOptions } from '@alma/trust'

/**
 * Generous: bulk integrations create thousands of offers in a row; the limit is there to slow a
 * leaked key or a runaway script, not to shape normal use.
 */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 2000, perSecond: 200 }

/**
 * Per tenant, on the endpoints whose work runs on the ELM workers (an award's EDC and certificate
 * pages, the Annex I check, certificate images): one tenant's script cannot keep the shared
 * threads busy for every other tenant. The admin app's live checklist asks at most ~3 times a
 * second while someone types; a bulk award goes through a cohort.
 */
export const EXPENSIVE_RATE_LIMIT: RateLimitOptions = { burst: 60, perSecond: 5 }
