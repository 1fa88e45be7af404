// HTTP to URLs chosen by others (did:web documents, status lists named in credentials) behind an
// SSRF guard (security.md, "did:web, X.509, eIDAS" and "Status, persistence, operations").
export {
  GUARDED_FETCH_DEFAULT_MAX_BYTES,
  GUARDED_FETCH_DEFAULT_TIMEOUT_MS,
  GuardedFetchError,
  type GuardedFetchFailureReason,
  type GuardedFetchOptions,
  type GuardedFetchResponse,
  guardedFetch,
  isGuardedFetchError,
  type ResolvedAddress,
} from './guarded-fetch.ts'
