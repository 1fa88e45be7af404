// GET /admin/{tenant}/awards?q=&state=&specificationId=&limit=&offset=: newest first.
import type { Router } from 'express'
import { awardView } from '../views.ts'
import { zAwardListQuery } from '../z-admin-input.ts'
import { type AdminDeps, adminEndpoint, queryOf } from './admin-endpoint.ts'

export function mountListAwards(router: Router, deps: AdminDeps): void {
  router.get(
    '/admin/:tenant/awards',
    adminEndpoint(deps, 'read', async (req, res, { tenant }) => {
      const query = queryOf(req, zAwardListQuery)
      const limit = query.limit ?? 50
      const offset = query.offset ?? 0
      const page = await deps.ctx.store.awards.search(tenant.id, {
        ...(query.q ? { text: query.q } : {}),
        ...(query.state ? { state: query.state } : {}),
        ...(query.specificationId ? { specificationId: query.specificationId } : {}),
        limit,
        offset,
      })
      res.json({ items: page.items.map(awardView), total: page.total, limit, offset })
    }),
  )
}
