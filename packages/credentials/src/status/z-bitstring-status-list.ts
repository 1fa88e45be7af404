import { z } from 'zod'

/**
 * The terms of W3C Bitstring Status List v1.0 that the VC 1.1 context lacks. The REC defines them
 * in the VC 2.0 context only (`https://www.w3.org/ns/credentials/v2`), which cannot be combined with
 * the VC 1.1 context EDC needs (elm.md, "Stay on the VC 1.1 context"), and the EDC offline loader
 * fetches no other URL; so we embed exactly those term definitions, with the IRIs the VC 2.0
 * context gives them, as an inline context. Without it a JSON-LD processor in safe mode rejects the
 * credential (undefined terms), as `validateEdcShacl` does.
 */
const STATUS = 'https://www.w3.org/ns/credentials/status#'
export const BITSTRING_STATUS_CONTEXT = {
  BitstringStatusListEntry: `${STATUS}BitstringStatusListEntry`,
  BitstringStatusListCredential: `${STATUS}BitstringStatusListCredential`,
  BitstringStatusList: `${STATUS}BitstringStatusList`,
  statusPurpose: `${STATUS}statusPurpose`,
  statusListIndex: `${STATUS}statusListIndex`,
  statusListCredential: { '@id': `${STATUS}statusListCredential`, '@type': '@id' },
  encodedList: { '@id': `${STATUS}encodedList`, '@type': 'https://w3id.org/security#multibase' },
  ttl: `${STATUS}ttl`,
} as const

/** Bitstring Status List v1.0 §2.1: the purposes a list can have (`message` lists are not issued by us). */
export const zStatusPurpose = z.enum(['revocation', 'suspension', 'refresh', 'message'])
export type StatusPurpose = z.infer<typeof zStatusPurpose>

/**
 * Bitstring Status List v1.0 §2.1 "BitstringStatusListEntry": the `credentialStatus` of a
 * credential. `statusListIndex` is a string of digits (the spec's "string representation of an
 * integer"), not a JSON number.
 */
export const zBitstringStatusListEntry = z.object({
  id: z.string().optional(),
  type: z.literal('BitstringStatusListEntry'),
  statusPurpose: zStatusPurpose,
  statusListIndex: z.string().regex(/^(0|[1-9][0-9]{0,9})$/, 'must be a non-negative integer written as a string'),
  statusListCredential: z.url(),
})
export type BitstringStatusListEntry = z.infer<typeof zBitstringStatusListEntry>

/** Bitstring Status List v1.0 §2.2 "BitstringStatusListCredential": its subject. */
export const zBitstringStatusList = z.object({
  id: z.string(),
  type: z.literal('BitstringStatusList'),
  statusPurpose: zStatusPurpose,
  encodedList: z.string().startsWith('u', 'must be multibase base64url (prefix "u")'),
  ttl: z.number().int().nonnegative().optional(),
})
export type BitstringStatusList = z.infer<typeof zBitstringStatusList>
