// Credential endpoint (VCI 1.0 §8): JSON in, 200 with credentials or 202 deferred.
import type { Router } from 'express'
import { IssuerError } from '../errors.ts'
import { handleCredentialRequest } from '../issuance/credential.ts'
import type { IssuerContext } from '../issuance/issuer-context.ts'
import { noStore, tenantEndpoint } from './handler.ts'
import { requestLikeOf } from './request-like.ts'

export function mountCredential(router: Router, ctx: IssuerContext): void {
  router.post(
    '/:tenant/credential',
    tenantEndpoint(ctx, async (req, res, tenant) => {
      if (!req.is('application/json'))
        throw new IssuerError('invalid_credential_request', 'the credential request must be application/json')
      const outcome = await handleCredentialRequest(
        ctx,
        tenant,
        requestLikeOf(req, ctx.config.baseUrl),
        req.query,
        req.body,
      )
      noStore(res).status(outcome.status).json(outcome.body)
    }),
  )
}
