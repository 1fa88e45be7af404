// `alma verifier init`: a development verifier in one folder. Each step looks first and makes only
// what is missing, so a second run reports what exists and changes nothing.
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { openStore } from '@alma/store'
import {
  createDevCa,
  createTenantKeyring,
  type DevCa,
  encodePrivateKeyPem,
  loadTrustAnchorsFromPem,
  parseKek,
  readDevCaDir,
} from '@alma/trust'
import { parseVerifierConfig } from '../config.ts'
import { provisionRelyingParty } from '../provision-relying-party.ts'
import { createRelyingPartyKey } from '../relying-party-keys.ts'
import { relyingPartyUrls } from '../relying-party-urls.ts'
import { CliError, CONFIG_FILE_NAME, isHttpUrl } from './cli-config.ts'

export const DEFAULT_RELYING_PARTY = { id: 'employer', name: 'Example Employer GmbH' } as const

/** Ids that would shadow the verifier's own routes (`/api/…`, `/ui/`, `/health`). */
export const RESERVED_RELYING_PARTY_IDS = new Set(['api', 'ui', 'health'])

export interface InitVerifierOptions {
  readonly dir: string
  readonly baseUrl: string
  /** False when baseUrl is the default: no warning when an existing configuration has another. */
  readonly baseUrlGiven?: boolean
  readonly relyingParty?: { readonly id: string; readonly name: string }
  /** PEM files of issuers' CAs to trust (relative to the working directory). */
  readonly trustAnchorFiles?: readonly string[]
  /** A CA to use instead of a new one (`ca.pem`, `ca-key.pem`), e.g. the issuer's `.alma/ca`; also trusted. */
  readonly caDir?: string
  /** Development: issuer origins whose DIDs and status lists may be fetched over loopback http. */
  readonly devAllowList?: readonly string[]
  readonly now?: Date
  /** One line per step, to stdout. */
  readonly out: (line: string) => void
  /** Warnings, to stderr. */
  readonly warn: (line: string) => void
}

export interface InitVerifierResult {
  readonly configFile: string
  /** The relying-party API key made in this run (absent when one existed). */
  readonly apiKey?: string
  readonly changed: boolean
}

interface ExistingConfig {
  baseUrl?: unknown
  mode?: unknown
  dataDir?: unknown
  kekFile?: unknown
  caDir?: unknown
  trustAnchorFiles?: unknown
  devAllowList?: unknown
}

const readCa = readDevCaDir

const hasCa = (caDir: string) => existsSync(join(caDir, 'ca.pem')) && existsSync(join(caDir, 'ca-key.pem'))

/** A path as the configuration file keeps it: relative to the file's folder. */
const relativeTo = (dir: string, path: string) => relative(dir, path) || '.'

