import type { Signer } from '@alma/trust'
import { numericDate } from '../jose/time.ts'
import { VC_V1_CONTEXT } from '../jwt-vc-json/z-jwt-vc-json.ts'
import { encodeBitstring } from './bitstring.ts'
import type { StatusListSnapshot } from './status-registry.ts'
import { BITSTRING_STATUS_CONTEXT, type StatusPurpose } from './z-bitstring-status-list.ts'

export interface CreateBitstringStatusListCredentialInput extends StatusListSnapshot {
  /** Where the list is served: the credential's `id` and every entry's `statusListCredential`. */
  readonly url: string
  readonly issuer: { readonly tenantId: string; readonly did: string }
  readonly purpose: StatusPurpose
  readonly now: Date
  readonly validUntil?: Date
  /** Milliseconds a verifier may cache the list (§2.2 `ttl`). */
  readonly ttl?: number
  readonly sign: Signer
  /** Put the signing key's certificate chain in `x5c` (elm.md: credential headers carry kid and x5c); default true. */
  readonly includeX5c?: boolean
}

function instant(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/**
 * Signs a `BitstringStatusListCredential` (Bitstring Status List v1.0 §2.2) as a VC-JWT in the
 * VC 1.1 JWT encoding (VC Data Model 1.1 §6.3.1), the same envelope as our `jwt_vc_json`
 * credentials, so one verifier stack (ours, Veramo's) reads both. `encodedList` is built by
 * {@link encodeBitstring} (index 0 the left-most bit; at least 131,072 entries).
 */
export async function createBitstringStatusListCredential(
  input: CreateBitstringStatusListCredentialInput,
): Promise<string> {
  const encodedList = encodeBitstring(input)
  const listId = `${input.url}#list`
  const vc = {
    '@context': [VC_V1_CONTEXT, BITSTRING_STATUS_CONTEXT],
    id: input.url,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: input.issuer.did,
    issuanceDate: instant(input.now),
    validFrom: instant(input.now),
    ...(input.validUntil ? { validUntil: instant(input.validUntil), expirationDate: instant(input.validUntil) } : {}),
    credentialSubject: {
      id: listId,
      type: 'BitstringStatusList',
      statusPurpose: input.purpose,
      encodedList,
      ...(input.ttl !== undefined ? { ttl: input.ttl } : {}),
    },
  }
  const claims = {
    iss: input.issuer.did,
    sub: listId,
    jti: input.url,
    nbf: numericDate(input.now),
    iat: numericDate(input.now),
    ...(input.validUntil ? { exp: numericDate(input.validUntil) } : {}),
    vc,
  }
  return input.sign.signJwt(input.issuer.tenantId, claims, { typ: 'JWT', includeX5c: input.includeX5c ?? true })
}
