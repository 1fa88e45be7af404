import type { SqlClient } from '../sql/sql-client.ts'
import { jsonParam, toDate, toOptionalDate, toOptionalString, zPage } from './rows.ts'

/**
 * The life of a presentation request (OpenID4VP 1.0):
 * - `created`: the relying party has the link / QR; nothing fetched yet;
 * - `retrieved`: a wallet fetched the request object (§5.7, by GET or POST `request_uri`); fetching
 *   again is allowed until a response arrives (a wallet may retry);
 * - `responding`: ONE response POST claimed the request (§8.2) and its presentations are being
 *   verified; any other POST for it is refused (security.md: "a second POST for the same state");
 * - `succeeded`: the response verified (verdict verified or partially verified);
 * - `failed`: the response was refused or a check failed (security.md: "the session marked failed");
 * - `expired`: nobody answered in time.
 */
export type PresentationRequestState = 'created' | 'retrieved' | 'responding' | 'succeeded' | 'failed' | 'expired'

export const PRESENTATION_REQUEST_TRANSITIONS: Readonly<
  Record<PresentationRequestState, readonly PresentationRequestState[]>
> = {
  created: ['retrieved', 'responding', 'expired'],
  retrieved: ['retrieved', 'responding', 'expired'],
  responding: ['succeeded', 'failed'],
  succeeded: [],
  failed: [],
  expired: [],
}

export type ResponseMode = 'direct_post' | 'direct_post.jwt'

export interface PresentationRequest {
  readonly tenantId: string
  readonly id: string
  readonly state: PresentationRequestState
  readonly nonce: string
  readonly clientId: string
  /**
   * The kid of the relying-party key the request object is signed with, fixed at creation with
   * the client_id it must match (OpenID4VP 1.0 §5.9.3). Absent for unsigned requests
   * (redirect_uri:) and for requests made before the verifier recorded it (migration 3).
   */
  readonly signingKid?: string
  readonly responseMode: ResponseMode
  readonly request: Record<string, unknown>
  readonly encryptionKey?: Record<string, unknown>
  readonly walletNonce?: string
  /** True while a same-device response_code is waiting to be redeemed. */
  readonly responseCodePending: boolean
  readonly result?: Record<string, unknown>
  readonly createdAt: Date
  readonly expiresAt: Date
  readonly retrievedAt?: Date
  readonly respondedAt?: Date
  readonly completedAt?: Date
}

export interface NewPresentationRequest {
  readonly tenantId: string
  readonly id: string
  readonly nonce: string
  readonly clientId: string
  /** The kid of the key that signs the request object; omit for unsigned requests. */
  readonly signingKid?: string
  readonly responseMode: ResponseMode
  readonly request: Record<string, unknown>
  readonly encryptionKey?: Record<string, unknown>
  readonly expiresAt: Date
  readonly now: Date
}

/** Why a response could not claim its request. */
export type ClaimFailure = 'unknown' | 'expired' | 'already_answered'

export type ClaimResult =
  | { readonly ok: true; readonly request: PresentationRequest }
  | { readonly ok: false; readonly reason: ClaimFailure }

export interface CompletePresentationRequest {
  readonly tenantId: string
  readonly id: string
  readonly state: 'succeeded' | 'failed'
  readonly result: Record<string, unknown>
  /** Same-device: the hash of the fresh response_code handed to the wallet's redirect. */
  readonly responseCodeHash?: string
  readonly now: Date
}

export interface PresentationRequestRepository {
  create(input: NewPresentationRequest): Promise<PresentationRequest>
  get(tenantId: string, id: string): Promise<PresentationRequest | undefined>
  /**
   * A wallet fetched the request object: `created`/`retrieved` → `retrieved` while unexpired,
   * recording the `wallet_nonce` of a POST (§5.10) — the latest fetch's, since the latest signed
   * request is the one the wallet answers. Undefined when the request is unknown, expired or answered.
   */
  markRetrieved(tenantId: string, id: string, now: Date, walletNonce?: string): Promise<PresentationRequest | undefined>
  /**
   * A response arrived: ONE atomic compare-and-set `created`/`retrieved` → `responding`, so of
   * any number of concurrent POSTs in any number of processes exactly one proceeds (security.md).
   */
  claimForResponse(tenantId: string, id: string, now: Date): Promise<ClaimResult>
  /** `responding` → `succeeded` / `failed` with the result; false if not `responding`. */
  complete(input: CompletePresentationRequest): Promise<boolean>
  /**
   * Redeems the same-device response_code (§13.3): true once, for the matching hash; it is
   * cleared by the same statement, so a second use or a guess fails.
   */
  redeemResponseCode(tenantId: string, id: string, codeHash: string): Promise<boolean>
  list(tenantId: string, page?: { limit?: number; offset?: number }): Promise<PresentationRequest[]>
  /** `created`/`retrieved` requests past their expiry → `expired`, for all tenants; how many. */
  expireStale(now: Date): Promise<number>
  /**
   * `responding` requests claimed more than `olderThanSeconds` ago → `failed` with a reason: the
   * process that claimed them stopped before it finished (a crash, a kill); how many.
   */
  failAbandoned(now: Date, olderThanSeconds: number): Promise<number>
}

interface Row {
  tenant_id: string
  id: string
  state: PresentationRequestState
  nonce: string
  client_id: string
  signing_kid: string | null
  response_mode: ResponseMode
  request: Record<string, unknown>
  encryption_key: Record<string, unknown> | null
  wallet_nonce: string | null
  response_code_hash: string | null
  result: Record<string, unknown> | null
  created_at: Date
  expires_at: Date
  retrieved_at: Date | null
  responded_at: Date | null
  completed_at: Date | null
}

