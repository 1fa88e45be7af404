// Token endpoint (OpenID4VCI 1.0 §6; RFC 6749 §4.1.3; RFC 9449 §5): the steps in the order the
// specs give them. Framework-free: the HTTP adapter passes the request and the parsed form body.
import type { RedeemFailure } from '@alma/store'
import {
  authorizationCodeGrantIdentifier,
  PkceCodeChallengeMethod,
  preAuthorizedCodeGrantIdentifier,
  type RequestLike,
} from '@openid4vc/oauth2'
import { IssuerError } from '../errors.ts'
import { assertDpopFresh, assertDpopShape } from './dpop-freshness.ts'
import type { IssuerContext, TenantRuntime } from './issuer-context.ts'
import { hashTxCode, hashValue } from './secrets.ts'

/** What an authorization code stands for (stored by hash until redeemed). */
export interface AuthorizationCodeData {
  readonly offerId: string
  readonly clientId: string
  readonly redirectUri: string
  readonly codeChallenge: string
  readonly dpopJkt?: string
  readonly credentialConfigurationIds: readonly string[]
}

const REDEEM_ERRORS: Readonly<Record<RedeemFailure, [code: 'invalid_grant' | 'invalid_request', description: string]>> =
  {
    unknown_or_used: ['invalid_grant', 'the pre-authorized code is unknown or was already used'],
    expired: ['invalid_grant', 'the pre-authorized code has expired'],
    wrong_tx_code: ['invalid_grant', 'the transaction code is wrong'],
    burnt: ['invalid_grant', 'too many wrong transaction codes: this offer can no longer be redeemed'],
    tx_code_missing: ['invalid_request', 'this offer requires a tx_code'],
    tx_code_unexpected: ['invalid_request', 'this offer has no transaction code, but the request sent tx_code'],
  }

export interface TokenResult {
  readonly body: Record<string, unknown>
}

