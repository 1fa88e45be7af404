import { z } from 'zod'
import { StoreError } from '../errors.ts'
import type { SqlClient } from '../sql/sql-client.ts'
import { jsonParam, likePattern, parseInput, toDate, toNumber, zPage } from './rows.ts'

/**
 * The life of an award:
 * - `held`: recorded, not yet released to the learner (e.g. awaiting approval or the EDC build);
 * - `ready`: may be offered to the learner;
 * - `issued`: at least one credential was issued;
 * - `suspended` / `revoked`: the institution withdrew it, for a while or for good.
 */
export type AwardState = 'held' | 'ready' | 'issued' | 'revoked' | 'suspended'
export const AWARD_STATES = ['held', 'ready', 'issued', 'revoked', 'suspended'] as const

/** The transitions {@link AwardRepository.transition} accepts. Revocation is final. */
export const AWARD_STATE_TRANSITIONS: Readonly<Record<AwardState, readonly AwardState[]>> = {
  held: ['ready', 'revoked'],
  ready: ['held', 'issued', 'revoked'],
  issued: ['suspended', 'revoked'],
  suspended: ['issued', 'revoked'],
  revoked: [],
}

/** One learner's achievement of a specification. */
export interface Award {
  readonly tenantId: string
  readonly id: string
  readonly specificationId: string
  readonly specificationVersion: number
  /** The award input (ELM `AwardInput`: `{ learner: { givenName, familyName, email, … }, grade, … }`). */
  readonly learner: unknown
  /** The built EDC document, once built. */
  readonly edc?: unknown
  readonly state: AwardState
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface NewAward {
  readonly tenantId: string
  readonly id: string
  readonly specificationId: string
  readonly specificationVersion: number
  readonly learner: unknown
  readonly edc?: unknown
  readonly state: AwardState
  readonly now: Date
}

export interface AwardTransition {
  readonly tenantId: string
  readonly id: string
  readonly from: AwardState
  readonly to: AwardState
  readonly now: Date
  /** Replaces the EDC document in the same statement (e.g. built on `held` → `ready`). */
  readonly edc?: unknown
}

/** Filters of {@link AwardRepository.search}; text matches the learner's names and email. */
export const zAwardSearch = z.object({
  text: z.string().trim().min(1).max(200).optional(),
  state: z.enum(AWARD_STATES).optional(),
  specificationId: z.string().min(1).optional(),
  ...zPage.shape,
})
export type AwardSearch = z.input<typeof zAwardSearch>

/** A page of results and the number of all matches. */
export interface Page<T> {
  readonly items: T[]
  readonly total: number
}

export interface AwardRepository {
  create(award: NewAward): Promise<Award>
  /** Inserts all awards in one transaction: all or none (a cohort from one CSV). */
  createMany(awards: readonly NewAward[]): Promise<Award[]>
  get(tenantId: string, id: string): Promise<Award | undefined>
  /**
   * The award without its EDC document (`edc` undefined): the credential endpoint reads state
   * on every request, and the document (often hundreds of KB with its pages) only when it has
   * not cached it — documents never change once built.
   */
  getWithoutDocument(tenantId: string, id: string): Promise<Award | undefined>
  search(tenantId: string, query?: AwardSearch): Promise<Page<Award>>
  /**
   * Compare-and-set: moves the award from `from` to `to`; false when it is not (or no longer)
   * in `from`. An illegal transition throws `invalid_transition`.
   */
  transition(change: AwardTransition): Promise<boolean>
}

interface AwardRow {
  tenant_id: string
  id: string
  specification_id: string
  specification_version: number
  learner: unknown
  edc: unknown
  state: AwardState
  created_at: Date
  updated_at: Date
  total?: number | string
}

function toAward(row: AwardRow): Award {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    specificationId: row.specification_id,
    specificationVersion: toNumber(row.specification_version),
    learner: row.learner,
    ...(row.edc === null ? {} : { edc: row.edc }),
    state: row.state,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  }
}

const INSERT_AWARD = `INSERT INTO awards
  (tenant_id, id, specification_id, specification_version, learner, edc, state, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $8) RETURNING *`

