// The wallet's answer at response_uri (OpenID4VP 1.0 §8.2 direct_post, §8.3 direct_post.jwt):
// one response per request, every presentation through the verification pipeline, the result kept
// for the relying party that asked (§13.3), and a fresh response_code for the same-device flow.
import { createHash, randomBytes } from 'node:crypto'
import type { PresentationRequest } from '@alma/store'
import {
  parseOpenid4VpAuthorizationResponsePayload,
  validateOpenid4vpAuthorizationResponsePayload,
} from '@openid4vc/openid4vp'
import { DcqlQuery } from 'dcql'
import { VerifierError } from '../errors.ts'
import { type CredentialSetResult, evaluateCredentialSets } from '../verification/evaluate-credential-sets.ts'
import type { Verdict, VerificationStep } from '../verification/steps.ts'
import {
  type PresentedCredentialVerification,
  verifyPresentedCredential,
} from '../verification/verify-presented-credential.ts'
import type { RelyingPartyRuntime, VerifierContext } from '../verifier-context.ts'
import { encryptionKeyAad, type StoredRequest, storedRequestOf } from './presentation-session.ts'
import { authorizationRequestPayload } from './request-object.ts'
import { decryptResponse, unwrapPrivateKey, type WrappedKey } from './response-encryption.ts'
import { enqueueWebhook } from './webhooks.ts'

/** One verified presentation, as the relying party reads it. */
export interface PresentedCredentialResult extends PresentedCredentialVerification {
  /** The DCQL credential query it answers (§6.1 `id`). */
  readonly queryId: string
}

export type { CredentialSetResult }

/** What a presentation request came to; kept in the store and served to the relying party. */
export interface PresentationResult {
  /**
   * Whether the response satisfies the DCQL query (§6.4.2): a credential that failed where it was
   * not needed (an optional set, an alternative another option satisfies) is listed with its
   * failed check but does not fail the verdict.
   */
  readonly verdict: Verdict
  /** Why the response was refused, in words; absent when every presentation was checked. */
  readonly reason?: string
  readonly receivedAt: string
  readonly credentials: readonly PresentedCredentialResult[]
  readonly credentialSets: readonly CredentialSetResult[]
  /** The wallet's own error (§8.5), when it declined. */
  readonly walletError?: { readonly error: string; readonly description?: string }
}

export interface ResponseOutcome {
  /** Same-device (§8.2): where the wallet sends the user, carrying a fresh response_code. */
  readonly redirectUri?: string
}

/** Checks whose failure means the response itself is bad: answered with 400 (security.md, "Presentation"). */
const PROTOCOL_STEPS = new Set(['format-and-query', 'signature', 'holder-binding'])

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url')

/** A vp_token may not be accepted twice, even for another request, for this long. */
const REPLAY_WINDOW_MS = 24 * 60 * 60 * 1000

/**
 * Steps: find the request → open the response (decrypt for direct_post.jwt) → bind it to the
 * request by `state` (§5.2, §14.3.2): a response that is not this request's changes nothing, so a
 * stranger who saw the QR code cannot end the session → claim the request (one atomic
 * compare-and-set: a second response is refused) → a wallet error (§8.5) ends the session →
 * vp_token keyed by DCQL query ids (§8.1) → replay → every presentation verified → credential
 * sets → the result, the response_code, the webhook and the audit entry. A refused response that
 * is bound to the request marks it failed and is a 400 (security.md, "Presentation").
 */
