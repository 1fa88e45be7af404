import { createHmac, hkdfSync } from 'node:crypto'
import { createElmWorkers, type ElmWorkers } from '@alma/elm'
import type { Award, StatusList, Store } from '@alma/store'
import type { Kek, Signer, TenantKeyring } from '@alma/trust'
import {
  type AuthorizationServerMetadata,
  authorizationCodeGrantIdentifier,
  Oauth2AuthorizationServer,
  Oauth2ResourceServer,
  PkceCodeChallengeMethod,
  preAuthorizedCodeGrantIdentifier,
} from '@openid4vc/oauth2'
import {
  type CredentialConfigurationsSupportedWithFormats,
  type IssuerMetadataResult,
  Openid4vciIssuer,
  Openid4vciVersion,
} from '@openid4vc/openid4vci'
import type { Resolvable } from 'did-resolver'
import type { IssuerConfig } from '../config.ts'
import { IssuerError } from '../errors.ts'
import { issuerCallbacks, WALLET_SIGNING_ALGS } from '../oauth-callbacks.ts'
import { credentialConfigurationsOf } from './credential-configurations.ts'
import { publishedJwk } from './published-keys.ts'
import { type TenantUrls, tenantUrls } from './tenant-urls.ts'

/** What a tenant may set about issuance (kept in `tenants.config`). */
export interface TenantSettings {
  /** RFC 9449: refuse tokens without DPoP (HAIP 1.0 makes DPoP mandatory). */
  readonly dpopRequired: boolean
  /** The ELM organisations input (issuer, awarding bodies, alliance) used to build EDC documents. */
  readonly organisations?: unknown
}

export function tenantSettingsOf(config: Record<string, unknown>): TenantSettings {
  return {
    dpopRequired: config.dpopRequired === true,
    ...(config.organisations !== undefined ? { organisations: config.organisations } : {}),
  }
}

export interface Logger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

/** Everything of one tenant an endpoint needs; built once per process and cached. */
export interface TenantRuntime {
  readonly id: string
  readonly name: string
  readonly urls: TenantUrls
  readonly settings: TenantSettings
  readonly vci: Openid4vciIssuer
  readonly authorizationServer: Oauth2AuthorizationServer
  readonly resourceServer: Oauth2ResourceServer
  readonly authorizationServerMetadata: AuthorizationServerMetadata
  /** The issuer metadata with the tenant's current courses (cached briefly). */
  issuerMetadata(): Promise<IssuerMetadataResult>
}

export interface IssuerContext {
  readonly config: IssuerConfig
  readonly store: Store
  readonly keyring: TenantKeyring
  readonly signer: Signer
  readonly didResolver: Resolvable
  readonly log: Logger
  readonly now: () => Date
  /**
   * Threads for ELM's heavy work — EDC building, certificate pages, Annex I checks — so that none
   * of it holds the request thread (issue 12 §3); closed with the server that made them.
   */
  readonly elmWorkers: ElmWorkers
  /** A tenant's runtime; `not_found` when there is no such tenant. */
  tenant(tenantId: string): Promise<TenantRuntime>
  /** Forget cached metadata after a course changed (this process; others refresh within seconds). */
  invalidateTenant(tenantId: string): void
  /** MAC key of c_nonces (issuance/nonce.ts), derived from the KEK so every process shares it. */
  readonly nonceKey: Uint8Array
  /** The pre-authorized code of an offer: derived, never stored (only its hash is). */
  preAuthorizedCodeFor(tenantId: string, offerId: string): string
  /**
   * An award with its EDC document, in one read: the state always from the store, the document
   * (often hundreds of KB with its pages) from a cache once read — documents never change once
   * built.
   */
  awardWithDocument(tenantId: string, awardId: string): Promise<Award | undefined>
  /**
   * The status list new credentials of a format go on. Reused for a while in this process
   * (ensureList counts entries); allocation itself is atomic in the store, so a list shared by
   * several processes is never given one index twice.
   */
  currentStatusList(tenantId: string, format: 'bitstring' | 'token'): Promise<StatusList>
}

