// GET /admin/{tenant}/audit?action=&limit=&before=: the append-only audit log, newest first;
// `before` is the last id seen (keyset pagination).
import type { Router } from 'express'
import { auditView } from '../views.ts'
import { zAuditListQuery } from '../z-admin-input.ts'
import { type AdminDeps, adminEndpoint, queryOf } from './admin-endpoint.ts'

export function mountListAudit(router: Router, deps: AdminDeps): void {
  router.get(
    '/admin/:tenant/audit',
    adminEndpoint(deps, 'audit:read', async (req, res, { tenant }) => {
      const query = queryOf(req, zAuditListQuery)
      const entries = await deps.ctx.store.auditLog.list(tenant.id, {
        ...(query.action ? { action: query.action } : {}),
        ...(query.before !== undefined ? { before: query.before } : {}),
        limit: query.limit ?? 100,
      })
      const last = entries.at(-1)
      res.json({ items: entries.map(auditView), ...(last ? { next: { before: last.id } } : {}) })
    }),
  )
}
