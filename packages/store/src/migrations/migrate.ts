import { createHash } from 'node:crypto'
import { StoreError } from '../errors.ts'
import type { SqlClient } from '../sql/sql-client.ts'
import { initialSchema } from './0001-initial.ts'
import { presentationsSchema } from './0002-presentations.ts'
import { presentationSigningKeySchema } from './0003-presentation-signing-key.ts'
import { offerBurntSchema } from './0004-offer-burnt.ts'
import { credentialRedemptionsSchema } from './0005-credential-redemptions.ts'
import { cohortJobsSchema } from './0006-cohort-jobs.ts'

/** One schema change. Versions are applied in ascending order and never edited once released. */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

/** Every migration, in order. Append new ones; never change a released one (the checksum would). */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sql: initialSchema },
  { version: 2, name: 'presentations', sql: presentationsSchema },
  { version: 3, name: 'presentation-signing-key', sql: presentationSigningKeySchema },
  { version: 4, name: 'offer-burnt', sql: offerBurntSchema },
  { version: 5, name: 'credential-redemptions', sql: credentialRedemptionsSchema },
  { version: 6, name: 'cohort-jobs', sql: cohortJobsSchema },
]

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** The schema the tables live in (created when missing); the connection's search_path must name it. */
  readonly schema?: string
  readonly migrations?: readonly Migration[]
  readonly log?: (msg: string) => void
}

function checksumOf(migration: Migration): string {
  return createHash('sha256').update(migration.sql).digest('hex')
}

/**
 * The advisory lock key of one schema's migrations: the first 8 bytes of a SHA-256, as the
 * signed 64-bit integer `pg_advisory_xact_lock(bigint)` takes. Per schema, so test files with
 * their own schemas do not wait for each other.
 */
export function migrationLockKey(schema: string | undefined): string {
  const digest = createHash('sha256')
    .update(`alma.schema_migrations:${schema ?? ''}`)
    .digest()
  return digest.readBigInt64BE(0).toString()
}

/** A quoted identifier; the names come from validated options, the quoting is belt and braces. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/**
 * Applies the pending migrations in one transaction, recording each in `schema_migrations`.
 *
 * Safe when several processes start at once on one PostgreSQL: the transaction first takes a
 * transaction-scoped advisory lock, so the others wait, then find the migrations recorded and
 * apply nothing. DDL in PostgreSQL is transactional, so a failed migration leaves no trace.
 *
 * Returns the versions it applied.
 */
export async function migrate(db: SqlClient, options: MigrateOptions = {}): Promise<number[]> {
  const migrations = [...(options.migrations ?? MIGRATIONS)].sort((a, b) => a.version - b.version)
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [migrationLockKey(options.schema)])
    if (options.schema) await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(options.schema)}`)
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version     integer PRIMARY KEY,
      name        text NOT NULL,
      checksum    text NOT NULL,
      applied_at  timestamptz NOT NULL DEFAULT now()
    )`)
    const applied = new Map(
      (
        await tx.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations')
      ).rows.map((r) => [Number(r.version), r.checksum]),
    )

    for (const migration of migrations) {
      const checksum = applied.get(migration.version)
      if (checksum !== undefined && checksum !== checksumOf(migration)) {
        throw new StoreError(
          'migration_failed',
          `migration ${migration.version} (${migration.name}) differs from the one applied to this database; released migrations must not change`,
        )
      }
    }
    const known = new Set(migrations.map((m) => m.version))
    const unknown = [...applied.keys()].filter((v) => !known.has(v))
    if (unknown.length > 0) {
      // A newer release migrated this database; running older code against it is the
      // operator's decision (a rolling upgrade), so warn rather than refuse.
      options.log?.(`the database has migrations this version does not know: ${unknown.join(', ')}`)
    }

    const done: number[] = []
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue
      try {
        await tx.exec(migration.sql)
      } catch (e) {
        throw new StoreError('migration_failed', `migration ${migration.version} (${migration.name}) failed`, {
          cause: e,
        })
      }
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        checksumOf(migration),
      ])
      options.log?.(`applied migration ${migration.version} (${migration.name})`)
      done.push(migration.version)
    }
    return done
  })
}