export async function initVerifier(options: InitVerifierOptions): Promise<InitVerifierResult> {
  const now = options.now ?? new Date()
  const dir = resolve(options.dir)
  const configFile = join(dir, CONFIG_FILE_NAME)
  const rp = options.relyingParty ?? DEFAULT_RELYING_PARTY
  const show = (path: string) => {
    const rel = relative(process.cwd(), path)
    return rel === '' ? '.' : rel.startsWith('..') ? path : rel
  }
  let changed = false
  const step = (what: string, state: 'created' | 'exists', detail = '') => {
    if (state === 'created') changed = true
    options.out(`  ${what.padEnd(40)} ${state.padEnd(8)} ${detail}`.trimEnd())
  }

  // The options first, so that a bad one leaves nothing half made.
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(rp.id))
    throw new CliError(`--relying-party ${rp.id}: must be a slug: a-z, 0-9 and -, 1 to 63 long`)
  if (RESERVED_RELYING_PARTY_IDS.has(rp.id))
    throw new CliError(`--relying-party ${rp.id}: reserved for the verifier's own routes`)
  if (rp.name.trim() === '') throw new CliError('--name must not be empty')
  const givenAnchors = (options.trustAnchorFiles ?? []).map((f) => resolve(f))
  for (const file of givenAnchors) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      throw new CliError(`--trust-anchor ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
    }
    try {
      if (loadTrustAnchorsFromPem(text).length === 0) throw new TypeError('no PEM CERTIFICATE block')
    } catch (error) {
      throw new CliError(`--trust-anchor ${file}: ${(error as Error).message}`)
    }
  }
  const givenCaDir = options.caDir === undefined ? undefined : resolve(options.caDir)
  let givenCa: DevCa | undefined
  if (givenCaDir) {
    if (!hasCa(givenCaDir)) throw new CliError(`--ca-dir ${givenCaDir}: needs ca.pem and ca-key.pem`)
    try {
      givenCa = await readCa(givenCaDir)
    } catch (error) {
      throw new CliError(`--ca-dir ${givenCaDir}: ${(error as Error).message}`)
    }
  }
  for (const origin of options.devAllowList ?? []) {
    let ok = false
    try {
      ok = new URL(origin).origin === origin
    } catch {}
    if (!ok) throw new CliError(`--dev-allow ${origin}: not an origin like http://127.0.0.1:4000`)
  }

  options.out(`alma verifier init: ${show(dir)}`)
  await mkdir(dir, { recursive: true, mode: 0o700 })

  // Step 1: the configuration. Relying parties' DIDs are made from its baseUrl, so an existing one wins.
  let baseUrl = options.baseUrl
  let kekFile = join(dir, 'kek')
  let dataDir = join(dir, 'data')
  let caDir = givenCaDir ?? join(dir, 'ca')
  if (existsSync(configFile)) {
    let existing: ExistingConfig
    try {
      existing = JSON.parse(await readFile(configFile, 'utf8')) as ExistingConfig
    } catch (error) {
      throw new CliError(`${configFile}: ${(error as Error).message}`)
    }
    if (existing.mode === 'production')
      throw new CliError(`${configFile}: a production configuration; alma verifier init makes development setups only`)
    if (typeof existing.baseUrl === 'string') {
      if (existing.baseUrl !== options.baseUrl && options.baseUrlGiven !== false) {
        options.warn(
          `alma: ${show(configFile)} keeps baseUrl ${existing.baseUrl}; --base-url ${options.baseUrl} is ignored ` +
            '(the relying parties’ DIDs are made from it; start over in a new --dir to change it)',
        )
      }
      baseUrl = existing.baseUrl
    }
    if (typeof existing.kekFile === 'string') kekFile = resolve(dir, existing.kekFile)
    if (typeof existing.dataDir === 'string') dataDir = resolve(dir, existing.dataDir)
    const configuredCa = typeof existing.caDir === 'string' ? resolve(dir, existing.caDir) : join(dir, 'ca')
    if (givenCaDir && givenCaDir !== configuredCa)
      options.warn(`alma: ${show(configFile)} keeps caDir ${existing.caDir}; --ca-dir is ignored`)
    caDir = configuredCa
    if (givenAnchors.length > 0 || (options.devAllowList ?? []).length > 0)
      options.warn(
        `alma: ${show(configFile)} exists; --trust-anchor and --dev-allow are ignored (edit trustAnchorFiles and devAllowList there)`,
      )
    step('configuration', 'exists', show(configFile))
  } else {
    try {
      parseVerifierConfig({ baseUrl, mode: 'development', dataDir })
    } catch (error) {
      const lines = (error as Error).message.split('\n').slice(1)
      throw new CliError(`--base-url ${baseUrl}: ${lines.map((l) => l.trim().replace(/^baseUrl: /, '')).join('; ')}`)
    }
    if (!isHttpUrl(baseUrl)) throw new CliError(`--base-url ${baseUrl}: not an http or https URL`)
    // The CA given by --ca-dir issued the issuer's seal certificates too: trust it as an issuer's anchor.
    const anchors = [...givenAnchors]
    if (givenCaDir && !anchors.includes(join(givenCaDir, 'ca.pem'))) anchors.push(join(givenCaDir, 'ca.pem'))
    const content = {
      baseUrl,
      mode: 'development',
      dataDir: 'data',
      kekFile: 'kek',
      caDir: relativeTo(dir, caDir),
      trustAnchorFiles: anchors.map((f) => relativeTo(dir, f)),
      ...((options.devAllowList ?? []).length > 0 ? { devAllowList: [...(options.devAllowList ?? [])] } : {}),
    }
    await writeFile(configFile, `${JSON.stringify(content, null, 2)}\n`)
    step('configuration', 'created', `${show(configFile)} (baseUrl ${baseUrl}, ${anchors.length} trust anchor file(s))`)
    if (anchors.length === 0)
      options.warn(
        `alma: ${show(configFile)} lists no trust anchors: every issuer will fail issuer-trust until its CA is in ` +
          'trustAnchorFiles (--trust-anchor, or --ca-dir with the issuer’s .alma/ca)',
      )
  }

  // Step 2: the key-encryption key; the relying parties' signing keys are stored encrypted with it.
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

  // Step 3: the CA that issues the relying parties' access certificates (x509_san_dns:, x509_hash:).
  let ca: DevCa
  if (givenCa && caDir === givenCaDir) {
    ca = givenCa
    step('development CA', 'exists', `${show(join(caDir, 'ca.pem'))} (given by --ca-dir: ${ca.subject})`)
  } else if (hasCa(caDir)) {
    try {
      ca = await readCa(caDir)
    } catch (error) {
      throw new CliError(`${configFile}: caDir: ${(error as Error).message}`)
    }
    step('development CA', 'exists', show(join(caDir, 'ca.pem')))
  } else if (caDir !== join(dir, 'ca')) {
    throw new CliError(`${configFile}: caDir: ${caDir} has no ca.pem and ca-key.pem`)
  } else {
    ca = await createDevCa({ name: 'Alma Verifier Development CA', country: 'EU', now })
    await mkdir(caDir, { recursive: true, mode: 0o700 })
    await writeFile(join(caDir, 'ca.pem'), ca.certificatePem)
    await writeFile(join(caDir, 'ca-key.pem'), await encodePrivateKeyPem(ca.privateKey), { mode: 0o600 })
    await chmod(join(caDir, 'ca-key.pem'), 0o600)
    step('development CA', 'created', `${show(join(caDir, 'ca.pem'))} (not for production: ${ca.subject})`)
  }

  // Step 4: the database, the relying party and its API key.
  const hadData = existsSync(dataDir)
  const store = await openStore({ dataDir })
  step('database (PGlite)', hadData ? 'exists' : 'created', show(dataDir))
  let apiKey: string | undefined
  try {
    const existing = await store.tenants.get(rp.id)
    if (existing) {
      if (existing.config.kind !== 'relying-party')
        throw new CliError(`${rp.id} exists in ${show(dataDir)} and is not a relying party`)
      step(`relying party ${rp.id}`, 'exists', existing.did)
    } else {
      const keyring = createTenantKeyring({ repository: store.signingKeys, kek })
      const created = await provisionRelyingParty({ store, keyring, baseUrl, ca, now }, rp)
      step(`relying party ${rp.id}`, 'created', `${created.did} (${rp.name})`)
    }
    const keys = (await store.apiKeys.list(rp.id)).filter((k) => !k.revokedAt)
    if (keys.length > 0) step(`API key ${rp.id}`, 'exists', '(shown only when it was made)')
    else {
      apiKey = (await createRelyingPartyKey(store, rp.id, undefined, now)).key
      step(`API key ${rp.id}`, 'created', apiKey)
    }
  } finally {
    await store.close()
  }
  if (apiKey) {
    options.out('')
    options.out('The API key above is shown once; only its hash is stored.')
    options.out(`Create a request: POST ${relyingPartyUrls(baseUrl, rp.id).api}/presentation-requests`)
  }
  options.out(
    changed ? `Start it: alma verifier serve --config ${show(configFile)}` : 'Everything exists: nothing changed.',
  )
  return { configFile, ...(apiKey ? { apiKey } : {}), changed }
}
