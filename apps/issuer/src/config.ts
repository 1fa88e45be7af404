import { z } from 'zod'

/**
 * Issuer configuration, validated at start-up; an error names the path of the bad setting
 * (style.md, practice 6).
 */
export const zIssuerConfig = z
  .object({
    /** The public base URL; each tenant's Credential Issuer Identifier is `<baseUrl>/<tenant>` (VCI §12.2.1). */
    baseUrl: z.url().refine((u) => !u.endsWith('/'), 'must not end with "/"'),
    mode: z.enum(['development', 'production']).default('development'),
    /** Where PGlite keeps its data; in memory when absent. Ignored when `databaseUrl` is set. */
    dataDir: z.string().min(1).optional(),
    databaseUrl: z.string().min(1).optional(),
    offerTtlSeconds: z
      .int()
      .min(60)
      .max(60 * 60 * 24 * 30)
      .default(60 * 60 * 24 * 7),
    accessTokenTtlSeconds: z.int().min(30).max(3600).default(600),
    cNonceTtlSeconds: z.int().min(10).max(3600).default(300),
    authorizationCodeTtlSeconds: z.int().min(10).max(600).default(60),
    parTtlSeconds: z.int().min(10).max(600).default(90),
    /** VCI §13.6.3: limit tx_code guessing; after this many wrong codes the offer is burnt. */
    maxTxCodeAttempts: z.int().min(1).max(10).default(5),
    /** VCI §12.2.4 `batch_credential_issuance.batch_size`. */
    batchSize: z.int().min(2).max(100).default(10),
    /** RFC 9449 §11.1: accepted DPoP / key proof `iat` drift, seconds. */
    dpopIatWindowSeconds: z.int().min(1).max(300).default(10),
    proofIatWindowSeconds: z.int().min(10).max(3600).default(300),
    /** Request bodies over this many bytes get 413. */
    bodyLimitBytes: z
      .int()
      .min(1024)
      .max(50 * 1024 * 1024)
      .default(1024 * 1024),
  })
  .strict()

export type IssuerConfig = z.infer<typeof zIssuerConfig>
export type IssuerConfigInput = z.input<typeof zIssuerConfig>

/** Validates the configuration; throws with every bad path named. */
export function parseIssuerConfig(input: unknown): IssuerConfig {
  const result = zIssuerConfig.safeParse(input)
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`)
    throw new Error(`issuer configuration is invalid:\n${lines.join('\n')}`)
  }
  const config = result.data
  const url = new URL(config.baseUrl)
  if (config.mode === 'production' && url.protocol !== 'https:') {
    throw new Error('issuer configuration is invalid:\n  baseUrl: production needs an https URL')
  }
  return config
}
