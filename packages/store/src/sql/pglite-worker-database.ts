import { Worker } from 'node:worker_threads'
import { StoreError, toStoreError, transactionError } from '../errors.ts'
import type { PgliteDatabaseOptions } from './pglite-database.ts'
import { type QueryResult, type SqlClient, type SqlDatabase, transactionClientOf } from './sql-client.ts'

/** A request to the database thread (pglite-thread.mjs). */
type Operation =
  | { op: 'open' }
  | { op: 'query'; sql: string; params: readonly unknown[]; transaction?: number }
  | { op: 'exec'; sql: string; transaction?: number }
  | { op: 'begin' }
  | { op: 'end'; transaction: number; commit: boolean }
  | { op: 'close' }

/** A failed statement as the database thread describes it; `code` is the SQLSTATE. */
interface DescribedError {
  readonly message: string
  readonly code?: string
  readonly detail?: string
  readonly constraint?: string
}

/** The driver error again, with the fields {@link toStoreError} maps (the SQLSTATE in `code`). */
class DatabaseThreadError extends Error {
  readonly code?: string
  readonly detail?: string
  readonly constraint?: string
  constructor(described: DescribedError) {
    super(described.message)
    this.name = 'DatabaseThreadError'
    Object.assign(this, described)
  }
}

/**
 * PGlite in a worker thread: the same database and SQL as {@link createPgliteDatabase}, with
 * PostgreSQL's work — parsing, planning, executing, turning rows into values — on a thread of
 * its own, so on a machine with two cores it no longer competes with HTTP, JSON and signatures
 * on the request thread (it was a third of an issuer's CPU per flow, `pnpm bench:issuer`).
 * Statements and transactions keep PGlite's semantics: one connection, a statement outside a
 * transaction waits for the running one to end.
 *
 * Parameters and rows cross threads by structured clone: strings, numbers, booleans, null,
 * Dates, arrays, plain objects and Uint8Arrays (a Buffer arrives as a Uint8Array).
 */
export async function createPgliteWorkerDatabase(options: PgliteDatabaseOptions = {}): Promise<SqlDatabase> {
  const worker = new Worker(new URL('./pglite-thread.mjs', import.meta.url), {
    workerData: { dataDir: options.dataDir },
  })
  const pending = new Map<number, { resolve: (value: never) => void; reject: (e: unknown) => void }>()
  let nextId = 1
  let failure: StoreError | undefined
  // Like PGlite on the main thread, an idle database keeps no process alive; a pending call does.
  worker.unref()

  const settleAll = (error: StoreError) => {
    failure ??= error
    for (const { reject } of pending.values()) reject(error)
    pending.clear()
  }
  worker.on('message', (message: { id: number; result?: unknown; error?: DescribedError }) => {
    const call = pending.get(message.id)
    if (!call) return
    pending.delete(message.id)
    if (pending.size === 0) worker.unref()
    if (message.error) call.reject(new DatabaseThreadError(message.error))
    else call.resolve(message.result as never)
  })
  worker.on('error', (e) => settleAll(new StoreError('database_error', 'the database thread failed', { cause: e })))
  worker.on('exit', (code) => settleAll(new StoreError('database_error', `the database thread exited (${code})`)))

  function call<T>(operation: Operation): Promise<T> {
    if (failure) return Promise.reject(failure)
    const id = nextId++
    return new Promise<T>((resolve, reject) => {
      try {
        // Throws for what structured clone cannot copy (a function, a class with private state):
        // refused here, as the calling-thread adapter refuses what PGlite cannot bind.
        worker.postMessage({ id, ...operation })
      } catch (e) {
        reject(
          new StoreError('database_error', `a parameter cannot be passed to the database: ${(e as Error).message}`),
        )
        return
      }
      if (pending.size === 0) worker.ref()
      pending.set(id, { resolve: resolve as (value: never) => void, reject })
    })
  }

  async function query<T>(sql: string, params: readonly unknown[], transaction?: number): Promise<QueryResult<T>> {
    try {
      const result = await call<{ rows: T[]; affectedRows?: number }>({
        op: 'query',
        sql,
        params,
        ...(transaction === undefined ? {} : { transaction }),
      })
      return { rows: result.rows, rowCount: result.affectedRows || result.rows.length }
    } catch (e) {
      throw toStoreError(e, 'query failed')
    }
  }

  async function exec(sql: string, transaction?: number): Promise<void> {
    try {
      await call({ op: 'exec', sql, ...(transaction === undefined ? {} : { transaction }) })
    } catch (e) {
      throw toStoreError(e, 'script failed')
    }
  }

  const transactionClient = (transaction: number): SqlClient =>
    transactionClientOf({
      query: (sql, params = []) => query(sql, params, transaction),
      exec: (sql) => exec(sql, transaction),
    })

  try {
    await call({ op: 'open' })
  } catch (e) {
    await worker.terminate()
    throw new StoreError('database_error', `cannot open PGlite${options.dataDir ? ` at ${options.dataDir}` : ''}`, {
      cause: e,
    })
  }
  return {
    backend: 'pglite',
    inTransaction: false,
    query: (sql, params = []) => query(sql, params),
    exec: (sql) => exec(sql),
    async transaction(fn) {
      let transaction: number
      try {
        ;({ transaction } = await call<{ transaction: number }>({ op: 'begin' }))
      } catch (e) {
        throw transactionError(e)
      }
      let result: Awaited<ReturnType<typeof fn>>
      try {
        result = await fn(transactionClient(transaction))
      } catch (e) {
        await call({ op: 'end', transaction, commit: false }).catch(() => {})
        throw transactionError(e)
      }
      try {
        await call({ op: 'end', transaction, commit: true })
      } catch (e) {
        throw transactionError(e)
      }
      return result
    },
    async close() {
      try {
        await call({ op: 'close' })
      } finally {
        await worker.terminate()
      }
    },
  }
}
