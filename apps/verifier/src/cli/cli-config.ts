// The file `alma verifier init` writes and the other verifier commands read: the verifier
// configuration (config.ts) plus what only the process needs (where the KEK, the CA and the trust
// anchors are; which DIDs may be resolved). Relative paths are relative to the file, so a `.alma`
// folder can be moved as a whole. Validated before anything starts; each error names the file and
// the setting (style.md, practice 6).
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { encodeCertificatePem, type Kek, loadTrustAnchorsFromPem, parseKek, resolveKek } from '@alma/trust'
import { parseVerifierConfig, type VerifierConfig } from '../config.ts'
import { hasInstalledTrustedLists } from '../trusted-lists/trusted-list-store.ts'

export const DEFAULT_DIR = '.alma/verifier'
export const CONFIG_FILE_NAME = 'verifier.json'
/** Where `alma verifier trust update` keeps the EU trusted lists, relative to the configuration file. */
export const DEFAULT_TRUSTED_LISTS_DIR = 'trusted-lists'

/** A user-facing error of the verifier commands: printed as one line, exit code 2. */
export class CliError extends Error {
  override readonly name = 'CliError'
}

export interface LoadedVerifierCliConfig {
  /** The configuration file, absolute. */
  readonly file: string
  readonly config: VerifierConfig
  readonly kek: Kek
  /** Issuers' trust anchors, one PEM certificate each, from `trustAnchorFiles`. */
  readonly trustAnchors: readonly string[]
  /** The files they came from, absolute. */
  readonly trustAnchorFiles: readonly string[]
  /**
   * The verifier's store of EU trusted lists (`trustedListsDir`, default `trusted-lists` beside the
   * file), absolute; its CA/QC services for seals are anchors too once a set is installed there.
   */
  readonly trustedListsDir: string
  /** The folder of the CA that issues relying parties' certificates (`ca.pem`, `ca-key.pem`), absolute. */
  readonly caDir: string
  /** Development: issuer origins whose DIDs and status lists may be fetched over loopback http. */
  readonly devAllowList: readonly string[]
  /** Production: the did:web DIDs that may be resolved (security.md, "did:web"). */
  readonly allowedDids: readonly string[]
}

/** An origin as `new URL(x).origin` writes it: scheme, host, port; no path, no trailing slash. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value
  } catch {
    return false
  }
}

/** True for an absolute http: or https: URL. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

function stringList(raw: unknown, setting: string, fail: (problem: string) => never): string[] {
  if (raw === undefined) return []
  if (!Array.isArray(raw)) fail(`${setting}: must be a list`)
  return raw.map((entry, i) => {
    if (typeof entry !== 'string' || entry.trim() === '') fail(`${setting}[${i}]: must be a non-empty string`)
    return entry
  })
}

/**
 * Reads and validates the file: the verifier configuration, the KEK (`kekFile`, else ALMA_KEK), the
 * trust anchors (every file must be readable and hold certificates), and the production rules:
 * at least one trust anchor (an empty trust store fails closed, security.md "X.509"), `allowedDids`
 * (only configured DIDs are resolved, security.md "did:web"), no `devAllowList`.
 *
 * @example
 * ```ts
 * const { config, kek, trustAnchors, allowedDids } = loadVerifierCliConfig('.alma/verifier/verifier.json')
 * ```
 */
