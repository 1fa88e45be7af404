// POST /admin/{tenant}/awards: one learner's award (the EDC is built now), held or ready.
import type { Router } from 'express'
import { annexReportOf, createAward } from '../../issuance/awards.ts'
import { zCreateAwardRequest } from '../z-admin-input.ts'
import { type AdminDeps, adminEndpoint, jsonBody } from './admin-endpoint.ts'

export function mountCreateAward(router: Router, deps: AdminDeps): void {
  router.post(
    '/admin/:tenant/awards',
    adminEndpoint(
      deps,
      'awards:write',
      async (req, res, { tenant, actor }) => {
        const body = jsonBody(req, zCreateAwardRequest, 'award')
        const award = await createAward(deps.ctx, tenant, {
          specificationId: body.specificationId,
          award: (req.body as { award: unknown }).award,
          hold: body.hold === true,
          actor,
        })
        res
          .status(201)
          .set('Location', `/admin/${tenant.id}/awards/${award.id}`)
          .json({
            id: award.id,
            state: award.state,
            specificationId: award.specificationId,
            specificationVersion: award.specificationVersion,
            annexReport: annexReportOf(award) ?? null,
          })
      },
      { expensive: true },
    ),
  )
}
