import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { isStoreError } from '../errors.ts'
import { dropSchema, openStore, type Store } from '../open-store.ts'
import { POSTGRES_SKIPPED, testDatabaseUrl, testSchemaName, warnPostgresSkipped } from '../test-backends.ts'
import { MIGRATIONS, migrate } from './migrate.ts'

const T0 = new Date('2026-03-01T10:00:00.000Z')

async function appliedVersions(store: Store): Promise<number[]> {
  const { rows } = await store.sql.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
  return rows.map((r) => Number(r.version))
}

async function errorCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (e) {
    return isStoreError(e) ? e.code : String(e)
  }
  return undefined
}

describe('migrations on a PGlite data directory', () => {
  const dirs: string[] = []
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
  })

  it('apply once, keep the data on reopen, refuse a changed migration, and roll back a failed one', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'alma-store-'))
    dirs.push(dataDir)
    const log: string[] = []
    const first = await openStore({ dataDir, log: (m) => log.push(m) })
    expect(log).toContain('applied migration 1 (initial)')
    await first.tenants.create({ id: 'uni-a', name: 'Uni A', did: 'did:web:a.example', now: T0 })
    expect(await migrate(first.sql)).toEqual([])
    await first.close()

    log.length = 0
    const reopened = await openStore({ dataDir, log: (m) => log.push(m) })
    try {
      expect(log.some((m) => m.startsWith('applied migration'))).toBe(false)
      expect(await appliedVersions(reopened)).toEqual(MIGRATIONS.map((m) => m.version))
      expect(await reopened.tenants.get('uni-a')).toMatchObject({ name: 'Uni A', createdAt: T0 })

      const changed = MIGRATIONS.map((m) => ({ ...m, sql: `${m.sql}\n-- edited` }))
      expect(await errorCode(migrate(reopened.sql, { migrations: changed }))).toBe('migration_failed')

      const failing = [
        ...MIGRATIONS,
        {
          version: MIGRATIONS.length + 1,
          name: 'half done',
          sql: 'CREATE TABLE half_done (id int); SELECT no_such_function();',
        },
      ]
      expect(await errorCode(migrate(reopened.sql, { migrations: failing }))).toBe('migration_failed')
      expect(await appliedVersions(reopened)).toEqual(MIGRATIONS.map((m) => m.version))
      const { rows } = await reopened.sql.query("SELECT to_regclass('half_done') AS t")
      expect(rows).toEqual([{ t: null }])
    } finally {
      await reopened.close()
    }
  })

  it('keeps a schema apart from the default one', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'alma-store-'))
    dirs.push(dataDir)
    const store = await openStore({ dataDir, schema: 'tenant_space' })
    try {
      await store.tenants.create({ id: 'uni-b', name: 'Uni B', did: 'did:web:b.example', now: T0 })
      const { rows } = await store.sql.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'tenant_space'",
      )
      expect(rows[0]!.n).toBeGreaterThanOrEqual(11)
      expect(await store.sql.query("SELECT to_regclass('public.tenants') AS t")).toMatchObject({ rows: [{ t: null }] })
    } finally {
      await store.close()
    }
  })

  it('refuses bad options, naming the option', async () => {
    expect(await errorCode(openStore({ databaseUrl: 'mysql://x' }))).toBe('config_invalid')
    await expect(openStore({ schema: 'Robert"; DROP TABLE x' })).rejects.toThrow(/store option schema/)
  })
})

if (!testDatabaseUrl) {
  warnPostgresSkipped()
  describe.skip(`migrations on PostgreSQL (${POSTGRES_SKIPPED})`, () => {
    it('two processes migrating one schema at once', () => {})
  })
} else {
  const databaseUrl = testDatabaseUrl
  describe('migrations on PostgreSQL', () => {
    const schema = testSchemaName('migrate')
    afterAll(async () => {
      await dropSchema(databaseUrl, schema)
    })

    it('two processes migrating one schema at once: one applies, both work; reopening keeps the data', async () => {
      const logs: string[][] = [[], []]
      const stores = await Promise.all(
        logs.map((log) => openStore({ databaseUrl, schema, maxConnections: 2, log: (m) => log.push(m) })),
      )
      try {
        const applied = logs.map((log) => log.filter((m) => m.startsWith('applied migration')).length)
        expect(applied.sort()).toEqual([0, MIGRATIONS.length])
        await stores[0]!.tenants.create({ id: 'uni-a', name: 'Uni A', did: 'did:web:a.example', now: T0 })
        expect(await stores[1]!.tenants.get('uni-a')).toMatchObject({ name: 'Uni A' })
      } finally {
        await Promise.all(stores.map((s) => s.close()))
      }
      const reopened = await openStore({ databaseUrl, schema })
      try {
        expect(await appliedVersions(reopened)).toEqual(MIGRATIONS.map((m) => m.version))
        expect(await reopened.tenants.get('uni-a')).toMatchObject({ name: 'Uni A' })
        expect(await migrate(reopened.sql, { schema })).toEqual([])
      } finally {
        await reopened.close()
      }
    })
  })
}
