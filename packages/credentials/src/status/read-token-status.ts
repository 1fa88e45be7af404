import { CredentialError } from '../errors.ts'
import { checkValidityWindow } from '../jose/check-validity.ts'
import { type ResolveIssuerKey, verifyJws } from '../jose/verify-jws.ts'
import { decodeTokenStatusList, type ReadTokenStatusListOptions, tokenStatusAt } from './token-status-list.ts'
import { STATUS_LIST_JWT_TYP, type StatusListTokenPayload, zStatusListTokenPayload } from './z-token-status-list.ts'

/** Status values of draft-ietf-oauth-status-list §7.1. */
export const TOKEN_STATUS = { VALID: 0, INVALID: 1, SUSPENDED: 2 } as const

export interface ReadTokenStatusOptions extends ReadTokenStatusListOptions {
  /** `status.status_list.uri` of the credential: the token's `sub` must equal it (§8.3 step 3.c). */
  readonly uri: string
  /** `status.status_list.idx` of the credential. */
  readonly idx: number
  /** How to check the token's signature and lifetime. */
  readonly verify: {
    readonly resolveIssuerKey: ResolveIssuerKey
    readonly now: Date
    readonly algorithms?: readonly string[]
  }
}

export interface TokenStatus {
  /** 0 valid, 1 invalid, 2 suspended, others application-specific (§7.1). */
  readonly status: number
  readonly bits: number
  readonly payload: StatusListTokenPayload
}

/**
 * Reads one status from a Status List Token (draft-ietf-oauth-status-list §8.3): verifies the JWT
 * (`typ: statuslist+jwt`, allowed alg, trusted key, `exp`), checks that `sub` is the URI the
 * credential referenced (so a list for other credentials cannot be substituted), inflates `lst`
 * with the output capped, and reads `idx` LSB-first; an index beyond the list is refused.
 */
export async function readTokenStatus(jwt: string, options: ReadTokenStatusOptions): Promise<TokenStatus> {
  const { payload: raw } = await verifyJws(jwt, {
    typ: [STATUS_LIST_JWT_TYP],
    resolveKey: options.verify.resolveIssuerKey,
    ...(options.verify.algorithms ? { algorithms: options.verify.algorithms } : {}),
  })
  const parsed = zStatusListTokenPayload.safeParse(raw)
  if (!parsed.success) {
    throw new CredentialError('status_list_invalid', `not a Status List Token: ${parsed.error.issues[0]?.message}`)
  }
  const payload = parsed.data
  if (payload.sub !== options.uri) {
    throw new CredentialError(
      'status_list_uri_mismatch',
      `the list is ${payload.sub}, the credential references ${options.uri}`,
    )
  }
  checkValidityWindow({ exp: payload.exp }, options.verify.now)
  const bytes = decodeTokenStatusList(payload.status_list.lst, options)
  const status = tokenStatusAt(bytes, payload.status_list.bits, options.idx)
  return { status, bits: payload.status_list.bits, payload }
}
