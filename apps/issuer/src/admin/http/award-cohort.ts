// POST /admin/{tenant}/awards/cohort?specificationId=…&hold=…&mode=… with a text/csv body:
// a report per row; see admin/cohort.ts for the columns and the modes.
import type { Router } from 'express'
import { IssuerError } from '../../errors.ts'
import { awardCohort } from '../cohort.ts'
import { zCohortQuery } from '../z-admin-input.ts'
import { type AdminDeps, adminEndpoint, queryOf } from './admin-endpoint.ts'

export function mountAwardCohort(router: Router, deps: AdminDeps): void {
  router.post(
    '/admin/:tenant/awards/cohort',
    adminEndpoint(deps, 'awards:write', async (req, res, { tenant, actor }) => {
      const query = queryOf(req, zCohortQuery)
      if (!req.is('text/csv') || typeof req.body !== 'string') {
        throw new IssuerError('unsupported_media_type', 'cohort: send the CSV file with Content-Type: text/csv')
      }
      const result = await awardCohort(deps.ctx, tenant, {
        specificationId: query.specificationId,
        csv: req.body,
        ...(query.mode ? { mode: query.mode } : {}),
        hold: query.hold === true,
        actor,
      })
      res.status(201).json(result)
    }),
  )
}
