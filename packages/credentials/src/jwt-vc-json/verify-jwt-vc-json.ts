import type { EdcDocument } from '@alma/elm'
import { CredentialError } from '../errors.ts'
import { checkValidityWindow, DEFAULT_CLOCK_SKEW_SECONDS } from '../jose/check-validity.ts'
import { type DecodedJws, type JsonObject, type ResolveIssuerKey, verifyJws } from '../jose/verify-jws.ts'
import type { BitstringStatusListEntry } from '../status/z-bitstring-status-list.ts'
import type { StatusListReference } from '../status/z-token-status-list.ts'
import { edcOfJwtVc, type HolderBinding } from './create-jwt-vc-json.ts'
import { JWT_VC_TYPS, type JwtVcJsonPayload, zJwtVcJsonPayload } from './z-jwt-vc-json.ts'

export interface VerifyJwtVcJsonOptions {
  readonly resolveIssuerKey: ResolveIssuerKey
  readonly now: Date
  /** Allowed JWS algorithms; default ES256, ES384, EdDSA. */
  readonly algorithms?: readonly string[]
  readonly clockSkewSeconds?: number
}

export interface VerifiedJwtVcJson {
  readonly header: JsonObject
  readonly payload: JwtVcJsonPayload
  /** The EDC document inside (see {@link edcOfJwtVc}). */
  readonly edc: EdcDocument
  /** The `status` claim: the credential's entry on an IETF Token Status List (what we issue). */
  readonly status?: StatusListReference
  /** `vc.credentialStatus` of credentials issued before the `status` claim (W3C Bitstring). */
  readonly credentialStatus?: BitstringStatusListEntry
  /** Who the credential is bound to: `sub` (a DID) or `cnf.jwk`. */
  readonly holder?: HolderBinding
}

/**
 * Verifies a `jwt_vc_json` credential (VC Data Model 1.1 §6.3.1; RFC 8725): header checks (`typ`
 * JWT, allowed `alg`, no `crit`, no `jku`/`x5u`), the issuer's key and signature, then the claims:
 * `iss` equals `vc.issuer` (or its `id`), `jti` equals `vc.id`, `sub` equals
 * `vc.credentialSubject.id`, and `nbf` / `exp` hold at `now`. Status is not fetched here: the
 * caller checks the returned `status` with `readTokenStatus`, and a legacy `credentialStatus`
 * with `checkBitstringStatus`.
 */
export async function verifyJwtVcJson(
  jwt: string | DecodedJws,
  options: VerifyJwtVcJsonOptions,
): Promise<VerifiedJwtVcJson> {
  const { header, payload: raw } = await verifyJws(jwt, {
    typ: JWT_VC_TYPS,
    resolveKey: options.resolveIssuerKey,
    ...(options.algorithms ? { algorithms: options.algorithms } : {}),
  })
  const parsed = zJwtVcJsonPayload.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new CredentialError(
      'claims_invalid',
      `not a jwt_vc_json credential: ${issue?.path.join('.')} ${issue?.message}`,
    )
  }
  const payload = parsed.data
  const vc = payload.vc
  const vcIssuer = typeof vc.issuer === 'string' ? vc.issuer : vc.issuer.id
  if (vcIssuer !== payload.iss) {
    // VC 1.1 §6.3.1.1: iss represents the issuer property; two different issuers is a forgery or a bug.
    throw new CredentialError('issuer_mismatch', `iss ${payload.iss} is not the credential's issuer ${vcIssuer}`)
  }
  if (payload.jti !== undefined && vc.id !== undefined && payload.jti !== vc.id) {
    throw new CredentialError('claims_invalid', 'jti is not the credential id')
  }
  if (payload.sub !== undefined && vc.credentialSubject.id !== undefined && payload.sub !== vc.credentialSubject.id) {
    throw new CredentialError('claims_invalid', 'sub is not the credential subject id')
  }
  checkValidityWindow(payload, options.now, options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS)
  const holder: HolderBinding | undefined = payload.sub
    ? { did: payload.sub }
    : payload.cnf
      ? { jwk: payload.cnf.jwk }
      : undefined
  return {
    header,
    payload,
    edc: edcOfJwtVc(vc),
    ...(payload.status ? { status: payload.status } : {}),
    ...(vc.credentialStatus ? { credentialStatus: vc.credentialStatus } : {}),
    ...(holder ? { holder } : {}),
  }
}
