// The issuer's admin API (courses, awards, cohorts, offers, revocation, audit) and the
// framework-free functions behind it, which the CLI uses too.

// The CLI's commands, exported here so @alma/issuer's index needs one line for both.
export { registerIssuerCommands } from '../cli/register-issuer-commands.ts'
// The admin web app and the learner's offer page, which go beside the admin API in `routes`.
export { mountIssuerWebApp } from '../http/web-app.ts'
export { type AdminApiOptions, createAdminApi, mountAdminApi } from './admin-api.ts'
export { type CheckedElement, type CourseCheck, checkCourse } from './annex-i-check.ts'
export { ADMIN_SCOPES, type AdminScope, type CreatedApiKey, createApiKey, hashApiKey } from './api-keys.ts'
export {
  COHORT_COLUMNS,
  type CohortJobRowView,
  type CohortJobView,
  type CohortRowReport,
  checkCohortCsv,
  cohortJobView,
  MAX_COHORT_BYTES,
  MAX_COHORT_ROWS,
  type QueueCohortInput,
  queueCohort,
} from './cohort.ts'
export {
  type CohortRunner,
  type CohortRunnerOptions,
  createCohortRunner,
  wakeCohortRunners,
} from './cohort-runner.ts'
export {
  CREDENTIAL_STATUS_ACTIONS,
  type CredentialStatusAction,
  changeCredentialStatus,
} from './credential-status.ts'
export { CsvLimitError, type CsvRecord, CsvSyntaxError, type ParseCsvOptions, parseCsv } from './csv.ts'
export { adminOpenApiDocument } from './openapi.ts'
export { createRateLimiter, DEFAULT_RATE_LIMIT, type RateLimiter, type RateLimitOptions } from './rate-limit.ts'
export { putSpecification } from './specifications.ts'
