import type { Store } from '@alma/store'
import { hasPrivateJwkMembers } from '@alma/trust'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { challengeHeader, IssuerError } from '../errors.ts'
import { hashValue } from './secrets.ts'

function dpopFailure(status: 400 | 401) {
  return (why: string) =>
    new IssuerError('invalid_dpop_proof', why, {
      status,
      ...(status === 401 ? { wwwAuthenticate: challengeHeader('DPoP', 'invalid_dpop_proof') } : {}),
    })
}

/**
 * RFC 9449 §4.3 checks 2–6 on the proof's shape, run before @openid4vc/oauth2 verifies it: the
 * library rejects a schema mismatch (wrong `typ`, missing `iat`) with an untyped error, which the
 * token endpoint would answer with a 500 and the resource endpoints with a description that names
 * nothing. Stateless, so a malformed proof spends no code.
 */
export function assertDpopShape(options: {
  readonly dpopJwt: string
  readonly allowedAlgs: readonly string[]
  /** 401 at resource endpoints, 400 at the token and PAR endpoints (RFC 9449 §7.1 / §5). */
  readonly status: 400 | 401
}): void {
  const fail = dpopFailure(options.status)
  let header: ReturnType<typeof decodeProtectedHeader>
  let claims: ReturnType<typeof decodeJwt>
  try {
    header = decodeProtectedHeader(options.dpopJwt)
    claims = decodeJwt(options.dpopJwt)
  } catch {
    throw fail('the DPoP proof is not a JWT')
  }
  if (header.typ !== 'dpop+jwt') throw fail('the DPoP proof must have typ dpop+jwt')
  if (typeof header.alg !== 'string' || !options.allowedAlgs.includes(header.alg)) {
    throw fail(`the DPoP proof's alg ${String(header.alg)} is not one of ${options.allowedAlgs.join(', ')}`)
  }
  // RFC 9449 §4.2: the proof's header is typ, alg and jwk — the key is the one it carries. A header
  // that names a key otherwise (kid, x5c) or where to fetch one (jku, x5u; RFC 8725 §3.10: never
  // dereferenced) is refused rather than ignored, as is crit: no extension is processed here
  // (RFC 7515 §4.1.11).
  for (const member of ['jku', 'x5u', 'x5c', 'kid'] as const) {
    if (header[member] !== undefined) throw fail(`the DPoP proof must carry its key in jwk only, not in ${member}`)
  }
  if (header.crit !== undefined) throw fail('the DPoP proof has crit: no JWS extension is processed here')
  if (typeof header.jwk !== 'object' || header.jwk === null) throw fail('the DPoP proof must carry its key in jwk')
  if (hasPrivateJwkMembers(header.jwk)) throw fail("the DPoP proof's jwk must not contain private key members")
  if (typeof claims.iat !== 'number') throw fail('the DPoP proof has no iat')
  if (typeof claims.jti !== 'string') throw fail('the DPoP proof has no jti')
  if (typeof claims.htm !== 'string' || typeof claims.htu !== 'string') throw fail('the DPoP proof needs htm and htu')
}

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
  const fail = dpopFailure(options.status)
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
