// The file `alma issuer init` writes and the other issuer commands read: the issuer
// configuration (config.ts) plus where the development KEK is. Relative paths are relative to
// the file, so a `.alma` folder can be moved as a whole.
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { type Kek, parseKek, resolveKek } from '@alma/trust'
import { type IssuerConfig, parseIssuerConfig } from '../config.ts'

export const DEFAULT_DIR = '.alma'
export const CONFIG_FILE_NAME = 'issuer.json'

/** What the file holds besides the issuer configuration. */
export interface CliConfigFile {
  readonly kekFile?: string
  readonly [setting: string]: unknown
}

export interface LoadedCliConfig {
  readonly file: string
  readonly config: IssuerConfig
  readonly kek: Kek
}

export class CliError extends Error {
  override readonly name = 'CliError'
}

/** Reads and validates the file; the KEK from `kekFile`, else ALMA_KEK (required in production). */
export function loadCliConfig(file: string): LoadedCliConfig {
  const path = resolve(file)
  let raw: CliConfigFile
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as CliConfigFile
  } catch (error) {
    throw new CliError(
      `cannot read the issuer configuration ${path}: ${(error as Error).message} (run alma issuer init first)`,
    )
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new CliError(`${path} must hold a JSON object`)
  const { kekFile, ...rest } = raw
  const settings: Record<string, unknown> = { ...rest }
  const base = dirname(path)
  if (typeof settings.dataDir === 'string') settings.dataDir = resolve(base, settings.dataDir)
  let config: IssuerConfig
  try {
    config = parseIssuerConfig(settings)
  } catch (error) {
    throw new CliError(`${path}: ${(error as Error).message}`)
  }
  let kek: Kek
  if (kekFile !== undefined) {
    if (typeof kekFile !== 'string') throw new CliError(`${path}: kekFile must be a path`)
    const kekPath = resolve(base, kekFile)
    let text: string
    try {
      text = readFileSync(kekPath, 'utf8')
    } catch (error) {
      throw new CliError(`cannot read the KEK file ${kekPath}: ${(error as Error).message}`)
    }
    kek = parseKek(text, kekPath)
  } else {
    const resolution = resolveKek({ mode: config.mode, env: process.env })
    if (resolution.generated)
      throw new CliError(`${path} names no kekFile and ALMA_KEK is not set: the stored signing keys cannot be read`)
    kek = resolution.kek
  }
  return { file: path, config, kek }
}