export async function receiveAuthorizationResponse(
  ctx: VerifierContext,
  rp: RelyingPartyRuntime,
  requestId: string,
  form: Record<string, unknown>,
): Promise<ResponseOutcome> {
  const now = ctx.now()
  const existing = await ctx.store.presentationRequests.get(rp.id, requestId)
  if (!existing) throw new VerifierError('invalid_request', 'there is no such presentation request (unknown state)')
  if (existing.state === 'responding' || existing.state === 'succeeded' || existing.state === 'failed') {
    throw new VerifierError(
      'invalid_request',
      'this presentation request was already answered; a second response is refused',
    )
  }
  if (existing.state === 'expired' || existing.expiresAt.getTime() <= now.getTime()) {
    throw new VerifierError('invalid_request', 'this presentation request has expired')
  }
  const stored = storedRequestOf(existing)
  const opened = await openResponse(ctx, existing, form)
  const boundState = opened.ok ? opened.payload.state : form.state
  if (boundState !== stored.state) {
    throw new VerifierError(
      'invalid_request',
      opened.ok || boundState !== undefined
        ? 'the response state does not match the request (§5.2 state)'
        : opened.refusal.description,
    )
  }
  const claim = await ctx.store.presentationRequests.claimForResponse(rp.id, requestId, now)
  if (!claim.ok) {
    throw new VerifierError(
      'invalid_request',
      claim.reason === 'already_answered'
        ? 'this presentation request was already answered; a second response is refused'
        : 'this presentation request has expired',
    )
  }
  const record = claim.request
  let outcome: { result: PresentationResult; protocolError?: string }
  try {
    if (!opened.ok) throw opened.refusal
    outcome = await verifyResponse(ctx, rp, record, stored, opened.payload, now)
  } catch (e) {
    const refusal =
      e instanceof VerifierError && e.status < 500
        ? e
        : new VerifierError('invalid_request', 'the response could not be processed', { cause: e })
    outcome = {
      result: {
        verdict: 'failed',
        reason: refusal.description,
        receivedAt: now.toISOString(),
        credentials: [],
        credentialSets: [],
      },
      protocolError: refusal.description,
    }
  }
  const { result } = outcome
  const responseCode = stored.sameDevice ? randomBytes(24).toString('base64url') : undefined
  await ctx.store.presentationRequests.complete({
    tenantId: rp.id,
    id: record.id,
    state: result.verdict === 'failed' ? 'failed' : 'succeeded',
    result: result as unknown as Record<string, unknown>,
    ...(responseCode ? { responseCodeHash: sha256(responseCode) } : {}),
    now,
  })
  await ctx.store.auditLog.append({
    tenantId: rp.id,
    at: now,
    actor: 'wallet',
    action: result.verdict === 'failed' ? 'presentation.failed' : 'presentation.verified',
    subject: record.id,
    details: {
      verdict: result.verdict,
      ...(result.reason ? { reason: result.reason } : {}),
      credentials: result.credentials.map((c) => ({ queryId: c.queryId, issuer: c.issuer, verdict: c.verdict })),
    },
  })
  const webhookUrl = stored.webhookUrl ?? rp.settings.webhookUrl
  if (webhookUrl) await enqueueWebhook(ctx, rp, webhookUrl, record.id, result)
  if (outcome.protocolError) throw new VerifierError('invalid_request', outcome.protocolError)
  return responseCode && stored.sameDevice
    ? { redirectUri: `${stored.sameDevice.redirectUri}#response_code=${responseCode}` }
    : {}
}

type OpenedResponse =
  | { readonly ok: true; readonly payload: Record<string, unknown> }
  | { readonly ok: false; readonly refusal: VerifierError }

/**
 * The response parameters: the form itself for direct_post; for direct_post.jwt the decrypted
 * `response` (§8.3) — or, §8.3.1, a wallet's plain error response ("a Wallet unable to generate an
 * encrypted response MAY send an error response without encryption"). A plain vp_token where an
 * encrypted response was asked for is refused.
 */
async function openResponse(
  ctx: VerifierContext,
  record: PresentationRequest,
  form: Record<string, unknown>,
): Promise<OpenedResponse> {
  if (record.responseMode === 'direct_post') return { ok: true, payload: form }
  if (typeof form.error === 'string' && form.vp_token === undefined && form.response === undefined) {
    return { ok: true, payload: form }
  }
  if (form.vp_token !== undefined || typeof form.response !== 'string') {
    return {
      ok: false,
      refusal: new VerifierError(
        'invalid_request',
        'direct_post.jwt was requested: send the encrypted response parameter only, not a plain vp_token',
      ),
    }
  }
  const wrapped = record.encryptionKey as unknown as WrappedKey | undefined
  if (!wrapped) throw new VerifierError('server_error', 'the request has no response-encryption key')
  const privateJwk = unwrapPrivateKey(ctx.requestKeyWrappingKey, encryptionKeyAad(record.tenantId, record.id), wrapped)
  try {
    return { ok: true, payload: await decryptResponse(form.response, privateJwk) }
  } catch (e) {
    if (e instanceof VerifierError && e.status < 500) return { ok: false, refusal: e }
    throw e
  }
}

