// POST /admin/{tenant}/awards/cohort?specificationId=…&hold=…&mode=… with a text/csv body: the
// file is checked whole at once (admin/cohort.ts) and queued as a background job — 202 with
// its report per row and `Location: /admin/{tenant}/cohorts/{job}` — or refused whole with the
// report (400), nothing built. The body is read here, after the API key was checked, with its
// own limit (MAX_COHORT_BYTES, which MAX_COHORT_ROWS rows fit in).

import type { Router } from 'express'
import express, { type Request, type Response } from 'express'
import { IssuerError } from '../../errors.ts'
import { cohortJobView, MAX_COHORT_BYTES, MAX_COHORT_ROWS, queueCohort } from '../cohort.ts'
import { wakeCohortRunners } from '../cohort-runner.ts'
import { zCohortQuery } from '../z-admin-input.ts'
import { type AdminDeps, adminEndpoint, queryOf } from './admin-endpoint.ts'

const readCsv = express.text({ limit: MAX_COHORT_BYTES, type: ['text/csv'] })

/** The CSV body as text; body-parser's failures become our errors, each naming the limit or the encoding. */
async function csvBody(req: Request, res: Response): Promise<string> {
  if (!req.is('text/csv')) {
    throw new IssuerError('unsupported_media_type', 'cohort: send the CSV file with Content-Type: text/csv')
  }
  await new Promise<void>((resolve, reject) => {
    readCsv(req, res, (error?: unknown) => (error ? reject(error) : resolve()))
  }).catch((error: unknown) => {
    const e = error as { type?: string; status?: number }
    if (e?.type === 'entity.too.large') throw tooLarge()
    if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
      throw new IssuerError('unsupported_media_type', 'cohort: send the CSV file as UTF-8 text')
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500)
      throw new IssuerError('invalid_request', 'cohort: the request body could not be read', { cause: error })
    throw error
  })
  const text = typeof req.body === 'string' ? req.body : ''
  // Had another parser read the body first, its limit would have applied instead of ours.
  if (Buffer.byteLength(text, 'utf8') > MAX_COHORT_BYTES) throw tooLarge()
  return text
}

function tooLarge(): IssuerError {
  return new IssuerError(
    'payload_too_large',
    `cohort CSV: the file is larger than ${MAX_COHORT_BYTES / 1024} KiB; at most ${MAX_COHORT_ROWS} learner rows per file, split it`,
    { extra: { maxBytes: MAX_COHORT_BYTES, maxRows: MAX_COHORT_ROWS } },
  )
}

export function mountAwardCohort(router: Router, deps: AdminDeps): void {
  router.post(
    '/admin/:tenant/awards/cohort',
    adminEndpoint(deps, 'awards:write', async (req, res, { tenant, actor }) => {
      const query = queryOf(req, zCohortQuery)
      const csv = await csvBody(req, res)
      const job = await queueCohort(deps.ctx, tenant, {
        specificationId: query.specificationId,
        csv,
        ...(query.mode ? { mode: query.mode } : {}),
        hold: query.hold === true,
        actor,
      })
      const rows = await deps.ctx.store.cohortJobs.rows(tenant.id, job.id)
      wakeCohortRunners(deps.ctx)
      res.status(202).set('Location', `/admin/${tenant.id}/cohorts/${job.id}`).json(cohortJobView(job, rows))
    }),
  )
}
