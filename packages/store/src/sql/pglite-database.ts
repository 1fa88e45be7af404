import { PGlite, type Transaction } from '@electric-sql/pglite'
import { StoreError, toStoreError, transactionError } from '../errors.ts'
import { type QueryResult, type SqlClient, type SqlDatabase, transactionClientOf } from './sql-client.ts'

/** Options of {@link createPgliteDatabase}. */
export interface PgliteDatabaseOptions {
  /** A directory for the data files; in memory when undefined. */
  readonly dataDir?: string
}

interface PgliteRunner {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>
  exec(sql: string): Promise<unknown>
}

async function runQuery<T>(runner: PgliteRunner, sql: string, params: readonly unknown[]): Promise<QueryResult<T>> {
  try {
    const result = await runner.query<T>(sql, [...params])
    return { rows: result.rows, rowCount: result.affectedRows || result.rows.length }
  } catch (e) {
    throw toStoreError(e, 'query failed')
  }
}

async function runExec(runner: PgliteRunner, sql: string): Promise<void> {
  try {
    await runner.exec(sql)
  } catch (e) {
    throw toStoreError(e, 'script failed')
  }
}

function transactionClient(tx: Transaction): SqlClient {
  return transactionClientOf({
    query: (sql, params = []) => runQuery(tx, sql, params),
    exec: (sql) => runExec(tx, sql),
  })
}

/**
 * PGlite: PostgreSQL compiled to WebAssembly, in this process. One connection; PGlite itself
 * queues statements and runs transactions one at a time, so a statement outside a transaction
 * waits until the running transaction ends (its own `_runExclusiveTransaction` mutex).
 */
export async function createPgliteDatabase(options: PgliteDatabaseOptions = {}): Promise<SqlDatabase> {
  let db: PGlite
  try {
    db = options.dataDir === undefined ? await PGlite.create() : await PGlite.create(options.dataDir)
  } catch (e) {
    throw new StoreError('database_error', `cannot open PGlite${options.dataDir ? ` at ${options.dataDir}` : ''}`, {
      cause: e,
    })
  }
  return {
    backend: 'pglite',
    inTransaction: false,
    query: (sql, params = []) => runQuery(db, sql, params),
    exec: (sql) => runExec(db, sql),
    async transaction(fn) {
      try {
        return await db.transaction((tx) => fn(transactionClient(tx)))
      } catch (e) {
        throw transactionError(e)
      }
    },
    close: () => db.close(),
  }
}
