// Notification endpoint (OpenID4VCI 1.0 §11): the wallet reports what became of a credential.
import type { RequestLike } from '@openid4vc/oauth2'
import { z } from 'zod'
import { IssuerError } from '../errors.ts'
import { authenticateWallet } from './authenticate-wallet.ts'
import type { IssuerContext, TenantRuntime } from './issuer-context.ts'

/** VCI 1.0 §11.1 Notification Request. */
export const zNotificationRequest = z.object({
  notification_id: z.string().min(1),
  event: z.enum(['credential_accepted', 'credential_failure', 'credential_deleted']),
  event_description: z.string().max(1000).optional(),
})

export async function handleNotification(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  request: RequestLike,
  query: Readonly<Record<string, unknown>>,
  body: unknown,
): Promise<void> {
  const wallet = await authenticateWallet(ctx, tenant, request, query)
  const parsed = zNotificationRequest.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    // RFC 6749 §5.2: no double quotes in error_description (zod quotes the allowed values).
    const message = String(issue?.message).replaceAll('"', "'")
    throw new IssuerError('invalid_notification_request', `${issue?.path.join('.') || 'body'}: ${message}`)
  }
  const { notification_id: notificationId, event } = parsed.data
  const credential = await ctx.store.issuedCredentials.findByNotificationId(tenant.id, notificationId)
  // §11.3: an id we never gave to this token's issuance is invalid_notification_id.
  if (!credential || credential.offerId !== wallet.offer.id) {
    throw new IssuerError('invalid_notification_id', 'unknown notification_id')
  }
  const now = ctx.now()
  // Idempotent: the same event again changes nothing (§11.2 allows retries).
  await ctx.store.issuedCredentials.recordNotification({ tenantId: tenant.id, notificationId, event, now })
  await ctx.store.auditLog.append({
    tenantId: tenant.id,
    at: now,
    actor: 'wallet',
    action: `credential.${event}`,
    subject: credential.id,
  })
}
