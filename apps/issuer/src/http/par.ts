// Pushed authorization request endpoint (RFC 9126 §2.1): 201 with request_uri.
import type { Router } from 'express'
import { IssuerError } from '../errors.ts'
import { handlePushedAuthorizationRequest } from '../issuance/authorization.ts'
import type { IssuerContext } from '../issuance/issuer-context.ts'
import { noStore, tenantEndpoint } from './handler.ts'
import { bodyOf, requestLikeOf } from './request-like.ts'

export function mountPar(router: Router, ctx: IssuerContext): void {
  router.post(
    '/:tenant/par',
    tenantEndpoint(ctx, async (req, res, tenant) => {
      if (!req.is('application/x-www-form-urlencoded')) {
        throw new IssuerError(
          'invalid_request',
          'the pushed authorization request must be application/x-www-form-urlencoded',
        )
      }
      const body = await handlePushedAuthorizationRequest(
        ctx,
        tenant,
        requestLikeOf(req, ctx.config.baseUrl),
        bodyOf(req),
      )
      noStore(res).status(201).json(body)
    }),
  )
}
