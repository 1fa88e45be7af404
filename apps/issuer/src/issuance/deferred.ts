// Deferred credential endpoint (OpenID4VCI 1.0 §9): the wallet polls with its transaction_id
// until the award is approved; then the credentials are issued once, to the holder keys the
// credential request proved, and the id is spent — in the one statement that records them
// (store migration 0005), so a deferral is no second way to mint with one token.
import type { RequestLike } from '@openid4vc/oauth2'
import { IssuerError } from '../errors.ts'
import { authenticateWallet } from './authenticate-wallet.ts'
import { awardWithdrawn, DEFERRED_INTERVAL_SECONDS, issueCredentials } from './credential.ts'
import { parseConfigurationId } from './credential-configurations.ts'
import type { HolderKey } from './credential-proofs.ts'
import type { IssuerContext, TenantRuntime } from './issuer-context.ts'
import { hashValue } from './secrets.ts'

/** The holder keys a deferral recorded: written by the credential endpoint, checked before use all the same. */
function holderKeysOf(value: unknown): HolderKey[] {
  const keys = Array.isArray(value) ? value : []
  if (keys.length === 0 || !keys.every((k) => typeof k === 'object' && k !== null && typeof k.jwk === 'object')) {
    throw new IssuerError('server_error', 'the deferred transaction has no holder keys', {
      internal: 'credential_redemptions.holder_keys is not an array of { jwk }',
    })
  }
  return keys as HolderKey[]
}

export async function handleDeferredRequest(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  request: RequestLike,
  query: Readonly<Record<string, unknown>>,
  body: unknown,
) {
  // Step 1 (§9.1, RFC 6750, RFC 9449 §7): who is asking.
  const wallet = await authenticateWallet(ctx, tenant, request, query)
  const transactionId = (body as { transaction_id?: unknown } | null)?.transaction_id
  if (typeof transactionId !== 'string' || transactionId.length === 0) {
    throw new IssuerError('invalid_request', 'transaction_id is required')
  }
  // Step 2 (§9.3): a pending deferral of this token's offer; unknown, spent, expired, or bound to
  // another token's issuance are alike.
  const now = ctx.now()
  const transactionIdHash = hashValue(transactionId)
  const pending = await ctx.store.credentialRedemptions.findPending(tenant.id, transactionIdHash, now)
  if (!pending || pending.offerId !== wallet.offer.id) {
    throw new IssuerError(
      'invalid_transaction_id',
      'the transaction_id is unknown, already used, or not of this access token',
    )
  }
  // Step 3 (§9.3: credential_request_denied when the issuer can no longer issue): the offer was
  // withdrawn (a credential of the award revoked or suspended), or the award was.
  if (wallet.offer.state === 'withdrawn') {
    throw new IssuerError(
      'credential_request_denied',
      'the institution withdrew the offer of this access token: a credential of the award was revoked or suspended',
    )
  }
  const award = await ctx.awardWithDocument(tenant.id, wallet.offer.awardId)
  if (!award || awardWithdrawn(award)) throw new IssuerError('credential_request_denied', 'this award was withdrawn')
  if (award.state === 'held') {
    throw new IssuerError('issuance_pending', 'the award is still waiting for approval', {
      extra: { interval: DEFERRED_INTERVAL_SECONDS },
    })
  }
  const configuration = parseConfigurationId(pending.credentialConfigurationId)
  if (!configuration) throw new IssuerError('invalid_transaction_id', 'the transaction names an unknown configuration')
  // Step 4: issue; the statement spends the transaction id (of two concurrent polls one issues,
  // the other gets invalid_transaction_id) and re-checks offer and award.
  const issued = await issueCredentials(ctx, tenant, {
    offer: wallet.offer,
    award,
    configuration,
    holders: holderKeysOf(pending.holderKeys),
    now,
    redemption: { accessTokenHash: wallet.tokenHash, transactionIdHash },
  })
  // VCI 1.0 §9.2: the deferred response carries notification_id beside the credentials, as the
  // immediate one does (§8.3), so the wallet can report credential_accepted/deleted (§11).
  // (@openid4vc 0.4.6 inverted this check; fixed in 0.5.2, "credential response check".)
  const { deferredCredentialResponse } = await tenant.vci.createDeferredCredentialResponse({
    credentials: issued.credentials.map((credential) => ({ credential })),
    notificationId: issued.notificationId,
  })
  return deferredCredentialResponse
}
