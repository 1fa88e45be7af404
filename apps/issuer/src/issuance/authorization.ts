// Authorization code flow (VCI 1.0 §5 with `issuer_state`; RFC 9126 PAR; RFC 7636 PKCE S256;
// RFC 9449 §10 `dpop_jkt`): PAR stores the request; the authorization page first authenticates
// the learner (learner-authentication.ts: the offer's transaction code, the same proof the
// pre-authorized grant asks for) and shows nothing personal until then; only then does it name the
// learner and offer approval; approval mints a single-use code bound to the verifier, client and
// DPoP key.
//
// The states of one pushed request (its request_uri, a single-use value):
//   pushed ──(page shown; the offer needs no proof)──────────────┐
//   pushed ──(learner authenticated: right code)─────────────────┤→ decision token minted
//   pushed ──(learner declines / wrong code burns the offer)──→ answered (access_denied)
//   decision token ──(approve, same request_uri)──→ answered (authorization code)
// A decision token is the only way to approval: a single-use value bound to the request_uri's
// hash, handed only to the browser that passed authentication (in the consent form it answers),
// never in a URL or a cookie. Knowing the request_uri — which the wallet that pushed it does, and
// a stranger holding the offer link can push one — is never enough, and a cross-site form cannot
// know the token (it also doubles as the form's CSRF token).
import type { Offer } from '@alma/store'
import type { RequestLike } from '@openid4vc/oauth2'
import { IssuerError } from '../errors.ts'
import { parseConfigurationId } from './credential-configurations.ts'
import { assertDpopShape } from './dpop-freshness.ts'
import type { IssuerContext, TenantRuntime } from './issuer-context.ts'
import {
  type AuthenticationChallenge,
  type LearnerAuthentication,
  learnerAuthenticationFor,
} from './learner-authentication.ts'
import { redirectUriProblem } from './redirect-uri.ts'
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
  // RFC 6749 §3.1.2, RFC 8252 §7, RFC 9700 §4.1: the redirect URI is judged on the text as sent,
  // before anything is looked up or stored — the library's URL check normalises what it parses
  // (a tab inside "java\tscript:" disappears) and names no problem.
  if (body.redirect_uri !== undefined) {
    if (typeof body.redirect_uri !== 'string')
      throw new IssuerError('invalid_request', 'redirect_uri must be one string')
    const problem = redirectUriProblem(body.redirect_uri)
    if (problem) throw new IssuerError('invalid_request', problem)
  }
  const { authorizationRequest } = await tenant.authorizationServer.parsePushedAuthorizationRequest({
    authorizationRequest: body,
    request,
  })
  if (authorizationRequest.response_type !== 'code')
    throw new IssuerError('invalid_request', 'response_type must be code')
  if (!authorizationRequest.redirect_uri) throw new IssuerError('invalid_request', 'redirect_uri is required')
  // What is stored is what was judged above.
  if (authorizationRequest.redirect_uri !== body.redirect_uri) {
    throw new IssuerError('invalid_request', 'redirect_uri must be an absolute URI (RFC 3986)')
  }
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

/** A decision token as stored (by hash) until the learner approves or declines. */
interface DecisionData {
  /** hashValue(request_uri): the one pushed request this token may answer. */
  readonly requestUriHash: string
  readonly offerId: string
  /** The method that authenticated the learner; absent when the offer needs no proof. */
  readonly learnerAuthenticatedBy?: string
}

/** What the authorization page may show of a pushed request before anyone is authenticated. */
export interface AuthorizationPageView {
  readonly clientId: string
  readonly requestUri: string
  /** Where the decision sends the browser (validated at PAR); the page names its host. */
  readonly redirectUri: string
  /** The course title as the specification states it (a language map, or text). */
  readonly courseTitle: unknown
  readonly specificationId: string
  readonly institution: string
  readonly credentialConfigurationIds: readonly string[]
}

/** Why the last answer to the challenge was not accepted (the page says so and asks again). */
export type AuthenticationProblem =
  | { readonly reason: 'wrong_code'; readonly attemptsRemaining: number }
  | { readonly reason: 'malformed'; readonly description: string }

/** The next thing the learner's browser gets. */
export type AuthorizationStep =
  /** Prove to be the learner first: the page shows the course and institution only. */
  | {
      readonly step: 'authenticate'
      readonly view: AuthorizationPageView
      readonly challenge: AuthenticationChallenge
      readonly problem?: AuthenticationProblem
    }
  /**
   * Approve or decline. `learnerName` only when the learner was authenticated (an offer made
   * without a transaction code shows no personal data to anyone).
   */
  | {
      readonly step: 'consent'
      readonly view: AuthorizationPageView
      readonly decisionToken: string
      readonly learnerName?: string
    }
  /** Back to the wallet (RFC 6749 §4.1.2.1), e.g. `access_denied` once the offer is burnt. */
  | { readonly step: 'redirect'; readonly location: string }

