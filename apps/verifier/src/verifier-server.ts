// Starting a verifier process: configuration → store → keys → HTTP and the webhook worker, and a
// graceful stop that drains in-flight requests (security.md, "operations").
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ElmWorkers } from '@alma/elm'
import { openStore, type Store, startStoreMaintenance } from '@alma/store'
import { createDidResolver, createTenantKeyring, isLoopbackHttp, type Kek, resolveKek } from '@alma/trust'
import { setGlobalConfig } from '@openid4vc/utils'
import type { Resolvable } from 'did-resolver'
import pino from 'pino'
import { parseVerifierConfig, type VerifierConfigInput } from './config.ts'
import type { Logger } from './errors.ts'
import { createVerifierApp, type MountRoutes } from './http/app.ts'
import { startWebhookWorker } from './presentation/webhooks.ts'
import type { VerifierRateLimits } from './rate-limits.ts'
import { describeInstalled, openTrustedListStore } from './trusted-lists/trusted-list-store.ts'
import { createVerifierContext, type VerifierContext } from './verifier-context.ts'

export interface StartVerifierOptions {
  readonly config: VerifierConfigInput
  readonly kek?: Kek
  readonly store?: Store
  /** PEM trust anchors for issuers' seal certificates (the dev CA, an imported CA). */
  readonly trustAnchors: readonly string[]
  /**
   * The verifier's store of EU trusted lists (alma verifier trust update): the CA/QC seal services
   * of the installed set are anchors too, judged at each verification (issue 13 §5). A set that
   * does not verify is a start-up error; nothing installed yet is not.
   */
  readonly trustedListsDir?: string
  /** Development only: issuer origins (loopback http) whose DIDs and status lists may be fetched. */
  readonly devAllowList?: readonly string[]
  /** Production: the did:web DIDs that may be resolved (security.md). */
  readonly allowedDids?: readonly string[]
  readonly didResolver?: Resolvable
  readonly port?: number
  readonly host?: string
  readonly log?: Logger
  readonly now?: () => Date
  readonly routes?: readonly MountRoutes[]
  /** How often the webhook worker looks for due deliveries; 0 turns it off. */
  readonly webhookIntervalMs?: number
  /** ELM worker threads to share (tests, one process with several servers); the server's own, closed with it, when absent. */
  readonly elmWorkers?: ElmWorkers
  /** Rate limits per relying party on the expensive endpoints (rate-limits.ts has the defaults). */
  readonly rateLimits?: Partial<VerifierRateLimits>
}

export interface RunningVerifier {
  readonly url: string
  readonly ctx: VerifierContext
  readonly server: Server
  close(): Promise<void>
}

/** The pieces of a verifier without HTTP: for the CLI, benchmarks and tests. */
export async function createVerifier(options: Omit<StartVerifierOptions, 'port' | 'host' | 'routes'>) {
  const config = parseVerifierConfig(options.config)
  const log: Logger = options.log ?? pino({ name: 'alma-verifier', level: process.env.LOG_LEVEL ?? 'info' })
  let kek = options.kek
  if (!kek) {
    const resolution = resolveKek({ mode: config.mode, env: process.env })
    if (resolution.generated) log.warn({}, resolution.message ?? 'development KEK generated for this process')
    kek = resolution.kek
  }
  if (isLoopbackHttp(config.baseUrl)) {
    // protocols.md "Interop traps": the @openid4vc libraries refuse http URLs (our response_uri)
    // unless their process-wide switch is on; development on loopback only (production needs
    // https, parseVerifierConfig).
    setGlobalConfig({ allowInsecureUrls: true })
    log.warn({ baseUrl: config.baseUrl }, 'development: plain http on loopback is allowed for OpenID4VC URLs')
  }
  // Before the database: a trusted-list set that does not verify stops the start-up here.
  const now = options.now ?? (() => new Date())
  const trustedLists = options.trustedListsDir
    ? openTrustedListStore(options.trustedListsDir, {
        now,
        onReload: (installed) =>
          log.info({ trustedLists: describeInstalled(installed, now()) }, 'trusted lists reloaded'),
        onError: (error) =>
          log.error({ err: error }, 'the trusted lists installed now do not verify: no trusted-list anchor is used'),
      })
    : undefined
  const ownsStore = !options.store
  const store =
    options.store ??
    (await openStore({
      ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
      ...(config.dataDir ? { dataDir: config.dataDir } : {}),
    }))
  const devAllowList =
    config.mode === 'development' ? [new URL(config.baseUrl).origin, ...(options.devAllowList ?? [])] : []
  if (config.mode === 'development' && devAllowList.length > 0) {
    log.warn({ devAllowList }, 'development: DIDs and status lists of these origins may be fetched over loopback http')
  }
  const didResolver =
    options.didResolver ??
    createDidResolver(
      config.mode === 'development'
        ? { mode: 'development', devAllowList }
        : { mode: 'production', allowedDids: [...(options.allowedDids ?? [])] },
    )
  if (trustedLists) log.info({ trustedLists: describeInstalled(trustedLists.installed(), now()) }, 'trusted lists')
  if (options.trustAnchors.length === 0 && (trustedLists?.isEmpty() ?? true))
    log.warn({}, 'no trust anchors and no trusted-list anchors: every issuer will fail issuer-trust')
  const ctx = createVerifierContext({
    config,
    store,
    keyring: createTenantKeyring({ repository: store.signingKeys, kek }),
    kek,
    didResolver,
    trustAnchors: options.trustAnchors,
    ...(trustedLists ? { trustedLists } : {}),
    log,
    ...(options.now ? { now: options.now } : {}),
    ...(config.mode === 'development' ? { devAllowList } : {}),
    ...(options.elmWorkers ? { elmWorkers: options.elmWorkers } : {}),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
  })
  return { ctx, ownsStore, kek }
}

export async function startVerifier(options: StartVerifierOptions): Promise<RunningVerifier> {
  const { ctx, ownsStore } = await createVerifier(options)
  const app = createVerifierApp(ctx, options.routes ?? [])
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve(s))
    s.on('error', reject)
  })
  server.keepAliveTimeout = 5_000
  const worker = options.webhookIntervalMs === 0 ? undefined : startWebhookWorker(ctx, options.webhookIntervalMs)
  // Expired single-use values go, unanswered requests become `expired` (store maintenance).
  const maintenance = startStoreMaintenance(ctx.store, {
    now: ctx.now,
    onError: (e) => ctx.log.error({ err: e }, 'store maintenance'),
  })
  const { port } = server.address() as AddressInfo
  let closing: Promise<void> | undefined
  return {
    url: new URL(ctx.config.baseUrl).port === String(port) ? ctx.config.baseUrl : `http://127.0.0.1:${port}`,
    ctx,
    server,
    close() {
      closing ??= (async () => {
        await worker?.stop()
        await maintenance.stop()
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeIdleConnections()
        })
        // After the requests in flight: their SHACL tasks have ended.
        if (!options.elmWorkers) await ctx.elmWorkers.close()
        ctx.trustedLists?.close()
        if (ownsStore) await ctx.store.close()
      })()
      return closing
    },
  }
}
