// `alma issuer init`: a development issuer in one folder. Each step looks first and makes only
// what is missing, so a second run reports what exists and changes nothing.
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { openStore } from '@alma/store'
import { createDevCa, type DevCa, encodePrivateKeyPem, loadDevCa, parseKek } from '@alma/trust'
import { ADMIN_SCOPES, createApiKey } from '../admin/api-keys.ts'
import { putSpecification } from '../admin/specifications.ts'
import { parseIssuerConfig } from '../config.ts'
import type { Logger } from '../issuance/issuer-context.ts'
import { provisionTenant } from '../issuance/provision-tenant.ts'
import { ensureSealCertificatesNameIssuers } from '../issuance/seal-certificates.ts'
import { createIssuer } from '../issuer-server.ts'
import { CliError, CONFIG_FILE_NAME } from './cli-config.ts'

const examples = new URL('../../../../config/examples/', import.meta.url)
function readExample(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(path, examples), 'utf8')) as Record<string, unknown>
}

/** The example course every tenant gets. */
export const EXAMPLE_COURSE_ID = 'digital-learning-content'

interface OrganisationEntry {
  id: string
  legalName: Record<string, string>
  vatIdentifier?: { notation: string; country: string }
  [member: string]: unknown
}

/**
 * The example alliance (config/examples/organisations.json): uni-a issues as itself; uni-b's
 * organisations are the same file with uni-b as the issuer (its eIDAS identifier from its VAT number).
 */
export function exampleTenants(): { id: string; name: string; organisations: Record<string, unknown> }[] {
  const organisations = readExample('organisations.json')
  const bodies = organisations.awardingBodies as OrganisationEntry[]
  const uniA = organisations.issuer as OrganisationEntry
  const uniB = bodies.find((b) => b.id.endsWith(':uni-b'))
  if (!uniB) throw new CliError('config/examples/organisations.json has no uni-b awarding body')
  const vat = uniB.vatIdentifier
  const uniBIssuer = {
    ...uniB,
    ...(vat
      ? {
          eidasIdentifier: {
            notation: `VAT${vat.notation.slice(0, 2)}-${vat.notation.slice(2)}`,
            country: vat.country,
          },
        }
      : {}),
  }
  return [
    { id: 'uni-a', name: uniA.legalName.en ?? 'uni-a', organisations },
    { id: 'uni-b', name: uniB.legalName.en ?? 'uni-b', organisations: { ...organisations, issuer: uniBIssuer } },
  ]
}

export interface InitIssuerOptions {
  readonly dir: string
  readonly baseUrl: string
  /** False when baseUrl is the default: no warning when an existing configuration has another. */
  readonly baseUrlGiven?: boolean
  readonly now?: Date
  /** One line per step, to stdout. */
  readonly out: (line: string) => void
  /** Warnings, to stderr. */
  readonly warn: (line: string) => void
}

export interface InitIssuerResult {
  readonly configFile: string
  /** Admin API keys made in this run, by tenant (none when they existed). */
  readonly apiKeys: Record<string, string>
  readonly changed: boolean
}

const silent: Logger = { info() {}, warn() {}, error() {} }

