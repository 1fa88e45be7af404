// Credential offers (OpenID4VCI 1.0 §4.1): created by the admin API for an award, served by
// reference as often as the wallet asks until redeemed or expired (protocols.md, interop traps).
import { randomInt, randomUUID } from 'node:crypto'
import type { Offer } from '@alma/store'
import { authorizationCodeGrantIdentifier, preAuthorizedCodeGrantIdentifier } from '@openid4vc/oauth2'
import { IssuerError } from '../errors.ts'
import { configurationIdsOf } from './credential-configurations.ts'
import type { IssuerContext, TenantRuntime } from './issuer-context.ts'
import { hashTxCode, hashValue, randomToken } from './secrets.ts'

/** §4.1.1 `tx_code`: six digits, typed by the learner; any tx_code object means "required". */
export const TX_CODE_LENGTH = 6

export interface CreateOfferInput {
  readonly awardId: string
  /** Default: both configurations of the award's course. */
  readonly credentialConfigurationIds?: readonly string[]
  /**
   * Protect the offer with a transaction code (VCI 1.0 §4.1.1, §13.6): asked with the
   * pre-authorized code at the token request, and typed by the learner on the authorization page
   * before the authorization-code grant goes on (learner-authentication.ts) — one code, one attempt
   * counter, for both grants. Without it, anyone holding the offer's link can take it; the admin
   * API, the admin app and the demo turn it on unless told otherwise.
   */
  readonly txCode: boolean
  /**
   * Which grants the offer carries (§4.1.1); both by default. Some draft wallets (Sphereon's
   * client 0.20) take the authorization code flow whenever it is offered, so an institution
   * serving them offers `pre-authorized_code` only.
   */
  readonly grants?: OfferGrants
  /** Who asks, for the audit log (`apikey:<id>`, `cli`); `admin` by default. */
  readonly actor?: string
}

export type OfferGrants = 'both' | 'pre-authorized_code' | 'authorization_code'

export interface CreatedOffer {
  readonly offer: Offer
  /** The offer object (§4.1.1) as the wallet fetches it. */
  readonly credentialOffer: Record<string, unknown>
  /** `openid-credential-offer://?credential_offer_uri=…` for QR codes (cross-device). */
  readonly offerUri: string
  /** The same, for a link on the learner's phone (same-device). */
  readonly sameDeviceLink: string
  /** The offer by value (§4.1.2): `openid-credential-offer://?credential_offer=<JSON>`. */
  readonly offerByValue: string
  /** Shown once; only its hash is stored. */
  readonly txCode?: string
}

/** The §4.1.1 offer object of a stored offer (also what the by-reference endpoint returns). */
export function credentialOfferObject(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  offer: Offer,
): Record<string, unknown> {
  const grants: Record<string, unknown> = {}
  if (offer.issuerState) grants[authorizationCodeGrantIdentifier] = { issuer_state: offer.issuerState }
  if (offer.preAuthorizedCodeHash) {
    grants[preAuthorizedCodeGrantIdentifier] = {
      'pre-authorized_code': ctx.preAuthorizedCodeFor(tenant.id, offer.id),
      ...(offer.txCodeRequired
        ? {
            tx_code: {
              input_mode: 'numeric',
              length: TX_CODE_LENGTH,
              description:
                'The code you received from your institution / Der Code, den Sie von Ihrer Hochschule erhalten haben',
            },
          }
        : {}),
      authorization_server: tenant.urls.issuer,
    }
  }
  return {
    credential_issuer: tenant.urls.issuer,
    credential_configuration_ids: [...offer.credentialConfigurationIds],
    grants,
  }
}

export function offerUriOf(tenant: TenantRuntime, offerId: string): string {
  return `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(tenant.urls.offer(offerId))}`
}

export async function createOffer(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  input: CreateOfferInput,
): Promise<CreatedOffer> {
  const now = ctx.now()
  const award = await ctx.store.awards.getWithoutDocument(tenant.id, input.awardId)
  if (!award) throw new IssuerError('not_found', `no award ${input.awardId}`)
  if (award.state === 'revoked') throw new IssuerError('conflict', `award ${input.awardId} is revoked`)
  const available = configurationIdsOf(award.specificationId)
  const ids = input.credentialConfigurationIds ?? available
  const unknown = ids.filter((id) => !available.includes(id))
  if (ids.length === 0 || unknown.length > 0) {
    throw new IssuerError(
      'invalid_input',
      `credential_configuration_ids: ${unknown.join(', ') || '(none)'} not offered for this course`,
    )
  }
  const id = randomUUID()
  const grants = input.grants ?? 'both'
  const preAuthorized = grants !== 'authorization_code'
  const code = ctx.preAuthorizedCodeFor(tenant.id, id)
  const txCode = input.txCode ? String(randomInt(0, 10 ** TX_CODE_LENGTH)).padStart(TX_CODE_LENGTH, '0') : undefined
  const offer = await ctx.store.offers.create({
    tenantId: tenant.id,
    id,
    awardId: award.id,
    credentialConfigurationIds: ids,
    ...(preAuthorized ? { preAuthorizedCodeHash: hashValue(code) } : {}),
    ...(txCode ? { txCodeHash: hashTxCode(code, txCode) } : {}),
    maxTxCodeAttempts: ctx.config.maxTxCodeAttempts,
    ...(grants !== 'pre-authorized_code' ? { issuerState: randomToken() } : {}),
    expiresAt: new Date(now.getTime() + ctx.config.offerTtlSeconds * 1000),
    now,
  })
  await ctx.store.auditLog.append({
    tenantId: tenant.id,
    at: now,
    actor: input.actor ?? 'admin',
    action: 'offer.created',
    subject: award.id,
    details: { offer: id, configurations: ids, txCode: txCode !== undefined, grants },
  })
  const offerUri = offerUriOf(tenant, id)
  const credentialOffer = credentialOfferObject(ctx, tenant, offer)
  return {
    offer,
    credentialOffer,
    offerUri,
    sameDeviceLink: offerUri,
    offerByValue: `openid-credential-offer://?credential_offer=${encodeURIComponent(JSON.stringify(credentialOffer))}`,
    ...(txCode ? { txCode } : {}),
  }
}
