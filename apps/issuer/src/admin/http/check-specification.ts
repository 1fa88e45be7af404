// POST /admin/{tenant}/specifications/{id}/annex-i-check: a dry run of PUT (nothing stored) that
// answers which Annex I elements the course states, misses or states invalidly, in words; an
// incomplete course is a 200 answer, so an editor can show it live (admin/annex-i-check.ts).
import type { Router } from 'express'
import { checkCourse } from '../annex-i-check.ts'
import { zAnnexICheckRequest } from '../z-admin-input.ts'
import { type AdminDeps, adminEndpoint, jsonBody, param } from './admin-endpoint.ts'

export function mountCheckSpecification(router: Router, deps: AdminDeps): void {
  router.post(
    '/admin/:tenant/specifications/:id/annex-i-check',
    adminEndpoint(
      deps,
      'read',
      async (req, res, { tenant }) => {
        jsonBody(req, zAnnexICheckRequest, 'annex-i-check')
        const check = await checkCourse(
          deps.ctx.elmWorkers,
          tenant,
          // The caller's input as sent; the parsed copy only proved it is an object.
          { id: param(req, 'id'), document: (req.body as { specification: unknown }).specification },
          deps.ctx.now(),
        )
        res.json({ id: param(req, 'id'), ...check })
      },
      { expensive: true },
    ),
  )
}
