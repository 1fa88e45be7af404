// Test-only: Credo (@credo-ts/core + @credo-ts/openid4vc 0.6.3, @credo-ts/node's key management
// service) set up as an independent holder wallet for the interop tests (issue 13 §1). Storage is
// ours (in memory, Askar cannot be installed here); everything else is Credo's own: key
// management, DID resolution, X.509 chain validation, OpenID4VCI and OpenID4VP, SD-JWT VC and
// VC-JWT verification. See docs/interop.md.
import {
  Agent,
  type AgentContext,
  ConsoleLogger,
  CredoError,
  type DependencyManager,
  DidDocument,
  type DidResolutionOptions,
  type DidResolutionResult,
  type DidResolver,
  DidsModule,
  InjectionSymbols,
  JsonTransformer,
  JwkDidRegistrar,
  JwkDidResolver,
  KeyDidRegistrar,
  KeyDidResolver,
  Kms,
  LogLevel,
  type Module,
  type ParsedDid,
  StorageUpdateService,
  WebDidResolver,
  X509Module,
} from '@credo-ts/core'
import { agentDependencies, NodeInMemoryKeyManagementStorage, NodeKeyManagementService } from '@credo-ts/node'
import { type OpenId4VciCredentialBindingResolver, OpenId4VcModule } from '@credo-ts/openid4vc'
import { InMemoryStorageService } from './in-memory-storage-service.ts'

/** Registers {@link InMemoryStorageService} as Credo's storage (what Askar's module does in production). */
class InMemoryStorageModule implements Module {
  readonly #storage = new InMemoryStorageService()

  public register(dependencyManager: DependencyManager): void {
    if (dependencyManager.isRegistered(InjectionSymbols.StorageService)) {
      throw new CredoError('a StorageService is already registered')
    }
    dependencyManager.registerInstance(InjectionSymbols.StorageService, this.#storage)
  }

  /**
   * A new store is at the framework's storage version (as Askar's store manager and Credo's
   * drizzle module record on provisioning); otherwise Credo takes it for a 0.1 store and refuses
   * to start without a migration.
   */
  public async initialize(agentContext: AgentContext): Promise<void> {
    const updates = agentContext.dependencyManager.resolve(StorageUpdateService)
    if (!(await updates.hasStorageVersionRecord(agentContext))) {
      await updates.setCurrentStorageVersion(agentContext, StorageUpdateService.frameworkStorageVersion)
    }
  }
}

/**
 * did:web (W3C did:web method §3.2) for servers of the test on loopback http: the same path
 * rules, the same document checks as Credo's own WebDidResolver, but the URL scheme is http
 * for the listed origins only; every other did:web goes to Credo's resolver (https).
 */
export class LoopbackWebDidResolver implements DidResolver {
  public readonly supportedMethods = ['web']
  public readonly allowsCaching = true
  public readonly allowsLocalDidRecord = false
  readonly #origins: ReadonlySet<string>
  readonly #https = new WebDidResolver()

  public constructor(loopbackOrigins: readonly string[]) {
    this.#origins = new Set(loopbackOrigins.map((o) => new URL(o).origin))
  }

