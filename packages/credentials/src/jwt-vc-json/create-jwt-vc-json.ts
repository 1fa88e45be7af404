import { type EdcDocument, parseEdc } from '@alma/elm'
import type { Signer } from '@alma/trust'
import { hasPrivateJwkMembers } from '@alma/trust'
import type { JWK } from 'jose'
import { CredentialError } from '../errors.ts'
import { numericDate, roundDownInstant, type TimeGranularity } from '../jose/time.ts'
import {
  BITSTRING_STATUS_CONTEXT,
  type BitstringStatusListEntry,
  type StatusPurpose,
} from '../status/z-bitstring-status-list.ts'
import type { JwtVcJsonPayload } from './z-jwt-vc-json.ts'

/** The wallet's key: a DID (its `credentialSubject.id` and `sub`) or a bare JWK (`cnf.jwk`, HAIP). */
export type HolderBinding = { readonly did: string } | { readonly jwk: JWK }

export interface CreateJwtVcJsonInput {
  /** The EDC document from `buildEdc`; its `issuer.id` must be the issuer's DID (elm.md, "our eIDAS link"). */
  readonly edc: EdcDocument
  readonly issuer: { readonly tenantId: string; readonly did: string }
  readonly holder: HolderBinding
  /** The credential's place on a W3C Bitstring Status List. */
  readonly status?: { readonly listCredentialUrl: string; readonly index: number; readonly purpose: StatusPurpose }
  readonly now: Date
  readonly sign: Signer
  /** How coarsely `iat` / `nbf` are written; default `hour`. */
  readonly granularity?: TimeGranularity
}

/** The `credentialStatus` of a VC (Bitstring Status List v1.0 §2.1), its index as a string. */
export function bitstringStatusEntry(status: NonNullable<CreateJwtVcJsonInput['status']>): BitstringStatusListEntry {
  if (!Number.isInteger(status.index) || status.index < 0) {
    throw new CredentialError('invalid_input', `status index ${status.index} is not a non-negative integer`)
  }
  return {
    id: `${status.listCredentialUrl}#${status.index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: status.purpose,
    statusListIndex: String(status.index),
    statusListCredential: status.listCredentialUrl,
  }
}

/**
 * Issues an EDC document as a `jwt_vc_json` credential: a VC-JWT in the VC Data Model 1.1 JWT
 * encoding (§6.3.1) whose `vc` claim is the EDC document (elm.md, "ELM in wallet formats"), with
 * - `credentialStatus` a `BitstringStatusListEntry` (protocols.md, "Status lists") and the inline
 *   context that defines its terms ({@link BITSTRING_STATUS_CONTEXT});
 * - `credentialSubject.id` = `sub` = the holder's DID, or `cnf.jwk` for a key-bound holder;
 * - `iss` = the issuer DID, `jti` = the credential id, `nbf` from `validFrom` and `iat` from `now`,
 *   both rounded down (security.md: do not reveal the issuance second), `exp` from `validUntil`;
 * - JOSE header `typ: JWT`, `kid` = the tenant's DID URL, `x5c` = its seal certificate chain.
 *
 * The EC's SHACL shape types `credentialStatus` as an `xsd:anyURI` literal, so the `vc` with a
 * status entry is not EDC-conformant as a whole; the EDC part ({@link edcOfJwtVc}) is. See the
 * package README, "SHACL and credentialStatus".
 */
export async function createJwtVcJson(input: CreateJwtVcJsonInput): Promise<string> {
  const parsed = parseEdc(input.edc)
  if (parsed.issuer.id !== input.issuer.did) {
    throw new CredentialError(
      'invalid_input',
      `the EDC issuer is ${parsed.issuer.id}, the signing tenant's DID ${input.issuer.did}`,
    )
  }
  const holder = input.holder
  if ('did' in holder && !/^did:[a-z0-9]+:\S+$/.test(holder.did)) {
    throw new CredentialError('invalid_input', 'the holder DID is not a DID')
  }
  if ('jwk' in holder && hasPrivateJwkMembers(holder.jwk)) {
    throw new CredentialError('invalid_input', 'the holder JWK has private members')
  }
  const granularity = input.granularity ?? 'hour'
  const vc: Record<string, unknown> = structuredClone(input.edc)
  if (input.status) {
    vc['@context'] = [...input.edc['@context'], BITSTRING_STATUS_CONTEXT]
    vc.credentialStatus = bitstringStatusEntry(input.status)
  }
  if ('did' in holder) vc.credentialSubject = { ...(vc.credentialSubject as object), id: holder.did }
  const validFrom = parsed.validFrom ? new Date(parsed.validFrom) : input.now
  const payload: Omit<JwtVcJsonPayload, 'vc'> & { vc: Record<string, unknown> } = {
    iss: input.issuer.did,
    ...('did' in holder ? { sub: holder.did } : { cnf: { jwk: { ...holder.jwk } } }),
    jti: parsed.id,
    nbf: numericDate(roundDownInstant(validFrom, granularity)),
    iat: numericDate(roundDownInstant(input.now, granularity)),
    ...(parsed.validUntil ? { exp: numericDate(new Date(parsed.validUntil)) } : {}),
    vc,
  }
  return input.sign.signJwt(input.issuer.tenantId, payload, { typ: 'JWT', includeX5c: true })
}

/**
 * The EDC document inside a `vc` claim: without our status entry and its inline context, which the
 * EDC shapes do not model. This is what `validateEdcShacl` is run on.
 */
export function edcOfJwtVc(vc: Record<string, unknown>): EdcDocument {
  const { credentialStatus: _status, ...rest } = vc
  const contexts = Array.isArray(vc['@context']) ? vc['@context'] : []
  return { ...rest, '@context': contexts.filter((c): c is string => typeof c === 'string') } as EdcDocument
}