interface PushedRequest {
  readonly data: PushedRequestData
  readonly offer: Offer
  readonly requestUri: string
}

/** The pushed request, read without spending it, and its offer, which must still be open. */
async function readPushedRequest(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  clientId: unknown,
  requestUri: unknown,
): Promise<PushedRequest> {
  if (typeof requestUri !== 'string' || !requestUri.startsWith(REQUEST_URI_PREFIX)) {
    throw new IssuerError('invalid_request', 'request_uri from the PAR endpoint is required')
  }
  const now = ctx.now()
  const data = await ctx.store.singleUseValues.peek<PushedRequestData>(
    'par_request_uri',
    tenant.id,
    hashValue(requestUri),
    now,
  )
  // RFC 9126 §4: the client_id must be the one that pushed the request.
  if (!data || data.clientId !== clientId) {
    throw new IssuerError('invalid_request', 'request_uri is unknown, expired, used, or not of this client')
  }
  const offer = await ctx.store.offers.getById(tenant.id, data.offerId)
  if (!offer) throw new IssuerError('invalid_request', 'the credential offer is gone')
  if (offer.state === 'burnt') {
    throw new IssuerError('invalid_request', 'too many wrong transaction codes: this offer can no longer be redeemed')
  }
  if (offer.state !== 'offered' || offer.expiresAt <= now) {
    throw new IssuerError(
      'invalid_request',
      'the credential offer is no longer open: it was redeemed, has expired or was withdrawn',
    )
  }
  return { data, offer, requestUri }
}

/**
 * The tenant's learner authentication over this store: the authorization page's, and the offer
 * page's before it shows the certificate (issuance/offer-page-access.ts) — one method, one counter.
 */
export function learnerAuthenticationOf(ctx: IssuerContext, tenant: TenantRuntime): LearnerAuthentication {
  return learnerAuthenticationFor(tenant, {
    checkTxCode: (input) => ctx.store.offers.checkTxCode(input),
    preAuthorizedCodeFor: (tenantId, offerId) => ctx.preAuthorizedCodeFor(tenantId, offerId),
  })
}

/** The public part of the page: the course and the institution, nothing of the learner. */
async function pageView(ctx: IssuerContext, tenant: TenantRuntime, pushed: PushedRequest) {
  const award = await ctx.store.awards.getWithoutDocument(tenant.id, pushed.offer.awardId)
  if (!award) throw new IssuerError('invalid_request', 'the credential offer is gone')
  const spec = await ctx.store.specifications.get(tenant.id, award.specificationId)
  const view: AuthorizationPageView = {
    clientId: pushed.data.clientId,
    requestUri: pushed.requestUri,
    redirectUri: pushed.data.redirectUri,
    courseTitle: (spec?.document as { title?: unknown } | undefined)?.title,
    specificationId: award.specificationId,
    institution: tenant.name,
    credentialConfigurationIds: pushed.data.credentialConfigurationIds,
  }
  return { view, award }
}

async function mintDecisionToken(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  pushed: PushedRequest,
  learnerAuthenticatedBy: string | undefined,
): Promise<string> {
  const token = randomToken()
  const data: DecisionData = {
    requestUriHash: hashValue(pushed.requestUri),
    offerId: pushed.offer.id,
    ...(learnerAuthenticatedBy ? { learnerAuthenticatedBy } : {}),
  }
  // Never outlives the pushed request it answers (RFC 9126 §2.2 expires_in).
  const expiresAt = new Date(ctx.now().getTime() + ctx.config.parTtlSeconds * 1000)
  await ctx.store.singleUseValues.put('authorization_decision', tenant.id, hashValue(token), data, expiresAt)
  return token
}

function learnerNameOf(award: { learner: unknown }): string {
  const learner = (award.learner as { learner?: { givenName?: unknown; familyName?: unknown; fullName?: unknown } })
    .learner
  const parts = [learner?.givenName, learner?.familyName].filter((p): p is string => typeof p === 'string' && p !== '')
  if (parts.length > 0) return parts.join(' ')
  return typeof learner?.fullName === 'string' ? learner.fullName : ''
}

/**
 * `GET /authorize`: what the browser that opens the authorization URL sees. Anyone may open it
 * (the wallet that pushed the request, or a stranger who pushed one with the offer's link), so it
 * shows only the course and the institution: the authentication challenge, or — for an offer made
 * without a transaction code — approve/decline with no personal data.
 */
export async function openAuthorizationPage(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  input: { clientId: unknown; requestUri: unknown },
): Promise<AuthorizationStep> {
  const pushed = await readPushedRequest(ctx, tenant, input.clientId, input.requestUri)
  const { view } = await pageView(ctx, tenant, pushed)
  const authentication = learnerAuthenticationOf(ctx, tenant)
  if (authentication.required(pushed.offer)) {
    return { step: 'authenticate', view, challenge: authentication.challenge(pushed.offer) }
  }
  return { step: 'consent', view, decisionToken: await mintDecisionToken(ctx, tenant, pushed, undefined) }
}

