import pg from 'pg'
import { toStoreError, transactionError } from '../errors.ts'
import { type QueryResult, type SqlClient, type SqlDatabase, transactionClientOf } from './sql-client.ts'

/** Options of {@link createPgDatabase}. */
export interface PgDatabaseOptions {
  readonly connectionString: string
  /** Sets `search_path` on every connection, so the tables live in this schema. */
  readonly schema?: string
  /** Pool size; node-postgres' default (10) when undefined. */
  readonly maxConnections?: number
  readonly log?: (msg: string) => void
}

interface PgRunner {
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>
}

async function runQuery<T>(runner: PgRunner, sql: string, params: readonly unknown[]): Promise<QueryResult<T>> {
  try {
    const result = await runner.query(sql, [...params])
    return { rows: result.rows as T[], rowCount: result.rowCount ?? result.rows.length }
  } catch (e) {
    throw toStoreError(e, 'query failed')
  }
}

async function runExec(runner: PgRunner, sql: string): Promise<void> {
  try {
    // Without parameters node-postgres uses the simple query protocol, which accepts a script.
    await runner.query(sql)
  } catch (e) {
    throw toStoreError(e, 'script failed')
  }
}

function transactionClient(connection: pg.PoolClient, isOpen: () => boolean): SqlClient {
  const guarded: PgRunner = {
    query(sql, params) {
      // A statement after COMMIT would silently run outside the transaction on a pooled
      // connection that someone else may hold by then.
      if (!isOpen()) return Promise.reject(new Error('the transaction has already ended'))
      return connection.query(sql, params)
    },
  }
  return transactionClientOf({
    query: (sql, params = []) => runQuery(guarded, sql, params),
    exec: (sql) => runExec(guarded, sql),
  })
}

/**
 * PostgreSQL through a node-postgres pool: several processes can share one database, and
 * statements of one process run concurrently on up to `maxConnections` connections.
 */
export function createPgDatabase(options: PgDatabaseOptions): SqlDatabase {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    ...(options.maxConnections ? { max: options.maxConnections } : {}),
    // Set at connection start-up, so no statement can run before it (a `connect` handler that
    // runs `SET` would race with the first query).
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  })
  // An idle connection that the server drops emits 'error' on the pool; unhandled, it would
  // crash the process. The pool replaces the connection on next use.
  pool.on('error', (e) => options.log?.(`PostgreSQL idle connection error: ${e.message}`))

  return {
    backend: 'postgres',
    inTransaction: false,
    query: (sql, params = []) => runQuery(pool, sql, params),
    exec: (sql) => runExec(pool, sql),
    async transaction(fn) {
      let connection: pg.PoolClient
      try {
        connection = await pool.connect()
      } catch (e) {
        throw toStoreError(e, 'cannot connect to PostgreSQL')
      }
      let open = true
      let broken: Error | undefined
      try {
        await connection.query('BEGIN')
        const result = await fn(transactionClient(connection, () => open))
        await connection.query('COMMIT')
        return result
      } catch (e) {
        try {
          await connection.query('ROLLBACK')
        } catch (rollbackError) {
          // The connection is unusable; release(err) destroys it instead of pooling it.
          broken = rollbackError as Error
        }
        throw transactionError(e)
      } finally {
        open = false
        connection.release(broken)
      }
    },
    close: () => pool.end(),
  }
}
