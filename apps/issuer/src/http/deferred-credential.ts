// Deferred credential endpoint (VCI 1.0 §9).
import type { Router } from 'express'
import { IssuerError } from '../errors.ts'
import { handleDeferredRequest } from '../issuance/deferred.ts'
import type { IssuerContext } from '../issuance/issuer-context.ts'
import { noStore, tenantEndpoint } from './handler.ts'
import { requestLikeOf } from './request-like.ts'

export function mountDeferredCredential(router: Router, ctx: IssuerContext): void {
  router.post(
    '/:tenant/deferred-credential',
    tenantEndpoint(ctx, async (req, res, tenant) => {
      if (!req.is('application/json'))
        throw new IssuerError('invalid_request', 'the deferred request must be application/json')
      const body = await handleDeferredRequest(ctx, tenant, requestLikeOf(req, ctx.config.baseUrl), req.query, req.body)
      noStore(res).json(body)
    }),
  )
}
