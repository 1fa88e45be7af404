import { z } from 'zod'
import { zStatusListReference } from '../status/z-token-status-list.ts'

/** SD-JWT VC §3.2.1 / RFC 9901 §5.1: the issuer-signed JWT's `typ` (HAIP 1.0 `dc+sd-jwt`). */
export const SD_JWT_VC_TYP = 'dc+sd-jwt'
/** The pre-2025 media type that deployed wallets and issuers still use (protocols.md, draft-13/15 interop). */
export const LEGACY_SD_JWT_VC_TYP = 'vc+sd-jwt'
/** RFC 9901 §7.3: the Key Binding JWT's `typ`. */
export const KB_JWT_TYP = 'kb+jwt'

/**
 * Claims that must never be selectively disclosable (SD-JWT VC §3.2.2.2; security.md "JOSE and
 * SD-JWT"): a verifier must be able to rely on issuer, type, holder key, status and validity
 * without the holder's cooperation.
 */
export const NEVER_DISCLOSABLE = ['iss', 'vct', 'vct#integrity', 'cnf', 'status', 'iat', 'nbf', 'exp'] as const

/** RFC 9901 §4.1.1 with the IANA "Named Information Hash Algorithm" names we can compute. */
export const SD_ALGS = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' } as const
export type SdAlg = keyof typeof SD_ALGS

const zPublicJwk = z.looseObject({ kty: z.string() })

/**
 * The issuer-signed payload of an SD-JWT VC after disclosures are processed (SD-JWT VC §3.2.2):
 * `iss`, `vct`, `cnf` (RFC 7800) when bound, `status` (Token Status List §6.1), `iat`/`nbf`/`exp`.
 */
export const zSdJwtVcPayload = z.looseObject({
  iss: z.string(),
  vct: z.string(),
  iat: z.number().int().optional(),
  nbf: z.number().int().optional(),
  exp: z.number().int().optional(),
  cnf: z.object({ jwk: zPublicJwk }).optional(),
  status: zStatusListReference.optional(),
  sub: z.string().optional(),
})
export type SdJwtVcPayload = z.infer<typeof zSdJwtVcPayload>

/** RFC 9901 §4.3: the Key Binding JWT's payload. `aud` is a single string (security.md: no `aud` array). */
export const zKbJwtPayload = z.looseObject({
  iat: z.number().int(),
  aud: z.string(),
  nonce: z.string(),
  sd_hash: z.string(),
})
export type KbJwtPayload = z.infer<typeof zKbJwtPayload>
