// Everything the verifier's endpoints share, built once per process: the store, the relying
// parties' keys, the guarded DID resolver and status-list fetcher, the trust anchors.
import { createHash, hkdfSync, type KeyObject } from 'node:crypto'
import { createElmWorkers, type ElmWorkers } from '@alma/elm'
import type { ApiKeyGrant, ApiKeyRepository, Store } from '@alma/store'
import {
  ALLIANCE_REGISTRY_MEDIA_TYPE,
  combineTrustAnchors,
  guardedFetch,
  isSelfSigned,
  type JwtVcIssuerKeys,
  type Kek,
  type KeyRecord,
  type TenantKeyring,
  type TrustAnchorSource,
} from '@alma/trust'
import type { Resolvable } from 'did-resolver'
import type { VerifierConfig } from './config.ts'
import { type Logger, VerifierError } from './errors.ts'
import { createJwtVcIssuerKeysLookup, type JwtVcIssuerKeysRequest } from './issuer-metadata-cache.ts'
import { type RelyingPartySettings, relyingPartySettingsOf } from './provision-relying-party.ts'
import { createVerifierRateLimiters, type VerifierRateLimiters, type VerifierRateLimits } from './rate-limits.ts'
import { type RelyingPartyUrls, relyingPartyUrls } from './relying-party-urls.ts'
import type { TrustedListStore } from './trusted-lists/trusted-list-store.ts'
import type { FetchedStatusList, StatusListFetchOptions } from './verification/verify-presented-credential.ts'

/** The key a relying party signs request objects and webhooks with, and its certificate chain. */
export interface RelyingPartyKey {
  readonly record: KeyRecord
  readonly privateKey: KeyObject
  /** The DID URL of the key (`decentralized_identifier:` requests, webhooks). */
  readonly didUrl: string
  readonly x5c: readonly string[]
  /** `x5c` without the self-signed anchor: what request objects carry (HAIP 1.0). */
  readonly x5cWithoutAnchor: readonly string[]
}

/** OpenID4VP 1.0 §5.9.3: the client identifiers one relying party can use. */
export interface RelyingPartyClientIds {
  readonly x509_san_dns: string
  readonly x509_hash?: string
  readonly decentralized_identifier: string
}

export interface RelyingPartyRuntime {
  readonly id: string
  readonly name: string
  readonly urls: RelyingPartyUrls
  readonly settings: RelyingPartySettings
  /** The active key: new requests are bound to it (and {@link clientIds} name it); webhooks are signed with it. */
  readonly key: RelyingPartyKey
  readonly clientIds: RelyingPartyClientIds
  /**
   * Every signing key of the relying party, any state, newest first, read from the store on each
   * call (not cached with the runtime): a request object is signed with the key its request was
   * bound to, and whether that key is still usable must not be a minute stale.
   */
  signingKeys(): Promise<readonly KeyRecord[]>
  /** One of {@link signingKeys} ready to sign (its private key decrypted once per runtime). */
  openSigningKey(record: KeyRecord): RelyingPartyKey
}

export interface VerifierContext {
  readonly config: VerifierConfig
  readonly store: Store
  readonly keyring: TenantKeyring
  readonly didResolver: Resolvable
  /** PEM trust anchors for credential issuers' seal certificates; empty fails closed. */
  readonly trustAnchors: readonly string[]
  /** The EU trusted lists installed in the verifier's store, when it has one (issue 13 §5). */
  readonly trustedLists?: TrustedListStore
  /**
   * What presented credentials' issuer trust is judged against: {@link trustAnchors} and the
   * CA/QC seal services of {@link trustedLists} at the verification time. Empty fails closed.
   */
  readonly issuerTrustAnchors: TrustAnchorSource
  readonly log: Logger
  readonly now: () => Date
  /** Threads for SHACL validation of uploaded EDC files, off the request thread (issue 12 §3). */
  readonly elmWorkers: ElmWorkers
  /** Per relying party, on the expensive endpoints (rate-limits.ts). */
  readonly rateLimiters: VerifierRateLimiters
  /**
   * API-key lookups for the relying-party API, remembered for {@link API_KEY_CACHE_MS} when found
   * (a relying party polls its results; a revoked key stops working within that time).
   */
  readonly apiKeys: Pick<ApiKeyRepository, 'findByHash'>
  /** Wraps the response-encryption keys kept with each request (derived from the KEK). */
  readonly requestKeyWrappingKey: Buffer
  relyingParty(id: string): Promise<RelyingPartyRuntime>
  /** Drops the cached runtime of a relying party, so a key rotation made here is seen at once. */
  forgetRelyingParty(id: string): void
  /**
   * A status list through the SSRF guard, with the time it was fetched. A copy is reused for at
   * most `statusListTtlSeconds`, less when the list's own `ttl` or `exp` says so, and only when it
   * is no older than `maxAgeSeconds` (0: always fetch). A throw means unreachable.
   */
  fetchStatusList(url: string, options?: StatusListFetchOptions): Promise<FetchedStatusList>
  /** An alliance registry JWT through the SSRF guard (not cached: a request takes a snapshot). */
  fetchAllianceRegistry(url: string): Promise<string>
  /** An SD-JWT VC issuer's JWT VC Issuer Metadata keys through the SSRF guard, cached (issuer-metadata-cache.ts). */
  jwtVcIssuerKeys(iss: string, request?: JwtVcIssuerKeysRequest): Promise<JwtVcIssuerKeys>
}

