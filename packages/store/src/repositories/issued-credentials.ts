import { z } from 'zod'
import type { SqlClient } from '../sql/sql-client.ts'
import type { Page } from './awards.ts'
import { jsonParam, parseInput, toDate, toNumber, toOptionalDate, toOptionalString, zPage } from './rows.ts'

/** The credential formats we issue (OpenID4VCI 1.0 Appendix A.1.1, A.3). */
export const CREDENTIAL_FORMATS = ['jwt_vc_json', 'dc+sd-jwt'] as const
export type CredentialFormat = (typeof CREDENTIAL_FORMATS)[number]

export const ISSUED_CREDENTIAL_STATES = ['valid', 'revoked', 'suspended'] as const
export type IssuedCredentialState = (typeof ISSUED_CREDENTIAL_STATES)[number]

/** OpenID4VCI 1.0 §11.1: the events a wallet may send to the notification endpoint. */
export type NotificationEvent = 'credential_accepted' | 'credential_failure' | 'credential_deleted'

/** A record of one issued credential; the credential itself is not kept (the learner holds it). */
export interface IssuedCredential {
  readonly tenantId: string
  readonly id: string
  readonly awardId: string
  readonly offerId?: string
  readonly format: CredentialFormat
  readonly credentialConfigurationId: string
  /** RFC 7638 thumbprint of the key the credential is bound to. */
  readonly holderKeyThumbprint?: string
  readonly statusListId?: string
  readonly statusIndex?: number
  readonly notificationId?: string
  readonly notificationEvent?: NotificationEvent
  readonly notifiedAt?: Date
  readonly state: IssuedCredentialState
  readonly issuedAt: Date
}

export interface NewIssuedCredential {
  readonly tenantId: string
  readonly id: string
  readonly awardId: string
  readonly offerId?: string
  readonly format: CredentialFormat
  readonly credentialConfigurationId: string
  readonly holderKeyThumbprint?: string
  /** An index allocated by `statusLists.allocateIndex` (both or neither). */
  readonly statusListId?: string
  readonly statusIndex?: number
  readonly notificationId?: string
  readonly issuedAt: Date
}

/** Input of {@link IssuedCredentialRepository.recordIssuance}. */
export interface RecordIssuance {
  readonly tenantId: string
  readonly awardId: string
  readonly offerId: string
  readonly format: CredentialFormat
  readonly credentialConfigurationId: string
  readonly issuedAt: Date
  /**
   * What the issuance spends (migration 0005): the configuration of the offer, by the access
   * token with this hash (SHA-256, never the token; it goes into the audit entry too). Without
   * `transactionIdHash` the (offer, configuration) must not have been redeemed yet; with it, it
   * must be the pending deferred issuance of that transaction id (VCI 1.0 §9).
   */
  readonly redemption: {
    readonly accessTokenHash: string
    readonly transactionIdHash?: string
  }
  readonly credentials: readonly {
    readonly id: string
    readonly holderKeyThumbprint?: string
    readonly statusListId?: string
    readonly statusIndex?: number
    readonly notificationId?: string
  }[]
  readonly audit: {
    readonly actor: string
    readonly action: string
    readonly subject?: string
    readonly details?: Record<string, unknown>
  }
}

/** Why {@link IssuedCredentialRepository.recordIssuance} recorded nothing, checked in this order. */
export type IssuanceRefusal =
  /** The offer is not `token_issued` / `credential_issued` (e.g. withdrawn), or not this award's. */
  | 'offer_not_open'
  /** The award is not `ready` or `issued` (held, suspended, revoked, or gone). */
  | 'award_not_issuable'
  /** Direct issuance: this configuration of the offer was already issued or deferred. */
  | 'already_redeemed'
  /** Deferred issuance: the transaction id is not a pending deferral of this configuration. */
  | 'transaction_not_pending'

export type IssuanceRecord =
  | { readonly ok: true; readonly credentials: IssuedCredential[] }
  | { readonly ok: false; readonly reason: IssuanceRefusal }

export const zIssuedCredentialSearch = z.object({
  awardId: z.string().min(1).optional(),
  offerId: z.string().min(1).optional(),
  state: z.enum(ISSUED_CREDENTIAL_STATES).optional(),
  format: z.enum(CREDENTIAL_FORMATS).optional(),
  ...zPage.shape,
})
export type IssuedCredentialSearch = z.input<typeof zIssuedCredentialSearch>