function toRecord(row: Row): PresentationRequest {
  const walletNonce = toOptionalString(row.wallet_nonce)
  const signingKid = toOptionalString(row.signing_kid)
  const retrievedAt = toOptionalDate(row.retrieved_at)
  const respondedAt = toOptionalDate(row.responded_at)
  const completedAt = toOptionalDate(row.completed_at)
  return {
    tenantId: row.tenant_id,
    id: row.id,
    state: row.state,
    nonce: row.nonce,
    clientId: row.client_id,
    ...(signingKid ? { signingKid } : {}),
    responseMode: row.response_mode,
    request: row.request,
    ...(row.encryption_key ? { encryptionKey: row.encryption_key } : {}),
    ...(walletNonce ? { walletNonce } : {}),
    responseCodePending: row.response_code_hash !== null,
    ...(row.result ? { result: row.result } : {}),
    createdAt: toDate(row.created_at),
    expiresAt: toDate(row.expires_at),
    ...(retrievedAt ? { retrievedAt } : {}),
    ...(respondedAt ? { respondedAt } : {}),
    ...(completedAt ? { completedAt } : {}),
  }
}

export function createPresentationRequestRepository(db: SqlClient): PresentationRequestRepository {
  async function get(tenantId: string, id: string) {
    const { rows } = await db.query<Row>('SELECT * FROM presentation_requests WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      id,
    ])
    return rows[0] ? toRecord(rows[0]) : undefined
  }
  return {
    async create(input) {
      const { rows } = await db.query<Row>(
        `INSERT INTO presentation_requests
           (tenant_id, id, state, nonce, client_id, response_mode, request, encryption_key, created_at, expires_at,
            signing_kid)
         VALUES ($1, $2, 'created', $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10) RETURNING *`,
        [
          input.tenantId,
          input.id,
          input.nonce,
          input.clientId,
          input.responseMode,
          jsonParam(input.request),
          input.encryptionKey ? jsonParam(input.encryptionKey) : null,
          input.now,
          input.expiresAt,
          input.signingKid ?? null,
        ],
      )
      return toRecord(rows[0]!)
    },
    get,
    async markRetrieved(tenantId, id, now, walletNonce) {
      const { rows } = await db.query<Row>(
        `UPDATE presentation_requests
            SET state = 'retrieved', retrieved_at = COALESCE(retrieved_at, $3), wallet_nonce = $4
          WHERE tenant_id = $1 AND id = $2 AND state IN ('created', 'retrieved') AND expires_at > $3
          RETURNING *`,
        [tenantId, id, now, walletNonce ?? null],
      )
      return rows[0] ? toRecord(rows[0]) : undefined
    },
    async claimForResponse(tenantId, id, now) {
      const { rows } = await db.query<Row>(
        `UPDATE presentation_requests SET state = 'responding', responded_at = $3
          WHERE tenant_id = $1 AND id = $2 AND state IN ('created', 'retrieved') AND expires_at > $3
          RETURNING *`,
        [tenantId, id, now],
      )
      if (rows[0]) return { ok: true, request: toRecord(rows[0]) }
      // Explains the refusal; a read only, the decision was the UPDATE's.
      const existing = await get(tenantId, id)
      if (!existing) return { ok: false, reason: 'unknown' }
      if (existing.state === 'created' || existing.state === 'retrieved' || existing.state === 'expired') {
        return { ok: false, reason: 'expired' }
      }
      return { ok: false, reason: 'already_answered' }
    },
    async complete(input) {
      const { rowCount } = await db.query(
        `UPDATE presentation_requests
            SET state = $3, result = $4::jsonb, response_code_hash = $5, completed_at = $6
          WHERE tenant_id = $1 AND id = $2 AND state = 'responding'`,
        [input.tenantId, input.id, input.state, jsonParam(input.result), input.responseCodeHash ?? null, input.now],
      )
      return rowCount === 1
    },
    async redeemResponseCode(tenantId, id, codeHash) {
      const { rowCount } = await db.query(
        `UPDATE presentation_requests SET response_code_hash = NULL
          WHERE tenant_id = $1 AND id = $2 AND response_code_hash = $3`,
        [tenantId, id, codeHash],
      )
      return rowCount === 1
    },
    async list(tenantId, page) {
      const { limit, offset } = zPage.parse(page ?? {})
      const { rows } = await db.query<Row>(
        `SELECT * FROM presentation_requests WHERE tenant_id = $1
          ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`,
        [tenantId, limit, offset],
      )
      return rows.map(toRecord)
    },
    async failAbandoned(now, olderThanSeconds) {
      const { rowCount } = await db.query(
        `UPDATE presentation_requests
            SET state = 'failed', completed_at = $1,
                result = jsonb_build_object('verdict', 'failed', 'reason',
                  'the verifier stopped while checking this response; ask the wallet again',
                  'receivedAt', to_char(responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                  'credentials', '[]'::jsonb, 'credentialSets', '[]'::jsonb)
          WHERE state = 'responding' AND responded_at < $1::timestamptz - make_interval(secs => $2)`,
        [now, olderThanSeconds],
      )
      return rowCount
    },
    async expireStale(now) {
      const { rowCount } = await db.query(
        `UPDATE presentation_requests SET state = 'expired'
          WHERE state IN ('created', 'retrieved') AND expires_at <= $1`,
        [now],
      )
      return rowCount
    },
  }
}
