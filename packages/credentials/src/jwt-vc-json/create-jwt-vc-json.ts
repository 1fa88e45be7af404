import { type EdcDocument, parseEdc } from '@alma/elm'
import type { Signer } from '@alma/trust'
import { hasPrivateJwkMembers } from '@alma/trust'
import type { JWK } from 'jose'
import { CredentialError } from '../errors.ts'
import { numericDate, roundDownInstant, type TimeGranularity } from '../jose/time.ts'
import type { StatusListReference } from '../status/z-token-status-list.ts'
import type { JwtVcJsonPayload } from './z-jwt-vc-json.ts'

/** The wallet's key: a DID (its `credentialSubject.id` and `sub`) or a bare JWK (`cnf.jwk`, HAIP). */
export type HolderBinding = { readonly did: string } | { readonly jwk: JWK }

export interface CreateJwtVcJsonInput {
  /** The EDC document from `buildEdc`; its `issuer.id` must be the issuer's DID (elm.md, "our eIDAS link"). */
  readonly edc: EdcDocument
  readonly issuer: { readonly tenantId: string; readonly did: string }
  readonly holder: HolderBinding
  /**
   * The credential's entry on an IETF Token Status List (`uri` of the list, `idx` in it): written
   * as the JWT's `status` claim, never into the EDC (see {@link createJwtVcJson}).
   */
  readonly status?: { readonly uri: string; readonly idx: number }
  readonly now: Date
  readonly sign: Signer
  /** How coarsely `iat` / `nbf` are written; default `hour`. */
  readonly granularity?: TimeGranularity
}

/**
 * The `status` claim of a Referenced Token (draft-ietf-oauth-status-list §6.1, "Referenced Token in
 * JOSE": `status.status_list {idx, uri}`), defined for any JWT, not only SD-JWT VCs.
 */
export function tokenStatusClaim(status: NonNullable<CreateJwtVcJsonInput['status']>): StatusListReference {
  if (!Number.isInteger(status.idx) || status.idx < 0) {
    throw new CredentialError('invalid_input', `status index ${status.idx} is not a non-negative integer`)
  }
  if (!URL.canParse(status.uri))
    throw new CredentialError('invalid_input', `status list uri ${status.uri} is not a URI`)
  return { status_list: { idx: status.idx, uri: status.uri } }
}

/**
 * Issues an EDC document as a `jwt_vc_json` credential: a VC-JWT in the VC Data Model 1.1 JWT
 * encoding (§6.3.1) whose `vc` claim is the EDC document (elm.md, "ELM in wallet formats"), with
 * - `credentialSubject.id` = `sub` = the holder's DID, or `cnf.jwk` for a key-bound holder;
 * - `iss` = the issuer DID, `jti` = the credential id, `nbf` from `validFrom` and `iat` from `now`,
 *   both rounded down (security.md: do not reveal the issuance second), `exp` from `validUntil`;
 * - the revocation reference as the JWT claim `status: {status_list: {idx, uri}}`
 *   (draft-ietf-oauth-status-list §6.1: the `status` claim applies to any JWT-secured token; the
 *   list is a Status List Token signed with the credential's key, the same `kid` and `x5c`, as its
 *   section "Key Resolution and Trust Management" allows);
 * - JOSE header `typ: JWT`, `kid` = the tenant's DID URL, `x5c` = its seal certificate chain.
 *
 * Why not `vc.credentialStatus`: the EC shape `EDC-generic-no-cv` (`EuropeanDigitalCredential-
 * cred_credentialStatus`: `sh:datatype xsd:anyURI`, max 1) wants a URI *literal*, while the VC 1.1
 * context (`@protected`) makes `credentialStatus` an `@id` node, so no status object — and no bare
 * URL either — conforms; and a literal would carry no list and index a VC verifier could use. So
 * the `vc` is the EDC document exactly as built, and what the wallet receives validates with zero
 * violations. Credentials issued before this carry a W3C `BitstringStatusListEntry` in
 * `vc.credentialStatus`; verifiers still read it. See the package README, "Revocation and SHACL".
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
  const status = input.status ? tokenStatusClaim(input.status) : undefined
  const vc: Record<string, unknown> = structuredClone(input.edc)
  if ('did' in holder) vc.credentialSubject = { ...(vc.credentialSubject as object), id: holder.did }
  const validFrom = parsed.validFrom ? new Date(parsed.validFrom) : input.now
  const payload: Omit<JwtVcJsonPayload, 'vc'> & { vc: Record<string, unknown> } = {
    iss: input.issuer.did,
    ...('did' in holder ? { sub: holder.did } : { cnf: { jwk: { ...holder.jwk } } }),
    jti: parsed.id,
    nbf: numericDate(roundDownInstant(validFrom, granularity)),
    iat: numericDate(roundDownInstant(input.now, granularity)),
    ...(parsed.validUntil ? { exp: numericDate(new Date(parsed.validUntil)) } : {}),
    ...(status ? { status } : {}),
    vc,
  }
  return input.sign.signJwt(input.issuer.tenantId, payload, { typ: 'JWT', includeX5c: true })
}

/**
 * The EDC document inside a `vc` claim. For what we issue now this is the `vc` itself; a credential
 * issued before the `status` claim carries a `BitstringStatusListEntry` in `credentialStatus` and
 * an inline context for its terms, which the EDC shapes do not model: both are left out.
 */
export function edcOfJwtVc(vc: Record<string, unknown>): EdcDocument {
  const { credentialStatus: _status, ...rest } = vc
  const contexts = Array.isArray(vc['@context']) ? vc['@context'] : []
  return { ...rest, '@context': contexts.filter((c): c is string => typeof c === 'string') } as EdcDocument
}