export interface CreateIssuerContextOptions {
  readonly config: IssuerConfig
  readonly store: Store
  readonly keyring: TenantKeyring
  readonly signer: Signer
  readonly didResolver: Resolvable
  readonly kek: Kek
  readonly log: Logger
  readonly now?: () => Date
  /** The ELM worker threads; a pool of the default size when absent. */
  readonly elmWorkers?: ElmWorkers
  /** How long course metadata is reused before the store is asked again. */
  readonly metadataTtlMs?: number
}

/** RFC 8414 metadata of a tenant's authorization server (the issuer is its own AS). */
function authorizationServerMetadataOf(urls: TenantUrls): AuthorizationServerMetadata {
  return {
    issuer: urls.issuer,
    token_endpoint: urls.tokenEndpoint,
    authorization_endpoint: urls.authorizationEndpoint,
    pushed_authorization_request_endpoint: urls.parEndpoint,
    // HAIP 1.0 §5: PAR is required for the authorization code flow.
    require_pushed_authorization_requests: true,
    jwks_uri: urls.jwksUri,
    response_types_supported: ['code'],
    grant_types_supported: [authorizationCodeGrantIdentifier, preAuthorizedCodeGrantIdentifier],
    code_challenge_methods_supported: [PkceCodeChallengeMethod.S256],
    dpop_signing_alg_values_supported: [...WALLET_SIGNING_ALGS],
    token_endpoint_auth_methods_supported: ['none'],
    authorization_response_iss_parameter_supported: true,
    // VCI 1.0 §12.3: wallets may redeem pre-authorized codes without a client_id.
    'pre-authorized_grant_anonymous_access_supported': true,
  }
}