  public async resolve(
    agentContext: AgentContext,
    did: string,
    parsed: ParsedDid,
    options: DidResolutionOptions,
  ): Promise<DidResolutionResult> {
    const [host, ...path] = parsed.id.split(':').map(decodeURIComponent)
    const origin = `http://${host}`
    if (!this.#origins.has(origin)) return this.#https.resolve(agentContext, did, parsed, options)
    const url = path.length > 0 ? `${origin}/${path.join('/')}/did.json` : `${origin}/.well-known/did.json`
    const notFound = (message: string): DidResolutionResult => ({
      didDocument: null,
      didDocumentMetadata: {},
      didResolutionMetadata: { error: 'notFound', message },
    })
    const response = await agentContext.config.agentDependencies.fetch(url)
    if (!response.ok) return notFound(`${url} answered ${response.status}`)
    const json = (await response.json()) as { id?: unknown }
    if (json.id !== did) return notFound(`the document at ${url} is not the document of ${did}`)
    return {
      didDocument: JsonTransformer.fromJSON(json, DidDocument),
      didDocumentMetadata: {},
      didResolutionMetadata: { contentType: 'application/did+json' },
    }
  }
}

export interface CredoHolderOptions {
  /** CAs (PEM) the wallet trusts for credentials: the issuer's development CA. */
  readonly issuerTrustAnchors: readonly string[]
  /** CAs (PEM) the wallet trusts for signed presentation requests: the verifier's access CA. */
  readonly verifierTrustAnchors?: readonly string[]
  /** Origins of the test's servers on loopback http (their did:web documents are fetched over http). */
  readonly loopbackOrigins: readonly string[]
}

/**
 * A Credo agent as a holder. Trust anchors are given per purpose through Credo's X.509 module
 * (`getTrustedCertificatesForVerification`): credentials are checked against the issuers' CAs
 * only, signed presentation requests against the verifiers' CAs only.
 */
export async function createCredoHolder(options: CredoHolderOptions) {
  const issuerAnchors = [...options.issuerTrustAnchors]
  const verifierAnchors = [...(options.verifierTrustAnchors ?? [])]
  const agent = new Agent({
    config: {
      logger: new ConsoleLogger(LogLevel.off),
      // The servers of the test listen on loopback http (protocols.md, "Interop traps": the
      // libraries' explicit insecure-URL switch, for the test only). No credential check depends on it.
      allowInsecureHttpUrls: true,
    },
    dependencies: agentDependencies,
    modules: {
      storage: new InMemoryStorageModule(),
      kms: new Kms.KeyManagementModule({
        backends: [new NodeKeyManagementService(new NodeInMemoryKeyManagementStorage())],
      }),
      dids: new DidsModule({
        resolvers: [new LoopbackWebDidResolver(options.loopbackOrigins), new KeyDidResolver(), new JwkDidResolver()],
        registrars: [new KeyDidRegistrar(), new JwkDidRegistrar()],
      }),
      x509: new X509Module({
        getTrustedCertificatesForVerification: (_context, { verification }) => {
          if (verification.type === 'credential') return issuerAnchors
          if (verification.type === 'oauth2SecuredAuthorizationRequest') return verifierAnchors
          return []
        },
      }),
      openid4vc: new OpenId4VcModule(),
    },
  })
  await agent.initialize()
  return agent
}

export type CredoHolder = Awaited<ReturnType<typeof createCredoHolder>>

/**
 * The holder binding Credo asks for per credential configuration (OpenID4VCI 1.0 §8.2): a
 * did:key when the issuer accepts it (jwt_vc_json, `credentialSubject.id`), otherwise JWKs
 * (dc+sd-jwt, `cnf.jwk`) — `batchSize` fresh P-256 keys from Credo's key management service.
 */
export function bindingResolver(agent: CredoHolder, batchSize = 1): OpenId4VciCredentialBindingResolver {
  return async ({ supportedDidMethods, supportsAllDidMethods, supportsJwk, issuerMaxBatchSize }) => {
    const count = Math.min(batchSize, issuerMaxBatchSize)
    const keys: Kms.PublicJwk[] = []
    for (let i = 0; i < count; i++) {
      const { publicJwk } = await agent.kms.createKey({ type: { kty: 'EC', crv: 'P-256' } })
      keys.push(Kms.PublicJwk.fromPublicJwk(publicJwk))
    }
    if (supportsAllDidMethods || supportedDidMethods?.includes('did:key')) {
      const didUrls: string[] = []
      for (const key of keys) {
        const created = await agent.dids.create({ method: 'key', options: { keyId: key.keyId } })
        const did = created.didState.did
        if (!did) throw new CredoError('did:key was not created')
        didUrls.push(`${did}#${did.slice('did:key:'.length)}`)
      }
      return { method: 'did', didUrls }
    }
    if (supportsJwk) return { method: 'jwk', keys }
    throw new CredoError('the issuer accepts neither did:key nor jwk binding')
  }
}
