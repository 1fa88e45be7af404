import type { SqlClient } from '../sql/sql-client.ts'
import { toDate, toNumber, toOptionalDate, toOptionalString } from './rows.ts'

/**
 * The life of an issuance session (OpenID4VCI 1.0):
 * - `offered`: the credential offer (§4.1) is out; the wallet may fetch it by reference and
 *   redeem its pre-authorized code;
 * - `token_issued`: the token endpoint accepted the code (§6.3); it cannot be redeemed again;
 * - `credential_issued`: at least one credential was issued on that token;
 * - `burnt`: too many wrong `tx_code`s (§13.6.3: the issuer limits attempts), counted together
 *   through both grants — at the token request (pre-authorized code) and on the authorization
 *   page (the learner's code, {@link OfferRepository.checkTxCode}); never redeemable again through
 *   either grant. `burntAt` and `burntVia` say when and through which grant;
 * - `expired`: the offer ran out before redemption (set by {@link OfferRepository.expireStale};
 *   an `offered` row past `expires_at` is treated as expired anyway);
 * - `withdrawn`: a credential of the award was revoked or suspended while the offer was open
 *   ({@link OfferRepository.withdrawOpenOffers}); nothing more is issued on it, not even on an
 *   access token minted before (migration 0005). Final: a new offer is made instead.
 */
export type OfferState = 'offered' | 'token_issued' | 'credential_issued' | 'burnt' | 'expired' | 'withdrawn'

/**
 * The legal transitions, each made by one statement of this repository: `offered` → `token_issued`
 * (redeemPreAuthorizedCode, redeemIssuerState), → `burnt` (the last allowed wrong code, through
 * redeemPreAuthorizedCode or checkTxCode), → `expired` (expireStale); `token_issued` →
 * `credential_issued` (markCredentialIssued); `offered`, `token_issued`, `credential_issued` →
 * `withdrawn` (withdrawOpenOffers). `burnt`, `expired` and `withdrawn` are final.
 */
export const OFFER_TRANSITIONS: Readonly<Record<OfferState, readonly OfferState[]>> = {
  offered: ['token_issued', 'burnt', 'expired', 'withdrawn'],
  token_issued: ['credential_issued', 'withdrawn'],
  credential_issued: ['withdrawn'],
  burnt: [],
  expired: [],
  withdrawn: [],
}

/** The grant through which a transaction code was tried (OpenID4VCI 1.0 §3.5). */
export type OfferGrant = 'pre-authorized_code' | 'authorization_code'

export interface Offer {
  readonly tenantId: string
  readonly id: string
  readonly awardId: string
  readonly credentialConfigurationIds: readonly string[]
  /** SHA-256 (hex or base64url, the caller's choice) of the pre-authorized code; never the code. */
  readonly preAuthorizedCodeHash?: string
  readonly txCodeRequired: boolean
  readonly txCodeAttempts: number
  readonly maxTxCodeAttempts: number
  readonly issuerState?: string
  readonly state: OfferState
  readonly expiresAt: Date
  readonly createdAt: Date
  readonly tokenIssuedAt?: Date
  readonly credentialIssuedAt?: Date
  /** When the last allowed wrong transaction code burnt the offer (state `burnt`). */
  readonly burntAt?: Date
  /** Through which grant that last wrong code came. */
  readonly burntVia?: OfferGrant
  /** When a revocation or suspension of the award's credentials withdrew it (state `withdrawn`). */
  readonly withdrawnAt?: Date
}

export interface NewOffer {
  readonly tenantId: string
  readonly id: string
  readonly awardId: string
  readonly credentialConfigurationIds: readonly string[]
  readonly preAuthorizedCodeHash?: string
  /** Hash of the transaction code the learner must type (§4.1.1 `tx_code`); none when undefined. */
  readonly txCodeHash?: string
  /** Wrong `tx_code`s allowed before the code is burnt; 3 when undefined. */
  readonly maxTxCodeAttempts?: number
  /** The `issuer_state` of the authorization_code grant (§4.1.1); unique per tenant. */
  readonly issuerState?: string
  readonly expiresAt: Date
  readonly now: Date
}

