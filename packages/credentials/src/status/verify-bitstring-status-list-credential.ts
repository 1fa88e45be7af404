import { z } from 'zod'
import { CredentialError } from '../errors.ts'
import { checkValidityWindow } from '../jose/check-validity.ts'
import { type ResolveIssuerKey, verifyJws } from '../jose/verify-jws.ts'
import { JWT_VC_TYPS } from '../jwt-vc-json/z-jwt-vc-json.ts'
import { type ReadBitstringOptions, readBitstringStatus } from './bitstring.ts'
import {
  type BitstringStatusList,
  type BitstringStatusListEntry,
  zBitstringStatusList,
} from './z-bitstring-status-list.ts'

const zStatusListCredentialPayload = z.looseObject({
  iss: z.string(),
  jti: z.string().optional(),
  nbf: z.number().int().optional(),
  exp: z.number().int().optional(),
  vc: z.looseObject({
    id: z.string().optional(),
    type: z
      .array(z.string())
      .refine((t) => t.includes('BitstringStatusListCredential'), 'must be a BitstringStatusListCredential'),
    credentialSubject: zBitstringStatusList,
  }),
})

export interface VerifyBitstringStatusListCredentialOptions {
  /** The URL the credential's `statusListCredential` named: the list's id must be it. */
  readonly url: string
  readonly resolveIssuerKey: ResolveIssuerKey
  readonly now: Date
  readonly algorithms?: readonly string[]
  /** The issuer of the credential being checked: the list must come from the same issuer. */
  readonly expectedIssuer?: string
}

/**
 * Verifies a Bitstring Status List credential in the VC-JWT encoding and returns its subject
 * (Bitstring Status List v1.0 §3.2 "Validate Algorithm", steps that do not touch the bits).
 */
export async function verifyBitstringStatusListCredential(
  jwt: string,
  options: VerifyBitstringStatusListCredentialOptions,
): Promise<{ issuer: string; list: BitstringStatusList }> {
  const { payload: raw } = await verifyJws(jwt, {
    typ: JWT_VC_TYPS,
    resolveKey: options.resolveIssuerKey,
    ...(options.algorithms ? { algorithms: options.algorithms } : {}),
  })
  const parsed = zStatusListCredentialPayload.safeParse(raw)
  if (!parsed.success) {
    throw new CredentialError(
      'status_list_invalid',
      `not a Bitstring Status List credential: ${parsed.error.issues[0]?.message}`,
    )
  }
  const payload = parsed.data
  const id = payload.vc.id ?? payload.jti
  if (id !== options.url) {
    throw new CredentialError('status_list_uri_mismatch', `the list is ${id}, the credential references ${options.url}`)
  }
  if (options.expectedIssuer !== undefined && payload.iss !== options.expectedIssuer) {
    throw new CredentialError('issuer_mismatch', `the list is issued by ${payload.iss}, not ${options.expectedIssuer}`)
  }
  checkValidityWindow(payload, options.now)
  return { issuer: payload.iss, list: payload.vc.credentialSubject }
}

/**
 * The status of one `BitstringStatusListEntry`, given the fetched list credential: verifies the list
 * and checks that its purpose is the entry's (§3.2: STATUS_VERIFICATION_ERROR otherwise).
 */
export async function checkBitstringStatus(
  entry: BitstringStatusListEntry,
  listCredentialJwt: string,
  options: Omit<VerifyBitstringStatusListCredentialOptions, 'url'> & ReadBitstringOptions,
): Promise<0 | 1> {
  const { list } = await verifyBitstringStatusListCredential(listCredentialJwt, {
    ...options,
    url: entry.statusListCredential,
  })
  if (list.statusPurpose !== entry.statusPurpose) {
    throw new CredentialError(
      'status_list_invalid',
      `the list's purpose is ${list.statusPurpose}, the entry's ${entry.statusPurpose}`,
    )
  }
  return readBitstringStatus(list.encodedList, Number(entry.statusListIndex), options)
}