export async function handleTokenRequest(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  request: RequestLike,
  body: Record<string, unknown>,
): Promise<TokenResult> {
  const now = ctx.now()
  // Step 1: shape (grant type, its parameters, DPoP header syntax). Throws invalid_request /
  // unsupported_grant_type as OAuth errors.
  const parsed = tenant.authorizationServer.parseAccessTokenRequest({ accessTokenRequest: body, request })
  const dpopJwt = parsed.dpop?.jwt
  const dpop = {
    required: tenant.settings.dpopRequired,
    jwt: dpopJwt,
    allowedSigningAlgs: tenant.authorizationServerMetadata.dpop_signing_alg_values_supported,
  }
  // RFC 9449 §4.3: a malformed proof is invalid_dpop_proof before any grant is looked at.
  if (dpopJwt) assertDpopShape({ dpopJwt, allowedAlgs: dpop.allowedSigningAlgs ?? [], status: 400 })

  let offerId: string
  let configurationIds: readonly string[]
  let dpopKey: { jwk: import('@openid4vc/oauth2').Jwk; jwkThumbprint: string } | undefined

  if (parsed.grant.grantType === preAuthorizedCodeGrantIdentifier) {
    // Step 2 (RFC 9449 §4.3): the DPoP proof, before anything changes state.
    const verified = await tenant.authorizationServer.verifyPreAuthorizedCodeAccessTokenRequest({
      authorizationServerMetadata: tenant.authorizationServerMetadata,
      grant: parsed.grant,
      accessTokenRequest: parsed.accessTokenRequest,
      request,
      expectedPreAuthorizedCode: parsed.grant.preAuthorizedCode,
      expectedTxCode: parsed.grant.txCode,
      dpop,
      now,
    })
    dpopKey = verified.dpop
    if (dpopJwt) await assertDpopFresh(dpopFreshness(ctx, tenant, dpopJwt, now))
    // Step 3 (VCI 1.0 §6.3, §13.6.3): redeem the code and check tx_code in ONE atomic statement.
    const code = parsed.grant.preAuthorizedCode
    const result = await ctx.store.offers.redeemPreAuthorizedCode({
      tenantId: tenant.id,
      codeHash: hashValue(code),
      txCodeHash: parsed.grant.txCode === undefined ? undefined : hashTxCode(code, parsed.grant.txCode),
      now,
    })
    if (!result.ok) {
      const [errorCode, description] = REDEEM_ERRORS[result.reason]
      throw new IssuerError(errorCode, description)
    }
    offerId = result.offer.id
    configurationIds = result.offer.credentialConfigurationIds
  } else if (parsed.grant.grantType === authorizationCodeGrantIdentifier) {
    // RFC 6749 §4.1.2: an authorization code is used once; it is consumed before the checks so
    // a failed attempt (wrong verifier, wrong DPoP key) cannot be retried with it.
    const data = await ctx.store.singleUseValues.consume<AuthorizationCodeData>(
      'authorization_code',
      tenant.id,
      hashValue(parsed.grant.code),
      now,
    )
    if (!data) throw new IssuerError('invalid_grant', 'the authorization code is unknown, expired or already used')
    // RFC 6749 §4.1.3: the redirect_uri must be the one of the authorization request.
    if (body.redirect_uri !== undefined && body.redirect_uri !== data.redirectUri) {
      throw new IssuerError('invalid_grant', 'redirect_uri differs from the authorization request')
    }
    if (body.client_id !== undefined && body.client_id !== data.clientId) {
      throw new IssuerError('invalid_grant', 'the code was issued to another client')
    }
    // RFC 7636 §4.6 (S256 only) and RFC 9449 §10: the DPoP key must be the one bound at PAR.
    const verified = await tenant.authorizationServer.verifyAuthorizationCodeAccessTokenRequest({
      authorizationServerMetadata: tenant.authorizationServerMetadata,
      grant: parsed.grant,
      accessTokenRequest: parsed.accessTokenRequest,
      request,
      expectedCode: parsed.grant.code,
      pkce: {
        codeVerifier: parsed.pkceCodeVerifier,
        codeChallenge: data.codeChallenge,
        codeChallengeMethod: PkceCodeChallengeMethod.S256,
      },
      dpop: { ...dpop, required: dpop.required || data.dpopJkt !== undefined, expectedJwkThumbprint: data.dpopJkt },
      now,
    })
    dpopKey = verified.dpop
    if (dpopJwt) await assertDpopFresh(dpopFreshness(ctx, tenant, dpopJwt, now))
    const redeemed = await ctx.store.offers.redeemIssuerState(tenant.id, data.offerId, now)
    if (!redeemed) throw new IssuerError('invalid_grant', 'the credential offer of this code is no longer open')
    offerId = data.offerId
    configurationIds = data.credentialConfigurationIds
  } else {
    throw new IssuerError('unsupported_grant_type', `grant_type ${parsed.grant.grantType} is not supported`)
  }

  // Step 4: a JWT access token (RFC 9068) bound to the DPoP key (RFC 9449 §6), naming the offer.
  const response = await tenant.authorizationServer.createAccessTokenResponse({
    audience: tenant.urls.issuer,
    authorizationServer: tenant.urls.issuer,
    signer: { method: 'custom', alg: 'ES256' },
    subject: offerId,
    expiresInSeconds: ctx.config.accessTokenTtlSeconds,
    scope: configurationIds.join(' '),
    now,
    ...(dpopKey ? { dpop: { jwk: dpopKey.jwk } } : {}),
  })
  return {
    body: {
      ...response,
      // VCI 1.0 §6.2: which credentials this token may fetch.
      authorization_details: configurationIds.map((id) => ({
        type: 'openid_credential',
        credential_configuration_id: id,
        credential_identifiers: [id],
      })),
    },
  }
}

function dpopFreshness(ctx: IssuerContext, tenant: TenantRuntime, dpopJwt: string, now: Date) {
  return {
    store: ctx.store,
    tenantId: tenant.id,
    dpopJwt,
    now,
    windowSeconds: ctx.config.dpopIatWindowSeconds,
    status: 400 as const,
  }
}
