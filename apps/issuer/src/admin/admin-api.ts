// The admin API's router: the endpoints of admin/http, behind one rate limiter per process.
import express from 'express'
import type { MountRoutes } from '../http/app.ts'
import type { AdminDeps } from './http/admin-endpoint.ts'
import { mountApproveAward } from './http/approve-award.ts'
import { mountAwardCohort } from './http/award-cohort.ts'
import { mountCancelCohortJob } from './http/cancel-cohort-job.ts'
import { mountChangeCredentialStatus } from './http/change-credential-status.ts'
import { mountCheckSpecification } from './http/check-specification.ts'
import { mountCreateAward } from './http/create-award.ts'
import { mountCreateOffer } from './http/create-offer.ts'
import { mountGetAward } from './http/get-award.ts'
import { mountGetAwardCertificate } from './http/get-award-certificate.ts'
import { mountGetCohortJob } from './http/get-cohort-job.ts'
import { mountGetSpecification } from './http/get-specification.ts'
import { mountListAudit } from './http/list-audit.ts'
import { mountListAwards } from './http/list-awards.ts'
import { mountListCredentials } from './http/list-credentials.ts'
import { mountListSpecifications } from './http/list-specifications.ts'
import { mountOpenApiDocument } from './http/openapi-document.ts'
import { mountPutSpecification } from './http/put-specification.ts'
import { createRateLimiter, DEFAULT_RATE_LIMIT, EXPENSIVE_RATE_LIMIT, type RateLimitOptions } from './rate-limit.ts'

export interface AdminApiOptions {
  /** Per API key, per process (see rate-limit.ts). */
  readonly rateLimit?: RateLimitOptions
  /** Per tenant, per process, on the endpoints that use the ELM workers (see rate-limit.ts). */
  readonly expensiveRateLimit?: RateLimitOptions
}

/**
 * The admin API under `/admin/{tenant}/…`, to pass to `startIssuer({ routes })`.
 *
 * @example
 * ```ts
 * await startIssuer({ config, routes: [createAdminApi({ rateLimit: { burst: 20, perSecond: 5 } })] })
 * ```
 */
export function createAdminApi(options: AdminApiOptions = {}): MountRoutes {
  return (app, ctx) => {
    const deps: AdminDeps = {
      ctx,
      limiter: createRateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT),
      expensiveLimiter: createRateLimiter(options.expensiveRateLimit ?? EXPENSIVE_RATE_LIMIT),
    }
    const router = express.Router()
    mountOpenApiDocument(router)
    mountListSpecifications(router, deps)
    mountGetSpecification(router, deps)
    mountPutSpecification(router, deps)
    mountCheckSpecification(router, deps)
    // `cohort` before `:id`, so it is not taken for an award id.
    mountAwardCohort(router, deps)
    mountGetCohortJob(router, deps)
    mountCancelCohortJob(router, deps)
    mountCreateAward(router, deps)
    mountListAwards(router, deps)
    mountGetAward(router, deps)
    mountGetAwardCertificate(router, deps)
    mountApproveAward(router, deps)
    mountCreateOffer(router, deps)
    mountListCredentials(router, deps)
    mountChangeCredentialStatus(router, deps)
    mountListAudit(router, deps)
    app.use(router)
  }
}

/** The admin API with the default rate limit. */
export const mountAdminApi: MountRoutes = createAdminApi()
