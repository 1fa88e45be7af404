// The issuer's commands for the `alma` CLI: `issuer init|serve|rotate-key|retire-key`, `award`, `revoke`.
// Errors end as one line on stderr and exit code 2; a cohort with bad or unawarded rows exits 1.
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import {
  type DevCa,
  importKeyMaterial,
  isTrustError,
  type KeyMaterial,
  parseSealCertificate,
  readDevCaDir,
} from '@alma/trust'
import type { Command } from 'commander'
import { mountAdminApi } from '../admin/admin-api.ts'
import { type CohortJobRowView, type CohortRowReport, cohortJobRowView, queueCohort } from '../admin/cohort.ts'
import { createCohortRunner } from '../admin/cohort-runner.ts'
import { type CredentialStatusAction, changeCredentialStatus } from '../admin/credential-status.ts'
import { COHORT_MODES, type CohortMode } from '../admin/z-admin-input.ts'
import { IssuerError } from '../errors.ts'
import { mountIssuerWebApp } from '../http/web-app.ts'
import type { Logger } from '../issuance/issuer-context.ts'
import { developmentSealKey, eidasIdentifierOf } from '../issuance/provision-tenant.ts'
import { ensureSealCertificatesNameIssuers, sealCertificateProblem } from '../issuance/seal-certificates.ts'
import { tenantUrls } from '../issuance/tenant-urls.ts'
import { createIssuer, startIssuer } from '../issuer-server.ts'
import { CliError, CONFIG_FILE_NAME, DEFAULT_DIR, type LoadedCliConfig, loadCliConfig } from './cli-config.ts'
import { initIssuer } from './init-issuer.ts'
import { createProgress } from './progress.ts'

const DEFAULT_CONFIG = join(DEFAULT_DIR, CONFIG_FILE_NAME)

const out = (line: string) => process.stdout.write(`${line}\n`)
const err = (line: string) => process.stderr.write(`${line}\n`)

/** Errors only, as text on stderr: the commands' own output is the report. */
const quietLog: Logger = {
  info() {},
  warn() {},
  error(obj, msg) {
    err(`alma: ${msg ?? 'error'} ${JSON.stringify(obj)}`)
  },
}

/** Runs an action; a known error becomes `alma: <message>` and exit code 2. */
function run<A extends unknown[]>(action: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await action(...args)
    } catch (error) {
      if (error instanceof CliError) err(`alma: ${error.message}`)
      else if (error instanceof IssuerError) {
        err(`alma: ${error.description} (${error.code})`)
        const issues = error.extra?.issues as { path: string; message: string }[] | undefined
        for (const issue of issues ?? []) err(`  ${issue.path}: ${issue.message}`)
      } else if (error instanceof Error && error.name === 'TrustError') err(`alma: ${error.message}`)
      else throw error
      process.exitCode = 2
    }
  }
}

/** A row of the check's report (a refused file). */
function rowLine(row: CohortRowReport): string {
  if (row.ok) return `  row ${row.row}: ok     ${row.learner}`
  const issues = row.issues.map((i) => `${i.path}: ${i.message}`).join('; ')
  return `  row ${row.row}: error  ${row.learner ?? ''}${row.learner ? ' — ' : ''}${issues}`
}

/** A row of a job's report: awarded, failed with its issues, or not awarded (the job was cancelled). */
function jobRowLine(row: CohortJobRowView): string {
  if (row.state === 'issued') return `  row ${row.row}: ok     ${row.learner ?? ''}  award ${row.awardId}`
  if (row.state === 'pending') return `  row ${row.row}: not awarded  ${row.learner ?? ''}`
  const issues = (row.issues ?? []).map((i) => `${i.path}: ${i.message}`).join('; ')
  return `  row ${row.row}: error  ${row.learner ?? ''}${row.learner ? ' — ' : ''}${issues}`
}

const FINAL_JOB_STATES = new Set(['succeeded', 'failed', 'cancelled'])

