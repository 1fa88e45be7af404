import type { KeyRecordRepository } from '@alma/trust'
import pg from 'pg'
import { z } from 'zod'
import { StoreError } from './errors.ts'
import { migrate, quoteIdentifier } from './migrations/migrate.ts'
import { type ApiKeyRepository, createApiKeyRepository } from './repositories/api-keys.ts'
import { type AuditLogRepository, createAuditLogRepository } from './repositories/audit-log.ts'
import { type AwardRepository, createAwardRepository } from './repositories/awards.ts'
import { type CohortJobRepository, createCohortJobRepository } from './repositories/cohort-jobs.ts'
import {
  type CredentialRedemptionRepository,
  createCredentialRedemptionRepository,
} from './repositories/credential-redemptions.ts'
import { createIssuedCredentialRepository, type IssuedCredentialRepository } from './repositories/issued-credentials.ts'
import { createOfferRepository, type OfferRepository } from './repositories/offers.ts'
import {
  createPresentationRequestRepository,
  type PresentationRequestRepository,
} from './repositories/presentation-requests.ts'
import { createSigningKeyRepository } from './repositories/signing-keys.ts'
import { createSingleUseValueRepository, type SingleUseValueRepository } from './repositories/single-use-values.ts'
import { createSpecificationRepository, type SpecificationRepository } from './repositories/specifications.ts'
import { createStatusListRepository, type StatusListRepository } from './repositories/status-lists.ts'
import { createTenantRepository, type TenantRepository } from './repositories/tenants.ts'
import { createWebhookDeliveryRepository, type WebhookDeliveryRepository } from './repositories/webhook-deliveries.ts'
import { createPgDatabase } from './sql/pg-database.ts'
import { createPgliteDatabase } from './sql/pglite-database.ts'
import { createPgliteWorkerDatabase } from './sql/pglite-worker-database.ts'
import type { SqlBackend, SqlClient, SqlDatabase } from './sql/sql-client.ts'

/** A schema name we create and put in `search_path`: plain lower-case, so it needs no quoting. */
export const zSchemaName = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier: a-z, 0-9 and _, at most 63 long')
  .refine((s) => !s.startsWith('pg_'), 'must not start with pg_ (reserved by PostgreSQL)')

/** Options of {@link openStore}, validated at start-up (style.md, practice 6). */
export const zStoreOptions = z.strictObject({
  /** PostgreSQL connection string (`DATABASE_URL`); the embedded PGlite when absent. */
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** PGlite's data directory; in memory when absent. Ignored with `databaseUrl`. */
  dataDir: z.string().min(1).optional(),
  /** The schema to keep the tables in (created when missing): one per test file, for isolation. */
  schema: zSchemaName.optional(),
  /**
   * Where PGlite runs: `worker` (default) — a thread of its own, so the database's work uses
   * another core than the requests; `main` — on the calling thread (what a short-lived CLI
   * command or a test that opens many stores may prefer: no thread to start). Ignored with
   * `databaseUrl`.
   */
  pgliteThread: z.enum(['worker', 'main']).optional(),
  /** PostgreSQL pool size. */
  maxConnections: z.number().int().min(1).max(1000).optional(),
  log: z.custom<(msg: string) => void>((v) => typeof v === 'function', 'must be a function').optional(),
})
export type StoreOptions = z.input<typeof zStoreOptions>

/** Every repository, bound to one {@link SqlClient} (the pool, or one transaction). */
export interface Repositories {
  readonly tenants: TenantRepository
  readonly apiKeys: ApiKeyRepository
  /** @alma/trust's key repository: pass it to `createTenantKeyring({ repository })`. */
  readonly signingKeys: KeyRecordRepository
  readonly specifications: SpecificationRepository
  readonly awards: AwardRepository
  readonly offers: OfferRepository
  readonly singleUseValues: SingleUseValueRepository
  readonly issuedCredentials: IssuedCredentialRepository
  /** What each configuration of an offer's access token became: issued, or deferred (migration 0005). */
  readonly credentialRedemptions: CredentialRedemptionRepository
  readonly statusLists: StatusListRepository
  readonly auditLog: AuditLogRepository
  /** The verifier's OpenID4VP sessions. */
  readonly presentationRequests: PresentationRequestRepository
  readonly webhookDeliveries: WebhookDeliveryRepository
  /** The issuer's cohort files awarded in the background, row by row. */
  readonly cohortJobs: CohortJobRepository
  /** The SQL client the repositories use; for maintenance and tests, not for application queries. */
  readonly sql: SqlClient
  /**
   * Runs `fn` with the repositories bound to one transaction: committed when it resolves,
   * rolled back when it throws. Inside a transaction, a savepoint.
   *
   * Inside `fn` use only `tx`: on PGlite (one connection) a statement through the outer store
   * waits for this transaction to end, which waits for `fn`: a deadlock.
   *
   * @example
   * ```ts
   * await store.transaction(async (tx) => {
   *   const list = await tx.statusLists.ensureList(tenantId, 'revocation', 'token', now)
   *   const idx = await tx.statusLists.allocateIndex(tenantId, list.id)
   *   const credential = await sign(idx)             // nothing is recorded if signing throws
   *   await tx.issuedCredentials.insert({ …, statusListId: list.id, statusIndex: idx })
   *   await tx.auditLog.append({ tenantId, at: now, actor: 'wallet', action: 'credential.issued', … })
   * })
   * ```
   */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>
}