export function loadVerifierCliConfig(
  file: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): LoadedVerifierCliConfig {
  const path = resolve(file)
  const fail = (problem: string): never => {
    throw new CliError(`${path}: ${problem}`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new CliError(
      `cannot read the verifier configuration ${path}: ${(error as Error).message} (run alma verifier init first)`,
    )
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('must hold a JSON object')
  const { kekFile, caDir, trustAnchorFiles, trustedListsDir, devAllowList, allowedDids, ...rest } = raw as Record<
    string,
    unknown
  >
  const base = dirname(path)

  // The verifier configuration: parseVerifierConfig names every bad setting, one per line.
  const settings: Record<string, unknown> = { ...rest }
  if (typeof settings.dataDir === 'string') settings.dataDir = resolve(base, settings.dataDir)
  let config: VerifierConfig
  try {
    config = parseVerifierConfig(settings)
  } catch (error) {
    const lines = (error as Error).message.split('\n').slice(1)
    return fail(lines.map((line) => line.trim()).join('; ') || (error as Error).message)
  }
  const production = config.mode === 'production'

  // Which DIDs may be resolved.
  const dids = stringList(allowedDids, 'allowedDids', fail)
  dids.forEach((did, i) => {
    if (!/^did:web:[^:]+/.test(did)) fail(`allowedDids[${i}]: ${did} is not a did:web DID`)
  })
  if (production && dids.length === 0)
    fail('allowedDids: production resolves only configured DIDs; list the issuers’ did:web DIDs')
  const origins = stringList(devAllowList, 'devAllowList', fail)
  origins.forEach((origin, i) => {
    if (!isOrigin(origin)) fail(`devAllowList[${i}]: ${origin} is not an origin like http://127.0.0.1:4000`)
  })
  if (production && origins.length > 0) fail('devAllowList: development only; production resolves allowedDids')

  // Issuers' trust anchors: every file readable, every block a certificate.
  const anchorFiles = stringList(trustAnchorFiles, 'trustAnchorFiles', fail).map((f) => resolve(base, f))
  const trustAnchors: string[] = []
  for (const [i, anchorFile] of anchorFiles.entries()) {
    let text: string
    try {
      text = readFileSync(anchorFile, 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      return fail(`trustAnchorFiles[${i}]: cannot read ${anchorFile}${code ? ` (${code})` : ''}`)
    }
    let certificates: Uint8Array[]
    try {
      certificates = loadTrustAnchorsFromPem(text)
    } catch (error) {
      return fail(`trustAnchorFiles[${i}]: ${anchorFile}: ${(error as Error).message}`)
    }
    if (certificates.length === 0) fail(`trustAnchorFiles[${i}]: ${anchorFile} holds no PEM CERTIFICATE block`)
    for (const der of certificates) trustAnchors.push(encodeCertificatePem(der))
  }
  if (trustedListsDir !== undefined && (typeof trustedListsDir !== 'string' || trustedListsDir === ''))
    fail('trustedListsDir: must be a folder')
  const listsDir = resolve(base, typeof trustedListsDir === 'string' ? trustedListsDir : DEFAULT_TRUSTED_LISTS_DIR)
  if (production && trustAnchors.length === 0 && !hasInstalledTrustedLists(listsDir))
    fail(
      'trustAnchorFiles: production needs at least one trust anchor, or EU trusted lists installed in trustedListsDir (alma verifier trust update --from DIR); an empty trust store rejects every issuer',
    )

  if (caDir !== undefined && (typeof caDir !== 'string' || caDir === '')) fail('caDir: must be a folder')

  // The KEK: the stored relying-party keys are encrypted with it.
  let kek: Kek
  if (kekFile !== undefined) {
    if (typeof kekFile !== 'string' || kekFile === '') return fail('kekFile: must be a path')
    const kekPath = resolve(base, kekFile)
    let text: string
    try {
      text = readFileSync(kekPath, 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      return fail(`kekFile: cannot read ${kekPath}${code ? ` (${code})` : ''}`)
    }
    try {
      kek = parseKek(text, kekPath)
    } catch (error) {
      return fail(`kekFile: ${(error as Error).message}`)
    }
  } else {
    let resolution: ReturnType<typeof resolveKek> | undefined
    try {
      resolution = resolveKek({ mode: config.mode, env })
    } catch (error) {
      return fail(`kekFile: none given, and ${(error as Error).message}`)
    }
    if (resolution.generated)
      fail('kekFile: none given, and ALMA_KEK is not set: the stored relying-party keys cannot be read')
    kek = resolution.kek
  }

  return {
    file: path,
    config,
    kek,
    trustAnchors,
    trustAnchorFiles: anchorFiles,
    trustedListsDir: listsDir,
    caDir: resolve(base, typeof caDir === 'string' ? caDir : 'ca'),
    devAllowList: origins,
    allowedDids: dids,
  }
}

/**
 * Only the trusted-list store of a configuration file (`trustedListsDir`, default `trusted-lists`
 * beside the file), absolute: what `alma verifier trust update` needs — no KEK, no database, no
 * anchor yet (the first update of a production verifier is how it gets its anchors).
 */
export function trustedListsDirOf(file: string): string {
  const path = resolve(file)
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new CliError(
      `cannot read the verifier configuration ${path}: ${(error as Error).message} (run alma verifier init first)`,
    )
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new CliError(`${path}: must hold a JSON object`)
  const value = (raw as Record<string, unknown>).trustedListsDir
  if (value !== undefined && (typeof value !== 'string' || value === ''))
    throw new CliError(`${path}: trustedListsDir: must be a folder`)
  return resolve(dirname(path), typeof value === 'string' ? value : DEFAULT_TRUSTED_LISTS_DIR)
}
