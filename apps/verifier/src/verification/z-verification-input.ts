import { z } from 'zod'

/**
 * One presentation out of a `vp_token` (OpenID4VP 1.0 §8.1, Appendix B): for `jwt_vc_json` a VP JWT
 * wrapping exactly one VC-JWT (B.1.3.1), for `dc+sd-jwt` an SD-JWT with its KB-JWT (B.3.6).
 */
export const zPresentedCredential = z.discriminatedUnion('format', [
  z.object({ format: z.literal('jwt_vc_json'), vp: z.string().min(1).max(2_000_000) }),
  z.object({ format: z.literal('dc+sd-jwt'), presentation: z.string().min(1).max(2_000_000) }),
])
export type PresentedCredential = z.infer<typeof zPresentedCredential>

/** What a relying party requires beyond a valid credential; evaluated on verified claims only. */
export const zRelyingPartyPolicy = z.strictObject({
  /** EQF level at least this (Annex I element 8). */
  minEqfLevel: z.number().int().min(1).max(8).optional(),
  /** ECTS credits at least this (Annex I element 7). */
  minEcts: z.number().nonnegative().optional(),
  /** A signed alliance registry (trust's `createAllianceRegistry`): the issuer must be an active member. */
  allianceRegistryJwt: z.string().optional(),
  /** The alliance DID the registry must be issued by; its key is resolved with the DID resolver. */
  allianceDid: z.string().optional(),
  /** The course (learning achievement specification) id, or its last path segment. */
  courseId: z.string().optional(),
  /** An ESCO skill URI one of the learning outcomes must name. */
  escoSkill: z.string().optional(),
})
export type RelyingPartyPolicy = z.infer<typeof zRelyingPartyPolicy>

/**
 * The claims of a `jwt_vc_json` VP JWT (VC Data Model 1.1 §6.3.1 "vp" claim; OpenID4VP 1.0
 * Appendix B.1.3.1): `nonce` and `aud` are required and are the request's, `aud` a single string
 * (security.md). `iat` is optional there and in RFC 7519 §4.1.6 (Credo sends none): freshness
 * comes from our single-use nonce; an `iat` that is present must be a NumericDate (RFC 7519 §2)
 * and is then held to the accepted window.
 */
export const zVpJwtPayload = z.looseObject({
  iss: z.string().optional(),
  aud: z.string({ error: 'aud must be a single string (our client_id), not an array' }),
  nonce: z.string(),
  iat: z.number({ error: 'iat, when present, must be a NumericDate (seconds since the epoch)' }).optional(),
  nbf: z.number().int().optional(),
  exp: z.number().int().optional(),
  vp: z.looseObject({
    type: z
      .array(z.string())
      .refine((t) => t.includes('VerifiablePresentation'), 'must include VerifiablePresentation'),
    holder: z.string().optional(),
    verifiableCredential: z.array(z.string()).length(1, 'carries exactly one VC-JWT'),
  }),
})
export type VpJwtPayload = z.infer<typeof zVpJwtPayload>
