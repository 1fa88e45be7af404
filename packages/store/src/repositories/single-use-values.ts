import type { SqlClient } from '../sql/sql-client.ts'
import { jsonParam } from './rows.ts'

/**
 * What a single-use value is. Free text, so apps add kinds without a migration; these are the
 * ones the issuer uses.
 */
export type SingleUseKind =
  | 'c_nonce'
  | 'par_request_uri'
  | 'authorization_code'
  | 'deferred_transaction_id'
  | 'dpop_jti'
  | (string & {})

/**
 * Nonces, codes and other values that may be accepted once (style.md, practice 7): stored by
 * hash, consumed by one compare-and-set statement, so two processes behind a load balancer
 * cannot both accept one (security.md, "Status, persistence, operations").
 */
export interface SingleUseValueRepository {
  /** Stores a value to be consumed once before `expiresAt`; `duplicate` if the hash is already stored. */
  put(kind: SingleUseKind, tenantId: string, valueHash: string, data: unknown, expiresAt: Date): Promise<void>
  /**
   * Consumes the value: its data (null if stored without) the first time, before expiry, in this
   * tenant; undefined for unknown, expired, already consumed, or another tenant's value.
   */
  consume<T = unknown>(kind: SingleUseKind, tenantId: string, valueHash: string, now: Date): Promise<T | undefined>
  /**
   * Reads a value without consuming it (a deferred transaction polled while still pending,
   * VCI 1.0 §9); undefined when unknown, expired, consumed or another tenant's.
   */
  peek<T = unknown>(kind: SingleUseKind, tenantId: string, valueHash: string, now: Date): Promise<T | undefined>
  /**
   * Remembers a value that must not be seen twice (a DPoP proof's `jti`, RFC 9449 §11.1):
   * true if it is new, false if it was seen before (a replay).
   */
  remember(kind: SingleUseKind, tenantId: string, valueHash: string, expiresAt: Date): Promise<boolean>
  /** Deletes every expired value of every tenant (a maintenance job); returns how many. */
  purgeExpired(now: Date): Promise<number>
}

export function createSingleUseValueRepository(db: SqlClient): SingleUseValueRepository {
  return {
    async put(kind, tenantId, valueHash, data, expiresAt) {
      await db.query(
        `INSERT INTO single_use_values (tenant_id, kind, value_hash, data, expires_at)
         VALUES ($1, $2, $3, $4::jsonb, $5)`,
        [tenantId, kind, valueHash, data === undefined ? null : jsonParam(data), expiresAt],
      )
    },
    async consume<T>(kind: SingleUseKind, tenantId: string, valueHash: string, now: Date) {
      const { rows } = await db.query<{ data: T }>(
        `UPDATE single_use_values SET consumed_at = $4
         WHERE tenant_id = $1 AND kind = $2 AND value_hash = $3
           AND consumed_at IS NULL AND expires_at > $4
         RETURNING data`,
        [tenantId, kind, valueHash, now],
      )
      // A value stored without data consumes to null: only undefined means "refused".
      return rows[0] ? (rows[0].data as T) : undefined
    },
    async peek<T>(kind: SingleUseKind, tenantId: string, valueHash: string, now: Date) {
      const { rows } = await db.query<{ data: T }>(
        `SELECT data FROM single_use_values
         WHERE tenant_id = $1 AND kind = $2 AND value_hash = $3 AND consumed_at IS NULL AND expires_at > $4`,
        [tenantId, kind, valueHash, now],
      )
      return rows[0] ? (rows[0].data as T) : undefined
    },
    async remember(kind, tenantId, valueHash, expiresAt) {
      // ON CONFLICT DO NOTHING rather than catching a unique violation: an error would abort a
      // surrounding transaction.
      const { rows } = await db.query(
        `INSERT INTO single_use_values (tenant_id, kind, value_hash, expires_at, consumed_at)
         VALUES ($1, $2, $3, $4, NULL)
         ON CONFLICT (tenant_id, kind, value_hash) DO NOTHING
         RETURNING 1 AS inserted`,
        [tenantId, kind, valueHash, expiresAt],
      )
      return rows.length === 1
    },
    async purgeExpired(now) {
      const { rowCount } = await db.query('DELETE FROM single_use_values WHERE expires_at <= $1', [now])
      return rowCount
    },
  }
}
