// GET /admin/{tenant}/specifications: the tenant's courses, without their documents.
import type { Router } from 'express'
import { specificationView } from '../views.ts'
import { type AdminDeps, adminEndpoint } from './admin-endpoint.ts'

export function mountListSpecifications(router: Router, deps: AdminDeps): void {
  router.get(
    '/admin/:tenant/specifications',
    adminEndpoint(deps, 'read', async (_req, res, { tenant }) => {
      const specs = await deps.ctx.store.specifications.list(tenant.id)
      res.json({ items: specs.map((s) => specificationView(s)) })
    }),
  )
}
