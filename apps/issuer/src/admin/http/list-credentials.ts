// GET /admin/{tenant}/credentials?awardId=&state=&limit=&offset=: issued credentials (records
// only: the credentials themselves are with the learners).
import type { Router } from 'express'
import { credentialView } from '../views.ts'
import { zCredentialListQuery } from '../z-admin-input.ts'
import { type AdminDeps, adminEndpoint, queryOf } from './admin-endpoint.ts'

export function mountListCredentials(router: Router, deps: AdminDeps): void {
  router.get(
    '/admin/:tenant/credentials',
    adminEndpoint(deps, 'read', async (req, res, { tenant }) => {
      const query = queryOf(req, zCredentialListQuery)
      const limit = query.limit ?? 50
      const offset = query.offset ?? 0
      const page = await deps.ctx.store.issuedCredentials.search(tenant.id, {
        ...(query.awardId ? { awardId: query.awardId } : {}),
        ...(query.state ? { state: query.state } : {}),
        limit,
        offset,
      })
      res.json({ items: page.items.map(credentialView), total: page.total, limit, offset })
    }),
  )
}