export interface RedeemPreAuthorizedCode {
  readonly tenantId: string
  readonly codeHash: string
  /** Hash of the `tx_code` the wallet sent, or undefined when it sent none. */
  readonly txCodeHash: string | undefined
  readonly now: Date
}

/**
 * Why a pre-authorized code was not accepted. The token endpoint maps these to OAuth errors
 * (security.md, "Issuance"): `tx_code_missing` and `tx_code_unexpected` → `invalid_request`,
 * everything else → `invalid_grant`.
 */
export type RedeemFailure =
  | 'unknown_or_used'
  | 'expired'
  | 'wrong_tx_code'
  | 'burnt'
  | 'tx_code_missing'
  | 'tx_code_unexpected'

export type RedeemResult =
  | { readonly ok: true; readonly offer: Offer }
  | { readonly ok: false; readonly reason: RedeemFailure; readonly attemptsRemaining?: number }

export interface CheckTxCode {
  readonly tenantId: string
  readonly offerId: string
  /** Hash of the code the learner typed (the same salted hash as the `tx_code` of the token request). */
  readonly txCodeHash: string
  /** The grant the code is tried for, recorded when it burns the offer. */
  readonly via: OfferGrant
  readonly now: Date
}

/** Why a transaction code was not accepted by {@link OfferRepository.checkTxCode}. */
export type TxCodeCheckFailure = 'not_open' | 'expired' | 'wrong_tx_code' | 'burnt' | 'tx_code_unexpected'

export type TxCodeCheck =
  | { readonly ok: true; readonly offer: Offer }
  | { readonly ok: false; readonly reason: TxCodeCheckFailure; readonly attemptsRemaining?: number }

export interface OfferRepository {
  /** Rejects with `duplicate` when the id, the code hash or the issuer_state is taken. */
  create(offer: NewOffer): Promise<Offer>
  getById(tenantId: string, id: string): Promise<Offer | undefined>
  getByIssuerState(tenantId: string, issuerState: string): Promise<Offer | undefined>
  /**
   * The offer a wallet fetches by reference (§4.1.3 `credential_offer_uri`): found as often as
   * asked while it is `offered` and not expired, so a wallet's retry or a second scan works.
   */
  getOfferForWallet(tenantId: string, id: string, now: Date): Promise<Offer | undefined>
  listByAward(tenantId: string, awardId: string): Promise<Offer[]>
  /**
   * Redeems a pre-authorized code with ONE atomic UPDATE … RETURNING: of any number of
   * concurrent calls, in any number of processes, at most one gets `ok: true`.
   * A wrong `tx_code` counts an attempt; the attempt that reaches the limit burns the code.
   * A missing or unexpected `tx_code` is a malformed request and counts nothing.
   */
  redeemPreAuthorizedCode(input: RedeemPreAuthorizedCode): Promise<RedeemResult>
  /**
   * Checks an open offer's transaction code without redeeming anything — the learner's proof on
   * the authorization page before the authorization-code grant may go on. ONE atomic UPDATE with
   * the same counter and limit as {@link redeemPreAuthorizedCode}: a wrong code counts an
   * attempt, the attempt that reaches the limit burns the offer (for both grants); the right one
   * leaves the offer `offered` and its counter as it was (attempts are never given back).
   */
  checkTxCode(input: CheckTxCode): Promise<TxCodeCheck>
  /**
   * Records that a credential was issued on the offer's token (`token_issued` →
   * `credential_issued`); true also when it already was, so a wallet's retry after a lost
   * response succeeds. False in any other state.
   */
  markCredentialIssued(tenantId: string, id: string, now: Date): Promise<boolean>
  /**
   * The authorization-code grant's redemption (§6.1 with `issuer_state`): `offered` →
   * `token_issued` in one compare-and-set, if the offer is still open; the offer, or undefined.
   */
  redeemIssuerState(tenantId: string, id: string, now: Date): Promise<Offer | undefined>
  /**
   * Withdraws every open offer of an award (`offered`, `token_issued`, `credential_issued` →
   * `withdrawn`) in one UPDATE; returns how many. Called in the transaction that revokes or
   * suspends one of the award's credentials: issuance statements lock the offer row and re-check
   * its state, so no credential is issued on these offers once this commits.
   */
  withdrawOpenOffers(tenantId: string, awardId: string, now: Date): Promise<number>
  /** Marks `offered` offers past their expiry as `expired`, for all tenants (a maintenance job); returns how many. */
  expireStale(now: Date): Promise<number>
}

