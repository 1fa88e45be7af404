// Token endpoint (VCI 1.0 §6): form-encoded (RFC 6749 §4.1.3), answer no-store.
import type { Router } from 'express'
import { IssuerError } from '../errors.ts'
import type { IssuerContext } from '../issuance/issuer-context.ts'
import { handleTokenRequest } from '../issuance/token.ts'
import { noStore, tenantEndpoint } from './handler.ts'
import { bodyOf, requestLikeOf } from './request-like.ts'

export function mountToken(router: Router, ctx: IssuerContext): void {
  router.post(
    '/:tenant/token',
    tenantEndpoint(ctx, async (req, res, tenant) => {
      if (!req.is('application/x-www-form-urlencoded')) {
        throw new IssuerError('invalid_request', 'the token request must be application/x-www-form-urlencoded')
      }
      const { body } = await handleTokenRequest(ctx, tenant, requestLikeOf(req, ctx.config.baseUrl), bodyOf(req))
      noStore(res).json(body)
    }),
  )
}