/** The database of a deployment, migrated and ready. */
export interface Store extends Repositories {
  readonly backend: SqlBackend
  /** The schema the tables are in, when one was given. */
  readonly schema?: string
  /** Closes the pool or the embedded database; the store is unusable afterwards. */
  close(): Promise<void>
}

/** Binds every repository to `sql`. */
export function createRepositories(sql: SqlClient): Repositories {
  return {
    tenants: createTenantRepository(sql),
    apiKeys: createApiKeyRepository(sql),
    signingKeys: createSigningKeyRepository(sql),
    specifications: createSpecificationRepository(sql),
    awards: createAwardRepository(sql),
    offers: createOfferRepository(sql),
    singleUseValues: createSingleUseValueRepository(sql),
    issuedCredentials: createIssuedCredentialRepository(sql),
    credentialRedemptions: createCredentialRedemptionRepository(sql),
    statusLists: createStatusListRepository(sql),
    auditLog: createAuditLogRepository(sql),
    presentationRequests: createPresentationRequestRepository(sql),
    webhookDeliveries: createWebhookDeliveryRepository(sql),
    cohortJobs: createCohortJobRepository(sql),
    sql,
    transaction: (fn) => sql.transaction((tx) => fn(createRepositories(tx))),
  }
}

function parseOptions(options: StoreOptions) {
  const result = zStoreOptions.safeParse(options)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  throw new StoreError('config_invalid', `store option ${issue?.path.join('.') || '(root)'} ${issue?.message}`)
}

/** Where a connection string points, without its password, for the log. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`
  } catch {
    return 'PostgreSQL'
  }
}

/**
 * Opens the store and applies pending migrations: PostgreSQL through a pool when `databaseUrl`
 * is given, otherwise PGlite (in memory without `dataDir`). The same SQL and migrations run on
 * both.
 *
 * @example
 * ```ts
 * const store = await openStore({ databaseUrl: process.env.DATABASE_URL, dataDir: './data/db', log: logger.info })
 * const tenant = await store.tenants.get('uni-a')
 * await store.close()
 * ```
 */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  const { databaseUrl, dataDir, schema, maxConnections, log, pgliteThread } = parseOptions(options)
  let db: SqlDatabase
  if (databaseUrl) {
    db = createPgDatabase({ connectionString: databaseUrl, schema, maxConnections, log })
    log?.(`store: PostgreSQL at ${describeUrl(databaseUrl)}${schema ? `, schema ${schema}` : ''}`)
  } else {
    const open = pgliteThread === 'main' ? createPgliteDatabase : createPgliteWorkerDatabase
    db = await open(dataDir === undefined ? {} : { dataDir })
    log?.(
      `store: embedded PGlite ${dataDir ? `in ${dataDir}` : 'in memory (nothing is kept after exit)'}${pgliteThread === 'main' ? '' : ', on its own thread'}`,
    )
    // One connection, so a session setting holds for every later statement. The schema itself
    // is created by the migration, under its lock.
    if (schema) await db.exec(`SET search_path TO ${quoteIdentifier(schema)}`)
  }
  try {
    await migrate(db, { schema, log })
  } catch (e) {
    await db.close().catch(() => {})
    throw e
  }
  return { ...createRepositories(db), backend: db.backend, ...(schema ? { schema } : {}), close: () => db.close() }
}

/**
 * Drops a schema and everything in it: the clean-up of a test that opened a store with
 * `{ databaseUrl, schema }`.
 */
export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const name = zSchemaName.parse(schema)
  if (name === 'public') throw new StoreError('config_invalid', 'refusing to drop the public schema')
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(name)} CASCADE`)
  } finally {
    await client.end()
  }
}
