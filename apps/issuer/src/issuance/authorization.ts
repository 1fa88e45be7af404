// Authorization code flow (VCI 1.0 §5 with `issuer_state`; RFC 9126 PAR; RFC 7636 PKCE S256;
// RFC 9449 §10 `dpop_jkt`): PAR stores the request, the learner sees a consent page naming the
// credential, approval mints a single-use code bound to the verifier, client and DPoP key.
import type { Offer } from '@alma/store'
import type { RequestLike } from '@openid4vc/oauth2'
import { IssuerError } from '../errors.ts'
import { parseConfigurationId } from './credential-configurations.ts'
import { assertDpopShape } from './dpop-freshness.ts'
import type { IssuerContext, TenantRuntime } from './issuer-context.ts'
import { hashValue, randomToken } from './secrets.ts'
import type { AuthorizationCodeData } from './token.ts'

/** The pushed request as stored until the learner decides (by hash of its request_uri). */
export interface PushedRequestData {
  readonly offerId: string
  readonly clientId: string
  readonly redirectUri: string
  readonly state?: string
  readonly codeChallenge: string
  readonly dpopJkt?: string
  readonly credentialConfigurationIds: readonly string[]
}

const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:'

/** Which configurations the request asks for: `authorization_details` (VCI 1.0 §5.1.1) or `scope` (§5.1.2). */
function requestedConfigurations(request: Record<string, unknown>, offer: Offer): string[] {
  let details = request.authorization_details
  if (typeof details === 'string') {
    try {
      details = JSON.parse(details)
    } catch {
      throw new IssuerError('invalid_request', 'authorization_details is not JSON')
    }
  }
  const ids = new Set<string>()
  if (Array.isArray(details)) {
    for (const d of details as Record<string, unknown>[]) {
      if (d?.type !== 'openid_credential' || typeof d.credential_configuration_id !== 'string') {
        throw new IssuerError(
          'invalid_request',
          'authorization_details entries need type openid_credential and credential_configuration_id',
        )
      }
      ids.add(d.credential_configuration_id)
    }
  }
  if (typeof request.scope === 'string') {
    for (const scope of request.scope.split(' ').filter(Boolean)) if (parseConfigurationId(scope)) ids.add(scope)
  }
  const requested = ids.size > 0 ? [...ids] : [...offer.credentialConfigurationIds]
  const unknown = requested.filter((id) => !offer.credentialConfigurationIds.includes(id))
  if (unknown.length > 0) throw new IssuerError('invalid_scope', `the offer does not include ${unknown.join(', ')}`)
  return requested
}

/** PAR endpoint (RFC 9126 §2): validate, remember, answer with a request_uri. */
export async function handlePushedAuthorizationRequest(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  request: RequestLike,
  body: Record<string, unknown>,
) {
  const now = ctx.now()
  const { authorizationRequest } = await tenant.authorizationServer.parsePushedAuthorizationRequest({
    authorizationRequest: body,
    request,
  })
  if (authorizationRequest.response_type !== 'code')
    throw new IssuerError('invalid_request', 'response_type must be code')
  if (!authorizationRequest.redirect_uri) throw new IssuerError('invalid_request', 'redirect_uri is required')
  // RFC 7636 / HAIP 1.0 §5: PKCE with S256 only.
  if (!authorizationRequest.code_challenge || authorizationRequest.code_challenge_method !== 'S256') {
    throw new IssuerError('invalid_request', 'PKCE is required: code_challenge with code_challenge_method S256')
  }
  const dpopJwt = request.headers.get('dpop') ?? undefined
  if (dpopJwt) {
    assertDpopShape({
      dpopJwt,
      allowedAlgs: tenant.authorizationServerMetadata.dpop_signing_alg_values_supported ?? [],
      status: 400,
    })
  }
  const { dpop } = await tenant.authorizationServer.verifyPushedAuthorizationRequest({
    authorizationServerMetadata: tenant.authorizationServerMetadata,
    authorizationRequest,
    request,
    dpop: {
      required: tenant.settings.dpopRequired,
      jwt: dpopJwt,
      jwkThumbprint: authorizationRequest.dpop_jkt,
      allowedSigningAlgs: tenant.authorizationServerMetadata.dpop_signing_alg_values_supported,
    },
    now,
  })
  // VCI 1.0 §5.1.3: issuer_state ties the request to our offer.
  const issuerState = authorizationRequest.issuer_state
  const offer = issuerState ? await ctx.store.offers.getByIssuerState(tenant.id, issuerState) : undefined
  if (offer?.state !== 'offered' || offer.expiresAt <= now) {
    throw new IssuerError('invalid_request', 'issuer_state does not name an open credential offer')
  }
  const data: PushedRequestData = {
    offerId: offer.id,
    clientId: authorizationRequest.client_id,
    redirectUri: authorizationRequest.redirect_uri,
    ...(authorizationRequest.state ? { state: authorizationRequest.state } : {}),
    codeChallenge: authorizationRequest.code_challenge,
    ...(dpop?.jwkThumbprint ? { dpopJkt: dpop.jwkThumbprint } : {}),
    credentialConfigurationIds: requestedConfigurations(authorizationRequest, offer),
  }
  const requestUri = `${REQUEST_URI_PREFIX}${randomToken()}`
  const expiresAt = new Date(now.getTime() + ctx.config.parTtlSeconds * 1000)
  await ctx.store.singleUseValues.put('par_request_uri', tenant.id, hashValue(requestUri), data, expiresAt)
  return tenant.authorizationServer.createPushedAuthorizationResponse({
    requestUri,
    expiresInSeconds: ctx.config.parTtlSeconds,
  }).pushedAuthorizationResponse
}

