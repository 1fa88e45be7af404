// @alma/store: persistence for Alma. One schema and its migrations over PGlite (the embedded
// default) or PostgreSQL (DATABASE_URL), repositories whose every query is tenant-scoped, and
// single-use values consumed by one atomic statement (design/architecture.md, "Scale-out").
export { isStoreError, StoreError, type StoreErrorCode } from './errors.ts'
export {
  type MaintenanceReport,
  runStoreMaintenance,
  type StoreMaintenanceOptions,
  startStoreMaintenance,
} from './maintenance.ts'
export { MIGRATIONS, type MigrateOptions, type Migration, migrate } from './migrations/migrate.ts'
export {
  createRepositories,
  dropSchema,
  openStore,
  type Repositories,
  type Store,
  type StoreOptions,
  zStoreOptions,
} from './open-store.ts'
export type { ApiKey, ApiKeyGrant, ApiKeyRepository, NewApiKey } from './repositories/api-keys.ts'
export type { AuditEntry, AuditLogRepository, AuditQuery, NewAuditEntry } from './repositories/audit-log.ts'
export {
  AWARD_STATE_TRANSITIONS,
  AWARD_STATES,
  type Award,
  type AwardRepository,
  type AwardSearch,
  type AwardState,
  type AwardTransition,
  type NewAward,
  type Page,
} from './repositories/awards.ts'
export {
  type ClaimCohortJob,
  COHORT_JOB_ROW_STATES,
  COHORT_JOB_STATES,
  COHORT_JOB_TRANSITIONS,
  type CohortJob,
  type CohortJobLease,
  type CohortJobMode,
  type CohortJobRepository,
  type CohortJobRow,
  type CohortJobRowState,
  type CohortJobState,
  type CohortRowOutcome,
  type NewCohortJob,
  type NewCohortJobRow,
  type PendingCohortJobRow,
} from './repositories/cohort-jobs.ts'
export type {
  CredentialRedemption,
  CredentialRedemptionRepository,
  CredentialRedemptionState,
  DeferIssuance,
} from './repositories/credential-redemptions.ts'
export {
  CREDENTIAL_FORMATS,
  type CredentialFormat,
  ISSUED_CREDENTIAL_STATES,
  type IssuanceRecord,
  type IssuanceRefusal,
  type IssuedCredential,
  type IssuedCredentialRepository,
  type IssuedCredentialSearch,
  type IssuedCredentialState,
  type NewIssuedCredential,
  type NotificationEvent,
  type RecordIssuance,
} from './repositories/issued-credentials.ts'
export type {
  CheckTxCode,
  NewOffer,
  Offer,
  OfferGrant,
  OfferRepository,
  OfferState,
  RedeemFailure,
  RedeemPreAuthorizedCode,
  RedeemResult,
  TxCodeCheck,
  TxCodeCheckFailure,
} from './repositories/offers.ts'
export { OFFER_TRANSITIONS } from './repositories/offers.ts'
export {
  type ClaimFailure,
  type ClaimResult,
  type CompletePresentationRequest,
  type NewPresentationRequest,
  PRESENTATION_REQUEST_TRANSITIONS,
  type PresentationRequest,
  type PresentationRequestRepository,
  type PresentationRequestState,
  type ResponseMode,
} from './repositories/presentation-requests.ts'
export { createSigningKeyRepository } from './repositories/signing-keys.ts'
export type { SingleUseKind, SingleUseValueRepository } from './repositories/single-use-values.ts'
export type {
  NewSpecification,
  Specification,
  SpecificationRepository,
  SpecificationUpdate,
} from './repositories/specifications.ts'
export {
  MIN_STATUS_LIST_SIZE,
  type RandomIndex,
  type StatusList,
  type StatusListFormat,
  type StatusListRepository,
  type StatusListSnapshot,
  type StatusPurpose,
} from './repositories/status-lists.ts'
export type { NewTenant, Tenant, TenantRepository } from './repositories/tenants.ts'
export type {
  NewWebhookDelivery,
  WebhookDelivery,
  WebhookDeliveryRepository,
  WebhookDeliveryState,
} from './repositories/webhook-deliveries.ts'
export { createPgDatabase, type PgDatabaseOptions } from './sql/pg-database.ts'
export { createPgliteDatabase, type PgliteDatabaseOptions } from './sql/pglite-database.ts'
export type { QueryResult, SqlBackend, SqlClient, SqlDatabase } from './sql/sql-client.ts'
