// The cohort job a path names, of the caller's tenant: 404 for an id of another tenant, an
// unknown one, and text that is no job id at all (never passed to the store).
import type { CohortJob } from '@alma/store'
import type { Request } from 'express'
import { IssuerError } from '../../errors.ts'
import { COHORT_JOB_ID } from '../z-admin-input.ts'
import { type AdminDeps, param } from './admin-endpoint.ts'

export async function cohortJobOf(deps: AdminDeps, req: Request, tenantId: string): Promise<CohortJob> {
  const id = param(req, 'job')
  if (!COHORT_JOB_ID.test(id)) throw new IssuerError('not_found', 'no such cohort job')
  const job = await deps.ctx.store.cohortJobs.get(tenantId, id)
  if (!job) throw new IssuerError('not_found', `no cohort job ${id}`)
  return job
}
