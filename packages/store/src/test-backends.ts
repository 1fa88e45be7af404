// Test support: runs one suite against every backend (style.md, practice 8). PGlite in memory
// always; PostgreSQL when TEST_DATABASE_URL is set, in a schema of its own per test file so
// parallel test files do not collide. One database per file: creating a PGlite takes ~2 s.

import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe } from 'vitest'
import { dropSchema, openStore, type Store } from './open-store.ts'
import type { SqlBackend } from './sql/sql-client.ts'

/** The PostgreSQL the tests may use, e.g. `postgres://postgres@127.0.0.1:5432/test`. */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined

export const POSTGRES_SKIPPED = 'PostgreSQL tests skipped: set TEST_DATABASE_URL'

let warned = false

/** Warns once per test file that the PostgreSQL half did not run. */
export function warnPostgresSkipped(): void {
  if (warned) return
  warned = true
  console.warn(POSTGRES_SKIPPED)
}

/** A fresh schema name for one test file (a-z0-9_ only, see zSchemaName). */
export function testSchemaName(label: string): string {
  return `test_${label}_${process.pid}_${randomBytes(4).toString('hex')}`
}

export interface BackendContext {
  readonly backend: SqlBackend
  /** The file's store, opened before the first test. */
  store(): Store
  /**
   * Another store on the same database and schema, as a second process would have (its own
   * pool). PostgreSQL only; closed after the suite.
   */
  openPeer?: () => Promise<Store>
}

/**
 * Registers `suite` once per backend. The suite reads `ctx.store()` inside its tests only
 * (it is opened in `beforeAll`).
 */
export function describeEachBackend(title: string, label: string, suite: (ctx: BackendContext) => void): void {
  describe(`${title} (PGlite)`, () => {
    let store: Store | undefined
    beforeAll(async () => {
      store = await openStore({})
    }, 60_000)
    afterAll(async () => {
      await store?.close()
    })
    suite({
      backend: 'pglite',
      store: () => store ?? failNotOpen(),
    })
  })

  if (!testDatabaseUrl) {
    warnPostgresSkipped()
    describe.skip(`${title} (${POSTGRES_SKIPPED})`, () => {
      suite({ backend: 'postgres', store: failNotOpen })
    })
    return
  }

  const databaseUrl = testDatabaseUrl
  describe(`${title} (PostgreSQL)`, () => {
    const schema = testSchemaName(label)
    const opened: Store[] = []
    let store: Store | undefined
    beforeAll(async () => {
      store = await openStore({ databaseUrl, schema, maxConnections: 20 })
      opened.push(store)
    }, 60_000)
    afterAll(async () => {
      await Promise.all(opened.map((s) => s.close()))
      await dropSchema(databaseUrl, schema)
    }, 60_000)
    suite({
      backend: 'postgres',
      store: () => store ?? failNotOpen(),
      async openPeer() {
        const peer = await openStore({ databaseUrl, schema, maxConnections: 20 })
        opened.push(peer)
        return peer
      },
    })
  })
}

function failNotOpen(): never {
  throw new Error('the test store is not open (read it inside a test, not while collecting)')
}