interface OfferRow {
  tenant_id: string
  id: string
  award_id: string
  credential_configuration_ids: string[]
  pre_authorized_code_hash: string | null
  tx_code_hash: string | null
  tx_code_attempts: number
  max_tx_code_attempts: number
  issuer_state: string | null
  state: OfferState
  expires_at: Date
  created_at: Date
  token_issued_at: Date | null
  credential_issued_at: Date | null
  burnt_at: Date | null
  burnt_via: OfferGrant | null
  withdrawn_at: Date | null
}

function toOffer(row: OfferRow): Offer {
  const preAuthorizedCodeHash = toOptionalString(row.pre_authorized_code_hash)
  const issuerState = toOptionalString(row.issuer_state)
  const tokenIssuedAt = toOptionalDate(row.token_issued_at)
  const credentialIssuedAt = toOptionalDate(row.credential_issued_at)
  const burntAt = toOptionalDate(row.burnt_at)
  const withdrawnAt = toOptionalDate(row.withdrawn_at)
  return {
    tenantId: row.tenant_id,
    id: row.id,
    awardId: row.award_id,
    credentialConfigurationIds: row.credential_configuration_ids,
    ...(preAuthorizedCodeHash ? { preAuthorizedCodeHash } : {}),
    txCodeRequired: row.tx_code_hash !== null,
    txCodeAttempts: toNumber(row.tx_code_attempts),
    maxTxCodeAttempts: toNumber(row.max_tx_code_attempts),
    ...(issuerState ? { issuerState } : {}),
    state: row.state,
    expiresAt: toDate(row.expires_at),
    createdAt: toDate(row.created_at),
    ...(tokenIssuedAt ? { tokenIssuedAt } : {}),
    ...(credentialIssuedAt ? { credentialIssuedAt } : {}),
    ...(burntAt ? { burntAt } : {}),
    ...(row.burnt_via ? { burntVia: row.burnt_via } : {}),
    ...(withdrawnAt ? { withdrawnAt } : {}),
  }
}

const DEFAULT_MAX_TX_CODE_ATTEMPTS = 3

/*
 * The redemption statement. It matches only an unexpired `offered` row whose tx_code presence
 * agrees with the request (both absent, or both present); then
 * - hashes equal (or none required) → `token_issued`;
 * - otherwise one more attempt, and `burnt` when that reaches the limit.
 * Comparing hashes, not codes, leaks nothing useful through timing.
 * Row locking makes concurrent calls queue on the row; each re-checks `state = 'offered'` after
 * the winner commits (PostgreSQL's READ COMMITTED re-evaluation of UPDATE … WHERE), so exactly
 * one can see it succeed.
 */
const REDEEM = `
UPDATE offers SET
  state = CASE
    WHEN tx_code_hash IS NULL OR tx_code_hash = $3::text THEN 'token_issued'
    WHEN tx_code_attempts + 1 >= max_tx_code_attempts THEN 'burnt'
    ELSE 'offered' END,
  tx_code_attempts = CASE
    WHEN tx_code_hash IS NULL OR tx_code_hash = $3::text THEN tx_code_attempts
    ELSE tx_code_attempts + 1 END,
  token_issued_at = CASE
    WHEN tx_code_hash IS NULL OR tx_code_hash = $3::text THEN $4::timestamptz
    ELSE NULL END,
  burnt_at = CASE
    WHEN tx_code_hash IS NULL OR tx_code_hash = $3::text THEN NULL
    WHEN tx_code_attempts + 1 >= max_tx_code_attempts THEN $4::timestamptz
    ELSE NULL END,
  burnt_via = CASE
    WHEN tx_code_hash IS NULL OR tx_code_hash = $3::text THEN NULL
    WHEN tx_code_attempts + 1 >= max_tx_code_attempts THEN 'pre-authorized_code'
    ELSE NULL END
WHERE tenant_id = $1 AND pre_authorized_code_hash = $2
  AND state = 'offered' AND expires_at > $4::timestamptz
  AND ((tx_code_hash IS NULL) = ($3::text IS NULL))
RETURNING *`

