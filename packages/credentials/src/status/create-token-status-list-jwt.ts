import type { Signer } from '@alma/trust'
import { CredentialError } from '../errors.ts'
import { numericDate } from '../jose/time.ts'
import type { StatusListSnapshot } from './status-registry.ts'
import { encodeTokenStatusList, type TokenStatusBits } from './token-status-list.ts'
import { STATUS_LIST_JWT_TYP } from './z-token-status-list.ts'

export interface CreateTokenStatusListJwtInput extends StatusListSnapshot {
  /** The list's URI: `sub` of the token and `status.status_list.uri` of every credential on it. */
  readonly uri: string
  /** `iss`: the issuer's identifier (an https URL or a DID), and the tenant whose key signs. */
  readonly issuer: { readonly tenantId: string; readonly id?: string }
  readonly bits: TokenStatusBits
  readonly now: Date
  /** Seconds a relying party may cache the list (§5.1 `ttl`). */
  readonly ttl: number
  /** Seconds until `exp`; default 24 hours. A stale list must not be served forever (§13.7). */
  readonly validForSeconds?: number
  readonly sign: Signer
  /** Put the signing key's certificate chain in `x5c` (HAIP: SD-JWT VC and its list keyed by x5c); default true. */
  readonly includeX5c?: boolean
}

/**
 * Signs a Status List Token (draft-ietf-oauth-status-list §5.1): header `typ: statuslist+jwt`,
 * claims `sub` = the list URI, `iat`, `exp`, `ttl`, `status_list {bits, lst}`.
 *
 * @example
 * ```ts
 * const jwt = await createTokenStatusListJwt({ uri, issuer: { tenantId, id: issuerUrl }, bits: 1,
 *   size: 131072, entries: [{ idx: 42, status: 1 }], now: new Date(), ttl: 3600, sign: signer })
 * ```
 */
export async function createTokenStatusListJwt(input: CreateTokenStatusListJwtInput): Promise<string> {
  if (!Number.isInteger(input.ttl) || input.ttl < 0)
    throw new CredentialError('invalid_input', 'ttl must be whole seconds')
  const lst = encodeTokenStatusList(input, input.bits)
  const iat = numericDate(input.now)
  const claims = {
    ...(input.issuer.id ? { iss: input.issuer.id } : {}),
    sub: input.uri,
    iat,
    exp: iat + (input.validForSeconds ?? 86_400),
    ttl: input.ttl,
    status_list: { bits: input.bits, lst },
  }
  return input.sign.signJwt(input.issuer.tenantId, claims, {
    typ: STATUS_LIST_JWT_TYP,
    includeX5c: input.includeX5c ?? true,
  })
}