/** Opens the configured store and a context without HTTP, for a command that acts once. */
async function withIssuer<T>(
  configFile: string,
  fn: (ctx: Awaited<ReturnType<typeof createIssuer>>['ctx'], loaded: LoadedCliConfig) => Promise<T>,
) {
  const loaded = loadCliConfig(configFile)
  const { ctx } = await createIssuer({ config: loaded.config, kek: loaded.kek, log: quietLog })
  try {
    return await fn(ctx, loaded)
  } finally {
    await ctx.store.close()
  }
}

/**
 * Adds the issuer commands to a commander program (the `alma` CLI).
 *
 * @example
 * ```ts
 * const program = new Command('alma')
 * registerIssuerCommands(program)
 * await program.parseAsync(['node', 'alma', 'issuer', 'init', '--dir', '.alma'])
 * ```
 */
export function registerIssuerCommands(program: Command): Command {
  const issuer = program.command('issuer').description('the OpenID4VCI issuer: set up and run it')

  issuer
    .command('init')
    .description(
      'create a development issuer: PGlite database, KEK file, dev CA, the example alliance (uni-a, uni-b), ' +
        'its course and an admin API key per tenant; a second run changes nothing',
    )
    .option('--dir <dir>', 'folder for the database, keys and configuration', DEFAULT_DIR)
    .option('--base-url <url>', 'public base URL; tenant DIDs are made from it', 'http://127.0.0.1:4000')
    .action(
      run(async (opts: { dir: string; baseUrl: string }, command: Command) => {
        const baseUrlGiven = command.getOptionValueSource('baseUrl') !== 'default'
        await initIssuer({ dir: opts.dir, baseUrl: opts.baseUrl, baseUrlGiven, out, warn: err })
      }),
    )

  issuer
    .command('serve')
    .description('run the issuer (OpenID4VCI endpoints per tenant and the admin API) until SIGTERM / SIGINT')
    .option('--config <file>', 'configuration written by alma issuer init', DEFAULT_CONFIG)
    .option('--port <port>', "port to listen on (default: the base URL's)")
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .action(
      run(async (opts: { config: string; port?: string; host: string }) => {
        const { config, kek, file } = loadCliConfig(opts.config)
        const base = new URL(config.baseUrl)
        const port = Number(opts.port ?? (base.port || (base.protocol === 'https:' ? 443 : 80)))
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port ${opts.port} is not a port`)
        const running = await startIssuer({
          config,
          kek,
          port,
          host: opts.host,
          routes: [mountAdminApi, mountIssuerWebApp],
        })
        // Seal certificates made before they named the issuer (issue 12 §1): development ones are
        // replaced, an institution's is reported.
        const ca =
          config.mode === 'development'
            ? await readDevCaDir(join(dirname(file), 'ca')).catch(() => undefined)
            : undefined
        for (const report of await ensureSealCertificatesNameIssuers({
          store: running.ctx.store,
          keyring: running.ctx.keyring,
          baseUrl: config.baseUrl,
          ...(ca ? { ca } : {}),
          now: new Date(),
        })) {
          if (report.status !== 'ok') err(`alma issuer: WARNING: ${report.message}`)
          if (report.status === 'replaced') {
            running.ctx.signer.invalidate(report.tenantId)
            running.ctx.invalidateTenant(report.tenantId)
          }
        }
        const tenants = await running.ctx.store.tenants.list()
        out(`alma issuer: listening on ${running.url} (configuration ${file})`)
        out(
          `  base URL ${config.baseUrl}; admin API ${config.baseUrl}/admin/openapi.json; admin app ${config.baseUrl}/ui/`,
        )
        for (const t of tenants) {
          out(`  ${t.id}: ${config.baseUrl}/.well-known/openid-credential-issuer/${t.id}  (${t.did})`)
        }
        let stopping = false
        const stop = (signal: string) => {
          if (stopping) return
          stopping = true
          out(`alma issuer: ${signal}, draining requests and stopping`)
          running.close().then(
            () => {
              out('alma issuer: stopped')
              process.exit(0)
            },
            (error: unknown) => {
              err(`alma issuer: stop failed: ${(error as Error).message}`)
              process.exit(1)
            },
          )
        }
        process.once('SIGTERM', () => stop('SIGTERM'))
        process.once('SIGINT', () => stop('SIGINT'))
      }),
    )

  program
    .command('award')
    .description(
      'award a course to a cohort from a CSV file, directly in the store (columns: given_name, family_name, grade, ' +
        'awarding_date, and optionally email, date_of_birth, student_number, full_name, learner_id, activity_start, ' +
        'activity_end, valid_until, credential_number). The whole file is checked first (a bad row stores nothing ' +
        'unless --mode valid-rows); then the rows are awarded one by one with a progress bar, as a cohort job that ' +
        'an issuer resumes if this command is interrupted. At most 2000 rows per file. With PGlite, stop alma issuer ' +
        'serve first, or use the admin API.',
    )
    .requiredOption('--tenant <id>', 'the tenant')
    .requiredOption('--csv <file>', 'the cohort file (RFC 4180, UTF-8, header row)')
    .option('--course <id>', "the course (specification) id; default: the tenant's only course")
    .option('--config <file>', 'configuration written by alma issuer init', DEFAULT_CONFIG)
    .option('--mode <mode>', `${COHORT_MODES.join(' | ')}`, 'all-or-nothing')
    .option('--hold', 'hold the awards for approval', false)
    .action(
      run(
        async (opts: { tenant: string; csv: string; course?: string; config: string; mode: string; hold: boolean }) => {
          if (!(COHORT_MODES as readonly string[]).includes(opts.mode))
            throw new CliError(`--mode must be one of ${COHORT_MODES.join(', ')}`)
          let csv: string
          try {
            csv = await readFile(opts.csv, 'utf8')
          } catch (error) {
            throw new CliError(`cannot read ${opts.csv}: ${(error as Error).message}`)
          }
          await withIssuer(opts.config, async (ctx) => {
            const tenant = await ctx.tenant(opts.tenant)
            let course = opts.course
            if (!course) {
              const specs = await ctx.store.specifications.list(tenant.id)
              if (specs.length !== 1)
                throw new CliError(
                  `--course is required: tenant ${tenant.id} has ${specs.length} courses (${specs.map((s) => s.id).join(', ')})`,
                )
              course = specs[0]!.id
            }
            const progress = createProgress()
            // 1. The whole file is checked; a refused file is reported per row and nothing is stored.
            let job: Awaited<ReturnType<typeof queueCohort>>
            try {
              job = await queueCohort(ctx, tenant, {
                specificationId: course,
                csv,
                mode: opts.mode as CohortMode,
                hold: opts.hold,
                actor: 'cli',
                onProgress: (done, total) => progress.update(done, total, 'checking rows'),
              })
            } catch (error) {
              progress.end()
              const reported =
                error instanceof IssuerError ? (error.extra?.rows as CohortRowReport[] | undefined) : undefined
              if (!reported) throw error
              out(`alma award: ${tenant.id}/${course}, ${opts.csv}`)
              for (const row of reported) out(rowLine(row))
              out(error instanceof IssuerError ? error.description : 'nothing was stored')
              process.exitCode = 1
              return
            }
            progress.end()
            // 2. The job runs here, row by row, with a progress bar; an issuer serving the same
            // PostgreSQL may claim it first, and then this command follows it.
            let done = job.total - job.pending
            progress.update(done, job.total, 'awarding')
            const runner = createCohortRunner(ctx, {
              afterRow: () => progress.update(++done, job.total, 'awarding'),
            })
            let interrupted = false
            const onSigint = () => {
              interrupted = true
              void runner.stop()
            }
            process.once('SIGINT', onSigint)
            let final: Awaited<ReturnType<typeof runner.run>>
            try {
              final = await runner.run(tenant.id, job.id)
              while (!final && !interrupted) {
                const now = await ctx.store.cohortJobs.get(tenant.id, job.id)
                if (!now || FINAL_JOB_STATES.has(now.state)) {
                  final = now
                  break
                }
                progress.update(now.total - now.pending, now.total, 'awarding (by another process)')
                await new Promise((resolve) => setTimeout(resolve, 500))
              }
            } finally {
              process.off('SIGINT', onSigint)
              await runner.stop()
              progress.end()
            }
            out(`alma award: ${tenant.id}/${course}, ${opts.csv} (cohort job ${job.id})`)
            if (!final) {
              out(`interrupted: the job resumes when an issuer runs on this data (alma issuer serve)`)
              process.exitCode = 1
              return
            }
            const rows = await ctx.store.cohortJobs.rows(tenant.id, job.id)
            for (const row of rows) out(jobRowLine(cohortJobRowView(row)))
            out(
              `${final.issued} award(s) stored (${final.hold ? 'held' : 'ready'}), ${final.failed} row(s) failed` +
                (final.state === 'cancelled' ? `, ${final.pending} not awarded (cancelled)` : '') +
                (final.error ? `: ${final.error}` : ''),
            )
            if (final.state !== 'succeeded') process.exitCode = 1
          })
        },
      ),
    )

  program
    .command('revoke')
    .description('revoke (or suspend / unsuspend) an issued credential: its record and status list entry')
    .requiredOption('--tenant <id>', 'the tenant')
    .requiredOption('--credential <id>', 'the issued credential id (urn:uuid:…)')
    .option('--suspend', 'suspend instead (dc+sd-jwt credentials on a Token Status List only)', false)
    .option('--unsuspend', 'lift a suspension', false)
    .option('--reason <text>', 'for the audit log')
    .option('--config <file>', 'configuration written by alma issuer init', DEFAULT_CONFIG)
    .action(
      run(
        async (opts: {
          tenant: string
          credential: string
          suspend: boolean
          unsuspend: boolean
          reason?: string
          config: string
        }) => {
          if (opts.suspend && opts.unsuspend) throw new CliError('--suspend and --unsuspend exclude each other')
          const action: CredentialStatusAction = opts.suspend ? 'suspend' : opts.unsuspend ? 'unsuspend' : 'revoke'
          await withIssuer(opts.config, async (ctx) => {
            await ctx.tenant(opts.tenant)
            const result = await changeCredentialStatus(ctx, opts.tenant, {
              credentialId: opts.credential,
              action,
              actor: 'cli',
              ...(opts.reason ? { reason: opts.reason } : {}),
            })
            out(
              result.changed
                ? `${result.credential.id}: ${result.credential.state}` +
                    (result.statusListVersion !== undefined
                      ? ` (status list ${result.credential.statusListId} now at version ${result.statusListVersion})`
                      : '')
                : `${result.credential.id}: already ${result.credential.state}; nothing changed`,
            )
          })
        },
      ),
    )

  issuer
    .command('rotate-key')
    .description(
      "give a tenant a new seal key: with --pem, the institution's key and seal certificate chain (its " +
        "organizationIdentifier must be the tenant's eIDAS identifier); without, in development, a fresh key " +
        'certified by the development CA. The old key stays in the DID document until retire-key. ' +
        'With PGlite, stop alma issuer serve first.',
    )
    .requiredOption('--tenant <id>', 'the tenant')
    .option('--pem <file>', 'PEM: the private key (passphrase from ALMA_KEY_PASSPHRASE) and the certificate chain')
    .option('--config <file>', 'configuration written by alma issuer init', DEFAULT_CONFIG)
    .action(
      run(async (opts: { tenant: string; pem?: string; config: string }) => {
        await withIssuer(opts.config, async (ctx, { file, config }) => {
          const tenant = await ctx.store.tenants.get(opts.tenant)
          if (!tenant) throw new CliError(`--tenant ${opts.tenant}: no such tenant`)
          const organisations = (tenant.config.organisations ?? {}) as Record<string, unknown>
          const now = new Date()
          let material: KeyMaterial
          const issuerIdentifier = tenantUrls(config.baseUrl, tenant.id).issuer
          if (opts.pem !== undefined) {
            material = await sealKeyFromPem(opts.pem, {
              issuerIdentifier,
              eidasIdentifier: eidasIdentifierOf(organisations),
            })
          } else {
            if (config.mode === 'production')
              throw new CliError(`--pem is required in production: the institution's seal key and certificate chain`)
            const caDir = join(dirname(file), 'ca')
            let ca: DevCa
            try {
              ca = await readDevCaDir(caDir)
            } catch (error) {
              throw new CliError(`cannot load the development CA in ${caDir}: ${(error as Error).message}`)
            }
            material = await developmentSealKey(ca, organisations, tenant.name, now, issuerIdentifier)
          }
          const { active, previous } = await ctx.keyring.rotate(tenant.id, material)
          const subject = active.x5c?.[0] ? parseSealCertificate(active.x5c[0]).subject.dn : undefined
          out(`tenant ${tenant.id}: key ${active.kid} is active${subject ? ` (seal certificate ${subject})` : ''}`)
          out(`  previous   ${previous.kid}: still in the DID document, so credentials it sealed keep verifying`)
          out(
            `Once no verifier needs it (credentials sealed with it are revoked or expired): alma issuer retire-key --tenant ${tenant.id} --kid ${previous.kid}`,
          )
        })
      }),
    )

  issuer
    .command('retire-key')
    .description(
      'retire a rotated-out seal key of a tenant: it leaves the DID document, so what it sealed no longer ' +
        'verifies through did:web. With PGlite, stop alma issuer serve first.',
    )
    .requiredOption('--tenant <id>', 'the tenant')
    .requiredOption('--kid <kid>', 'the key to retire (rotate-key prints it)')
    .option('--config <file>', 'configuration written by alma issuer init', DEFAULT_CONFIG)
    .action(
      run(async (opts: { tenant: string; kid: string; config: string }) => {
        await withIssuer(opts.config, async (ctx) => {
          if (!(await ctx.store.tenants.get(opts.tenant))) throw new CliError(`--tenant ${opts.tenant}: no such tenant`)
          try {
            await ctx.keyring.retire(opts.tenant, opts.kid)
          } catch (error) {
            // key_state_invalid names the states ("rotate first"); key_not_found the kid.
            if (isTrustError(error)) throw new CliError(`--kid ${opts.kid}: ${error.message}`)
            throw error
          }
          out(`tenant ${opts.tenant}: key ${opts.kid} retired`)
        })
      }),
    )
  return issuer
}

