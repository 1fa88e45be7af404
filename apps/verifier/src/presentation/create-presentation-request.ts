// Creating a presentation request (OpenID4VP 1.0 §5): the session record, the fresh nonce and
// response-encryption key, and what the relying party shows — a link and a QR code that carry
// only client_id and request_uri (§5.7), or the whole request for the unsigned redirect_uri: prefix.
import { randomBytes } from 'node:crypto'
import type { PresentationRequest } from '@alma/store'
import { VerifierError } from '../errors.ts'
import type { RelyingPartyRuntime, VerifierContext } from '../verifier-context.ts'
import { firstLine, parseDcqlQuery } from './parse-dcql-query.ts'
import { encryptionKeyAad, type StoredRequest } from './presentation-session.ts'
import { authorizationRequestPayload } from './request-object.ts'
import { createResponseEncryptionKey, wrapPrivateKey } from './response-encryption.ts'
import { templateQuery } from './templates.ts'
import { webhookTargetProblem } from './webhooks.ts'
import type { CreatePresentationRequestInput, RequestTemplate } from './z-create-presentation-request.ts'

export interface CreatedPresentationRequest {
  readonly record: PresentationRequest
  /** `openid4vp://?client_id=…&request_uri=…` (or `haip://`) — what the QR code and the same-device link carry. */
  readonly authorizationRequestUri: string
  readonly requestUri?: string
  readonly qrPng: string
  readonly qrSvg: string
}

/** The client identifier a request is sent under (§5.9.3). */
export function clientIdFor(rp: RelyingPartyRuntime, prefix: StoredRequest['clientIdPrefix'], requestId: string) {
  switch (prefix) {
    case 'x509_san_dns':
      return rp.clientIds.x509_san_dns
    case 'x509_hash':
      if (!rp.clientIds.x509_hash) throw new VerifierError('invalid_input', 'this relying party has no certificate')
      return rp.clientIds.x509_hash
    case 'decentralized_identifier':
      return rp.clientIds.decentralized_identifier
    case 'redirect_uri':
      // §5.9.3: the client identifier is the response_uri itself; the request cannot be signed.
      return `redirect_uri:${rp.urls.responseUri(requestId)}`
  }
}

/** The QR and same-device link URLs of a request (served by http/request-qr.ts). */
export function qrUrls(rp: RelyingPartyRuntime, requestId: string) {
  return { qrPng: `${rp.urls.base}/qr/${requestId}.png`, qrSvg: `${rp.urls.base}/qr/${requestId}.svg` }
}

/**
 * The link a wallet opens (§5.7 by reference: only `client_id`, `request_uri` and
 * `request_uri_method`); for `redirect_uri:` the whole unsigned request by value.
 */
export function authorizationRequestUriOf(rp: RelyingPartyRuntime, record: PresentationRequest, stored: StoredRequest) {
  const params = new URLSearchParams()
  if (stored.clientIdPrefix === 'redirect_uri') {
    for (const [name, value] of Object.entries(authorizationRequestPayload(rp, record, stored))) {
      params.set(name, typeof value === 'string' ? value : JSON.stringify(value))
    }
  } else {
    params.set('client_id', record.clientId)
    params.set('request_uri', rp.urls.requestUri(record.id))
    if (stored.requestUriMethod === 'post') params.set('request_uri_method', 'post')
  }
  return `${stored.scheme}://?${params.toString()}`
}

/**
 * Steps: the query (template or raw DCQL, validated) → the client identifier (redirect_uri: only
 * in development) and the signing key it names → nonce (256 bits) and state → a fresh
 * response-encryption key for direct_post.jwt → the record → the audit entry.
 */