export interface IssuedCredentialRepository {
  /**
   * Records an issued credential. When it has a status entry, the entry's `credential_id` is set
   * in the same statement, so the status list knows whose index it is.
   */
  insert(credential: NewIssuedCredential): Promise<IssuedCredential>
  /**
   * Records one issuance in ONE statement (data-modifying CTEs are atomic), or nothing of it: the
   * redemption of the (offer, configuration) — a compare-and-set, so of any number of concurrent
   * calls in any number of processes one records and the others get `already_redeemed` or
   * `transaction_not_pending` —, the credentials of a request (same award, offer, format,
   * configuration and instant), each claiming its status entry, the offer moved to
   * `credential_issued`, and the audit entry with the access token's hash. Refused, recording
   * nothing, when the offer is no longer open (withdrawn: a credential of the award was revoked
   * or suspended) or the award is not `ready` / `issued`. The offer row's lock orders it with a
   * concurrent withdrawal: one committed first is seen. The issuer's hot path: one round trip.
   */
  recordIssuance(input: RecordIssuance): Promise<IssuanceRecord>
  get(tenantId: string, id: string): Promise<IssuedCredential | undefined>
  listByAward(tenantId: string, awardId: string): Promise<IssuedCredential[]>
  search(tenantId: string, query?: IssuedCredentialSearch): Promise<Page<IssuedCredential>>
  findByNotificationId(tenantId: string, notificationId: string): Promise<IssuedCredential | undefined>
  /**
   * Records a wallet's notification (§11); the same event sent again changes nothing. Returns
   * undefined for an unknown notification_id (→ `invalid_notification_id`).
   */
  recordNotification(input: {
    tenantId: string
    notificationId: string
    event: NotificationEvent
    now: Date
  }): Promise<IssuedCredential | undefined>
  /**
   * Sets the state; with `from`, only if the credential is in that state (compare-and-set).
   * Returns whether it changed. The status list entry is changed by `statusLists.setStatus`,
   * in the same `store.transaction`.
   */
  setState(input: {
    tenantId: string
    id: string
    to: IssuedCredentialState
    from?: IssuedCredentialState
  }): Promise<boolean>
}

interface IssuedCredentialRow {
  tenant_id: string
  id: string
  award_id: string
  offer_id: string | null
  format: CredentialFormat
  credential_configuration_id: string
  holder_key_thumbprint: string | null
  status_list_id: string | null
  status_index: number | null
  notification_id: string | null
  notification_event: NotificationEvent | null
  notified_at: Date | null
  state: IssuedCredentialState
  issued_at: Date
  total?: number | string
}

function toIssuedCredential(row: IssuedCredentialRow): IssuedCredential {
  const optional = {
    offerId: toOptionalString(row.offer_id),
    holderKeyThumbprint: toOptionalString(row.holder_key_thumbprint),
    statusListId: toOptionalString(row.status_list_id),
    statusIndex: row.status_index === null ? undefined : toNumber(row.status_index),
    notificationId: toOptionalString(row.notification_id),
    notificationEvent: row.notification_event ?? undefined,
    notifiedAt: toOptionalDate(row.notified_at),
  }
  return {
    tenantId: row.tenant_id,
    id: row.id,
    awardId: row.award_id,
    format: row.format,
    credentialConfigurationId: row.credential_configuration_id,
    state: row.state,
    issuedAt: toDate(row.issued_at),
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  }
}

/*
 * The issuance statement. `offer` locks the offer row (UPDATE) and requires it open and the award
 * issuable; `spent` (direct) inserts the redemption unless one exists, `delivered` (deferred)
 * moves the pending one to `issued`; everything after reads `redeemed`, so when neither
 * redeemed, no credential, status link or audit entry is written. A concurrent request with the
 * same token queues on the offer row and then meets the winner's redemption row.
 */
