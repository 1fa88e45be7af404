// The verifier's commands for the `alma` CLI: `verifier init`, `verifier serve`,
// `verifier add-relying-party`, `verifier api-key`. Errors end as one line on stderr and exit code 2.

import { join } from 'node:path'
import { openStore, type Store } from '@alma/store'
import { createTenantKeyring, type DevCa, isTrustError, type Kek, readDevCaDir, type TenantKeyring } from '@alma/trust'
import type { Command } from 'commander'
import pino from 'pino'
import { VerifierError } from '../errors.ts'
import { mountVerifierWebApp } from '../http/web-app.ts'
import { webhookTargetProblem } from '../presentation/webhooks.ts'
import { provisionRelyingParty } from '../provision-relying-party.ts'
import {
  createRelyingPartyKey,
  RELYING_PARTY_SCOPES,
  type RelyingPartyScope,
  retireRelyingPartySigningKey,
  rotateRelyingPartySigningKey,
} from '../relying-party-keys.ts'
import { relyingPartyUrls } from '../relying-party-urls.ts'
import { describeInstalled } from '../trusted-lists/trusted-list-store.ts'
import { createVerifier, startVerifier } from '../verifier-server.ts'
import {
  CliError,
  CONFIG_FILE_NAME,
  DEFAULT_DIR,
  type LoadedVerifierCliConfig,
  loadVerifierCliConfig,
  trustedListsDirOf,
} from './cli-config.ts'
import { DEFAULT_RELYING_PARTY, initVerifier, RESERVED_RELYING_PARTY_IDS } from './init-verifier.ts'
import { runTrustUpdate } from './trust-update.ts'

const DEFAULT_CONFIG = join(DEFAULT_DIR, CONFIG_FILE_NAME)
const CONFIG_HELP = 'configuration written by alma verifier init'

const out = (line: string) => process.stdout.write(`${line}\n`)
const err = (line: string) => process.stderr.write(`${line}\n`)

/** Runs an action; a known error becomes one line `alma: <message>` and exit code 2, never a stack trace. */
function run<A extends unknown[]>(action: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await action(...args)
    } catch (error) {
      if (error instanceof CliError) err(`alma: ${error.message}`)
      else if (error instanceof VerifierError) err(`alma: ${error.description} (${error.code})`)
      else if (error instanceof Error && (error.name === 'TrustError' || error.name === 'StoreError')) {
        const code = (error as { code?: unknown }).code
        err(`alma: ${error.message.replace(/\s*\n\s*/g, ' ')}${typeof code === 'string' ? ` (${code})` : ''}`)
      } else throw error
      process.exitCode = 2
    }
  }
}

function portOf(option: string | undefined, baseUrl: string): number {
  if (option !== undefined) {
    if (!/^\d{1,5}$/.test(option) || Number(option) > 65535) throw new CliError(`--port ${option} is not a port`)
    return Number(option)
  }
  const base = new URL(baseUrl)
  return Number(base.port || (base.protocol === 'https:' ? 443 : 80))
}

/**
 * Opens the configured store for a command that acts once. With PGlite the data folder belongs to
 * one process: stop `alma verifier serve` first.
 */
async function withStore<T>(
  configFile: string,
  fn: (loaded: LoadedVerifierCliConfig, store: Store, keyring: TenantKeyring) => Promise<T>,
): Promise<T> {
  const loaded = loadVerifierCliConfig(configFile)
  const { config, kek } = loaded
  const store = await openStore({
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(config.dataDir ? { dataDir: config.dataDir } : {}),
  })
  try {
    return await fn(loaded, store, keyringOf(store, kek))
  } finally {
    await store.close()
  }
}

/** The configured CA, which certifies relying parties' keys (their access certificates). */
async function loadCa(caDir: string, file: string): Promise<DevCa> {
  try {
    return await readDevCaDir(caDir)
  } catch (error) {
    throw new CliError(`${file}: caDir: cannot load the CA in ${caDir}: ${(error as Error).message}`)
  }
}

/** The parts of a verifier a key rotation needs (keyring, relying-party runtimes), quiet: no HTTP. */
async function signingKeyContext(loaded: LoadedVerifierCliConfig, store: Store) {
  const { ctx } = await createVerifier({
    config: loaded.config,
    kek: loaded.kek,
    store,
    trustAnchors: [],
    log: pino({ level: 'silent' }),
  })
  return ctx
}

const keyringOf = (store: Store, kek: Kek) => createTenantKeyring({ repository: store.signingKeys, kek })

