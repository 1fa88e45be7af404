/** The rows of one statement and how many rows it touched (inserted, updated, deleted or read). */
export interface QueryResult<T> {
  readonly rows: T[]
  readonly rowCount: number
}

/**
 * The little the repositories need from a database: one statement with positional parameters
 * (`$1`, `$2`, …), a multi-statement script (migrations), and a transaction. Two adapters
 * implement it, PGlite ({@link createPgliteDatabase}) and node-postgres ({@link createPgDatabase}),
 * so the SQL is written once for both.
 *
 * Driver errors are rethrown as {@link StoreError}s, mapped by SQLSTATE.
 */
export interface SqlClient {
  /** Runs one statement. Parameters are bound, never interpolated. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>
  /** Runs a script of several statements without parameters (migrations only). */
  exec(sql: string): Promise<void>
  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. Called on
   * a client that is already in a transaction, it opens a savepoint instead, so a failed inner
   * unit (e.g. `awards.createMany`) rolls back alone and leaves the outer transaction usable.
   * Do not run two nested transactions of one client concurrently.
   */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>
  /** True for a client bound to a transaction. */
  readonly inTransaction: boolean
}

/** Which engine a {@link SqlDatabase} runs on. */
export type SqlBackend = 'pglite' | 'postgres'

/** A {@link SqlClient} that owns its connection(s). */
export interface SqlDatabase extends SqlClient {
  readonly backend: SqlBackend
  close(): Promise<void>
}

/**
 * Runs `fn` inside a savepoint of the transaction `tx` (`query` being that transaction's own
 * statement runner). Shared by both adapters: savepoints are plain SQL.
 */
export async function withSavepoint<T>(tx: SqlClient, name: string, fn: (tx: SqlClient) => Promise<T>): Promise<T> {
  await tx.query(`SAVEPOINT ${name}`)
  try {
    const result = await fn(tx)
    await tx.query(`RELEASE SAVEPOINT ${name}`)
    return result
  } catch (e) {
    await tx.query(`ROLLBACK TO SAVEPOINT ${name}`)
    throw e
  }
}

/**
 * A {@link SqlClient} bound to one open transaction, given how that transaction runs a statement
 * and a script; nested `transaction` calls become savepoints. Shared by the adapters.
 */
export function transactionClientOf(run: Pick<SqlClient, 'query' | 'exec'>): SqlClient {
  let savepoints = 0
  const client: SqlClient = {
    inTransaction: true,
    query: run.query,
    exec: run.exec,
    transaction: (fn) => withSavepoint(client, `alma_sp_${++savepoints}`, fn),
  }
  return client
}
