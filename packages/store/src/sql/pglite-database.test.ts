// The two ways of running the embedded database — on its own thread (the default) and on the
// calling thread — behave alike: values in and out, SQLSTATEs mapped, transactions and savepoints,
// one connection's ordering.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isStoreError } from '../errors.ts'
import { createPgliteDatabase } from './pglite-database.ts'
import { createPgliteWorkerDatabase } from './pglite-worker-database.ts'
import type { SqlDatabase } from './sql-client.ts'

const adapters = [
  ['on its own thread', createPgliteWorkerDatabase],
  ['on the calling thread', createPgliteDatabase],
] as const

describe.each(adapters)('PGlite %s', (_name, open) => {
  let db: SqlDatabase
  beforeAll(async () => {
    db = await open()
    await db.exec(
      `CREATE TABLE t (id text PRIMARY KEY, at timestamptz, tags text[], doc jsonb, raw bytea, n int CHECK (n >= 0))`,
    )
  }, 60_000)
  afterAll(async () => {
    await db.close()
  })

  it('passes parameters and returns rows as values: dates, arrays, JSON, bytes', async () => {
    const at = new Date('2026-11-23T10:00:00.000Z')
    await db.query('INSERT INTO t (id, at, tags, doc, raw, n) VALUES ($1, $2, $3, $4::jsonb, $5, $6)', [
      'a',
      at,
      ['x', 'y'],
      JSON.stringify({ k: [1, 2] }),
      new Uint8Array([1, 2, 255]),
      7,
    ])
    const { rows, rowCount } = await db.query<Record<string, unknown>>('SELECT * FROM t WHERE id = $1', ['a'])
    expect(rowCount).toBe(1)
    expect(rows[0]).toMatchObject({ id: 'a', at, tags: ['x', 'y'], doc: { k: [1, 2] }, n: 7 })
    expect([...(rows[0]!.raw as Uint8Array)]).toEqual([1, 2, 255])
    const updated = await db.query('UPDATE t SET n = n + 1 WHERE id = $1', ['a'])
    expect(updated.rowCount).toBe(1)
  })

  it('maps a failed statement to a StoreError by its SQLSTATE, and stays usable', async () => {
    const duplicate = await db.query('INSERT INTO t (id) VALUES ($1)', ['a']).catch((e: unknown) => e)
    expect(isStoreError(duplicate) && duplicate.code).toBe('duplicate')
    expect((duplicate as Error).message).toMatch(/duplicate key value violates unique constraint .*\(SQLSTATE 23505\)/)
    const check = await db.query('INSERT INTO t (id, n) VALUES ($1, $2)', ['neg', -1]).catch((e: unknown) => e)
    expect(isStoreError(check) && check.code).toBe('constraint_violated')
    expect((await db.query('SELECT count(*)::int AS c FROM t')).rows).toEqual([{ c: 1 }])
  })

  it('commits a transaction, rolls back on a throw (handing back the caller’s own error), and nests by savepoint', async () => {
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t (id) VALUES ($1)', ['committed'])
    })
    const own = new Error('refused by the caller')
    const thrown = await db
      .transaction(async (tx) => {
        await tx.query('INSERT INTO t (id) VALUES ($1)', ['rolled-back'])
        throw own
      })
      .catch((e: unknown) => e)
    expect(thrown).toBe(own)
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t (id) VALUES ($1)', ['outer'])
      const inner = await tx
        .transaction(async (sp) => {
          await sp.query('INSERT INTO t (id) VALUES ($1)', ['inner'])
          await sp.query('INSERT INTO t (id) VALUES ($1)', ['outer']) // duplicate: the savepoint rolls back
        })
        .catch((e: unknown) => e)
      expect(isStoreError(inner) && inner.code).toBe('duplicate')
    })
    const ids = (await db.query<{ id: string }>('SELECT id FROM t ORDER BY id')).rows.map((r) => r.id)
    expect(ids).toEqual(['a', 'committed', 'outer'])
  })

  it('runs a statement from outside only after the open transaction ends (one connection)', async () => {
    const order: string[] = []
    let release!: () => void
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const transaction = db.transaction(async (tx) => {
      await tx.query('INSERT INTO t (id) VALUES ($1)', ['in-tx'])
      order.push('tx wrote')
      await held
      order.push('tx ends')
    })
    await new Promise((resolve) => setTimeout(resolve, 50))
    const outside = db.query('SELECT count(*)::int AS c FROM t WHERE id = $1', ['in-tx']).then((r) => {
      order.push('outside read')
      return r.rows[0]
    })
    await new Promise((resolve) => setTimeout(resolve, 50))
    release()
    await transaction
    expect(await outside).toEqual({ c: 1 })
    expect(order).toEqual(['tx wrote', 'tx ends', 'outside read'])
  })
})

describe('PGlite on its own thread, refusals', () => {
  it('refuses a parameter that cannot cross threads, and goes on', async () => {
    const db = await createPgliteWorkerDatabase()
    try {
      const refused = await db.query('SELECT $1::text AS v', [() => 'x']).catch((e: unknown) => e)
      expect(isStoreError(refused) && refused.code).toBe('database_error')
      expect((refused as Error).message).toMatch(/^a parameter cannot be passed to the database: /)
      expect((await db.query('SELECT $1::text AS v', ['ok'])).rows).toEqual([{ v: 'ok' }])
    } finally {
      await db.close()
    }
  }, 60_000)

  it('refuses calls after close with a store error instead of hanging', async () => {
    const db = await createPgliteWorkerDatabase()
    await db.close()
    const after = await db.query('SELECT 1').catch((e: unknown) => e)
    expect(isStoreError(after) && after.code).toBe('database_error')
    expect((after as Error).message).toMatch(/the database thread exited/)
  }, 60_000)
})