function insertParams(award: NewAward): unknown[] {
  return [
    award.tenantId,
    award.id,
    award.specificationId,
    award.specificationVersion,
    jsonParam(award.learner),
    award.edc === undefined ? null : jsonParam(award.edc),
    award.state,
    award.now,
  ]
}

// The learner's names may be plain strings or language maps; `#>>` yields the text of either,
// and a language map's JSON text still contains the names.
const LEARNER_TEXT = `concat_ws(' ',
  learner #>> '{learner,givenName}', learner #>> '{learner,familyName}',
  learner #>> '{learner,fullName}', learner #>> '{learner,email}')`

export function createAwardRepository(db: SqlClient): AwardRepository {
  return {
    async create(award) {
      const { rows } = await db.query<AwardRow>(INSERT_AWARD, insertParams(award))
      return toAward(rows[0]!)
    },
    async createMany(awards) {
      // A savepoint when the caller already holds a transaction, so a failure rolls back these
      // rows only. Sequential: one connection runs one statement at a time anyway.
      return db.transaction(async (tx) => {
        const created: Award[] = []
        for (const award of awards) {
          const { rows } = await tx.query<AwardRow>(INSERT_AWARD, insertParams(award))
          created.push(toAward(rows[0]!))
        }
        return created
      })
    },
    async get(tenantId, id) {
      const { rows } = await db.query<AwardRow>('SELECT * FROM awards WHERE tenant_id = $1 AND id = $2', [tenantId, id])
      return rows[0] ? toAward(rows[0]) : undefined
    },
    async getWithoutDocument(tenantId, id) {
      const { rows } = await db.query<AwardRow>(
        `SELECT tenant_id, id, specification_id, specification_version, learner, NULL AS edc, state, created_at, updated_at
         FROM awards WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id],
      )
      return rows[0] ? toAward(rows[0]) : undefined
    },
    async search(tenantId, query = {}) {
      const q = parseInput(zAwardSearch, query, 'award search')
      const { rows } = await db.query<AwardRow>(
        `SELECT *, count(*) OVER () AS total FROM awards
         WHERE tenant_id = $1
           AND ($2::text IS NULL OR ${LEARNER_TEXT} ILIKE $2::text)
           AND ($3::text IS NULL OR state = $3::text)
           AND ($4::text IS NULL OR specification_id = $4::text)
         ORDER BY created_at DESC, id
         LIMIT $5 OFFSET $6`,
        [tenantId, q.text ? likePattern(q.text) : null, q.state ?? null, q.specificationId ?? null, q.limit, q.offset],
      )
      let total = rows[0]?.total === undefined ? 0 : toNumber(rows[0].total)
      if (rows.length === 0 && q.offset > 0) {
        // Past the last page the window function has no row to report on.
        const count = await db.query<{ n: number | string }>(
          `SELECT count(*) AS n FROM awards WHERE tenant_id = $1
             AND ($2::text IS NULL OR ${LEARNER_TEXT} ILIKE $2::text)
             AND ($3::text IS NULL OR state = $3::text)
             AND ($4::text IS NULL OR specification_id = $4::text)`,
          [tenantId, q.text ? likePattern(q.text) : null, q.state ?? null, q.specificationId ?? null],
        )
        total = toNumber(count.rows[0]?.n ?? 0)
      }
      return { items: rows.map(toAward), total }
    },
    async transition(change) {
      if (!AWARD_STATE_TRANSITIONS[change.from].includes(change.to)) {
        throw new StoreError('invalid_transition', `an award cannot go from ${change.from} to ${change.to}`)
      }
      const { rowCount } = await db.query(
        `UPDATE awards SET state = $4, updated_at = $5,
           edc = CASE WHEN $6::boolean THEN $7::jsonb ELSE edc END
         WHERE tenant_id = $1 AND id = $2 AND state = $3`,
        [
          change.tenantId,
          change.id,
          change.from,
          change.to,
          change.now,
          change.edc !== undefined,
          change.edc === undefined ? null : jsonParam(change.edc),
        ],
      )
      return rowCount === 1
    },
  }
}
