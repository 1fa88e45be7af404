// GET /admin/{tenant}/cohorts/{job}?rows=all|failed|none: a cohort job's state, its counts and
// its report per row (the award id of each issued row, the issues of each failed one). The
// admin app and `alma award` poll it for progress (rows=none) until the state is final.
import type { Router } from 'express'
import { cohortJobView } from '../cohort.ts'
import { zCohortJobQuery } from '../z-admin-input.ts'
import { type AdminDeps, adminEndpoint, queryOf } from './admin-endpoint.ts'
import { cohortJobOf } from './cohort-job-of.ts'

export function mountGetCohortJob(router: Router, deps: AdminDeps): void {
  router.get(
    '/admin/:tenant/cohorts/:job',
    adminEndpoint(deps, 'read', async (req, res, { tenant }) => {
      const query = queryOf(req, zCohortJobQuery)
      const job = await cohortJobOf(deps, req, tenant.id)
      const which = query.rows ?? 'all'
      const rows =
        which === 'none'
          ? undefined
          : await deps.ctx.store.cohortJobs.rows(tenant.id, job.id, which === 'failed' ? 'failed' : undefined)
      res.json(cohortJobView(job, rows))
    }),
  )
}