async function assertRelyingParty(store: Store, id: string): Promise<void> {
  const tenant = await store.tenants.get(id)
  if (tenant?.config.kind !== 'relying-party')
    throw new CliError(`--relying-party ${id}: no such relying party (alma verifier add-relying-party makes one)`)
}

function parseScopes(values: readonly string[] | undefined): RelyingPartyScope[] {
  if (!values || values.length === 0) return [...RELYING_PARTY_SCOPES]
  const scopes = values.flatMap((v) => v.split(',')).map((s) => s.trim())
  for (const scope of scopes) {
    if (!(RELYING_PARTY_SCOPES as readonly string[]).includes(scope))
      throw new CliError(`--scopes ${scope}: not a scope; one of ${RELYING_PARTY_SCOPES.join(', ')}`)
  }
  return [...new Set(scopes)] as RelyingPartyScope[]
}

/**
 * Adds the verifier commands to a commander program (the `alma` CLI).
 *
 * @example
 * ```ts
 * const program = new Command('alma')
 * registerVerifierCommands(program)
 * await program.parseAsync(['node', 'alma', 'verifier', 'init', '--dir', '.alma/verifier'])
 * ```
 */
export function registerVerifierCommands(program: Command): Command {
  const verifier = program.command('verifier').description('the OpenID4VP verifier: set up and run it')

  verifier
    .command('init')
    .description(
      'create a development verifier: configuration, KEK file, dev CA (or the one of --ca-dir), PGlite database, ' +
        'a relying party and an API key for it; a second run changes nothing',
    )
    .option('--dir <dir>', 'folder for the database, keys and configuration', DEFAULT_DIR)
    .option('--base-url <url>', 'public base URL; relying parties’ DIDs are made from it', 'http://localhost:8490')
    .option('--relying-party <id>', 'the relying party to create', DEFAULT_RELYING_PARTY.id)
    .option('--name <name>', 'its name (in its certificate and shown to wallets)', DEFAULT_RELYING_PARTY.name)
    .option('--trust-anchor <pem...>', 'PEM file of an issuer CA to trust (repeatable)')
    .option('--ca-dir <dir>', 'use this CA (ca.pem, ca-key.pem), e.g. the issuer’s .alma/ca, and trust it')
    .option('--dev-allow <origin...>', 'issuer origin whose DIDs and status lists may be fetched over loopback http')
    .action(
      run(
        async (
          opts: {
            dir: string
            baseUrl: string
            relyingParty: string
            name: string
            trustAnchor?: string[]
            caDir?: string
            devAllow?: string[]
          },
          command: Command,
        ) => {
          await initVerifier({
            dir: opts.dir,
            baseUrl: opts.baseUrl,
            baseUrlGiven: command.getOptionValueSource('baseUrl') !== 'default',
            relyingParty: { id: opts.relyingParty, name: opts.name },
            trustAnchorFiles: opts.trustAnchor ?? [],
            ...(opts.caDir !== undefined ? { caDir: opts.caDir } : {}),
            devAllowList: opts.devAllow ?? [],
            out,
            warn: err,
          })
        },
      ),
    )

  verifier
    .command('serve')
    .description('run the verifier (relying-party API, OpenID4VP endpoints, web app) until SIGTERM / SIGINT')
    .option('--config <file>', CONFIG_HELP, DEFAULT_CONFIG)
    .option('--port <port>', "port to listen on (default: the base URL's)")
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .action(
      run(async (opts: { config: string; port?: string; host: string }) => {
        const loaded = loadVerifierCliConfig(opts.config)
        const { config, kek, file } = loaded
        const port = portOf(opts.port, config.baseUrl)
        const running = await startVerifier({
          config,
          kek,
          port,
          host: opts.host,
          trustAnchors: loaded.trustAnchors,
          trustedListsDir: loaded.trustedListsDir,
          ...(config.mode === 'development'
            ? { devAllowList: loaded.devAllowList }
            : { allowedDids: loaded.allowedDids }),
          routes: [mountVerifierWebApp],
        })
        const relyingParties = (await running.ctx.store.tenants.list()).filter((t) => t.config.kind === 'relying-party')
        out(`alma verifier: listening on ${running.url} (configuration ${file})`)
        out(`  API      ${config.baseUrl}/api/<relying party>/presentation-requests`)
        out(`  OpenAPI  ${config.baseUrl}/api/openapi.json`)
        out(`  web app  ${config.baseUrl}/ui/`)
        out(
          `  ${loaded.trustAnchors.length} trust anchor(s) from ${loaded.trustAnchorFiles.length} file(s); ` +
            (config.mode === 'development'
              ? `development: DIDs and status lists of ${[new URL(config.baseUrl).origin, ...loaded.devAllowList].join(', ')} may be fetched over loopback http`
              : `production: resolves only ${loaded.allowedDids.length} allowed DID(s)`),
        )
        out(
          `  ${describeInstalled(running.ctx.trustedLists?.installed(), running.ctx.now())} (${loaded.trustedListsDir})`,
        )
        for (const rp of relyingParties) {
          const urls = relyingPartyUrls(config.baseUrl, rp.id)
          out(`  ${rp.id}: ${urls.api}/presentation-requests  (${rp.did}, ${urls.didDocument})`)
        }
        if (relyingParties.length === 0) out('  no relying party yet: alma verifier add-relying-party')
        let stopping = false
        const stop = (signal: string) => {
          if (stopping) return
          stopping = true
          out(`alma verifier: ${signal}, draining requests and stopping`)
          running.close().then(
            () => {
              out('alma verifier: stopped')
              process.exit(0)
            },
            (error: unknown) => {
              err(`alma verifier: stop failed: ${(error as Error).message}`)
              process.exit(1)
            },
          )
        }
        process.once('SIGTERM', () => stop('SIGTERM'))
        process.once('SIGINT', () => stop('SIGINT'))
      }),
    )

  verifier
    .command('add-relying-party')
    .description(
      'add a relying party: its key and a certificate from the configured CA. With PGlite, stop alma verifier serve first.',
    )
    .requiredOption('--id <id>', 'its id: a slug, the first path segment of its URLs')
    .requiredOption('--name <name>', 'its name (in its certificate and shown to wallets)')
    .option('--country <cc>', 'ISO 3166-1 alpha-2 of its country', 'DE')
    .option('--webhook-url <url>', 'where to POST a signed notice when a wallet answered')
    .option('--config <file>', CONFIG_HELP, DEFAULT_CONFIG)
    .action(
      run(async (opts: { id: string; name: string; country: string; webhookUrl?: string; config: string }) => {
        if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(opts.id))
          throw new CliError(`--id ${opts.id}: must be a slug: a-z, 0-9 and -, 1 to 63 long`)
        if (RESERVED_RELYING_PARTY_IDS.has(opts.id))
          throw new CliError(`--id ${opts.id}: reserved for the verifier's own routes`)
        if (opts.name.trim() === '') throw new CliError('--name must not be empty')
        if (!/^[A-Z]{2}$/.test(opts.country))
          throw new CliError(`--country ${opts.country}: two capital letters, e.g. DE`)
        await withStore(opts.config, async ({ config, caDir, file }, store, keyring) => {
          if (opts.webhookUrl !== undefined) {
            // The same check as at request creation and delivery: the SSRF guard's policy.
            const problem = await webhookTargetProblem(opts.webhookUrl, config.mode)
            if (problem) throw new CliError(`--webhook-url ${opts.webhookUrl}: ${problem}`)
          }
          if (await store.tenants.get(opts.id)) throw new CliError(`--id ${opts.id}: exists already`)
          const ca = await loadCa(caDir, file)
          const now = new Date()
          const tenant = await provisionRelyingParty(
            { store, keyring, baseUrl: config.baseUrl, ca, now },
            {
              id: opts.id,
              name: opts.name,
              country: opts.country,
              ...(opts.webhookUrl ? { webhookUrl: opts.webhookUrl } : {}),
            },
          )
          const urls = relyingPartyUrls(config.baseUrl, tenant.id)
          out(`relying party ${tenant.id} created: ${tenant.name}`)
          out(`  DID        ${tenant.did}  (${urls.didDocument})`)
          out(`  client id  x509_san_dns:${urls.host} (certificate from ${ca.subject})`)
          out(`  API        ${urls.api}/presentation-requests`)
          if (opts.webhookUrl) out(`  webhook    ${opts.webhookUrl}`)
          out(`Make it an API key: alma verifier api-key --relying-party ${tenant.id}`)
        })
      }),
    )

  verifier
    .command('api-key')
    .description(
      'make a relying-party API key, printed once on stdout (only its hash is stored). ' +
        'With PGlite, stop alma verifier serve first.',
    )
    .requiredOption('--relying-party <id>', 'the relying party')
    .option('--scopes <scope...>', `scopes (default: all of ${RELYING_PARTY_SCOPES.join(', ')})`)
    .option('--config <file>', CONFIG_HELP, DEFAULT_CONFIG)
    .action(
      run(async (opts: { relyingParty: string; scopes?: string[]; config: string }) => {
        const scopes = parseScopes(opts.scopes)
        await withStore(opts.config, async (_loaded, store) => {
          await assertRelyingParty(store, opts.relyingParty)
          const { id, key } = await createRelyingPartyKey(store, opts.relyingParty, scopes)
          out(key)
          err(
            `alma: API key ${id} for ${opts.relyingParty} (${scopes.join(', ')}): shown once; only its hash is stored`,
          )
        })
      }),
    )

  verifier
    .command('rotate-key')
    .description(
      'give a relying party a new signing key and access certificate from the configured CA; the old key keeps signing the requests already made with it until retired. With PGlite, stop alma verifier serve first.',
    )
    .requiredOption('--relying-party <id>', 'the relying party')
    .option('--config <file>', CONFIG_HELP, DEFAULT_CONFIG)
    .action(
      run(async (opts: { relyingParty: string; config: string }) => {
        await withStore(opts.config, async (loaded, store) => {
          await assertRelyingParty(store, opts.relyingParty)
          const ca = await loadCa(loaded.caDir, loaded.file)
          const ctx = await signingKeyContext(loaded, store)
          const { active, previous } = await rotateRelyingPartySigningKey(ctx, opts.relyingParty, { ca })
          const rp = await ctx.relyingParty(opts.relyingParty)
          out(`relying party ${opts.relyingParty}: key ${active.kid} is active (certificate from ${ca.subject})`)
          if (rp.clientIds.x509_hash) out(`  client id  ${rp.clientIds.x509_hash}`)
          out(`  previous   ${previous.kid}: still signs the requests made with it, and is in the DID document`)
          out(
            `Once those requests have expired: alma verifier retire-key --relying-party ${opts.relyingParty} --kid ${previous.kid}`,
          )
        })
      }),
    )

  verifier
    .command('retire-key')
    .description(
      'retire a rotated-out signing key of a relying party: it leaves the DID document and signs nothing more (requests still bound to it can no longer be fetched). With PGlite, stop alma verifier serve first.',
    )
    .requiredOption('--relying-party <id>', 'the relying party')
    .requiredOption('--kid <kid>', 'the key to retire (rotate-key prints it)')
    .option('--config <file>', CONFIG_HELP, DEFAULT_CONFIG)
    .action(
      run(async (opts: { relyingParty: string; kid: string; config: string }) => {
        await withStore(opts.config, async (loaded, store) => {
          await assertRelyingParty(store, opts.relyingParty)
          const ctx = await signingKeyContext(loaded, store)
          try {
            await retireRelyingPartySigningKey(ctx, opts.relyingParty, opts.kid)
          } catch (error) {
            // key_state_invalid names the states ("rotate first"); key_not_found the kid.
            if (isTrustError(error)) throw new CliError(`--kid ${opts.kid}: ${error.message}`)
            throw error
          }
          out(`relying party ${opts.relyingParty}: key ${opts.kid} retired`)
        })
      }),
    )

  const trust = verifier
    .command('trust')
    .description('the EU trusted lists whose CA/QC seal services the verifier takes as issuers’ trust anchors')
  trust
    .command('update')
    .description(
      'validate a folder of EU trusted lists (lotl.xml, lists/<CC>.xml, lotl-signers.pem: every signature, every ' +
        'NextUpdate, no sequence number going back) and make it the verifier’s trusted-list store in one step, ' +
        'printing what changed; a bad folder changes nothing. A running alma verifier serve reads it within 10 s.',
    )
    .requiredOption('--from <dir>', 'the folder to install')
    .option(
      '--accept-lotl-signers',
      'replace the pinned LOTL signer certificates with the folder’s lotl-signers.pem (check them against the Official Journal first)',
    )
    .option('--config <file>', CONFIG_HELP, DEFAULT_CONFIG)
    .action(
      run(async (opts: { from: string; acceptLotlSigners?: boolean; config: string }) => {
        runTrustUpdate({
          storeDir: trustedListsDirOf(opts.config),
          from: opts.from,
          acceptNewLotlSigners: opts.acceptLotlSigners === true,
          now: new Date(),
          out,
        })
      }),
    )

  return verifier
}