export interface CreateVerifierContextOptions {
  readonly config: VerifierConfig
  readonly store: Store
  readonly keyring: TenantKeyring
  readonly kek: Kek
  readonly didResolver: Resolvable
  readonly trustAnchors: readonly string[]
  /** The EU trusted lists store; its anchors join {@link trustAnchors}. */
  readonly trustedLists?: TrustedListStore
  readonly log: Logger
  readonly now?: () => Date
  /** Development only: origins whose status lists may be fetched over loopback http. */
  readonly devAllowList?: readonly string[]
  /** The ELM worker threads; a pool of the default size when absent. */
  readonly elmWorkers?: ElmWorkers
  /** Per relying party; the defaults of rate-limits.ts for what is absent. */
  readonly rateLimits?: Partial<VerifierRateLimits>
}

/** OpenID4VP 1.0 §5.9.3 `x509_hash`: base64url SHA-256 of the DER leaf certificate. */
export function x509Hash(leafBase64Der: string): string {
  return createHash('sha256').update(Buffer.from(leafBase64Der, 'base64')).digest('base64url')
}

/** How long a found API key is trusted without asking the store again. */
export const API_KEY_CACHE_MS = 5_000

/**
 * How long a fetched status list may be reused, by what it says of itself (read unverified: it can
 * only shorten our own limit, never lengthen it): IETF Token Status List `ttl` (seconds, the
 * Status List Token's "ttl" claim: how long it may be cached before a fresh copy should be
 * fetched) and `exp`; a W3C Bitstring Status List credential's `credentialSubject.ttl`
 * (milliseconds, Bitstring Status List v1.0 §2.2) and `exp`. Returns an epoch-ms deadline or
 * Infinity.
 */
export function statusListReuseLimit(body: string, fetchedAtMs: number): number {
  let limit = Number.POSITIVE_INFINITY
  const parts = body.trim().split('.')
  if (parts.length !== 3) return limit
  let payload: Record<string, unknown>
  try {
    const value = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'))
    if (typeof value !== 'object' || value === null) return limit
    payload = value as Record<string, unknown>
  } catch {
    return limit
  }
  const seconds = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined)
  const exp = seconds(payload.exp)
  if (exp !== undefined) limit = Math.min(limit, exp * 1000)
  const ttl = seconds(payload.ttl)
  if (ttl !== undefined && typeof payload.status_list === 'object') limit = Math.min(limit, fetchedAtMs + ttl * 1000)
  const vc = payload.vc as { credentialSubject?: { ttl?: unknown } } | undefined
  const bitstringTtl = seconds(vc?.credentialSubject?.ttl)
  if (bitstringTtl !== undefined) limit = Math.min(limit, fetchedAtMs + bitstringTtl)
  return limit
}

const STATUS_LIST_MEDIA_TYPES = [
  'application/statuslist+jwt',
  'application/vc+jwt',
  'application/jwt',
  'application/vc+ld+json',
  'application/json',
]

