import { z } from 'zod'

/**
 * Verifier configuration, validated at start-up; an error names the path of the bad setting
 * (style.md, practice 6).
 */
export const zVerifierConfig = z
  .object({
    /** The public base URL; each relying party lives under `<baseUrl>/<relying party>`. */
    baseUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://verifier.example.org' })
      .refine((u) => !u.endsWith('/'), 'must not end with "/"'),
    mode: z.enum(['development', 'production']).default('development'),
    /** Where PGlite keeps its data; in memory when absent. Ignored when `databaseUrl` is set. */
    dataDir: z.string().min(1).optional(),
    databaseUrl: z.string().min(1).optional(),
    /** How long a wallet has to answer a presentation request. */
    requestTtlSeconds: z
      .int()
      .min(30)
      .max(60 * 60 * 24)
      .default(600),
    /** Request objects (§5.7) are valid this long after they are fetched. */
    requestObjectTtlSeconds: z.int().min(30).max(3600).default(300),
    /** How old a VP JWT / KB-JWT `iat` may be. */
    holderProofMaxAgeSeconds: z.int().min(10).max(3600).default(300),
    /** Status lists fetched are reused this long (the list's own `ttl` when shorter). */
    statusListTtlSeconds: z.int().min(0).max(86_400).default(300),
    /** Webhook calls: attempts before giving up, and the first retry delay (doubled each time). */
    webhookMaxAttempts: z.int().min(1).max(20).default(8),
    webhookFirstRetrySeconds: z.int().min(1).max(3600).default(2),
    /** Request bodies over this many bytes get 413 (a jwt_vc_json with its EDC pages is ~250 KB). */
    bodyLimitBytes: z
      .int()
      .min(1024)
      .max(50 * 1024 * 1024)
      .default(4 * 1024 * 1024),
  })
  .strict()

export type VerifierConfig = z.infer<typeof zVerifierConfig>
export type VerifierConfigInput = z.input<typeof zVerifierConfig>

/** Validates the configuration; throws with every bad path named. */
export function parseVerifierConfig(input: unknown): VerifierConfig {
  const result = zVerifierConfig.safeParse(input)
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`)
    throw new Error(`verifier configuration is invalid:\n${lines.join('\n')}`)
  }
  const config = result.data
  if (config.mode === 'production' && new URL(config.baseUrl).protocol !== 'https:') {
    throw new Error('verifier configuration is invalid:\n  baseUrl: production needs an https URL')
  }
  return config
}