const RECORD_ISSUANCE = `
WITH offer AS (
  UPDATE offers SET state = 'credential_issued', credential_issued_at = coalesce(credential_issued_at, $11)
  WHERE tenant_id = $1 AND id = $8 AND award_id = $7 AND state IN ('token_issued', 'credential_issued')
    AND EXISTS (SELECT 1 FROM awards a WHERE a.tenant_id = $1 AND a.id = $7 AND a.state IN ('ready', 'issued'))
  RETURNING id
), spent AS (
  INSERT INTO credential_redemptions
    (tenant_id, offer_id, credential_configuration_id, access_token_hash, state, redeemed_at, issued_at)
  SELECT $1, id, $10, $16, 'issued', $11, $11 FROM offer WHERE $17::text IS NULL
  ON CONFLICT (tenant_id, offer_id, credential_configuration_id) DO NOTHING
  RETURNING offer_id
), delivered AS (
  UPDATE credential_redemptions r SET state = 'issued', issued_at = $11
  FROM offer
  WHERE $17::text IS NOT NULL AND r.tenant_id = $1 AND r.offer_id = offer.id AND r.credential_configuration_id = $10
    AND r.state = 'deferred' AND r.transaction_id_hash = $17::text AND r.transaction_expires_at > $11
  RETURNING r.offer_id
), redeemed AS (
  SELECT offer_id FROM spent UNION ALL SELECT offer_id FROM delivered
), input AS (
  SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::text[])
    AS t(id, holder_key_thumbprint, status_list_id, status_index, notification_id)
  WHERE EXISTS (SELECT 1 FROM redeemed)
), inserted AS (
  INSERT INTO issued_credentials
    (tenant_id, id, award_id, offer_id, format, credential_configuration_id, holder_key_thumbprint,
     status_list_id, status_index, notification_id, state, issued_at)
  SELECT $1, id, $7, $8, $9, $10, holder_key_thumbprint, status_list_id, status_index, notification_id, 'valid', $11
  FROM input
  RETURNING *
), linked AS (
  UPDATE status_entries e SET credential_id = i.id
  FROM inserted i
  WHERE e.tenant_id = i.tenant_id AND e.list_id = i.status_list_id AND e.idx = i.status_index
), audit AS (
  INSERT INTO audit_log (tenant_id, at, actor, action, subject, details)
  SELECT $1, $11, $12, $13, $14, $15::jsonb || jsonb_build_object('accessTokenHash', $16::text)
  WHERE EXISTS (SELECT 1 FROM redeemed)
)
SELECT * FROM inserted`

