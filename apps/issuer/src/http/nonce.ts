// Nonce endpoint (VCI 1.0 §7): POST, no body, `Cache-Control: no-store` (§7.2).
import type { Router } from 'express'
import type { IssuerContext } from '../issuance/issuer-context.ts'
import { handleNonceRequest } from '../issuance/nonce.ts'
import { noStore, tenantEndpoint } from './handler.ts'

export function mountNonce(router: Router, ctx: IssuerContext): void {
  router.post(
    '/:tenant/nonce',
    tenantEndpoint(ctx, async (_req, res, tenant) => {
      noStore(res).json(handleNonceRequest(ctx, tenant))
    }),
  )
}