export async function initIssuer(options: InitIssuerOptions): Promise<InitIssuerResult> {
  const now = options.now ?? new Date()
  const dir = resolve(options.dir)
  const configFile = join(dir, CONFIG_FILE_NAME)
  const kekFile = join(dir, 'kek')
  const caDir = join(dir, 'ca')
  const dataDir = join(dir, 'data')
  const show = (path: string) => {
    const rel = relative(process.cwd(), path)
    return rel === '' ? '.' : rel.startsWith('..') ? path : rel
  }
  let changed = false
  const step = (what: string, state: 'created' | 'exists' | 'replaced', detail = '') => {
    if (state !== 'exists') changed = true
    options.out(`  ${what.padEnd(40)} ${state.padEnd(8)} ${detail}`.trimEnd())
  }
  options.out(`alma issuer init: ${show(dir)}`)
  await mkdir(dir, { recursive: true, mode: 0o700 })

  // Step 1: the configuration. Tenant DIDs are made from its baseUrl, so an existing one wins.
  let baseUrl = options.baseUrl
  if (existsSync(configFile)) {
    const existing = JSON.parse(await readFile(configFile, 'utf8')) as { baseUrl?: unknown }
    if (typeof existing.baseUrl === 'string') {
      if (existing.baseUrl !== options.baseUrl && options.baseUrlGiven !== false) {
        options.warn(
          `alma: ${show(configFile)} keeps baseUrl ${existing.baseUrl}; --base-url ${options.baseUrl} is ignored ` +
            '(the tenants’ DIDs are made from it; start over in a new --dir to change it)',
        )
      }
      baseUrl = existing.baseUrl
    }
    step('configuration', 'exists', show(configFile))
  } else {
    try {
      parseIssuerConfig({ baseUrl, mode: 'development', dataDir })
    } catch (error) {
      throw new CliError(`--base-url: ${(error as Error).message}`)
    }
    const content = { baseUrl, mode: 'development', dataDir: 'data', kekFile: 'kek' }
    await writeFile(configFile, `${JSON.stringify(content, null, 2)}\n`)
    step('configuration', 'created', `${show(configFile)} (baseUrl ${baseUrl})`)
  }

  // Step 2: the key-encryption key; the tenants' signing keys are stored encrypted with it.
  let kekValue: string
  if (existsSync(kekFile)) {
    kekValue = (await readFile(kekFile, 'utf8')).trim()
    step('key-encryption key', 'exists', show(kekFile))
  } else {
    kekValue = randomBytes(32).toString('base64url')
    await writeFile(kekFile, `${kekValue}\n`, { mode: 0o600 })
    await chmod(kekFile, 0o600)
    step('key-encryption key', 'created', `${show(kekFile)} (mode 600)`)
    options.warn(
      `alma: WARNING: ${show(kekFile)} is a DEVELOPMENT key-encryption key, kept beside the data it protects. ` +
        'In production set ALMA_KEK from a secret store and keep it out of the data directory and its backups.',
    )
  }
  const kek = parseKek(kekValue, kekFile)

  // Step 3: the development CA that issues the tenants' seal certificates.
  const caFile = join(caDir, 'ca.pem')
  const caKeyFile = join(caDir, 'ca-key.pem')
  let ca: DevCa
  if (existsSync(caFile) && existsSync(caKeyFile)) {
    ca = await loadDevCa(await readFile(caFile, 'utf8'), await readFile(caKeyFile, 'utf8'))
    step('development CA', 'exists', show(caFile))
  } else {
    ca = await createDevCa({ name: 'Alma Development CA', country: 'EU', now })
    await mkdir(caDir, { recursive: true, mode: 0o700 })
    await writeFile(caFile, ca.certificatePem)
    await writeFile(caKeyFile, await encodePrivateKeyPem(ca.privateKey), { mode: 0o600 })
    step('development CA', 'created', `${show(caFile)} (not for production: ${ca.subject})`)
  }

  // Step 4: the database, tenants, the example course and an admin key per tenant.
  const hadData = existsSync(dataDir)
  const store = await openStore({ dataDir })
  step('database (PGlite)', hadData ? 'exists' : 'created', show(dataDir))
  const apiKeys: Record<string, string> = {}
  try {
    const { ctx } = await createIssuer({
      config: { baseUrl, mode: 'development', dataDir },
      kek,
      store,
      log: silent,
      now: () => now,
    })
    const specification = readExample('specification.json')
    for (const tenant of exampleTenants()) {
      const existing = await store.tenants.get(tenant.id)
      if (existing) step(`tenant ${tenant.id}`, 'exists', existing.did)
      else {
        const created = await provisionTenant({ store, keyring: ctx.keyring, baseUrl, ca, now }, tenant)
        step(`tenant ${tenant.id}`, 'created', created.did)
      }
      const runtime = await ctx.tenant(tenant.id)
      const course = await store.specifications.get(tenant.id, EXAMPLE_COURSE_ID)
      if (course) step(`course ${tenant.id}/${EXAMPLE_COURSE_ID}`, 'exists', `version ${course.version}`)
      else {
        const put = await putSpecification(ctx, runtime, {
          id: EXAMPLE_COURSE_ID,
          document: specification,
          actor: 'cli:init',
        })
        step(
          `course ${tenant.id}/${EXAMPLE_COURSE_ID}`,
          'created',
          put.annexReport.isMicroCredential ? 'Annex I: all mandatory elements present' : 'Annex I: incomplete',
        )
      }
      const keys = (await store.apiKeys.list(tenant.id)).filter((k) => !k.revokedAt)
      if (keys.length > 0) step(`admin API key ${tenant.id}`, 'exists', '(shown only when it was made)')
      else {
        const created = await createApiKey(store, tenant.id, ADMIN_SCOPES, now)
        apiKeys[tenant.id] = created.key
        step(`admin API key ${tenant.id}`, 'created', created.key)
      }
    }
    // Seal certificates made before they named their Credential Issuer Identifier (issue 12 §1).
    for (const report of await ensureSealCertificatesNameIssuers({ store, keyring: ctx.keyring, baseUrl, ca, now })) {
      if (report.status === 'replaced') step(`seal key ${report.tenantId}`, 'replaced', report.message)
      else if (report.status === 'warned') options.warn(`alma: WARNING: ${report.message}`)
    }
  } finally {
    await store.close()
  }
  if (Object.keys(apiKeys).length > 0) {
    options.out('')
    options.out('The admin API keys above are shown once; only their hashes are stored.')
  }
  options.out(
    changed ? `Start it: alma issuer serve --config ${show(configFile)}` : 'Everything exists: nothing changed.',
  )
  return { configFile, apiKeys, changed }
}
