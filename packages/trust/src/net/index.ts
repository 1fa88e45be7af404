// HTTP to URLs chosen by others (did:web documents, status lists named in credentials, webhook
// receivers) behind an SSRF guard (security.md, "did:web, X.509, eIDAS" and "Status, persistence,
// operations").
export {
  checkGuardedTarget,
  GUARDED_FETCH_DEFAULT_MAX_BYTES,
  GUARDED_FETCH_DEFAULT_TIMEOUT_MS,
  GuardedFetchError,
  type GuardedFetchFailureReason,
  type GuardedFetchOptions,
  type GuardedFetchResponse,
  type GuardedTargetOptions,
  guardedFetch,
  isGuardedFetchError,
  type ResolvedAddress,
} from './guarded-fetch.ts'
export { isLoopbackHttp } from './loopback-http.ts'
export { createRateLimiter, type RateLimiter, type RateLimitOptions } from './rate-limit.ts'
export {
  bodyReaderProblem,
  checkBodyText,
  checkQuery,
  checkRequestPath,
  isRequestInputError,
  MAX_JSON_BODY_DEPTH,
  MAX_PATH_SEGMENT_LENGTH,
  parseJsonRequestBody,
  quoteForDescription,
  RequestInputError,
  type RequestInputErrorCode,
} from './request-input.ts'
