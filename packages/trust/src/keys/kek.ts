import { createHash, randomBytes } from 'node:crypto'
import { TrustError } from '../errors.ts'

/** The environment variable that carries the key-encryption key (base64url of 32 bytes). */
export const KEK_ENV_VAR = 'ALMA_KEK'

/** A key-encryption key: 32 bytes for AES-256-GCM, and a public id that names it in records. */
export interface Kek {
  /** 32 secret bytes. */
  readonly key: Uint8Array
  /** A non-secret id derived from the key, stored beside each envelope so a wrong KEK is named. */
  readonly id: string
}

/** The outcome of {@link resolveKek}. */
export interface KekResolution {
  readonly kek: Kek
  /** True when no KEK was configured and a development KEK was generated for this process. */
  readonly generated: boolean
  /** What the caller should log when `generated` is true (it never contains the key). */
  readonly message?: string
  /** The generated KEK, base64url, so a development setup can persist it; absent when configured. */
  readonly generatedValue?: string
}

/** Options of {@link resolveKek}. */
export interface ResolveKekOptions {
  /** `production` refuses to start without a KEK; `development` generates one. */
  readonly mode: 'production' | 'development'
  /** A KEK from the configuration file; wins over the environment. */
  readonly value?: string | undefined
  /** The environment to read `ALMA_KEK` from (pass `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>
}

const BASE64URL_32_BYTES = /^[A-Za-z0-9_-]{43}$/

/**
 * Turns a base64url string of 32 bytes into a {@link Kek}, or throws `kek_invalid`.
 */
export function parseKek(value: string, source = KEK_ENV_VAR): Kek {
  const trimmed = value.trim()
  if (!BASE64URL_32_BYTES.test(trimmed)) {
    throw new TrustError(
      'kek_invalid',
      `${source} must be 32 random bytes in base64url without padding (43 characters); got ${trimmed.length} characters`,
    )
  }
  const key = new Uint8Array(Buffer.from(trimmed, 'base64url'))
  if (key.length !== 32) throw new TrustError('kek_invalid', `${source} does not decode to 32 bytes`)
  return { key, id: kekIdOf(key) }
}

/** A non-secret id for a KEK: a domain-separated SHA-256 of it, truncated (not reversible). */
function kekIdOf(key: Uint8Array): string {
  return createHash('sha256').update('alma-kek-id:v1:').update(key).digest().subarray(0, 8).toString('base64url')
}

/**
 * Finds the key-encryption key that protects tenant signing keys at rest (architecture.md,
 * "Keys are loaded from the store (encrypted at rest)"). In production a missing KEK is fatal, so
 * start-up stops with a message naming the variable; in development a KEK is generated and the
 * caller announces it (style.md, practice 6).
 *
 * @example
 * ```ts
 * const { kek, generated, message } = resolveKek({ mode: config.mode, env: process.env })
 * if (generated) log.warn(message)
 * ```
 */
export function resolveKek(options: ResolveKekOptions): KekResolution {
  const configured = options.value ?? options.env?.[KEK_ENV_VAR]
  if (configured !== undefined && configured.trim() !== '') {
    return {
      kek: parseKek(configured, options.value !== undefined ? 'the configured KEK' : KEK_ENV_VAR),
      generated: false,
    }
  }
  if (options.mode === 'production') {
    throw new TrustError(
      'kek_missing',
      `${KEK_ENV_VAR} is not set. In production the key-encryption key is required: tenant signing keys are stored ` +
        `encrypted with it. Generate one with \`node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"\` ` +
        `and set ${KEK_ENV_VAR} (keep it out of the database and its backups).`,
    )
  }
  const generatedValue = randomBytes(32).toString('base64url')
  return {
    kek: parseKek(generatedValue, 'the generated KEK'),
    generated: true,
    generatedValue,
    message:
      `${KEK_ENV_VAR} is not set: generated a development key-encryption key for this process. Signing keys stored ` +
      `with it cannot be decrypted after a restart unless the same value is set as ${KEK_ENV_VAR}. Never run production like this.`,
  }
}
