// Credential endpoint (OpenID4VCI 1.0 §8): token → request shape → configuration → still
// issuable on this token → proofs → nonce → award → issue (one statement records the redemption,
// the credentials, their status entries and the audit entry, or nothing).
import { createHash, randomUUID } from 'node:crypto'
import { createJwtVcJson, createSdJwtVc, EU_LEARNING_CREDENTIAL_VCT, isCredentialError } from '@alma/credentials'
import type { EdcDocument } from '@alma/elm'
import type { Award, IssuanceRefusal, Offer } from '@alma/store'
import type { RequestLike } from '@openid4vc/oauth2'
import { calculateJwkThumbprint, HashAlgorithm, type Jwk } from '@openid4vc/oauth2'
import { IssuerError } from '../errors.ts'
import { authenticateWallet } from './authenticate-wallet.ts'
import { type ConfigurationRef, parseConfigurationId } from './credential-configurations.ts'
import { checkProofShapes, type HolderKey, verifyProofs } from './credential-proofs.ts'
import type { IssuerContext, TenantRuntime } from './issuer-context.ts'
import { spendCNonce } from './nonce.ts'
import { hashValue, randomToken } from './secrets.ts'

export type CredentialOutcome =
  | { readonly status: 200; readonly body: Record<string, unknown> }
  | { readonly status: 202; readonly body: Record<string, unknown> }

/** Seconds a wallet should wait before polling the deferred endpoint again (§9.1 `interval`). */
export const DEFERRED_INTERVAL_SECONDS = 5

/*
 * One access token yields each configuration it grants once: one credential request carrying up
 * to `batch_size` proofs (§8.2, §12.2.4 batch_credential_issuance), or one deferred issuance (§9).
 * §14.3 lets the issuer decide whether a token may be used again; ours may not, so a stolen or
 * leaked token cannot mint credentials to keys of its holder's choice, and a revocation or
 * suspension of the award's credentials withdraws the offer behind every token already minted.
 *
 * The refusal is 400 `credential_request_denied` (§8.3.1.2): "the Credential Request has not been
 * accepted … the Wallet SHOULD treat this error as unrecoverable" — exactly so, no retry with this
 * token will ever succeed; only a new offer from the institution will. Not `invalid_credential_
 * request`: the request is well-formed, and a wallet would look for a mistake that is not there.
 * Not an RFC 6750 authorization error (§8.3.1.1, `invalid_token` / `insufficient_scope`): the
 * token remains good for its other configuration, for the deferred endpoint and for
 * notifications, and a wallet told it is invalid would drop it. §6.3 (token errors) concerns the
 * token request, not this one.
 */
const WITHDRAWN =
  'the institution withdrew the offer of this access token: a credential of the award was revoked or suspended'
const AWARD_UNAVAILABLE = 'this award is no longer available'

function alreadyIssued(configurationId: string): IssuerError {
  return new IssuerError(
    'credential_request_denied',
    `${configurationId} was already issued on this access token; a token yields each configuration once (up to batch_size keys in that request)`,
  )
}

/**
 * Step 3: may this token still yield `configurationId`? A read before any proof is verified, nonce
 * spent or credential signed, so a refused repeat costs little and changes nothing; the issuance
 * statement decides (two parallel requests both pass here, one of them is refused there).
 */
async function assertRedeemable(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  offer: Offer,
  configurationId: string,
): Promise<void> {
  if (offer.state === 'withdrawn') throw new IssuerError('credential_request_denied', WITHDRAWN)
  const redemption = await ctx.store.credentialRedemptions.get(tenant.id, offer.id, configurationId)
  if (redemption?.state === 'deferred') {
    throw new IssuerError(
      'credential_request_denied',
      `${configurationId} is already being issued on this access token: poll the deferred credential endpoint with the transaction_id it was given`,
    )
  }
  if (redemption) throw alreadyIssued(configurationId)
}

/** The answer to an issuance the store refused to record (another request or a withdrawal came first). */
export function issuanceRefused(reason: IssuanceRefusal, configurationId: string): IssuerError {
  switch (reason) {
    case 'offer_not_open':
      return new IssuerError('credential_request_denied', WITHDRAWN)
    case 'award_not_issuable':
      return new IssuerError('credential_request_denied', AWARD_UNAVAILABLE)
    case 'already_redeemed':
      return alreadyIssued(configurationId)
    case 'transaction_not_pending':
      return new IssuerError('invalid_transaction_id', 'the transaction_id was already used')
  }
}