export function createIssuedCredentialRepository(db: SqlClient): IssuedCredentialRepository {
  /** Explains an issuance that recorded nothing; a read only, the decision was the statement's. */
  async function whyNotRecorded(input: RecordIssuance): Promise<IssuanceRefusal> {
    const { rows } = await db.query<{ offer_state: string; award_id: string; award_state: string | null }>(
      `SELECT o.state AS offer_state, o.award_id, a.state AS award_state
       FROM offers o LEFT JOIN awards a ON a.tenant_id = o.tenant_id AND a.id = o.award_id
       WHERE o.tenant_id = $1 AND o.id = $2`,
      [input.tenantId, input.offerId],
    )
    const row = rows[0]
    if (!row || row.award_id !== input.awardId) return 'offer_not_open'
    if (row.offer_state !== 'token_issued' && row.offer_state !== 'credential_issued') return 'offer_not_open'
    if (row.award_state !== 'ready' && row.award_state !== 'issued') return 'award_not_issuable'
    if (input.redemption.transactionIdHash === undefined) return 'already_redeemed'
    return 'transaction_not_pending'
  }

  async function selectOne(where: string, params: unknown[]): Promise<IssuedCredential | undefined> {
    const { rows } = await db.query<IssuedCredentialRow>(`SELECT * FROM issued_credentials WHERE ${where}`, params)
    return rows[0] ? toIssuedCredential(rows[0]) : undefined
  }

  return {
    async insert(credential) {
      const { rows } = await db.query<IssuedCredentialRow>(
        `WITH inserted AS (
           INSERT INTO issued_credentials
             (tenant_id, id, award_id, offer_id, format, credential_configuration_id, holder_key_thumbprint,
              status_list_id, status_index, notification_id, state, issued_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'valid', $11)
           RETURNING *
         ), linked AS (
           UPDATE status_entries e SET credential_id = i.id
           FROM inserted i
           WHERE e.tenant_id = i.tenant_id AND e.list_id = i.status_list_id AND e.idx = i.status_index
         )
         SELECT * FROM inserted`,
        [
          credential.tenantId,
          credential.id,
          credential.awardId,
          credential.offerId ?? null,
          credential.format,
          credential.credentialConfigurationId,
          credential.holderKeyThumbprint ?? null,
          credential.statusListId ?? null,
          credential.statusIndex ?? null,
          credential.notificationId ?? null,
          credential.issuedAt,
        ],
      )
      return toIssuedCredential(rows[0]!)
    },
    async recordIssuance(input) {
      const column = <T>(pick: (c: RecordIssuance['credentials'][number]) => T | undefined) =>
        input.credentials.map((c) => pick(c) ?? null)
      const { rows } = await db.query<IssuedCredentialRow>(RECORD_ISSUANCE, [
        input.tenantId,
        input.credentials.map((c) => c.id),
        column((c) => c.holderKeyThumbprint),
        column((c) => c.statusListId),
        column((c) => c.statusIndex),
        column((c) => c.notificationId),
        input.awardId,
        input.offerId,
        input.format,
        input.credentialConfigurationId,
        input.issuedAt,
        input.audit.actor,
        input.audit.action,
        input.audit.subject ?? null,
        jsonParam(input.audit.details ?? {}),
        input.redemption.accessTokenHash,
        input.redemption.transactionIdHash ?? null,
      ])
      if (rows.length > 0) return { ok: true, credentials: rows.map(toIssuedCredential) }
      return { ok: false, reason: await whyNotRecorded(input) }
    },
    get: (tenantId, id) => selectOne('tenant_id = $1 AND id = $2', [tenantId, id]),
    async listByAward(tenantId, awardId) {
      const { rows } = await db.query<IssuedCredentialRow>(
        'SELECT * FROM issued_credentials WHERE tenant_id = $1 AND award_id = $2 ORDER BY issued_at, id',
        [tenantId, awardId],
      )
      return rows.map(toIssuedCredential)
    },
    async search(tenantId, query = {}) {
      const q = parseInput(zIssuedCredentialSearch, query, 'issued credential search')
      const where = `tenant_id = $1
        AND ($2::text IS NULL OR award_id = $2::text)
        AND ($3::text IS NULL OR offer_id = $3::text)
        AND ($4::text IS NULL OR state = $4::text)
        AND ($5::text IS NULL OR format = $5::text)`
      const filters = [tenantId, q.awardId ?? null, q.offerId ?? null, q.state ?? null, q.format ?? null]
      const { rows } = await db.query<IssuedCredentialRow>(
        `SELECT *, count(*) OVER () AS total FROM issued_credentials WHERE ${where}
         ORDER BY issued_at DESC, id LIMIT $6 OFFSET $7`,
        [...filters, q.limit, q.offset],
      )
      let total = rows[0]?.total === undefined ? 0 : toNumber(rows[0].total)
      if (rows.length === 0 && q.offset > 0) {
        const count = await db.query<{ n: number | string }>(
          `SELECT count(*) AS n FROM issued_credentials WHERE ${where}`,
          filters,
        )
        total = toNumber(count.rows[0]?.n ?? 0)
      }
      return { items: rows.map(toIssuedCredential), total }
    },
    findByNotificationId: (tenantId, notificationId) =>
      selectOne('tenant_id = $1 AND notification_id = $2', [tenantId, notificationId]),
    async recordNotification({ tenantId, notificationId, event, now }) {
      // Keeps the first time of a repeated event: a retried request is the same notification.
      const { rows } = await db.query<IssuedCredentialRow>(
        `UPDATE issued_credentials
         SET notified_at = CASE WHEN notification_event IS DISTINCT FROM $3 THEN $4 ELSE notified_at END,
             notification_event = $3
         WHERE tenant_id = $1 AND notification_id = $2
         RETURNING *`,
        [tenantId, notificationId, event, now],
      )
      return rows[0] ? toIssuedCredential(rows[0]) : undefined
    },
    async setState({ tenantId, id, to, from }) {
      const { rowCount } = await db.query(
        `UPDATE issued_credentials SET state = $3
         WHERE tenant_id = $1 AND id = $2 AND ($4::text IS NULL OR state = $4::text)`,
        [tenantId, id, to, from ?? null],
      )
      return rowCount === 1
    },
  }
}
