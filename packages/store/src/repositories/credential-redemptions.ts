import type { SqlClient } from '../sql/sql-client.ts'
import { jsonParam, toDate, toOptionalDate, toOptionalString } from './rows.ts'

/**
 * What became of one configuration an access token grants (OpenID4VCI 1.0 §8; migration 0005):
 * - `deferred`: the award is held; the wallet was given a transaction id (§9) and polls with it;
 * - `issued`: the credentials were issued, directly or through the deferred endpoint. Final.
 * No row: not yet requested. A configuration is redeemed once per offer, and an offer yields one
 * access token, so "once per token".
 */
export type CredentialRedemptionState = 'deferred' | 'issued'

export interface CredentialRedemption {
  readonly tenantId: string
  readonly offerId: string
  readonly credentialConfigurationId: string
  /** SHA-256 of the access token that spent it; absent for credentials issued before migration 0005. */
  readonly accessTokenHash?: string
  readonly state: CredentialRedemptionState
  /** `deferred`: the holder keys the credential request proved, to bind the credentials to later. */
  readonly holderKeys?: unknown
  /** `deferred`: until when the transaction id may be used. */
  readonly transactionExpiresAt?: Date
  readonly redeemedAt: Date
  readonly issuedAt?: Date
}

/** Input of {@link CredentialRedemptionRepository.defer}. */
export interface DeferIssuance {
  readonly tenantId: string
  readonly offerId: string
  readonly awardId: string
  readonly credentialConfigurationId: string
  readonly accessTokenHash: string
  /** SHA-256 of the §9 transaction_id handed to the wallet (never the id itself). */
  readonly transactionIdHash: string
  readonly holderKeys: unknown
  readonly expiresAt: Date
  readonly now: Date
  /** The audit entry; the access token's hash is added to its details by the statement. */
  readonly audit: {
    readonly actor: string
    readonly action: string
    readonly subject?: string
    readonly details?: Record<string, unknown>
  }
}

export interface CredentialRedemptionRepository {
  get(tenantId: string, offerId: string, credentialConfigurationId: string): Promise<CredentialRedemption | undefined>
  /**
   * Spends a configuration of an open offer on a deferred issuance (VCI 1.0 §9), with its audit
   * entry, in ONE statement: the offer row is locked and must still be `token_issued` or
   * `credential_issued` (not withdrawn), and the (offer, configuration) must not have been
   * redeemed (INSERT … ON CONFLICT DO NOTHING). Undefined when either fails: nothing recorded.
   */
  defer(input: DeferIssuance): Promise<CredentialRedemption | undefined>
  /** The pending deferred issuance a transaction id stands for: unknown, issued or expired → undefined. */
  findPending(tenantId: string, transactionIdHash: string, now: Date): Promise<CredentialRedemption | undefined>
}

interface CredentialRedemptionRow {
  tenant_id: string
  offer_id: string
  credential_configuration_id: string
  access_token_hash: string | null
  state: CredentialRedemptionState
  transaction_id_hash: string | null
  holder_keys: unknown
  transaction_expires_at: Date | null
  redeemed_at: Date
  issued_at: Date | null
}

function toCredentialRedemption(row: CredentialRedemptionRow): CredentialRedemption {
  const optional = {
    accessTokenHash: toOptionalString(row.access_token_hash),
    holderKeys: row.holder_keys ?? undefined,
    transactionExpiresAt: toOptionalDate(row.transaction_expires_at),
    issuedAt: toOptionalDate(row.issued_at),
  }
  return {
    tenantId: row.tenant_id,
    offerId: row.offer_id,
    credentialConfigurationId: row.credential_configuration_id,
    state: row.state,
    redeemedAt: toDate(row.redeemed_at),
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  }
}

/*
 * The deferral. FOR SHARE takes the offer row's lock, which a withdrawal's UPDATE also needs: a
 * withdrawal committed while this waits is seen (READ COMMITTED re-checks the locked row's WHERE),
 * one that comes later waits for this statement to commit.
 */
const DEFER = `
WITH offer AS (
  SELECT id FROM offers
  WHERE tenant_id = $1 AND id = $2 AND award_id = $3 AND state IN ('token_issued', 'credential_issued')
  FOR SHARE
), deferred AS (
  INSERT INTO credential_redemptions
    (tenant_id, offer_id, credential_configuration_id, access_token_hash, state, transaction_id_hash,
     holder_keys, transaction_expires_at, redeemed_at)
  SELECT $1, id, $4, $5, 'deferred', $6, $7::jsonb, $8, $9 FROM offer
  ON CONFLICT (tenant_id, offer_id, credential_configuration_id) DO NOTHING
  RETURNING *
), audit AS (
  INSERT INTO audit_log (tenant_id, at, actor, action, subject, details)
  SELECT $1, $9, $10, $11, $12, $13::jsonb || jsonb_build_object('accessTokenHash', $5::text)
  WHERE EXISTS (SELECT 1 FROM deferred)
)
SELECT * FROM deferred`

export function createCredentialRedemptionRepository(db: SqlClient): CredentialRedemptionRepository {
  return {
    async get(tenantId, offerId, credentialConfigurationId) {
      const { rows } = await db.query<CredentialRedemptionRow>(
        `SELECT * FROM credential_redemptions
         WHERE tenant_id = $1 AND offer_id = $2 AND credential_configuration_id = $3`,
        [tenantId, offerId, credentialConfigurationId],
      )
      return rows[0] ? toCredentialRedemption(rows[0]) : undefined
    },
    async defer(input) {
      const { rows } = await db.query<CredentialRedemptionRow>(DEFER, [
        input.tenantId,
        input.offerId,
        input.awardId,
        input.credentialConfigurationId,
        input.accessTokenHash,
        input.transactionIdHash,
        jsonParam(input.holderKeys),
        input.expiresAt,
        input.now,
        input.audit.actor,
        input.audit.action,
        input.audit.subject ?? null,
        jsonParam(input.audit.details ?? {}),
      ])
      return rows[0] ? toCredentialRedemption(rows[0]) : undefined
    },
    async findPending(tenantId, transactionIdHash, now) {
      const { rows } = await db.query<CredentialRedemptionRow>(
        `SELECT * FROM credential_redemptions
         WHERE tenant_id = $1 AND transaction_id_hash = $2 AND state = 'deferred' AND transaction_expires_at > $3`,
        [tenantId, transactionIdHash, now],
      )
      return rows[0] ? toCredentialRedemption(rows[0]) : undefined
    },
  }
}