/** The award states on which nothing is issued (held ones are deferred). */
export function awardWithdrawn(award: Award): boolean {
  return award.state === 'revoked' || award.state === 'suspended'
}

/** Which of our configurations the request names: 1.0 id, 1.0 identifier, or a draft `format`. */
function configurationOf(
  parsed: ReturnType<TenantRuntime['vci']['parseCredentialRequest']>,
  granted: readonly string[],
): ConfigurationRef {
  const request = parsed.credentialRequest as Record<string, unknown>
  if (typeof request.credential_identifier === 'string') {
    // We hand out the configuration id as the only credential identifier (§6.2 token response).
    const ref = granted.includes(request.credential_identifier)
      ? parseConfigurationId(request.credential_identifier)
      : undefined
    if (!ref)
      throw new IssuerError(
        'unknown_credential_identifier',
        `unknown credential_identifier ${request.credential_identifier}`,
      )
    return ref
  }
  const id = parsed.credentialConfigurationId
  if (id !== undefined) {
    const ref = parseConfigurationId(id)
    if (!ref) throw new IssuerError('unknown_credential_configuration', `unknown credential_configuration_id ${id}`)
    if (!granted.includes(id)) {
      throw new IssuerError('invalid_credential_request', `the access token does not grant ${id}`)
    }
    return ref
  }
  // Drafts 13/14: the request names a format (and vct / credential_definition) instead.
  const format = parsed.format?.format
  const wanted = format === 'vc+sd-jwt' ? 'dc+sd-jwt' : format === 'jwt_vc_json' ? 'jwt_vc_json' : undefined
  const match = granted.map(parseConfigurationId).find((ref) => ref && ref.format === wanted)
  if (!match)
    throw new IssuerError('unknown_credential_configuration', 'no granted configuration matches the requested format')
  return match
}

