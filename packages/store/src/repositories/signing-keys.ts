import type { EncryptedPrivateKey, KeyRecord, KeyRecordRepository, SigningAlgorithm } from '@alma/trust'
import type { SqlClient } from '../sql/sql-client.ts'
import { jsonParam, toDate } from './rows.ts'

interface SigningKeyRow {
  tenant_id: string
  kid: string
  alg: string
  state: KeyRecord['state']
  public_jwk: KeyRecord['publicJwk']
  x5c: string[] | null
  encrypted_private_key: EncryptedPrivateKey
  created_at: Date
  state_changed_at: Date
}

function toKeyRecord(row: SigningKeyRow): KeyRecord {
  return {
    tenantId: row.tenant_id,
    kid: row.kid,
    alg: row.alg as SigningAlgorithm,
    state: row.state,
    publicJwk: row.public_jwk,
    ...(row.x5c ? { x5c: row.x5c } : {}),
    encryptedPrivateKey: row.encrypted_private_key,
    createdAt: toDate(row.created_at).toISOString(),
    stateChangedAt: toDate(row.state_changed_at).toISOString(),
  }
}

/**
 * The signing_keys table as @alma/trust's {@link KeyRecordRepository} (packages/trust/src/keys/
 * key-record.ts): a duplicate (tenant, kid) is rejected by the primary key (`duplicate`), and a
 * state change is one `UPDATE … WHERE state = from`, so of two processes rotating at once only
 * one wins.
 */
export function createSigningKeyRepository(db: SqlClient): KeyRecordRepository {
  return {
    async save(record) {
      await db.query(
        `INSERT INTO signing_keys
           (tenant_id, kid, alg, state, public_jwk, x5c, encrypted_private_key, created_at, state_changed_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6::text[], $7::jsonb, $8, $9)`,
        [
          record.tenantId,
          record.kid,
          record.alg,
          record.state,
          jsonParam(record.publicJwk),
          record.x5c ? [...record.x5c] : null,
          jsonParam(record.encryptedPrivateKey),
          new Date(record.createdAt),
          new Date(record.stateChangedAt),
        ],
      )
    },
    async listByTenant(tenantId) {
      const { rows } = await db.query<SigningKeyRow>(
        'SELECT * FROM signing_keys WHERE tenant_id = $1 ORDER BY created_at DESC, kid',
        [tenantId],
      )
      return rows.map(toKeyRecord)
    },
    async updateState(change) {
      const { rowCount } = await db.query(
        `UPDATE signing_keys SET state = $4, state_changed_at = $5
         WHERE tenant_id = $1 AND kid = $2 AND state = $3`,
        [change.tenantId, change.kid, change.from, change.to, new Date(change.at)],
      )
      return rowCount === 1
    },
  }
}
