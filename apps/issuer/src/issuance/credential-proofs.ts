// Key proofs of a credential request (OpenID4VCI 1.0 §8.2.1.1 and Appendix F.1): every rule the
// spec and security.md name, checked before the library verifies the signature.
import { hasPrivateJwkMembers } from '@alma/trust'
import { decodeJwt, decodeProtectedHeader, type JWK } from 'jose'
import { IssuerError } from '../errors.ts'
import { WALLET_SIGNING_ALGS } from '../oauth-callbacks.ts'
import type { IssuerContext, TenantRuntime } from './issuer-context.ts'

/** The key a credential is bound to: a DID (jwt_vc_json `credentialSubject.id`) or a JWK (`cnf`). */
export interface HolderKey {
  readonly jwk: JWK
  readonly did?: string
}

export interface VerifiedProofs {
  readonly nonce: string
  readonly holders: readonly HolderKey[]
}

function invalidProof(description: string, index: number, total: number): IssuerError {
  return new IssuerError('invalid_proof', total > 1 ? `proof ${index + 1}: ${description}` : description)
}

/** App. F.1 rules on one proof JWT that are about its shape, not its signature. */
function checkProofShape(ctx: IssuerContext, tenant: TenantRuntime, jwt: string, index: number, total: number) {
  let header: ReturnType<typeof decodeProtectedHeader>
  let payload: ReturnType<typeof decodeJwt>
  try {
    header = decodeProtectedHeader(jwt)
    payload = decodeJwt(jwt)
  } catch {
    throw invalidProof('not a signed JWT', index, total)
  }
  if (header.typ !== 'openid4vci-proof+jwt') throw invalidProof('typ must be openid4vci-proof+jwt', index, total)
  if (!WALLET_SIGNING_ALGS.includes(header.alg as (typeof WALLET_SIGNING_ALGS)[number])) {
    throw invalidProof(`alg ${String(header.alg)} is not supported (${WALLET_SIGNING_ALGS.join(', ')})`, index, total)
  }
  // RFC 7515 §4.1.11: we understand no extension, so any crit makes the proof unusable.
  if (header.crit !== undefined) {
    // Names are echoed only when plainly safe (RFC 6749 §5.2 limits error_description's characters).
    const named = (Array.isArray(header.crit) ? header.crit : [header.crit])
      .slice(0, 5)
      .map((name) => (typeof name === 'string' && /^[A-Za-z0-9._-]{1,40}$/.test(name) ? name : '?'))
      .join(', ')
    throw invalidProof(`crit (${named}) names header parameters this issuer does not process`, index, total)
  }
  // RFC 8725 §3.10 and security.md: a key is never fetched from where the JWT says. jku and x5u are
  // refused, not ignored, so the key a credential is bound to is only ever the one the proof
  // carries or its DID names.
  for (const member of ['jku', 'x5u'] as const) {
    if (header[member] !== undefined) {
      throw invalidProof(
        `${member} is not accepted: keys are never fetched from a URL; send the key in jwk`,
        index,
        total,
      )
    }
  }
  // App. F.1 allows x5c, but our configurations advertise binding to a jwk or a DID
  // (cryptographic_binding_methods_supported) and no trust in wallet certificates: a chain we would
  // not validate must not look as if it had been.
  if (header.x5c !== undefined) {
    throw invalidProof(
      'x5c is not accepted: this issuer binds credentials to a jwk or a DID, send one of those',
      index,
      total,
    )
  }
  const keyMembers = (['kid', 'jwk'] as const).filter((m) => header[m] !== undefined)
  if (keyMembers.length !== 1) throw invalidProof('exactly one of kid or jwk must name the key', index, total)
  if (header.jwk && hasPrivateJwkMembers(header.jwk))
    throw invalidProof('jwk must not contain private key members', index, total)
  if (header.kid !== undefined && !header.kid.startsWith('did:')) {
    throw invalidProof('kid must be a DID URL (did:key, did:jwk or did:web)', index, total)
  }
  if (typeof payload.aud !== 'string' || payload.aud !== tenant.urls.issuer) {
    throw invalidProof(`aud must be this issuer's identifier ${tenant.urls.issuer}`, index, total)
  }
  const nowSeconds = ctx.now().getTime() / 1000
  if (typeof payload.iat !== 'number') throw invalidProof('iat is missing', index, total)
  if (Math.abs(nowSeconds - payload.iat) > ctx.config.proofIatWindowSeconds) {
    throw invalidProof(`iat is more than ${ctx.config.proofIatWindowSeconds} s away from now`, index, total)
  }
  if (typeof payload.nonce !== 'string' || payload.nonce.length === 0) {
    throw invalidProof('nonce is missing (get one from the nonce endpoint)', index, total)
  }
  return { header, nonce: payload.nonce }
}

/** App. F.1 shape rules on every proof of a request, in order; the first failure is thrown. */
export function checkProofShapes(ctx: IssuerContext, tenant: TenantRuntime, proofJwts: readonly string[]) {
  return proofJwts.map((jwt, i) => checkProofShape(ctx, tenant, jwt, i, proofJwts.length))
}

/**
 * Verifies every proof of a request; one bad proof rejects the whole request (security.md,
 * "Batch"). Returns the common nonce (still to be consumed) and the holder keys.
 */
export async function verifyProofs(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  proofJwts: readonly string[],
): Promise<VerifiedProofs> {
  const shapes = checkProofShapes(ctx, tenant, proofJwts)
  const total = proofJwts.length
  const nonce = shapes[0]?.nonce
  if (nonce === undefined) throw new IssuerError('invalid_proof', 'the request has no proof')
  if (shapes.some((s) => s.nonce !== nonce))
    throw new IssuerError('invalid_nonce', 'all proofs must use the same c_nonce')
  const metadata = await tenant.issuerMetadata()
  const holders: HolderKey[] = []
  for (const [i, jwt] of proofJwts.entries()) {
    let signer: Awaited<ReturnType<typeof tenant.vci.verifyCredentialRequestJwtProof>>['signer']
    try {
      ;({ signer } = await tenant.vci.verifyCredentialRequestJwtProof({
        jwt,
        issuerMetadata: metadata,
        expectedNonce: nonce,
        now: ctx.now(),
      }))
    } catch (error) {
      throw new IssuerError(
        'invalid_proof',
        total > 1 ? `proof ${i + 1}: signature invalid` : 'the proof signature is invalid',
        {
          cause: error,
        },
      )
    }
    // The verification callback (oauth-callbacks.ts) already resolved the key the proof names —
    // jwk or DID URL (x5c is refused above) — and the library hands it back as signer.publicJwk.
    const jwk = (signer as { publicJwk?: JWK }).publicJwk
    if (!jwk) throw invalidProof('unsupported key reference', i, total)
    holders.push(signer.method === 'did' ? { jwk, did: signer.didUrl.split('#')[0] } : { jwk })
  }
  return { nonce, holders }
}