export function createIssuerContext(options: CreateIssuerContextOptions): IssuerContext {
  const { config, store, signer } = options
  const now = options.now ?? (() => new Date())
  const ttl = options.metadataTtlMs ?? 2_000
  // VCI 1.0 §13.6: pre-authorized codes must be unguessable; an HMAC under a key derived from
  // the KEK makes them reproducible by every process without storing them.
  const codeKey = Buffer.from(hkdfSync('sha256', options.kek.key, 'alma', 'issuer pre-authorized codes v1', 32))
  const nonceKey = new Uint8Array(hkdfSync('sha256', options.kek.key, 'alma', 'issuer c_nonce v1', 32))
  const runtimes = new Map<string, Promise<TenantRuntime>>()
  const metadataCache = new Map<string, { until: number; value: Promise<IssuerMetadataResult> }>()
  const jwksCache = new Map<string, { until: number; value: Promise<{ keys: import('@openid4vc/oauth2').Jwk[] }> }>()

  async function jwksOf(tenantId: string) {
    const cached = jwksCache.get(tenantId)
    if (cached && cached.until > Date.now()) return cached.value
    const did = tenantUrls(config.baseUrl, tenantId).did
    const value = options.keyring
      .verificationKeys(tenantId)
      .then((keys) => ({ keys: keys.map((k) => publishedJwk(k, did)) as import('@openid4vc/oauth2').Jwk[] }))
    jwksCache.set(tenantId, { until: Date.now() + ttl, value })
    value.catch(() => jwksCache.delete(tenantId))
    return value
  }

  async function build(tenantId: string): Promise<TenantRuntime> {
    const tenant = await store.tenants.get(tenantId)
    if (!tenant) throw new IssuerError('not_found', `no tenant "${tenantId}"`)
    const urls = tenantUrls(config.baseUrl, tenantId)
    const callbacks = issuerCallbacks(tenantId, {
      signer,
      didResolver: options.didResolver,
      now,
      localJwks: async (url) => (url === urls.jwksUri ? jwksOf(tenantId) : undefined),
    })
    const vci = new Openid4vciIssuer({ callbacks })
    const authorizationServer = new Oauth2AuthorizationServer({ callbacks })
    const resourceServer = new Oauth2ResourceServer({ callbacks })
    const authorizationServerMetadata = authorizationServer.createAuthorizationServerMetadata(
      authorizationServerMetadataOf(urls),
    )

    async function loadMetadata(): Promise<IssuerMetadataResult> {
      const specs = await store.specifications.list(tenantId)
      const configurations = Object.assign({}, ...specs.map(credentialConfigurationsOf))
      const credentialIssuer = vci.createCredentialIssuerMetadata({
        credential_issuer: urls.issuer,
        authorization_servers: [urls.issuer],
        credential_endpoint: urls.credentialEndpoint,
        nonce_endpoint: urls.nonceEndpoint,
        deferred_credential_endpoint: urls.deferredEndpoint,
        notification_endpoint: urls.notificationEndpoint,
        batch_credential_issuance: { batch_size: config.batchSize },
        display: [
          { name: tenant?.name ?? tenantId, locale: 'en' },
          { name: tenant?.name ?? tenantId, locale: 'de' },
        ],
        credential_configurations_supported: configurations,
      })
      return {
        credentialIssuer,
        authorizationServers: [authorizationServerMetadata],
        originalDraftVersion: Openid4vciVersion.V1,
        knownCredentialConfigurations: configurations as CredentialConfigurationsSupportedWithFormats,
      }
    }

    return {
      id: tenantId,
      name: tenant.name,
      urls,
      settings: tenantSettingsOf(tenant.config),
      vci,
      authorizationServer,
      resourceServer,
      authorizationServerMetadata,
      issuerMetadata() {
        const cached = metadataCache.get(tenantId)
        if (cached && cached.until > Date.now()) return cached.value
        const value = loadMetadata()
        metadataCache.set(tenantId, { until: Date.now() + ttl, value })
        value.catch(() => metadataCache.delete(tenantId))
        return value
      },
    }
  }

  // Bounded caches: a Map keeps insertion order, so the first key is the oldest.
  const documents = new Map<string, unknown>()
  const DOCUMENT_CACHE_SIZE = 256
  const lists = new Map<string, { until: number; uses: number; list: Promise<StatusList> }>()
  const LIST_REUSE_MS = 5_000
  const LIST_REUSE_COUNT = 1_000

  return {
    config,
    store,
    keyring: options.keyring,
    signer,
    didResolver: options.didResolver,
    log: options.log,
    now,
    elmWorkers: options.elmWorkers ?? createElmWorkers(),
    nonceKey,
    tenant(tenantId) {
      let runtime = runtimes.get(tenantId)
      if (!runtime) {
        runtime = build(tenantId)
        runtimes.set(tenantId, runtime)
        runtime.catch(() => runtimes.delete(tenantId))
      }
      return runtime
    },
    invalidateTenant(tenantId) {
      metadataCache.delete(tenantId)
      jwksCache.delete(tenantId)
      runtimes.delete(tenantId)
    },
    async awardWithDocument(tenantId, awardId) {
      const key = `${tenantId}\u0000${awardId}`
      const cached = documents.get(key)
      if (cached !== undefined) {
        const award = await store.awards.getWithoutDocument(tenantId, awardId)
        return award && { ...award, edc: cached }
      }
      const award = await store.awards.get(tenantId, awardId)
      if (award?.edc !== undefined) {
        documents.set(key, award.edc)
        if (documents.size > DOCUMENT_CACHE_SIZE) documents.delete(documents.keys().next().value as string)
      }
      return award
    },
    currentStatusList(tenantId, format) {
      const key = `${tenantId}\u0000${format}`
      const cached = lists.get(key)
      if (cached && cached.until > Date.now() && cached.uses < LIST_REUSE_COUNT) {
        cached.uses++
        return cached.list
      }
      const list = store.statusLists.ensureList(tenantId, 'revocation', format, now())
      lists.set(key, { until: Date.now() + LIST_REUSE_MS, uses: 1, list })
      list.catch(() => lists.delete(key))
      return list
    },
    preAuthorizedCodeFor(tenantId, offerId) {
      return createHmac('sha256', codeKey).update(`${tenantId}\u0000${offerId}`).digest('base64url')
    },
  }
}