/**
 * `POST /authorize/authenticate`: the learner's answer to the challenge. Right → the consent
 * step with the learner's name and a decision token; wrong → the challenge again with the
 * attempts left (counted with the token endpoint's, learner-authentication.ts); the last allowed
 * wrong answer burns the offer and sends the wallet `access_denied`.
 */
export async function authenticateLearner(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  input: { clientId: unknown; requestUri: unknown; answer: Readonly<Record<string, unknown>> },
): Promise<AuthorizationStep> {
  const pushed = await readPushedRequest(ctx, tenant, input.clientId, input.requestUri)
  const authentication = learnerAuthenticationOf(ctx, tenant)
  const { view, award } = await pageView(ctx, tenant, pushed)
  if (!authentication.required(pushed.offer)) {
    // Nothing to prove: the same page as GET, still without personal data.
    return { step: 'consent', view, decisionToken: await mintDecisionToken(ctx, tenant, pushed, undefined) }
  }
  const outcome = await authentication.authenticate({ offer: pushed.offer, answer: input.answer, now: ctx.now() })
  if (outcome.ok) {
    return {
      step: 'consent',
      view,
      decisionToken: await mintDecisionToken(ctx, tenant, pushed, outcome.method),
      learnerName: learnerNameOf(award),
    }
  }
  switch (outcome.reason) {
    case 'wrong_code':
      return {
        step: 'authenticate',
        view,
        challenge: authentication.challenge(pushed.offer),
        problem: { reason: 'wrong_code', attemptsRemaining: outcome.attemptsRemaining },
      }
    case 'malformed':
      return {
        step: 'authenticate',
        view,
        challenge: authentication.challenge(pushed.offer),
        problem: { reason: 'malformed', description: outcome.description },
      }
    case 'burnt': {
      const location = await answer(ctx, tenant, pushed.requestUri, {
        error: 'access_denied',
        description: 'too many wrong transaction codes: this offer can no longer be redeemed',
      })
      return { step: 'redirect', location }
    }
    default:
      throw new IssuerError(
        'invalid_request',
        'the credential offer is no longer open: it was redeemed, has expired or was withdrawn',
      )
  }
}

/**
 * Spends the pushed request and builds the redirect back to the wallet with `iss` (RFC 9207) and
 * the client's `state`; a code for an approval, `error` otherwise.
 */
async function answer(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  requestUri: string,
  outcome: { error: 'access_denied'; description: string } | { approve: true },
): Promise<string> {
  const now = ctx.now()
  const spent = await ctx.store.singleUseValues.consume<PushedRequestData>(
    'par_request_uri',
    tenant.id,
    hashValue(requestUri),
    now,
  )
  if (!spent) throw new IssuerError('invalid_request', 'this authorization request was already answered')
  const redirect = new URL(spent.redirectUri)
  redirect.searchParams.set('iss', tenant.urls.issuer)
  if (spent.state) redirect.searchParams.set('state', spent.state)
  if ('error' in outcome) {
    redirect.searchParams.set('error', outcome.error)
    redirect.searchParams.set('error_description', outcome.description)
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

/**
 * `POST /authorize/decision`. Approval needs the decision token of THIS request_uri — minted only
 * for a browser that passed the learner's authentication (or, for an offer without a transaction
 * code, that was shown the page) — and spends it; without one it is refused and nothing changes.
 * Declining needs no token: it reveals and issues nothing and ends only this request.
 */
export async function decideAuthorization(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  input: { clientId: unknown; requestUri: unknown; decisionToken: unknown; approve: boolean },
): Promise<string> {
  const pushed = await readPushedRequest(ctx, tenant, input.clientId, input.requestUri)
  if (!input.approve) {
    return answer(ctx, tenant, pushed.requestUri, { error: 'access_denied', description: 'the learner declined' })
  }
  if (typeof input.decisionToken !== 'string' || input.decisionToken === '') {
    throw new IssuerError('access_denied', 'the learner has not been authenticated for this authorization request')
  }
  const decision = await ctx.store.singleUseValues.consume<DecisionData>(
    'authorization_decision',
    tenant.id,
    hashValue(input.decisionToken),
    ctx.now(),
  )
  if (!decision || decision.requestUriHash !== hashValue(pushed.requestUri) || decision.offerId !== pushed.offer.id) {
    throw new IssuerError('access_denied', 'the learner has not been authenticated for this authorization request')
  }
  // Defence in depth: a token minted without authentication never approves an offer that needs it.
  if (learnerAuthenticationOf(ctx, tenant).required(pushed.offer) && !decision.learnerAuthenticatedBy) {
    throw new IssuerError('access_denied', 'the learner has not been authenticated for this authorization request')
  }
  return answer(ctx, tenant, pushed.requestUri, { approve: true })
}