/** What the consent page shows: the pushed request, read without spending it. */
export async function readPushedRequest(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  clientId: unknown,
  requestUri: unknown,
) {
  if (typeof requestUri !== 'string' || !requestUri.startsWith(REQUEST_URI_PREFIX)) {
    throw new IssuerError('invalid_request', 'request_uri from the PAR endpoint is required')
  }
  const data = await ctx.store.singleUseValues.peek<PushedRequestData>(
    'par_request_uri',
    tenant.id,
    hashValue(requestUri),
    ctx.now(),
  )
  // RFC 9126 §4: the client_id must be the one that pushed the request.
  if (!data || data.clientId !== clientId) {
    throw new IssuerError('invalid_request', 'request_uri is unknown, expired, used, or not of this client')
  }
  const offer = await ctx.store.offers.getById(tenant.id, data.offerId)
  const award = offer ? await ctx.store.awards.getWithoutDocument(tenant.id, offer.awardId) : undefined
  if (!offer || !award) throw new IssuerError('invalid_request', 'the credential offer is gone')
  return { data, offer, award }
}

/**
 * The learner's decision: approval spends the request_uri and mints a single-use code; either
 * way the answer is a redirect to the wallet with `iss` (RFC 9207) and the client's `state`.
 */
export async function decideAuthorization(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  input: { clientId: unknown; requestUri: unknown; approve: boolean },
): Promise<string> {
  await readPushedRequest(ctx, tenant, input.clientId, input.requestUri)
  const now = ctx.now()
  const spent = await ctx.store.singleUseValues.consume<PushedRequestData>(
    'par_request_uri',
    tenant.id,
    hashValue(String(input.requestUri)),
    now,
  )
  if (!spent) throw new IssuerError('invalid_request', 'this authorization request was already answered')
  const redirect = new URL(spent.redirectUri)
  redirect.searchParams.set('iss', tenant.urls.issuer)
  if (spent.state) redirect.searchParams.set('state', spent.state)
  if (!input.approve) {
    redirect.searchParams.set('error', 'access_denied')
    redirect.searchParams.set('error_description', 'the learner declined')
    return redirect.href
  }
  const code = randomToken()
  const codeData: AuthorizationCodeData = {
    offerId: spent.offerId,
    clientId: spent.clientId,
    redirectUri: spent.redirectUri,
    codeChallenge: spent.codeChallenge,
    ...(spent.dpopJkt ? { dpopJkt: spent.dpopJkt } : {}),
    credentialConfigurationIds: spent.credentialConfigurationIds,
  }
  const expiresAt = new Date(now.getTime() + ctx.config.authorizationCodeTtlSeconds * 1000)
  await ctx.store.singleUseValues.put('authorization_code', tenant.id, hashValue(code), codeData, expiresAt)
  redirect.searchParams.set('code', code)
  return redirect.href
}
