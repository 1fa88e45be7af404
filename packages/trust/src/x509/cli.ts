import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Command } from 'commander'
import { TrustError } from '../errors.ts'
import { createDevCa, issueSealCertificate, loadDevCa } from './dev-ca.ts'
import { encodePrivateKeyPem } from './pem.ts'

export interface TrustCommandsOptions {
  /** The clock; the system clock when absent. */
  now?: () => Date
  /** Where progress lines go; stdout when absent. */
  log?: (line: string) => void
}

const DAY_MS = 24 * 60 * 60 * 1000

function refuseOverwrite(files: string[], force: boolean): void {
  if (force) return
  const existing = files.filter((file) => existsSync(file))
  if (existing.length > 0)
    throw new TrustError('file_exists', `refusing to overwrite ${existing.join(', ')} (use --force)`)
}

function parseDays(value: string): number {
  const days = Number.parseInt(value, 10)
  if (!(days > 0) || String(days) !== value.trim()) {
    throw new TrustError('input_invalid', `--days must be a positive integer, not '${value}'`)
  }
  return days
}

/** The dev CA functions throw RangeError / TypeError on bad input; the command reports them as TrustErrors. */
async function asInputError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof TrustError) throw error
    throw new TrustError('input_invalid', (error as Error).message, { cause: error })
  }
}

async function writeSecret(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o600 })
}

async function readTextFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (cause) {
    throw new TrustError('input_invalid', `cannot read ${what} ${file}: ${(cause as Error).message}`, { cause })
  }
}

function readKeyFile(file: string, text: string): KeyObject {
  try {
    return text.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(text)) : createPublicKey(text)
  } catch (cause) {
    throw new TrustError('key_import_failed', `--key ${file} is neither a PEM private key nor a PEM public key`, {
      cause,
    })
  }
}

/**
 * Adds `trust dev-ca` and `trust issue-seal` to a commander program (the `alma` CLI). Reuses an
 * existing `trust` command group when the program has one.
 *
 * - `trust dev-ca --out <dir> [--name <name>] [--country <CC>] [--days <n>] [--force]` writes
 *   `ca.pem` and `ca-key.pem` (mode 600).
 * - `trust issue-seal --ca-dir <dir> --org <O> --cn <CN> --country <CC> --org-id <id> [--key <pem file>]
 *   [--crl-url <url>] [--days <n>] --out <dir> [--force]` writes `seal.pem`, `seal-chain.pem` (seal
 *   and CA) and, when no `--key` is given, the generated P-256 key `seal-key.pem` (mode 600).
 *
 * Both refuse to overwrite existing files without `--force`. Errors are thrown as {@link TrustError}
 * (`file_exists`, `input_invalid`, `key_import_failed`) for the program to report.
 */
export function registerTrustCommands(program: Command, options: TrustCommandsOptions = {}): Command {
  const now = options.now ?? (() => new Date())
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`))
  const trust =
    program.commands.find((c) => c.name() === 'trust') ??
    program.command('trust').description('identities and trust: development CA, eIDAS seal certificates')

  trust
    .command('dev-ca')
    .description('create a self-signed development CA (ES256) that issues seal certificates; for development only')
    .requiredOption('--out <dir>', 'directory to write ca.pem and ca-key.pem to')
    .option('--name <name>', 'CA name (CN and O)', 'Alma Development CA')
    .option('--country <CC>', 'ISO 3166-1 alpha-2 country of the CA', 'EU')
    .option('--days <n>', 'validity in days', '3650')
    .option('--force', 'overwrite existing files', false)
    .action(async (opts: { out: string; name: string; country: string; days: string; force: boolean }) => {
      const certFile = join(opts.out, 'ca.pem')
      const keyFile = join(opts.out, 'ca-key.pem')
      refuseOverwrite([certFile, keyFile], opts.force)
      const days = parseDays(opts.days)
      const ca = await asInputError(() =>
        createDevCa({ name: opts.name, country: opts.country, now: now(), validityDays: days }),
      )
      await mkdir(opts.out, { recursive: true })
      await writeFile(certFile, ca.certificatePem)
      await writeSecret(keyFile, await encodePrivateKeyPem(ca.privateKey))
      log(`development CA (not for production): ${ca.subject}`)
      log(`wrote ${certFile} and ${keyFile}`)
    })

  trust
    .command('issue-seal')
    .description('issue an eIDAS-style seal certificate (QcCompliance, QcType e-seal) from a development CA')
    .requiredOption('--ca-dir <dir>', 'directory with ca.pem and ca-key.pem')
    .requiredOption('--org <O>', 'organisation legal name (subject O)')
    .requiredOption('--cn <CN>', 'common name (subject CN)')
    .requiredOption('--country <CC>', 'ISO 3166-1 alpha-2 country (subject C)')
    .requiredOption('--org-id <id>', 'organizationIdentifier, ETSI EN 319 412-1 form, e.g. VATDE-123456789')
    .requiredOption('--out <dir>', 'directory to write seal.pem, seal-chain.pem (and seal-key.pem) to')
    .option('--key <file>', 'PEM private or public key of the sealer; a P-256 key is generated when absent')
    .option('--crl-url <url>', 'CRL distribution point to name in the certificate')
    .option('--days <n>', 'validity in days', '365')
    .option('--force', 'overwrite existing files', false)
    .action(
      async (opts: {
        caDir: string
        org: string
        cn: string
        country: string
        orgId: string
        out: string
        key?: string
        crlUrl?: string
        days: string
        force: boolean
      }) => {
        const certFile = join(opts.out, 'seal.pem')
        const chainFile = join(opts.out, 'seal-chain.pem')
        const keyFile = join(opts.out, 'seal-key.pem')
        refuseOverwrite(opts.key ? [certFile, chainFile] : [certFile, chainFile, keyFile], opts.force)
        const days = parseDays(opts.days)
        const caPem = await readTextFile(join(opts.caDir, 'ca.pem'), 'the CA certificate')
        const caKeyPem = await readTextFile(join(opts.caDir, 'ca-key.pem'), 'the CA key')
        let generated: KeyObject | undefined
        let publicKey: KeyObject
        if (opts.key) {
          publicKey = readKeyFile(opts.key, await readTextFile(opts.key, '--key'))
        } else {
          const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
          generated = pair.privateKey
          publicKey = pair.publicKey
        }
        const start = now()
        const seal = await asInputError(async () =>
          issueSealCertificate(await loadDevCa(caPem, caKeyPem), {
            publicKey,
            organizationName: opts.org,
            commonName: opts.cn,
            country: opts.country,
            organizationIdentifier: opts.orgId,
            notBefore: start,
            notAfter: new Date(start.getTime() + days * DAY_MS),
            ...(opts.crlUrl ? { crlUrl: opts.crlUrl } : {}),
          }),
        )
        await mkdir(opts.out, { recursive: true })
        await writeFile(certFile, seal.certificatePem)
        await writeFile(chainFile, seal.certificatePem + caPem)
        if (generated) await writeSecret(keyFile, generated.export({ type: 'pkcs8', format: 'pem' }).toString())
        log(
          `seal certificate ${seal.serialNumber} for ${opts.org} (${opts.orgId}), valid until ${new Date(start.getTime() + days * DAY_MS).toISOString()}`,
        )
        log(`wrote ${[certFile, chainFile, ...(generated ? [keyFile] : [])].join(', ')}`)
      },
    )
  return trust
}
