// Rate limits per relying party on the verifier's expensive endpoints (issue 12 §3): one relying
// party's script cannot keep the shared threads and the store busy for every other. The token
// bucket is @alma/trust's, shared with the issuer's admin API; per process (security.md, "Rate
// limits return 429").
import { createRateLimiter, type RateLimiter, type RateLimitOptions } from '@alma/trust'

export interface VerifierRateLimits {
  /** `POST /api/{rp}/edc-verifications`: each is a SHACL validation on an ELM worker (~0.5 s of a core). */
  readonly edcVerifications: RateLimitOptions
  /** `POST /api/{rp}/presentation-requests`: a fresh encryption key, a stored request and two QR codes each. */
  readonly presentationRequests: RateLimitOptions
}

/**
 * Uploads are verified by people or by a batch that can wait a second; presentation requests
 * follow a relying party's visitors and stay generous (`pnpm bench:verifier` runs ~90/s with one
 * relying party).
 */
export const DEFAULT_VERIFIER_RATE_LIMITS: VerifierRateLimits = {
  edcVerifications: { burst: 30, perSecond: 1 },
  presentationRequests: { burst: 600, perSecond: 200 },
}

export type VerifierRateLimiters = { readonly [K in keyof VerifierRateLimits]: RateLimiter }

export function createVerifierRateLimiters(limits: Partial<VerifierRateLimits> = {}): VerifierRateLimiters {
  return {
    edcVerifications: createRateLimiter(limits.edcVerifications ?? DEFAULT_VERIFIER_RATE_LIMITS.edcVerifications),
    presentationRequests: createRateLimiter(
      limits.presentationRequests ?? DEFAULT_VERIFIER_RATE_LIMITS.presentationRequests,
    ),
  }
}