export async function handleCredentialRequest(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  request: RequestLike,
  query: Readonly<Record<string, unknown>>,
  body: unknown,
): Promise<CredentialOutcome> {
  // Step 1 (§8, RFC 6750, RFC 9449 §7): who is asking.
  const wallet = await authenticateWallet(ctx, tenant, request, query)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new IssuerError('invalid_credential_request', 'the body must be a JSON object')
  }
  const metadata = await tenant.issuerMetadata()
  const requestedId = (body as Record<string, unknown>).credential_configuration_id
  if (typeof requestedId === 'string' && !(requestedId in metadata.knownCredentialConfigurations)) {
    throw new IssuerError('unknown_credential_configuration', `unknown credential_configuration_id ${requestedId}`)
  }
  // Step 2 (§8.2): the request's shape, 1.0 or a draft's. §8.2: exactly one of
  // credential_configuration_id / credential_identifier (drafts name a `format` instead).
  const fields = body as Record<string, unknown>
  if (fields.credential_configuration_id !== undefined && fields.credential_identifier !== undefined) {
    throw new IssuerError(
      'invalid_credential_request',
      'send credential_configuration_id or credential_identifier, not both',
    )
  }
  if (
    fields.credential_configuration_id === undefined &&
    fields.credential_identifier === undefined &&
    fields.format === undefined
  ) {
    throw new IssuerError(
      'invalid_credential_request',
      'credential_configuration_id or credential_identifier is required',
    )
  }
  // §8.2: credential_response_encryption is refused whatever its shape, before the library's
  // schema (which since @openid4vc/openid4vci 0.5 checks it against the metadata's encryption
  // parameters and would call it a malformed request): this issuer offers no response encryption.
  if (fields.credential_response_encryption !== undefined) {
    throw new IssuerError(
      'invalid_encryption_parameters',
      'credential response encryption is not offered by this issuer',
    )
  }
  let parsed: ReturnType<TenantRuntime['vci']['parseCredentialRequest']>
  try {
    parsed = tenant.vci.parseCredentialRequest({
      issuerMetadata: metadata,
      credentialRequest: fields,
    })
  } catch (error) {
    // The library's schema refuses a proof that is no compact JWS (alg none has no signature) as a
    // malformed request; App. F.1 and security.md make any bad key proof invalid_proof.
    const jwts = (fields.proofs as { jwt?: unknown } | undefined)?.jwt
    if (Array.isArray(jwts) && jwts.length > 0 && jwts.every((j) => typeof j === 'string')) {
      checkProofShapes(ctx, tenant, jwts)
    }
    throw new IssuerError('invalid_credential_request', 'the credential request is malformed', { cause: error })
  }
  const configuration = configurationOf(parsed, wallet.grantedConfigurationIds)
  if (!wallet.offer.credentialConfigurationIds.includes(configuration.id)) {
    throw new IssuerError('invalid_credential_request', `the offer does not include ${configuration.id}`)
  }
  // Step 3 (§14.3, §8.3.1.2): one issuance per configuration per token, none on a withdrawn offer.
  await assertRedeemable(ctx, tenant, wallet.offer, configuration.id)
  // Step 4 (§8.2.1, App. F): the key proofs; batch size from §12.2.4.
  const proofs = parsed.proofs?.jwt
  if (!proofs || proofs.length === 0) throw new IssuerError('invalid_proof', 'the request has no jwt proof')
  if (proofs.length > ctx.config.batchSize) {
    throw new IssuerError(
      'invalid_credential_request',
      `at most ${ctx.config.batchSize} proofs (batch_size) per request`,
    )
  }
  const { nonce, holders } = await verifyProofs(ctx, tenant, proofs)
  if (configuration.format === 'jwt_vc_json' && holders.length > 1 && holders.some((h) => !h.did && !h.jwk)) {
    throw new IssuerError('invalid_proof', 'every proof must name a key')
  }
  // Step 5 (§7, §8.3.1.2): the c_nonce, consumed once; a replay or another tenant's nonce fails.
  const now = ctx.now()
  await spendCNonce(ctx, tenant, nonce, now)
  // Step 6: the award behind the offer.
  const award = await ctx.awardWithDocument(tenant.id, wallet.offer.awardId)
  if (!award || awardWithdrawn(award)) throw new IssuerError('credential_request_denied', AWARD_UNAVAILABLE)
  if (award.state === 'held') {
    // §9: approval pending; the wallet polls the deferred endpoint with this transaction id. The
    // deferral spends the configuration like an issuance (one statement, compare-and-set): the
    // deferred endpoint later issues exactly these holder keys, once.
    const transactionId = randomToken()
    const deferred = await ctx.store.credentialRedemptions.defer({
      tenantId: tenant.id,
      offerId: wallet.offer.id,
      awardId: award.id,
      credentialConfigurationId: configuration.id,
      accessTokenHash: wallet.tokenHash,
      transactionIdHash: hashValue(transactionId),
      holderKeys: holders,
      expiresAt: new Date(now.getTime() + ctx.config.offerTtlSeconds * 1000),
      now,
      audit: {
        actor: 'wallet',
        action: 'credential.deferred',
        subject: award.id,
        details: { offer: wallet.offer.id, configuration: configuration.id, count: holders.length },
      },
    })
    if (!deferred) {
      // Another request with this token, or a withdrawal, came first: say which.
      const offer = await ctx.store.offers.getById(tenant.id, wallet.offer.id)
      if (offer) await assertRedeemable(ctx, tenant, offer, configuration.id)
      throw new IssuerError('credential_request_denied', WITHDRAWN)
    }
    return { status: 202, body: { transaction_id: transactionId, interval: DEFERRED_INTERVAL_SECONDS } }
  }
  // Step 7: issue.
  const issued = await issueCredentials(ctx, tenant, {
    offer: wallet.offer,
    award,
    configuration,
    holders,
    now,
    redemption: { accessTokenHash: wallet.tokenHash },
  })
  // @openid4vc/openid4vci 0.5+ builds the response asynchronously (it could encrypt it); we
  // refuse credential_response_encryption in step 1, so the plain object is the body.
  const { credentialResponse } = await tenant.vci.createCredentialResponse({
    credentialRequest: parsed,
    credentials: issued.credentials.map((credential) => ({ credential })),
    notificationId: issued.notificationId,
  })
  return { status: 200, body: credentialResponse as Record<string, unknown> }
}

export interface IssueInput {
  readonly offer: Offer
  readonly award: Award
  readonly configuration: ConfigurationRef
  readonly holders: readonly HolderKey[]
  readonly now: Date
  /**
   * What the issuance spends: the configuration on the access token with this hash; with
   * `transactionIdHash`, the pending deferred issuance of that transaction id (VCI 1.0 §9).
   */
  readonly redemption: { readonly accessTokenHash: string; readonly transactionIdHash?: string }
}

function thumbprintOf(jwk: Jwk): Promise<string> {
  return calculateJwkThumbprint({
    jwk,
    hashAlgorithm: HashAlgorithm.Sha256,
    hashCallback: (data) => createHash('sha256').update(data).digest(),
  })
}

