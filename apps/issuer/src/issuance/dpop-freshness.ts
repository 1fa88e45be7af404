import type { Store } from '@alma/store'
import { decodeJwt } from 'jose'
import { IssuerError } from '../errors.ts'
import { hashValue } from './secrets.ts'

/**
 * What @openid4vc/oauth2 leaves to the server (RFC 9449 §11.1): a DPoP proof's `iat` must be
 * recent and its `jti` never seen before. Call after the library verified the proof's signature,
 * `htm`, `htu` and `ath`.
 */
export async function assertDpopFresh(options: {
  readonly store: Store
  readonly tenantId: string
  readonly dpopJwt: string
  readonly now: Date
  readonly windowSeconds: number
  /** 401 at resource endpoints, 400 at the token endpoint (RFC 9449 §7.1 / §5). */
  readonly status: 400 | 401
}): Promise<void> {
  const fail = (why: string) =>
    new IssuerError('invalid_dpop_proof', why, {
      status: options.status,
      ...(options.status === 401 ? { wwwAuthenticate: 'DPoP error="invalid_dpop_proof", algs="ES256"' } : {}),
    })
  let claims: ReturnType<typeof decodeJwt>
  try {
    claims = decodeJwt(options.dpopJwt)
  } catch {
    throw fail('the DPoP proof is not a JWT')
  }
  const nowSeconds = options.now.getTime() / 1000
  if (typeof claims.iat !== 'number' || Math.abs(nowSeconds - claims.iat) > options.windowSeconds) {
    throw fail(`the DPoP proof's iat is missing or more than ${options.windowSeconds} s off`)
  }
  if (typeof claims.jti !== 'string' || claims.jti.length < 8 || claims.jti.length > 256) {
    throw fail('the DPoP proof needs a jti of 8 to 256 characters')
  }
  const expiresAt = new Date((claims.iat + options.windowSeconds * 2) * 1000)
  const fresh = await options.store.singleUseValues.remember(
    'dpop_jti',
    options.tenantId,
    hashValue(claims.jti),
    expiresAt,
  )
  if (!fresh) throw fail('this DPoP proof was used before (jti replay)')
}
