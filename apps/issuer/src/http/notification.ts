// Notification endpoint (VCI 1.0 §11): 204 on success, idempotent.
import type { Router } from 'express'
import { IssuerError } from '../errors.ts'
import type { IssuerContext } from '../issuance/issuer-context.ts'
import { handleNotification } from '../issuance/notification.ts'
import { tenantEndpoint } from './handler.ts'
import { requestLikeOf } from './request-like.ts'

export function mountNotification(router: Router, ctx: IssuerContext): void {
  router.post(
    '/:tenant/notification',
    tenantEndpoint(ctx, async (req, res, tenant) => {
      if (!req.is('application/json'))
        throw new IssuerError('invalid_notification_request', 'the notification must be application/json')
      await handleNotification(ctx, tenant, requestLikeOf(req, ctx.config.baseUrl), req.query, req.body)
      res.status(204).end()
    }),
  )
}
