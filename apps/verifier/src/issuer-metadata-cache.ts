// The JWT VC Issuer Metadata of SD-JWT VC issuers (SD-JWT VC §5), looked up for issuer trust
// (issue 12 §1) through the SSRF guard, with a cache: an issuer's keys change on rotation only, and
// an issuer seen publishing them is remembered, so that its metadata turning unreachable later
// fails closed instead of passing as "not published".
import { type FetchIssuerDocument, type JwtVcIssuerKeys, lookUpJwtVcIssuerKeys } from '@alma/trust'

export interface JwtVcIssuerKeysLookupOptions {
  /** Fetches through the SSRF guard (the verifier's `fetchText`); a throw is a failure to get the document. */
  readonly fetchDocument: FetchIssuerDocument
  /** Milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number
  /** How long published keys, or an answer that there are none, are reused; default 5 minutes. */
  readonly ttlMs?: number
  /** How long an issuer seen publishing keys is remembered as one that does; default 30 days. */
  readonly rememberPublisherMs?: number
  /** At most this many issuers are kept in each map (the oldest go first); default 10,000. */
  readonly maxEntries?: number
}

/** Options of one lookup. */
export interface JwtVcIssuerKeysRequest {
  /**
   * Fetch again unless the cached answer was fetched less than this long ago — after a key was not
   * found among cached keys (the issuer may have rotated), without letting every forged credential
   * make us fetch: at most one refetch per issuer per this interval.
   */
  readonly refreshIfOlderThanMs?: number
}

/** The lookup {@link createJwtVcIssuerKeysLookup} makes; a refetch answers with a new object. */
export type JwtVcIssuerKeysLookup = (iss: string, request?: JwtVcIssuerKeysRequest) => Promise<JwtVcIssuerKeys>

/**
 * A lookup of an issuer's published keys for {@link VerificationDeps.jwtVcIssuerKeys}.
 * `published` and `not-published` answers are reused for `ttlMs`; `invalid` for a tenth of it;
 * `unreachable` never (the next verification asks again), and it is marked `knownToPublish` when
 * this issuer was seen publishing keys within `rememberPublisherMs`.
 *
 * @example
 * const jwtVcIssuerKeys = createJwtVcIssuerKeysLookup({ fetchDocument: (url, accept) => fetchText(url, accept, 256 * 1024) })
 * const keys = await jwtVcIssuerKeys('https://issuer.example/uni-a')
 */
export function createJwtVcIssuerKeysLookup(options: JwtVcIssuerKeysLookupOptions): JwtVcIssuerKeysLookup {
  const now = options.now ?? Date.now
  const ttlMs = options.ttlMs ?? 5 * 60_000
  const rememberMs = options.rememberPublisherMs ?? 30 * 24 * 3600_000
  const maxEntries = options.maxEntries ?? 10_000
  const answers = new Map<string, { startedAt: number; until: number; value: Promise<JwtVcIssuerKeys> }>()
  const publishers = new Map<string, number>()

  const bounded = <V>(map: Map<string, V>, key: string, value: V) => {
    map.delete(key)
    if (map.size >= maxEntries) map.delete(map.keys().next().value as string)
    map.set(key, value)
  }

  async function lookUp(iss: string): Promise<JwtVcIssuerKeys> {
    const found = await lookUpJwtVcIssuerKeys(iss, options.fetchDocument)
    const at = now()
    if (found.outcome === 'published') bounded(publishers, iss, at + rememberMs)
    if (found.outcome === 'unreachable') {
      answers.delete(iss)
      const remembered = publishers.get(iss)
      if (remembered !== undefined && remembered > at) return { ...found, knownToPublish: true }
      return found
    }
    const entry = answers.get(iss)
    if (entry) entry.until = at + (found.outcome === 'invalid' ? ttlMs / 10 : ttlMs)
    return found
  }

  return (iss, request = {}) => {
    const at = now()
    const cached = answers.get(iss)
    const fresh =
      request.refreshIfOlderThanMs === undefined || at - (cached?.startedAt ?? 0) < request.refreshIfOlderThanMs
    if (cached && cached.until > at && fresh) return cached.value
    const value = lookUp(iss)
    // Until it settles, concurrent verifications share the one request.
    bounded(answers, iss, { startedAt: at, until: Number.POSITIVE_INFINITY, value })
    return value
  }
}
