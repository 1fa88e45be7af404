// Resource requests (credential, deferred, notification): the access token and its DPoP proof
// (RFC 6750 §2, RFC 9449 §7), then the offer the token was issued for.
import type { Offer } from '@alma/store'
import { type RequestLike, SupportedAuthenticationScheme } from '@openid4vc/oauth2'
import { decodeJwt } from 'jose'
import { challengeHeader, IssuerError } from '../errors.ts'
import { assertDpopFresh, assertDpopShape } from './dpop-freshness.ts'
import type { IssuerContext, TenantRuntime } from './issuer-context.ts'
import { hashValue } from './secrets.ts'

export interface AuthenticatedWallet {
  /**
   * The offer the token was minted for: `token_issued`, `credential_issued`, or `withdrawn` (a
   * credential of its award was revoked or suspended since) — the credential and deferred
   * endpoints refuse a withdrawn one with `credential_request_denied` (VCI 1.0 §8.3.1.2, §9.3),
   * the notification endpoint still hears about what was issued on it.
   */
  readonly offer: Offer
  /** Configuration ids the token grants (its `scope`). */
  readonly grantedConfigurationIds: readonly string[]
  /** `jti` of the access token: deferred transactions are bound to it. */
  readonly tokenId: string
  /** SHA-256 (base64url) of the access token: what the audit log and the redemptions record, never the token. */
  readonly tokenHash: string
}

function unauthorized(description: string, scheme: string) {
  return new IssuerError('invalid_token', description, { wwwAuthenticate: challengeHeader(scheme, 'invalid_token') })
}

export async function authenticateWallet(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  request: RequestLike,
  query: Readonly<Record<string, unknown>>,
): Promise<AuthenticatedWallet> {
  const scheme = tenant.settings.dpopRequired ? 'DPoP' : 'Bearer'
  // RFC 6750 §2.3 is a MAY we refuse: tokens in URLs leak into logs (suite fail-on-access-token-in-query).
  if (query.access_token !== undefined) throw unauthorized('access tokens are not accepted in the query string', scheme)
  const authorization = request.headers.get('authorization') ?? ''
  const [given, token] = authorization.split(' ', 2)
  if (!given || !token) throw unauthorized('the request has no access token in its Authorization header', scheme)
  let claims: ReturnType<typeof decodeJwt> | undefined
  try {
    claims = decodeJwt(token)
  } catch {
    claims = undefined
  }
  // RFC 9449 §7.2: a DPoP-bound token presented as Bearer is not a valid token here.
  const cnf = claims?.cnf as { jkt?: unknown } | undefined
  if (given === 'Bearer' && cnf?.jkt !== undefined) {
    throw unauthorized('this access token is DPoP-bound; present it with DPoP', 'DPoP')
  }
  // RFC 6750 §3.1: say that the token expired (the library's message does not); the signature
  // is still checked below for every token that is not refused here.
  if (typeof claims?.exp === 'number' && claims.exp <= ctx.now().getTime() / 1000) {
    throw unauthorized('the access token has expired', cnf?.jkt !== undefined ? 'DPoP' : scheme)
  }
  const dpopHeader = request.headers.get('dpop')
  if (given === 'DPoP' && dpopHeader) {
    assertDpopShape({
      dpopJwt: dpopHeader,
      allowedAlgs: tenant.authorizationServerMetadata.dpop_signing_alg_values_supported ?? [],
      status: 401,
    })
  }
  const { tokenPayload } = await tenant.resourceServer.verifyResourceRequest({
    authorizationServers: [tenant.authorizationServerMetadata],
    request,
    resourceServer: tenant.urls.issuer,
    allowedAuthenticationSchemes: tenant.settings.dpopRequired
      ? [SupportedAuthenticationScheme.DPoP]
      : [SupportedAuthenticationScheme.DPoP, SupportedAuthenticationScheme.Bearer],
    now: ctx.now(),
  })
  if (tokenPayload.iss !== tenant.urls.issuer) throw unauthorized('the access token is not from this issuer', scheme)
  const dpopJwt = request.headers.get('dpop')
  if (tokenPayload.cnf?.jkt && dpopJwt) {
    await assertDpopFresh({
      store: ctx.store,
      tenantId: tenant.id,
      dpopJwt,
      now: ctx.now(),
      windowSeconds: ctx.config.dpopIatWindowSeconds,
      status: 401,
    })
  }
  const offerId = typeof tokenPayload.sub === 'string' ? tokenPayload.sub : undefined
  const offer = offerId ? await ctx.store.offers.getById(tenant.id, offerId) : undefined
  if (!offer || !['token_issued', 'credential_issued', 'withdrawn'].includes(offer.state)) {
    throw unauthorized('the access token does not name an open issuance', scheme)
  }
  const scope = typeof tokenPayload.scope === 'string' ? tokenPayload.scope.split(' ').filter(Boolean) : []
  return {
    offer,
    grantedConfigurationIds: scope,
    tokenId: typeof tokenPayload.jti === 'string' ? tokenPayload.jti : '',
    tokenHash: hashValue(token),
  }
}
