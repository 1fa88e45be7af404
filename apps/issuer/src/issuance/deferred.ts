// Deferred credential endpoint (OpenID4VCI 1.0 §9): the wallet polls with its transaction_id
// until the award is approved; then the credentials are issued once and the id is spent.
import type { RequestLike } from '@openid4vc/oauth2'
import { IssuerError } from '../errors.ts'
import { authenticateWallet } from './authenticate-wallet.ts'
import { DEFERRED_INTERVAL_SECONDS, type DeferredTransactionData, issueCredentials } from './credential.ts'
import { parseConfigurationId } from './credential-configurations.ts'
import type { IssuerContext, TenantRuntime } from './issuer-context.ts'
import { hashValue } from './secrets.ts'

export async function handleDeferredRequest(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  request: RequestLike,
  query: Readonly<Record<string, unknown>>,
  body: unknown,
) {
  const wallet = await authenticateWallet(ctx, tenant, request, query)
  const transactionId = (body as { transaction_id?: unknown } | null)?.transaction_id
  if (typeof transactionId !== 'string' || transactionId.length === 0) {
    throw new IssuerError('invalid_request', 'transaction_id is required')
  }
  const now = ctx.now()
  const key = hashValue(transactionId)
  const pending = await ctx.store.singleUseValues.peek<DeferredTransactionData>(
    'deferred_transaction_id',
    tenant.id,
    key,
    now,
  )
  // §9.3: unknown, spent, or bound to another token's issuance.
  if (!pending || pending.offerId !== wallet.offer.id) {
    throw new IssuerError(
      'invalid_transaction_id',
      'the transaction_id is unknown, already used, or not of this access token',
    )
  }
  const award = await ctx.awardWithDocument(tenant.id, wallet.offer.awardId)
  if (!award || award.state === 'revoked')
    throw new IssuerError('credential_request_denied', 'this award was withdrawn')
  if (award.state === 'held') {
    throw new IssuerError('issuance_pending', 'the award is still waiting for approval', {
      extra: { interval: DEFERRED_INTERVAL_SECONDS },
    })
  }
  // Spend the id atomically: of two concurrent polls only one issues.
  const spent = await ctx.store.singleUseValues.consume<DeferredTransactionData>(
    'deferred_transaction_id',
    tenant.id,
    key,
    now,
  )
  if (!spent) throw new IssuerError('invalid_transaction_id', 'the transaction_id was already used')
  const configuration = parseConfigurationId(spent.configurationId)
  if (!configuration) throw new IssuerError('invalid_transaction_id', 'the transaction names an unknown configuration')
  const issued = await issueCredentials(ctx, tenant, {
    offer: wallet.offer,
    award,
    configuration,
    holders: spent.holders,
    now,
  })
  // VCI 1.0 §9.2 allows notification_id here, but @openid4vc 0.4.6 rejects a deferred response
  // that has both (an inverted check, on our side and in its wallet); we leave it out so its
  // wallets can read the answer.
  return tenant.vci.createDeferredCredentialResponse({
    credentials: issued.credentials.map((credential) => ({ credential })),
  })
}