async function verifyResponse(
  ctx: VerifierContext,
  rp: RelyingPartyRuntime,
  record: PresentationRequest,
  stored: StoredRequest,
  payload: Record<string, unknown>,
  now: Date,
): Promise<{ result: PresentationResult; protocolError?: string }> {
  const receivedAt = now.toISOString()
  if (typeof payload.error === 'string') {
    // §8.5: the wallet declined or failed; the session ends without presentations.
    const description = typeof payload.error_description === 'string' ? payload.error_description : undefined
    return {
      result: {
        verdict: 'failed',
        reason: `the wallet answered ${payload.error}${description ? `: ${description}` : ''}`,
        receivedAt,
        credentials: [],
        credentialSets: [],
        walletError: { error: payload.error, ...(description ? { description } : {}) },
      },
    }
  }
  let presentations: Record<string, unknown[]>
  try {
    const parsed = parseOpenid4VpAuthorizationResponsePayload(payload)
    const validated = validateOpenid4vpAuthorizationResponsePayload({
      authorizationRequestPayload: authorizationRequestPayload(rp, record, stored) as never,
      authorizationResponsePayload: parsed,
    })
    if (validated.type !== 'dcql') throw new Error('a Presentation Exchange response answers no DCQL query')
    presentations = validated.dcql.presentations as Record<string, unknown[]>
  } catch (e) {
    throw new VerifierError('invalid_request', `the vp_token is malformed (§8.1): ${firstLine(e)}`, { cause: e })
  }

  const query = DcqlQuery.parse(stored.dcqlQuery as DcqlQuery.Input)
  const queries = new Map(query.credentials.map((c) => [c.id, c]))
  for (const queryId of Object.keys(presentations)) {
    if (!queries.has(queryId)) {
      throw new VerifierError(
        'invalid_request',
        `the vp_token answers a credential query "${queryId}" that was not asked`,
      )
    }
  }
  // security.md: a replayed vp_token is refused, here or in another request.
  for (const presentation of Object.values(presentations).flat()) {
    if (typeof presentation !== 'string') {
      throw new VerifierError('invalid_request', 'each presentation must be a string (a VP JWT or an SD-JWT)')
    }
    const fresh = await ctx.store.singleUseValues.remember(
      'vp_token',
      rp.id,
      sha256(presentation),
      new Date(now.getTime() + REPLAY_WINDOW_MS),
    )
    if (!fresh) throw new VerifierError('invalid_request', 'this presentation was already submitted (replay)')
  }

  const credentials: PresentedCredentialResult[] = []
  for (const [queryId, list] of Object.entries(presentations)) {
    const credentialQuery = queries.get(queryId)!
    if (credentialQuery.multiple !== true && list.length > 1) {
      throw new VerifierError(
        'invalid_request',
        `credential query "${queryId}" allows one presentation, got ${list.length}`,
      )
    }
    for (const presentation of list as string[]) {
      const verification = await verifyPresentedCredential(
        {
          // The presentation's own format (an SD-JWT always has a "~", RFC 9901 §4; a VP JWT never
          // does), so one answering a query of the other format fails format-and-query, not signature.
          credential: presentation.includes('~')
            ? { format: 'dc+sd-jwt', presentation }
            : { format: 'jwt_vc_json', vp: presentation },
          nonce: record.nonce,
          // §B.1.3.1 / §B.3.6: the holder proof's aud is our client_id, prefix included.
          audience: record.clientId,
          credentialQuery: stored.dcqlQuery.credentials
            ? (stored.dcqlQuery.credentials as { id: string }[]).find((c) => c.id === queryId)
            : undefined,
          policy: stored.policy,
          now,
          ...(stored.statusMaxAgeSeconds !== undefined ? { statusMaxAgeSeconds: stored.statusMaxAgeSeconds } : {}),
        },
        {
          didResolver: ctx.didResolver,
          trustAnchors: ctx.issuerTrustAnchors,
          fetchStatusList: (url, options) => ctx.fetchStatusList(url, options),
          jwtVcIssuerKeys: (iss, request) => ctx.jwtVcIssuerKeys(iss, request),
          // protocols.md "Interop traps": a loopback http issuer is a development setup only.
          allowLoopbackHttpIssuers: ctx.config.mode === 'development',
          now: ctx.now,
          maxHolderProofAgeSeconds: ctx.config.holderProofMaxAgeSeconds,
        },
      )
      // §8.6: a presentation that failed is discarded — its claims are not released or kept,
      // whatever the verdict of the response as a whole.
      const { claims: _claims, annexI: _annexI, ...checksOnly } = verification
      credentials.push({ queryId, ...(verification.verdict === 'failed' ? checksOnly : verification) })
    }
  }

  const protocolFailure = credentials
    .flatMap((c) => c.steps.filter((s) => s.status === 'ERROR' && PROTOCOL_STEPS.has(s.id)).map((s) => ({ c, s })))
    .at(0)
  // §8.6 step 3 / §6.4.2: the response stands when what passed satisfies the query; a
  // presentation failing a protocol check (security.md) still refuses the whole response.
  const { credentialSets, missing, verdict: satisfied } = evaluateCredentialSets(query, credentials)
  const verdict: Verdict = protocolFailure ? 'failed' : satisfied
  // The reason names the failing check first (a relying party acts on it), then what is missing.
  const failedChecks = credentials.flatMap((c) =>
    c.steps.filter((s) => s.status === 'ERROR').map((s) => describeFailure(c.queryId, s)),
  )
  const missingText =
    missing.length > 0
      ? `no verified credential answers ${missing.map((m) => m.options.map((o) => o.join(' + ')).join(' or ')).join('; ')}`
      : undefined
  const reason = protocolFailure
    ? describeFailure(protocolFailure.c.queryId, protocolFailure.s)
    : verdict === 'failed'
      ? [...failedChecks, ...(missingText ? [missingText] : [])].join('; ') || 'no credential was presented'
      : failedChecks.length > 0
        ? // security.md: say which check failed, also when the query is satisfied without it.
          `satisfied without what failed: ${failedChecks.join('; ')}`
        : undefined
  const result: PresentationResult = {
    verdict,
    ...(reason ? { reason } : {}),
    receivedAt,
    credentials,
    credentialSets,
  }
  return protocolFailure ? { result, protocolError: reason! } : { result }
}

function describeFailure(queryId: string, step: VerificationStep): string {
  return `${queryId}: ${step.id} failed: ${step.reason}`
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300)
}
