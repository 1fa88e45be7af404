// Starting an issuer process: configuration → store → keys → HTTP, and a graceful stop that
// drains in-flight requests on SIGTERM (security.md, "operations").
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ElmWorkers } from '@alma/elm'
import { openStore, type Store, startStoreMaintenance } from '@alma/store'
import { createDidResolver, createSigner, createTenantKeyring, isLoopbackHttp, type Kek, resolveKek } from '@alma/trust'
import { setGlobalConfig } from '@openid4vc/utils'
import pino from 'pino'
import { type CohortRunner, type CohortRunnerOptions, createCohortRunner } from './admin/cohort-runner.ts'
import { type IssuerConfig, type IssuerConfigInput, parseIssuerConfig } from './config.ts'
import { createIssuerApp, type MountRoutes } from './http/app.ts'
import { createIssuerContext, type IssuerContext, type Logger } from './issuance/issuer-context.ts'
import { tenantUrls } from './issuance/tenant-urls.ts'

export interface StartIssuerOptions {
  readonly config: IssuerConfigInput
  /** A KEK; otherwise from ALMA_KEK (production) or generated for this process (development). */
  readonly kek?: Kek
  /** An open store to use (tests share one); otherwise opened from the configuration. */
  readonly store?: Store
  readonly port?: number
  readonly host?: string
  readonly log?: Logger
  readonly now?: () => Date
  readonly routes?: readonly MountRoutes[]
  /** ELM worker threads to share (tests, one process with several servers); the server's own, closed with it, when absent. */
  readonly elmWorkers?: ElmWorkers
  /**
   * The cohort runner of this process (admin/cohort-runner.ts): on by default, it resumes the
   * cohort jobs left queued or running and awards new ones in the background; `false` for none.
   */
  readonly cohortJobs?: CohortRunnerOptions | false
}

export interface RunningIssuer {
  readonly url: string
  readonly ctx: IssuerContext
  readonly server: Server
  /** The cohort runner, unless `cohortJobs: false`. */
  readonly cohorts?: CohortRunner
  /** Stops accepting, waits for in-flight requests, closes the store if we opened it. */
  close(): Promise<void>
}

/** The pieces of an issuer without HTTP: for the CLI and tests. */
export async function createIssuer(options: Omit<StartIssuerOptions, 'port' | 'host' | 'routes'>) {
  const config: IssuerConfig = parseIssuerConfig(options.config)
  const log: Logger = options.log ?? pino({ name: 'alma-issuer', level: process.env.LOG_LEVEL ?? 'info' })
  let kek = options.kek
  if (!kek) {
    const resolution = resolveKek({ mode: config.mode, env: process.env })
    if (resolution.generated) log.warn({}, resolution.message ?? 'development KEK generated for this process')
    kek = resolution.kek
  }
  if (isLoopbackHttp(config.baseUrl)) {
    if (config.mode === 'production')
      throw new Error('issuer configuration is invalid:\n  baseUrl: http is for development only')
    // protocols.md "Interop traps": the libraries' insecure-URL switch, for loopback in development only.
    setGlobalConfig({ allowInsecureUrls: true })
    log.warn({ baseUrl: config.baseUrl }, 'development: plain http on loopback is allowed for OpenID4VC URLs')
  }
  const ownsStore = !options.store
  const store =
    options.store ??
    (await openStore({
      ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
      ...(config.dataDir ? { dataDir: config.dataDir } : {}),
    }))
  const keyring = createTenantKeyring({ repository: store.signingKeys, kek })
  const signer = createSigner({
    keyring,
    kidFor: (tenantId, kid) => `${tenantUrls(config.baseUrl, tenantId).did}#${kid}`,
  })
  const origin = new URL(config.baseUrl).origin
  const didResolver = createDidResolver(
    config.mode === 'development'
      ? { mode: 'development', devAllowList: [origin] }
      : { mode: 'production', allowedDids: [] },
  )
  const ctx = createIssuerContext({
    config,
    store,
    keyring,
    signer,
    didResolver,
    kek,
    log,
    ...(options.now ? { now: options.now } : {}),
    ...(options.elmWorkers ? { elmWorkers: options.elmWorkers } : {}),
  })
  return { ctx, ownsStore, kek }
}

export async function startIssuer(options: StartIssuerOptions): Promise<RunningIssuer> {
  const { ctx, ownsStore } = await createIssuer(options)
  const app = createIssuerApp(ctx, options.routes ?? [])
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve(s))
    s.on('error', reject)
  })
  server.keepAliveTimeout = 5_000
  // Expired single-use values (codes, nonces, DPoP jtis) go, unredeemed offers become `expired`.
  const maintenance = startStoreMaintenance(ctx.store, {
    now: ctx.now,
    onError: (e) => ctx.log.error({ err: e }, 'store maintenance'),
  })
  // Cohort files awarded in the background; jobs a previous process left are resumed now.
  const cohorts = options.cohortJobs === false ? undefined : createCohortRunner(ctx, options.cohortJobs ?? {})
  cohorts?.start()
  const { port } = server.address() as AddressInfo
  let closing: Promise<void> | undefined
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    ctx,
    server,
    ...(cohorts ? { cohorts } : {}),
    close() {
      closing ??= (async () => {
        // The cohort runner starts no new row from now on; the row in progress ends, and the
        // lease is handed back, so the next process resumes the job at once.
        const cohortsStopped = cohorts?.stop()
        // server.close waits for in-flight requests; idle keep-alive sockets are closed at once.
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeIdleConnections()
        })
        await cohortsStopped
        await maintenance.stop()
        // After the requests and the cohort rows in flight: their ELM tasks have ended.
        if (!options.elmWorkers) await ctx.elmWorkers.close()
        if (ownsStore) await ctx.store.close()
      })()
      return closing
    },
  }
}