/**
 * An institution's seal key from a PEM file (key and chain), refused unless its certificate's
 * organizationIdentifier is the tenant's eIDAS identifier (the link between did:web, seal and ELM
 * issuer, elm.md "our eIDAS link") and its subjectAltName names the tenant's Credential Issuer
 * Identifier (what SD-JWT VC verifiers bind `iss` to, HAIP 1.0 §6.1.1).
 */
async function sealKeyFromPem(
  pemFile: string,
  tenant: { issuerIdentifier: string; eidasIdentifier: string | undefined },
): Promise<KeyMaterial> {
  let pem: string
  try {
    pem = await readFile(pemFile, 'utf8')
  } catch (error) {
    throw new CliError(`cannot read ${pemFile}: ${(error as Error).message}`)
  }
  let material: KeyMaterial
  try {
    material = await importKeyMaterial({
      format: 'pem',
      pem,
      ...(process.env.ALMA_KEY_PASSPHRASE ? { passphrase: process.env.ALMA_KEY_PASSPHRASE } : {}),
    })
  } catch (error) {
    throw new CliError(`${pemFile}: ${(error as Error).message}`)
  }
  const leaf = material.x5c?.[0]
  if (!leaf) throw new CliError(`${pemFile}: no certificate for the key; a seal key needs its certificate chain`)
  const problem = sealCertificateProblem(leaf, tenant)
  if (problem) throw new CliError(`${pemFile}: ${problem}`)
  return material
}