export async function createPresentationRequest(
  ctx: VerifierContext,
  rp: RelyingPartyRuntime,
  input: CreatePresentationRequestInput,
  actor: string,
): Promise<CreatedPresentationRequest> {
  const template = input.template ? await withAllianceRegistry(ctx, input.template) : undefined
  const fromTemplate = template ? templateQuery(template, input.formats) : undefined
  const dcqlQuery = parseDcqlQuery(fromTemplate?.dcqlQuery ?? input.dcqlQuery)
  if (input.clientIdPrefix === 'redirect_uri' && ctx.config.mode !== 'development') {
    throw new VerifierError(
      'invalid_input',
      'the redirect_uri: client identifier prefix (unsigned requests) is for development only',
      {
        extra: { issues: [{ path: 'clientIdPrefix', message: 'not allowed in production' }] },
      },
    )
  }
  if (input.webhookUrl) {
    const problem = await webhookTargetProblem(input.webhookUrl, ctx.config.mode)
    if (problem) {
      throw new VerifierError('invalid_input', `webhookUrl: ${problem}`, {
        extra: { issues: [{ path: 'webhookUrl', message: problem }] },
      })
    }
  }
  if (input.clientIdPrefix.startsWith('x509_') && rp.key.x5c.length === 0) {
    throw new VerifierError('invalid_input', 'this relying party has no certificate: use decentralized_identifier', {
      extra: { issues: [{ path: 'clientIdPrefix', message: 'no certificate to sign with' }] },
    })
  }
  const now = ctx.now()
  const id = randomBytes(18).toString('base64url')
  const encryption =
    input.responseMode === 'direct_post.jwt' ? await createResponseEncryptionKey(`enc-${id.slice(0, 8)}`) : undefined
  const stored: StoredRequest = {
    state: randomBytes(16).toString('base64url'),
    dcqlQuery,
    policy: { ...fromTemplate?.policy, ...input.policy },
    ...(input.template ? { template: input.template.type } : {}),
    clientIdPrefix: input.clientIdPrefix,
    requestUriMethod: input.requestUriMethod,
    scheme: input.scheme,
    ...(input.sameDevice ? { sameDevice: input.sameDevice } : {}),
    ...(input.webhookUrl ? { webhookUrl: input.webhookUrl } : {}),
    ...(input.label ? { label: input.label } : {}),
    ...(input.statusMaxAgeSeconds !== undefined ? { statusMaxAgeSeconds: input.statusMaxAgeSeconds } : {}),
    ...(encryption ? { encryptionJwk: encryption.publicJwk as Record<string, unknown> } : {}),
    notes: [...(fromTemplate?.notes ?? [])],
  }
  // §5.9.3: the client_id (in the QR code from now on) and the key that signs the request object
  // when a wallet fetches it are taken from the same key record, and recorded together, so a
  // rotation before the fetch cannot pull them apart (request-object.ts, requestSigningKey).
  const signingKid = input.clientIdPrefix === 'redirect_uri' ? undefined : rp.key.record.kid
  const record = await ctx.store.presentationRequests.create({
    tenantId: rp.id,
    id,
    // §5.2 / §14.1: a fresh nonce with at least 128 bits of entropy binds each presentation to this request.
    nonce: randomBytes(32).toString('base64url'),
    clientId: clientIdFor(rp, input.clientIdPrefix, id),
    ...(signingKid ? { signingKid } : {}),
    responseMode: input.responseMode,
    request: stored,
    ...(encryption
      ? {
          encryptionKey: {
            ...wrapPrivateKey(ctx.requestKeyWrappingKey, encryptionKeyAad(rp.id, id), encryption.privateJwk),
          },
        }
      : {}),
    expiresAt: new Date(now.getTime() + ctx.config.requestTtlSeconds * 1000),
    now,
  })
  await ctx.store.auditLog.append({
    tenantId: rp.id,
    at: now,
    actor,
    action: 'presentation.requested',
    subject: id,
    details: {
      template: stored.template ?? 'dcql',
      clientIdPrefix: stored.clientIdPrefix,
      responseMode: record.responseMode,
      ...(signingKid ? { signingKid } : {}),
      ...(stored.statusMaxAgeSeconds !== undefined ? { statusMaxAgeSeconds: stored.statusMaxAgeSeconds } : {}),
    },
  })
  return {
    record,
    authorizationRequestUri: authorizationRequestUriOf(rp, record, stored),
    ...(stored.clientIdPrefix === 'redirect_uri' ? {} : { requestUri: rp.urls.requestUri(id) }),
    ...qrUrls(rp, id),
  }
}

/**
 * An alliance-member template names its registry either inline or by URL; a URL is fetched now,
 * through the SSRF guard, and the signed registry kept with the request (its own `exp` and
 * signature are checked at verification).
 */
async function withAllianceRegistry(ctx: VerifierContext, template: RequestTemplate): Promise<RequestTemplate> {
  if (template.type !== 'alliance-member') return template
  const { allianceRegistryJwt: jwt, allianceRegistryUrl: url } = template
  if ((jwt === undefined) === (url === undefined)) {
    throw new VerifierError(
      'invalid_input',
      'template: give exactly one of allianceRegistryJwt and allianceRegistryUrl',
      {
        extra: { issues: [{ path: 'template.allianceRegistryJwt', message: 'give exactly one of the two' }] },
      },
    )
  }
  if (jwt !== undefined) return template
  try {
    return { ...template, allianceRegistryJwt: await ctx.fetchAllianceRegistry(String(url)) }
  } catch (e) {
    throw new VerifierError(
      'invalid_input',
      `template.allianceRegistryUrl: the registry could not be fetched: ${firstLine(e)}`,
      {
        extra: { issues: [{ path: 'template.allianceRegistryUrl', message: firstLine(e) }] },
      },
    )
  }
}
