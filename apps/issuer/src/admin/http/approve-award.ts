// POST /admin/{tenant}/awards/{id}/approve: held → ready. Wallets waiting on the deferred
// endpoint (VCI 1.0 §9) get their credential at their next poll.
import type { Router } from 'express'
import { IssuerError } from '../../errors.ts'
import { zApproveAwardRequest } from '../z-admin-input.ts'
import { type AdminDeps, adminEndpoint, jsonBody, param } from './admin-endpoint.ts'

export function mountApproveAward(router: Router, deps: AdminDeps): void {
  router.post(
    '/admin/:tenant/awards/:id/approve',
    adminEndpoint(deps, 'awards:write', async (req, res, { tenant, actor }) => {
      jsonBody(req, zApproveAwardRequest, 'approval', { optional: true })
      const { ctx } = deps
      const id = param(req, 'id')
      const award = await ctx.store.awards.getWithoutDocument(tenant.id, id)
      if (!award) throw new IssuerError('not_found', `no award ${id}`)
      if (award.state !== 'held') throw new IssuerError('conflict', `award ${id} is ${award.state}, not held`)
      const now = ctx.now()
      const moved = await ctx.store.transaction(async (tx) => {
        const ok = await tx.awards.transition({ tenantId: tenant.id, id, from: 'held', to: 'ready', now })
        if (ok) await tx.auditLog.append({ tenantId: tenant.id, at: now, actor, action: 'award.approved', subject: id })
        return ok
      })
      if (!moved) throw new IssuerError('conflict', `award ${id} changed meanwhile; reload it`)
      res.json({ id, state: 'ready' })
    }),
  )
}
