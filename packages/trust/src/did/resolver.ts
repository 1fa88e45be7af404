import { type DIDResolutionResult, type DIDResolver, Resolver } from 'did-resolver'
import { TrustError } from '../errors.ts'
import { resolveDidJwk } from './did-jwk.ts'
import { resolveDidKey } from './did-key.ts'
import { type DidWebFetchOptions, failedResolution, fetchDidWebDocument } from './fetch-did-web.ts'

/** Options of {@link createDidResolver}. */
export interface DidResolverOptions extends DidWebFetchOptions {
  /**
   * The did:web DIDs that may be resolved at all (a list, or a predicate such as "is an active member
   * of a trusted alliance"). Required in production: security.md, "only configured (allow-listed)
   * DIDs are resolved in production".
   */
  readonly allowedDids?: readonly string[] | ((did: string) => boolean)
  /** How long a resolved did:web document is reused; default 5 minutes. Failures are not cached. */
  readonly cacheTtlMs?: number
  /** At most this many cached documents (oldest evicted first); default 1000. */
  readonly cacheMaxEntries?: number
  /** The clock for the cache; injectable for tests. */
  readonly now?: () => number
}

interface CacheEntry {
  readonly result: DIDResolutionResult
  readonly expires: number
}

/**
 * A `did-resolver` Resolver for verifiers: did:web through our SSRF guard with a TTL cache, and
 * did:key and did:jwk computed locally. Failures are results with `didResolutionMetadata.error`
 * (`invalidDid`, `notFound`), a `reason` code and a `message`.
 *
 * @example
 * ```ts
 * const resolver = createDidResolver({ mode: 'production', allowedDids: (did) => registry.has(did) })
 * const { didDocument, didResolutionMetadata } = await resolver.resolve('did:web:uni-a.example')
 * ```
 */
export function createDidResolver(options: DidResolverOptions = {}): Resolver {
  const mode = options.mode ?? 'production'
  if (mode === 'production' && (options.devAllowList?.length ?? 0) > 0) {
    throw new TrustError(
      'config_invalid',
      'did resolution: devAllowList is for development only; remove it in production',
    )
  }
  if (mode === 'production' && options.allowedDids === undefined) {
    throw new TrustError(
      'config_invalid',
      'did resolution: production needs allowedDids (the did:web DIDs that may be resolved), per security.md',
    )
  }
  const ttl = options.cacheTtlMs ?? 5 * 60_000
  const maxEntries = options.cacheMaxEntries ?? 1000
  const now = options.now ?? Date.now
  const allowed = options.allowedDids
  const isAllowed =
    allowed === undefined
      ? () => true
      : typeof allowed === 'function'
        ? allowed
        : (did: string) => allowed.includes(did)
  const cache = new Map<string, CacheEntry>()
  const inFlight = new Map<string, Promise<DIDResolutionResult>>()
  const fetchOptions: DidWebFetchOptions = { ...options, mode }

  const web: DIDResolver = async (did, parsed) => {
    if (!isAllowed(did)) {
      return failedResolution('notFound', 'not_allowed', `${did} is not among the DIDs this deployment resolves`)
    }
    const noCache = parsed.params?.['no-cache'] === 'true'
    const hit = cache.get(did)
    if (hit && !noCache) {
      if (hit.expires > now()) return hit.result
      cache.delete(did)
    }
    let pending = inFlight.get(did)
    if (!pending) {
      pending = fetchDidWebDocument(did, fetchOptions).finally(() => inFlight.delete(did))
      inFlight.set(did, pending)
    }
    const result = await pending
    if (result.didDocument && !result.didResolutionMetadata.error) {
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string)
      cache.set(did, { result, expires: now() + ttl })
    }
    return result
  }
  const key: DIDResolver = (did) => resolveDidKey(did)
  const jwk: DIDResolver = (did) => resolveDidJwk(did)
  return new Resolver({ web, key, jwk })
}
