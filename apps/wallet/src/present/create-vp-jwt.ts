// A `jwt_vc_json` presentation (OpenID4VP 1.0 Appendix B.1.3.1; VC Data Model 1.1 §6.3.1): a VP
// JWT wrapping the VC-JWT, for the verifier's `aud` and `nonce`, signed by the key the credential
// is bound to. A VC-JWT has no selective disclosure: the whole credential is shown.
import { randomUUID } from 'node:crypto'
import { decodeJwt } from 'jose'
import { WalletError } from '../errors.ts'
import { type HolderKey, holderDidOf, isKeyOf, signWithHolderKey } from '../holder-keys.ts'

/** Options of {@link createVpJwt}. */
export interface CreateVpJwtInput {
  readonly vcJwt: string
  readonly holderKey: HolderKey
  /** The verifier's client_id: the VP JWT `aud`. */
  readonly audience: string
  /** The request's `nonce`. */
  readonly nonce: string
  readonly now: Date
}

/**
 * Builds the VP JWT: header `typ: JWT`, `kid` = the holder's did:jwk verification method;
 * payload `iss` = holder, `aud`, `nonce`, `iat`, `jti`, and
 * `vp: {@context, type: [VerifiablePresentation], holder, verifiableCredential: [vcJwt]}`.
 *
 * @example
 * ```ts
 * const vp = await createVpJwt({ vcJwt, holderKey, audience: clientId, nonce, now: new Date() })
 * ```
 */
export async function createVpJwt(input: CreateVpJwtInput): Promise<string> {
  let payload: Record<string, unknown>
  try {
    payload = decodeJwt(input.vcJwt)
  } catch (cause) {
    throw new WalletError('credential_invalid', 'the stored VC-JWT cannot be read', { cause })
  }
  // The holder binding the verifier will check: `cnf.jwk` (RFC 7800 §3.2), or a subject DID that
  // is the did:jwk of the holder key. Either way the VP must be signed with that key.
  const holder = holderDidOf(input.holderKey)
  const cnf = payload.cnf as { jwk?: unknown } | undefined
  const bound = (await isKeyOf(input.holderKey, cnf?.jwk)) || payload.sub === holder.did
  if (!bound) throw new WalletError('credential_invalid', 'the VC-JWT is not bound to its stored holder key')
  const iat = Math.floor(input.now.getTime() / 1000)
  return signWithHolderKey(
    input.holderKey,
    { typ: 'JWT', kid: holder.kid },
    {
      iss: holder.did,
      aud: input.audience,
      nonce: input.nonce,
      iat,
      // VC 1.1 §6.3.1.2: jti is the presentation's id.
      jti: `urn:uuid:${randomUUID()}`,
      vp: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiablePresentation'],
        holder: holder.did,
        verifiableCredential: [input.vcJwt],
      },
    },
  )
}