export function createVerifierContext(options: CreateVerifierContextOptions): VerifierContext {
  const { config, store, keyring } = options
  const now = options.now ?? (() => new Date())
  const runtimes = new Map<string, { until: number; value: Promise<RelyingPartyRuntime> }>()
  /** Status lists by URL: when the fetch started, how long the copy may serve, the copy. */
  const statusLists = new Map<string, { startedAt: number; until: number; value: Promise<FetchedStatusList> }>()
  const grants = new Map<string, { until: number; grant: ApiKeyGrant }>()

  /** A document a credential or a relying party points at, through the SSRF guard. */
  async function fetchText(url: string, accept: readonly string[], maxBytes: number): Promise<string> {
    const response = await guardedFetch(url, {
      mode: config.mode,
      ...(options.devAllowList ? { devAllowList: options.devAllowList } : {}),
      accept,
      maxBytes,
      timeoutMs: 5000,
    })
    return response.body.toString('utf8')
  }

  async function load(id: string): Promise<RelyingPartyRuntime> {
    const tenant = await store.tenants.get(id)
    if (!tenant || tenant.config.kind !== 'relying-party') {
      throw new VerifierError('not_found', `no relying party ${id}`)
    }
    const record = await keyring.active(id)
    const urls = relyingPartyUrls(config.baseUrl, id)
    // Opened once per key and runtime: decrypting the private key and finding the anchor in the
    // chain (a certificate parse each) is not work to repeat for every request object.
    const opened = new Map<string, Omit<RelyingPartyKey, 'record'>>()
    const open = (key: KeyRecord): RelyingPartyKey => {
      if (key.tenantId !== id) {
        throw new VerifierError('server_error', 'the verifier could not handle this request', {
          internal: `key ${key.kid} of ${key.tenantId} opened for relying party ${id}`,
        })
      }
      let material = opened.get(key.kid)
      if (!material) {
        const x5c = key.x5c ?? []
        material = {
          privateKey: keyring.privateKey(key),
          didUrl: `${urls.did}#${key.kid}`,
          x5c,
          x5cWithoutAnchor: x5c.filter((cert) => !isSelfSigned(new Uint8Array(Buffer.from(cert, 'base64')))),
        }
        opened.set(key.kid, material)
      }
      // The record as given: its state is the caller's fresh reading.
      return { record: key, ...material }
    }
    const key = open(record)
    return {
      id,
      name: tenant.name,
      urls,
      settings: relyingPartySettingsOf(tenant.config),
      key,
      clientIds: {
        x509_san_dns: `x509_san_dns:${urls.host}`,
        ...(key.x5c[0] ? { x509_hash: `x509_hash:${x509Hash(key.x5c[0])}` } : {}),
        decentralized_identifier: `decentralized_identifier:${urls.did}`,
      },
      signingKeys: () => keyring.list(id),
      openSigningKey: open,
    }
  }

  return {
    config,
    store,
    keyring,
    apiKeys: {
      async findByHash(secretHash) {
        const cached = grants.get(secretHash)
        if (cached && cached.until > Date.now()) return cached.grant
        const grant = await store.apiKeys.findByHash(secretHash)
        if (grant) {
          if (grants.size >= 1000) grants.delete(grants.keys().next().value as string)
          grants.set(secretHash, { until: Date.now() + API_KEY_CACHE_MS, grant })
        } else grants.delete(secretHash)
        return grant
      },
    },
    didResolver: options.didResolver,
    trustAnchors: options.trustAnchors,
    ...(options.trustedLists ? { trustedLists: options.trustedLists } : {}),
    issuerTrustAnchors: combineTrustAnchors(
      options.trustAnchors,
      ...(options.trustedLists ? [options.trustedLists] : []),
    ),
    log: options.log,
    now,
    elmWorkers: options.elmWorkers ?? createElmWorkers(),
    rateLimiters: createVerifierRateLimiters(options.rateLimits),
    requestKeyWrappingKey: Buffer.from(
      hkdfSync('sha256', options.kek.key, 'alma', 'verifier response-encryption keys v1', 32),
    ),
    relyingParty(id) {
      const cached = runtimes.get(id)
      if (cached && cached.until > Date.now()) return cached.value
      // Reloaded after a minute: a key rotation or a settings change in another process is seen.
      const value = load(id)
      runtimes.set(id, { until: Date.now() + 60_000, value })
      // A failed load (unknown relying party) is not remembered.
      value.catch(() => runtimes.delete(id))
      return value
    },
    forgetRelyingParty(id) {
      runtimes.delete(id)
    },
    jwtVcIssuerKeys: createJwtVcIssuerKeysLookup({
      fetchDocument: (url, accept) => fetchText(url, accept, 256 * 1024),
      now: () => now().getTime(),
    }),
    async fetchAllianceRegistry(url) {
      return (await fetchText(url, [ALLIANCE_REGISTRY_MEDIA_TYPE, 'application/jwt'], 1024 * 1024)).trim()
    },
    async fetchStatusList(url, options = {}) {
      const startedAt = now().getTime()
      const cached = statusLists.get(url)
      // A relying party that asks for a fresh status (issue 12 §5) gets a copy whose fetch began
      // within its bound; 0 means a fetch of its own.
      const maxAgeMs = options.maxAgeSeconds !== undefined ? options.maxAgeSeconds * 1000 : Number.POSITIVE_INFINITY
      if (cached && cached.until > startedAt && startedAt - cached.startedAt <= maxAgeMs && maxAgeMs > 0) {
        return cached.value
      }
      const value = fetchText(url, STATUS_LIST_MEDIA_TYPES, 2 * 1024 * 1024).then((body) => {
        const fetchedAt = now()
        const entry = statusLists.get(url)
        if (entry?.value === value) {
          entry.until = Math.min(
            fetchedAt.getTime() + config.statusListTtlSeconds * 1000,
            statusListReuseLimit(body, fetchedAt.getTime()),
          )
        }
        return { body, fetchedAt }
      })
      // Fail closed and do not remember failures: the next check fetches again.
      value.catch(() => {
        if (statusLists.get(url)?.value === value) statusLists.delete(url)
      })
      statusLists.set(url, { startedAt, until: startedAt + config.statusListTtlSeconds * 1000, value })
      return value
    },
  }
}
