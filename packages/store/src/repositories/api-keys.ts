import { z } from 'zod'
import type { SqlClient } from '../sql/sql-client.ts'
import { parseInput, toDate, toOptionalDate } from './rows.ts'

/** Lower-case hex SHA-256 of an API key's secret; the secret itself is never stored. */
export const zSecretHash = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256')

export interface ApiKey {
  readonly tenantId: string
  readonly id: string
  readonly scopes: readonly string[]
  readonly createdAt: Date
  readonly revokedAt?: Date
}

export interface NewApiKey {
  readonly tenantId: string
  readonly id: string
  readonly secretHash: string
  readonly scopes: readonly string[]
  readonly now: Date
}

/** What an API key authenticates: its tenant and what it may do. */
export interface ApiKeyGrant {
  readonly tenantId: string
  readonly keyId: string
  readonly scopes: readonly string[]
}

export interface ApiKeyRepository {
  create(key: NewApiKey): Promise<ApiKey>
  /**
   * The tenant and scopes of a live (not revoked) key with this secret hash. When `tenantId` is
   * given (the tenant named in the request URL), a key of any other tenant is not found.
   */
  findByHash(secretHash: string, tenantId?: string): Promise<ApiKeyGrant | undefined>
  list(tenantId: string): Promise<ApiKey[]>
  /** Revokes a live key; false when there is no such live key. */
  revoke(tenantId: string, id: string, now: Date): Promise<boolean>
}

interface ApiKeyRow {
  tenant_id: string
  id: string
  scopes: string[]
  created_at: Date
  revoked_at: Date | null
}

function toApiKey(row: ApiKeyRow): ApiKey {
  const revokedAt = toOptionalDate(row.revoked_at)
  return {
    tenantId: row.tenant_id,
    id: row.id,
    scopes: row.scopes,
    createdAt: toDate(row.created_at),
    ...(revokedAt ? { revokedAt } : {}),
  }
}

export function createApiKeyRepository(db: SqlClient): ApiKeyRepository {
  return {
    async create(key) {
      const secretHash = parseInput(zSecretHash, key.secretHash, 'API key secret hash')
      const { rows } = await db.query<ApiKeyRow>(
        `INSERT INTO api_keys (tenant_id, id, secret_hash, scopes, created_at)
         VALUES ($1, $2, $3, $4::text[], $5)
         RETURNING tenant_id, id, scopes, created_at, revoked_at`,
        [key.tenantId, key.id, secretHash, [...key.scopes], key.now],
      )
      return toApiKey(rows[0]!)
    },
    async findByHash(secretHash, tenantId) {
      // The one lookup that may run before the tenant is known: the key names its tenant, and
      // the caller must then act only within that tenant.
      const { rows } = await db.query<{ tenant_id: string; id: string; scopes: string[] }>(
        `SELECT tenant_id, id, scopes FROM api_keys
         WHERE secret_hash = $1 AND revoked_at IS NULL AND ($2::text IS NULL OR tenant_id = $2::text)`,
        [secretHash, tenantId ?? null],
      )
      const row = rows[0]
      return row ? { tenantId: row.tenant_id, keyId: row.id, scopes: row.scopes } : undefined
    },
    async list(tenantId) {
      const { rows } = await db.query<ApiKeyRow>(
        `SELECT tenant_id, id, scopes, created_at, revoked_at FROM api_keys
         WHERE tenant_id = $1 ORDER BY created_at, id`,
        [tenantId],
      )
      return rows.map(toApiKey)
    },
    async revoke(tenantId, id, now) {
      const { rowCount } = await db.query(
        'UPDATE api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL',
        [tenantId, id, now],
      )
      return rowCount === 1
    },
  }
}
