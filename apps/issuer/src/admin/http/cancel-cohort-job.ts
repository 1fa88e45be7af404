// POST /admin/{tenant}/cohorts/{job}/cancel: queued or running → cancelled. The row being built
// is not stored; rows already awarded stay (withdraw them one by one). 409 for a job that ended.
import type { Router } from 'express'
import { IssuerError } from '../../errors.ts'
import { cohortJobView } from '../cohort.ts'
import { zCancelCohortJobRequest } from '../z-admin-input.ts'
import { type AdminDeps, adminEndpoint, jsonBody } from './admin-endpoint.ts'
import { cohortJobOf } from './cohort-job-of.ts'

export function mountCancelCohortJob(router: Router, deps: AdminDeps): void {
  router.post(
    '/admin/:tenant/cohorts/:job/cancel',
    adminEndpoint(deps, 'awards:write', async (req, res, { tenant, actor }) => {
      jsonBody(req, zCancelCohortJobRequest, 'cancel', { optional: true })
      const { ctx } = deps
      const job = await cohortJobOf(deps, req, tenant.id)
      const now = ctx.now()
      const result = await ctx.store.transaction(async (tx) => {
        const cancelled = await tx.cohortJobs.cancel(tenant.id, job.id, now)
        if (cancelled?.changed)
          await tx.auditLog.append({
            tenantId: tenant.id,
            at: now,
            actor,
            action: 'award.cohort_cancelled',
            subject: job.id,
            details: { issued: cancelled.job.issued, pending: cancelled.job.pending },
          })
        return cancelled
      })
      if (!result) throw new IssuerError('not_found', `no cohort job ${job.id}`)
      if (!result.changed) throw new IssuerError('conflict', `cohort job ${job.id} is ${result.job.state} already`)
      res.json(cohortJobView(result.job))
    }),
  )
}
