import { z } from 'zod'

/** draft-ietf-oauth-status-list §5.1: the JOSE `typ` of a Status List Token. */
export const STATUS_LIST_JWT_TYP = 'statuslist+jwt'

/**
 * draft-ietf-oauth-status-list §5.1 "Status List Token in JWT Format": `sub` (the list's URI) and
 * `iat` required, `exp` and `ttl` recommended, `status_list {bits, lst}` (§4.2).
 */
export const zStatusListTokenPayload = z.looseObject({
  iss: z.string().optional(),
  sub: z.string(),
  iat: z.number().int(),
  exp: z.number().int().optional(),
  ttl: z.number().int().nonnegative().optional(),
  status_list: z.looseObject({
    bits: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)]),
    lst: z.string(),
  }),
})
export type StatusListTokenPayload = z.infer<typeof zStatusListTokenPayload>

/** draft-ietf-oauth-status-list §6.1: the `status` claim of a Referenced Token (e.g. an SD-JWT VC). */
export const zStatusListReference = z.object({
  status_list: z.object({ idx: z.number().int().nonnegative(), uri: z.url() }),
})
export type StatusListReference = z.infer<typeof zStatusListReference>
