import { z } from 'zod'
import { StoreError } from '../errors.ts'
import type { SqlClient } from '../sql/sql-client.ts'
import { jsonParam, parseInput, toDate } from './rows.ts'

/** A tenant id: a slug, used in URLs (`/t/{tenant}/…`) and in did:web paths. */
export const zTenantId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a slug: a-z, 0-9 and -, 1 to 63 long')

/** One institution of a deployment. `config` is the tenant's validated configuration (apps own its schema). */
export interface Tenant {
  readonly id: string
  readonly name: string
  readonly did: string
  readonly config: Record<string, unknown>
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface NewTenant {
  readonly id: string
  readonly name: string
  readonly did: string
  readonly config?: Record<string, unknown>
  readonly now: Date
}

export interface TenantRepository {
  /** Rejects with `duplicate` when the id is taken. */
  create(tenant: NewTenant): Promise<Tenant>
  get(id: string): Promise<Tenant | undefined>
  list(): Promise<Tenant[]>
  /** Replaces the configuration; `not_found` for an unknown tenant. */
  updateConfig(id: string, config: Record<string, unknown>, now: Date): Promise<Tenant>
}

interface TenantRow {
  id: string
  name: string
  did: string
  config: Record<string, unknown>
  created_at: Date
  updated_at: Date
}

function toTenant(row: TenantRow): Tenant {
  return {
    id: row.id,
    name: row.name,
    did: row.did,
    config: row.config,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  }
}

/** The tenants table: the one table not scoped by tenant, since it is the list of tenants. */
export function createTenantRepository(db: SqlClient): TenantRepository {
  return {
    async create(tenant) {
      const id = parseInput(zTenantId, tenant.id, 'tenant id')
      const { rows } = await db.query<TenantRow>(
        `INSERT INTO tenants (id, name, did, config, created_at, updated_at)
         VALUES ($1, $2, $3, $4::jsonb, $5, $5) RETURNING *`,
        [id, tenant.name, tenant.did, jsonParam(tenant.config ?? {}), tenant.now],
      )
      return toTenant(rows[0]!)
    },
    async get(id) {
      const { rows } = await db.query<TenantRow>('SELECT * FROM tenants WHERE id = $1', [id])
      return rows[0] ? toTenant(rows[0]) : undefined
    },
    async list() {
      const { rows } = await db.query<TenantRow>('SELECT * FROM tenants ORDER BY id')
      return rows.map(toTenant)
    },
    async updateConfig(id, config, now) {
      const { rows } = await db.query<TenantRow>(
        'UPDATE tenants SET config = $2::jsonb, updated_at = $3 WHERE id = $1 RETURNING *',
        [id, jsonParam(config), now],
      )
      if (!rows[0]) throw new StoreError('not_found', `no tenant ${id}`)
      return toTenant(rows[0])
    },
  }
}
