import type { NextFunction, Request, Response } from 'express'
import type { IssuerContext, TenantRuntime } from '../issuance/issuer-context.ts'

/** An endpoint: the tenant is resolved first (404 `not_found` for an unknown one). */
export type TenantHandler = (req: Request, res: Response, tenant: TenantRuntime) => Promise<void>

/** Wraps an endpoint so every error reaches the one error writer (app.ts). */
export function tenantEndpoint(ctx: IssuerContext, handler: TenantHandler) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const tenant = await ctx.tenant(String(req.params.tenant))
      await handler(req, res, tenant)
    } catch (error) {
      next(error)
    }
  }
}

/** OAuth responses carrying tokens or nonces must not be cached (RFC 6749 §5.1, VCI 1.0 §7.2). */
export function noStore(res: Response): Response {
  return res.set('Cache-Control', 'no-store').set('Pragma', 'no-cache')
}