/*
 * The learner's code on the authorization page: the same counting as REDEEM, on an open offer
 * that has a transaction code, without the redemption. The right code rewrites nothing but takes
 * the row lock, so it queues behind concurrent wrong guesses like they queue behind each other.
 */
const CHECK_TX_CODE = `
UPDATE offers SET
  tx_code_attempts = CASE WHEN tx_code_hash = $3::text THEN tx_code_attempts ELSE tx_code_attempts + 1 END,
  state = CASE
    WHEN tx_code_hash = $3::text THEN state
    WHEN tx_code_attempts + 1 >= max_tx_code_attempts THEN 'burnt'
    ELSE state END,
  burnt_at = CASE
    WHEN tx_code_hash <> $3::text AND tx_code_attempts + 1 >= max_tx_code_attempts THEN $4::timestamptz
    ELSE NULL END,
  burnt_via = CASE
    WHEN tx_code_hash <> $3::text AND tx_code_attempts + 1 >= max_tx_code_attempts THEN $5::text
    ELSE NULL END
WHERE tenant_id = $1 AND id = $2 AND state = 'offered' AND expires_at > $4::timestamptz
  AND tx_code_hash IS NOT NULL
RETURNING *, (tx_code_hash = $3::text) AS matched`

export function createOfferRepository(db: SqlClient): OfferRepository {
  async function selectOne(where: string, params: unknown[]): Promise<Offer | undefined> {
    const { rows } = await db.query<OfferRow>(`SELECT * FROM offers WHERE ${where}`, params)
    return rows[0] ? toOffer(rows[0]) : undefined
  }

  /** Explains a redemption that matched no row; a read only, the decision was the UPDATE's. */
  async function classifyFailure(input: RedeemPreAuthorizedCode): Promise<RedeemFailure> {
    const { rows } = await db.query<OfferRow>(
      'SELECT * FROM offers WHERE tenant_id = $1 AND pre_authorized_code_hash = $2',
      [input.tenantId, input.codeHash],
    )
    const row = rows[0]
    if (!row) return 'unknown_or_used'
    if (row.state === 'burnt') return 'burnt'
    if (row.state === 'expired') return 'expired'
    if (row.state !== 'offered') return 'unknown_or_used'
    if (toDate(row.expires_at).getTime() <= input.now.getTime()) return 'expired'
    return row.tx_code_hash === null ? 'tx_code_unexpected' : 'tx_code_missing'
  }

  return {
    async create(offer) {
      const { rows } = await db.query<OfferRow>(
        `INSERT INTO offers
           (tenant_id, id, award_id, credential_configuration_ids, pre_authorized_code_hash, tx_code_hash,
            max_tx_code_attempts, issuer_state, state, expires_at, created_at)
         VALUES ($1, $2, $3, $4::text[], $5, $6, $7, $8, 'offered', $9, $10) RETURNING *`,
        [
          offer.tenantId,
          offer.id,
          offer.awardId,
          [...offer.credentialConfigurationIds],
          offer.preAuthorizedCodeHash ?? null,
          offer.txCodeHash ?? null,
          offer.maxTxCodeAttempts ?? DEFAULT_MAX_TX_CODE_ATTEMPTS,
          offer.issuerState ?? null,
          offer.expiresAt,
          offer.now,
        ],
      )
      return toOffer(rows[0]!)
    },
    getById: (tenantId, id) => selectOne('tenant_id = $1 AND id = $2', [tenantId, id]),
    getByIssuerState: (tenantId, issuerState) =>
      selectOne('tenant_id = $1 AND issuer_state = $2', [tenantId, issuerState]),
    getOfferForWallet: (tenantId, id, now) =>
      selectOne(`tenant_id = $1 AND id = $2 AND state = 'offered' AND expires_at > $3`, [tenantId, id, now]),
    async listByAward(tenantId, awardId) {
      const { rows } = await db.query<OfferRow>(
        'SELECT * FROM offers WHERE tenant_id = $1 AND award_id = $2 ORDER BY created_at, id',
        [tenantId, awardId],
      )
      return rows.map(toOffer)
    },
    async redeemPreAuthorizedCode(input) {
      const { rows } = await db.query<OfferRow>(REDEEM, [
        input.tenantId,
        input.codeHash,
        input.txCodeHash ?? null,
        input.now,
      ])
      const row = rows[0]
      if (!row) return { ok: false, reason: await classifyFailure(input) }
      const offer = toOffer(row)
      if (offer.state === 'token_issued') return { ok: true, offer }
      if (offer.state === 'burnt') return { ok: false, reason: 'burnt', attemptsRemaining: 0 }
      return { ok: false, reason: 'wrong_tx_code', attemptsRemaining: offer.maxTxCodeAttempts - offer.txCodeAttempts }
    },
    async checkTxCode(input) {
      const { rows } = await db.query<OfferRow & { matched: boolean }>(CHECK_TX_CODE, [
        input.tenantId,
        input.offerId,
        input.txCodeHash,
        input.now,
        input.via,
      ])
      const row = rows[0]
      if (!row) {
        // A read only, to explain the refusal; the decision was the UPDATE's.
        const offer = await selectOne('tenant_id = $1 AND id = $2', [input.tenantId, input.offerId])
        if (!offer) return { ok: false, reason: 'not_open' }
        if (offer.state === 'burnt') return { ok: false, reason: 'burnt' }
        if (offer.state === 'expired') return { ok: false, reason: 'expired' }
        if (offer.state !== 'offered') return { ok: false, reason: 'not_open' }
        if (offer.expiresAt.getTime() <= input.now.getTime()) return { ok: false, reason: 'expired' }
        return { ok: false, reason: 'tx_code_unexpected' }
      }
      const offer = toOffer(row)
      if (row.matched) return { ok: true, offer }
      if (offer.state === 'burnt') return { ok: false, reason: 'burnt', attemptsRemaining: 0 }
      return { ok: false, reason: 'wrong_tx_code', attemptsRemaining: offer.maxTxCodeAttempts - offer.txCodeAttempts }
    },
    async markCredentialIssued(tenantId, id, now) {
      const { rowCount } = await db.query(
        `UPDATE offers SET state = 'credential_issued', credential_issued_at = coalesce(credential_issued_at, $3)
         WHERE tenant_id = $1 AND id = $2 AND state IN ('token_issued', 'credential_issued')`,
        [tenantId, id, now],
      )
      return rowCount === 1
    },
    async redeemIssuerState(tenantId, id, now) {
      const { rows } = await db.query<OfferRow>(
        `UPDATE offers SET state = 'token_issued', token_issued_at = $3
         WHERE tenant_id = $1 AND id = $2 AND state = 'offered' AND expires_at > $3
         RETURNING *`,
        [tenantId, id, now],
      )
      return rows[0] ? toOffer(rows[0]) : undefined
    },
    async withdrawOpenOffers(tenantId, awardId, now) {
      const { rowCount } = await db.query(
        `UPDATE offers SET state = 'withdrawn', withdrawn_at = $3
         WHERE tenant_id = $1 AND award_id = $2 AND state IN ('offered', 'token_issued', 'credential_issued')`,
        [tenantId, awardId, now],
      )
      return rowCount
    },
    async expireStale(now) {
      const { rowCount } = await db.query(
        `UPDATE offers SET state = 'expired' WHERE state = 'offered' AND expires_at <= $1`,
        [now],
      )
      return rowCount
    },
  }
}
