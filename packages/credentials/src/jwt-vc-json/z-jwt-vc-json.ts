import { z } from 'zod'
import { zBitstringStatusListEntry } from '../status/z-bitstring-status-list.ts'
import { zStatusListReference } from '../status/z-token-status-list.ts'

/** The VC Data Model 1.1 base context, first in every `@context` (VC 1.1 §4.1). */
export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1'

/** VC 1.1 §6.3.1: a VC-JWT's JOSE header `typ`, if present, is `JWT`; we require it (RFC 8725 §3.11). */
export const JWT_VC_TYPS: readonly string[] = ['JWT']

const zJsonObject = z.record(z.string(), z.unknown())

/**
 * The `vc` claim of a `jwt_vc_json` credential (VC Data Model 1.1 §6.3.1 "JWT and JWS
 * Considerations"): the credential itself, here an EDC document. `credentialStatus` is read only
 * for credentials issued before the JWT `status` claim replaced it (a `BitstringStatusListEntry`).
 */
export const zJwtVc = z.looseObject({
  '@context': z
    .array(z.union([z.string(), zJsonObject]))
    .refine((contexts) => contexts[0] === VC_V1_CONTEXT, `must start with ${VC_V1_CONTEXT}`),
  id: z.string().optional(),
  type: z
    .array(z.string())
    .refine((types) => types.includes('VerifiableCredential'), 'must include VerifiableCredential'),
  issuer: z.union([z.string(), z.looseObject({ id: z.string() })]),
  credentialSubject: z.looseObject({ id: z.string().optional() }),
  credentialStatus: zBitstringStatusListEntry.optional(),
})
export type JwtVc = z.infer<typeof zJwtVc>

/**
 * The claims of a `jwt_vc_json` credential (VC 1.1 §6.3.1.1): `iss` = issuer, `jti` = id,
 * `sub` = credentialSubject.id, `nbf` = issuanceDate, `exp` = expirationDate; `cnf` (RFC 7800
 * §3.2) when the holder is bound by a key rather than a DID (OpenID4VCI 1.0 §8.2 `jwk` proofs);
 * `status` (draft-ietf-oauth-status-list §6.1) the credential's entry on a Token Status List.
 */
export const zJwtVcJsonPayload = z.looseObject({
  iss: z.string(),
  sub: z.string().optional(),
  jti: z.string().optional(),
  nbf: z.number().int(),
  iat: z.number().int().optional(),
  exp: z.number().int().optional(),
  cnf: z.object({ jwk: zJsonObject }).optional(),
  status: zStatusListReference.optional(),
  vc: zJwtVc,
})
export type JwtVcJsonPayload = z.infer<typeof zJwtVcJsonPayload>