/**
 * One credential per holder key, each with its own random status index, in three steps:
 * 1. reserve the indices (one atomic insert each);
 * 2. sign, outside any transaction: the signer may read keys from the store, and on PGlite a read
 *    outside a running transaction waits for it to end;
 * 3. record the redemption, the credentials (each claiming its status entry), the offer's state
 *    and the audit entry in one statement (security.md: issuance and its status entry are one
 *    transaction), so a crash leaves no credential without its status entry and no spent
 *    configuration without its credentials — at worst a reserved index no credential uses, which
 *    never changes a credential's status. If the statement refuses (another request with the
 *    same token, or a withdrawal, came first) the signed credentials are dropped unseen.
 */
export async function issueCredentials(ctx: IssuerContext, tenant: TenantRuntime, input: IssueInput) {
  const { award, configuration, holders, now } = input
  const edc = award.edc as EdcDocument | undefined
  if (!edc) throw new IssuerError('credential_request_denied', 'this award has no credential document yet')
  const notificationId = randomToken(16)
  // One IETF Token Status List for both formats, referenced by the JWT `status` claim (credentials
  // README, "Revocation and SHACL"): the EDC in a jwt_vc_json stays EDC-conformant, and suspension
  // can be said for it too. Bitstring lists remain for credentials issued before.
  const list = await ctx.currentStatusList(tenant.id, 'token')
  const listId = list.id
  // Each allocation is one atomic INSERT; an index reserved for a request that then fails is
  // simply never used.
  const indices: number[] = []
  for (let i = 0; i < holders.length; i++) {
    indices.push(await ctx.store.statusLists.allocateIndex(tenant.id, list.id, undefined, list.size))
  }
  const statusUrl = tenant.urls.statusList(listId)
  const signed = await Promise.all(
    holders.map(async (holder, i) => {
      const index = indices[i] as number
      const id = `urn:uuid:${randomUUID()}`
      const credential =
        configuration.format === 'jwt_vc_json'
          ? await createJwtVcJson({
              edc: { ...edc, id } as EdcDocument,
              issuer: { tenantId: tenant.id, did: tenant.urls.did },
              holder: holder.did ? { did: holder.did } : { jwk: holder.jwk },
              status: { uri: statusUrl, idx: index },
              now,
              sign: ctx.signer,
            })
          : await createSdJwtVc({
              edc,
              vct: EU_LEARNING_CREDENTIAL_VCT,
              issuer: tenant.urls.issuer,
              tenantId: tenant.id,
              holderJwk: holder.jwk,
              status: { uri: statusUrl, idx: index },
              now,
              sign: ctx.signer,
            })
      return { id, index, credential, thumbprint: await thumbprintOf(holder.jwk as Jwk) }
    }),
  ).catch((error: unknown) => {
    // An EDC that cannot state what the format requires (the EU learning credential's mandatory
    // claims: an EQF level, a family name, …) is this award's fault, not a server fault: refused
    // by name (VCI 1.0 §8.3.1.2), nothing recorded, the reserved indices never used.
    if (isCredentialError(error) && error.code === 'invalid_input') {
      throw new IssuerError('credential_request_denied', error.message, { cause: error })
    }
    throw error
  })
  const recorded = await ctx.store.issuedCredentials.recordIssuance({
    tenantId: tenant.id,
    awardId: award.id,
    offerId: input.offer.id,
    format: configuration.format,
    credentialConfigurationId: configuration.id,
    issuedAt: now,
    credentials: signed.map((item, i) => ({
      id: item.id,
      holderKeyThumbprint: item.thumbprint,
      statusListId: listId,
      statusIndex: item.index,
      // §11: one notification id per issuance flow; it is recorded on the first credential.
      ...(i === 0 ? { notificationId } : {}),
    })),
    redemption: input.redemption,
    // The store adds the access token's hash to the details (every issuance audited with its token).
    audit: {
      actor: 'wallet',
      action: 'credential.issued',
      subject: award.id,
      details: {
        offer: input.offer.id,
        configuration: configuration.id,
        count: holders.length,
        credentials: signed.map((item) => item.id),
        statusList: listId,
        ...(input.redemption.transactionIdHash !== undefined ? { deferred: true } : {}),
      },
    },
  })
  if (!recorded.ok) throw issuanceRefused(recorded.reason, configuration.id)
  return { credentials: signed.map((item) => item.credential), notificationId }
}
