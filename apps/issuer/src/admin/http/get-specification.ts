// GET /admin/{tenant}/specifications/{id}: the course, its version (also as ETag, for If-Match)
// and its Annex I report.
import type { Router } from 'express'
import { IssuerError } from '../../errors.ts'
import { specificationView } from '../views.ts'
import { type AdminDeps, adminEndpoint, param } from './admin-endpoint.ts'

export function mountGetSpecification(router: Router, deps: AdminDeps): void {
  router.get(
    '/admin/:tenant/specifications/:id',
    adminEndpoint(deps, 'read', async (req, res, { tenant }) => {
      const spec = await deps.ctx.store.specifications.get(tenant.id, param(req, 'id'))
      if (!spec) throw new IssuerError('not_found', `no course specification ${param(req, 'id')}`)
      res.set('ETag', `"${spec.version}"`).json(specificationView(spec, { document: true }))
    }),
  )
}
