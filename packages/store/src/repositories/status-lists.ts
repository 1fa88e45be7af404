import { randomInt, randomUUID } from 'node:crypto'
import { StoreError } from '../errors.ts'
import type { SqlClient } from '../sql/sql-client.ts'
import { toDate, toNumber } from './rows.ts'

export type StatusPurpose = 'revocation' | 'suspension'
/** `bitstring`: W3C Bitstring Status List v1.0; `token`: IETF Token Status List. */
export type StatusListFormat = 'bitstring' | 'token'

/**
 * The smallest list we open: W3C Bitstring Status List v1.0 §6.1 asks for at least 131,072
 * entries (16 KB) so one index tells little about the holder (group privacy).
 */
export const MIN_STATUS_LIST_SIZE = 131_072

export interface StatusList {
  readonly tenantId: string
  readonly id: string
  readonly purpose: StatusPurpose
  readonly format: StatusListFormat
  readonly size: number
  /** Grows with every status change; the published list's version / `iat` comes from it. */
  readonly version: number
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** A list as packages/credentials needs it to serialise: only the entries that are not 0. */
export interface StatusListSnapshot {
  readonly size: number
  readonly version: number
  readonly updatedAt: Date
  readonly entries: { idx: number; status: number }[]
}

/** A random integer in [0, max); crypto.randomInt by default, replaceable in tests. */
export type RandomIndex = (max: number) => number

export interface StatusListRepository {
  /**
   * The list new credentials of this purpose and format get an index on: the newest one, or a
   * new one when there is none or the newest is more than half full (so random allocation needs
   * on average fewer than two tries).
   */
  ensureList(
    tenantId: string,
    purpose: StatusPurpose,
    format: StatusListFormat,
    now: Date,
    options?: { size?: number },
  ): Promise<StatusList>
  get(tenantId: string, listId: string): Promise<StatusList | undefined>
  list(tenantId: string): Promise<StatusList[]>
  /**
   * Takes a random free index of the list (RFC 9901 §10.1 and HAIP: indices must not reveal the
   * order of issuance). Call it in the transaction that records the credential.
   */
  allocateIndex(tenantId: string, listId: string, random?: RandomIndex, size?: number): Promise<number>
  /**
   * Sets an entry's status and bumps the list's version in one statement; returns the new
   * version, or undefined when the entry was never allocated.
   */
  setStatus(tenantId: string, listId: string, idx: number, status: number, now: Date): Promise<number | undefined>
  /** The entry's status, or undefined when the index was never allocated. */
  getStatus(tenantId: string, listId: string, idx: number): Promise<number | undefined>
  /** Size, version and non-zero entries, read in one statement (one snapshot). */
  readList(tenantId: string, listId: string): Promise<StatusListSnapshot | undefined>
}

interface StatusListRow {
  tenant_id: string
  id: string
  purpose: StatusPurpose
  format: StatusListFormat
  size: number
  version: number | string
  created_at: Date
  updated_at: Date
}

function toStatusList(row: StatusListRow): StatusList {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    purpose: row.purpose,
    format: row.format,
    size: toNumber(row.size),
    version: toNumber(row.version),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  }
}

/** Tries before giving up on a list; at most half full, 40 misses in a row has odds below 1e-12. */
const MAX_ALLOCATION_TRIES = 40

/** The advisory lock that serialises opening a new list for one (tenant, purpose, format). */
const LIST_OPENING_LOCK = `SELECT pg_advisory_xact_lock(hashtext('alma.status_lists:' || $1::text || ':' || $2::text || ':' || $3::text))`

export function createStatusListRepository(db: SqlClient): StatusListRepository {
  // The fill level is counted, not kept in a column: a counter on the list row would make every
  // issuance transaction wait on that row until it commits. The count is an index-only scan of
  // at most half a list (65,536 entries).
  async function current(
    client: SqlClient,
    tenantId: string,
    purpose: StatusPurpose,
    format: StatusListFormat,
  ): Promise<{ list: StatusList; allocated: number } | undefined> {
    const { rows } = await client.query<StatusListRow & { allocated: number | string }>(
      `SELECT l.*, (SELECT count(*) FROM status_entries e WHERE e.tenant_id = l.tenant_id AND e.list_id = l.id) AS allocated
       FROM status_lists l
       WHERE l.tenant_id = $1 AND l.purpose = $2 AND l.format = $3
       ORDER BY l.created_at DESC, l.id DESC LIMIT 1`,
      [tenantId, purpose, format],
    )
    const row = rows[0]
    return row ? { list: toStatusList(row), allocated: toNumber(row.allocated) } : undefined
  }

  const usable = (found: { list: StatusList; allocated: number } | undefined) =>
    found !== undefined && found.allocated * 2 <= found.list.size

  return {
    async ensureList(tenantId, purpose, format, now, options = {}) {
      const found = await current(db, tenantId, purpose, format)
      if (found && usable(found)) return found.list
      // Open a new list under a lock, re-checking inside it, so two processes that both saw
      // the old list fill up open one new list, not two.
      return db.transaction(async (tx) => {
        await tx.query(LIST_OPENING_LOCK, [tenantId, purpose, format])
        const again = await current(tx, tenantId, purpose, format)
        if (again && usable(again)) return again.list
        const { rows } = await tx.query<StatusListRow>(
          `INSERT INTO status_lists (tenant_id, id, purpose, format, size, version, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING *`,
          [tenantId, randomUUID(), purpose, format, options.size ?? MIN_STATUS_LIST_SIZE, now],
        )
        return toStatusList(rows[0]!)
      })
    },
    async get(tenantId, listId) {
      const { rows } = await db.query<StatusListRow>('SELECT * FROM status_lists WHERE tenant_id = $1 AND id = $2', [
        tenantId,
        listId,
      ])
      return rows[0] ? toStatusList(rows[0]) : undefined
    },
    async list(tenantId) {
      const { rows } = await db.query<StatusListRow>(
        'SELECT * FROM status_lists WHERE tenant_id = $1 ORDER BY created_at, id',
        [tenantId],
      )
      return rows.map(toStatusList)
    },
    async allocateIndex(tenantId, listId, random = randomInt, knownSize) {
      // A caller holding the list (from ensureList) passes its size and saves a query; the
      // insert below still fails on a list that is not this tenant's (foreign key).
      let size = knownSize
      if (size === undefined) {
        const { rows } = await db.query<{ size: number }>(
          'SELECT size FROM status_lists WHERE tenant_id = $1 AND id = $2',
          [tenantId, listId],
        )
        if (!rows[0]) throw new StoreError('not_found', `tenant ${tenantId} has no status list ${listId}`)
        size = toNumber(rows[0].size)
      }
      for (let attempt = 0; attempt < MAX_ALLOCATION_TRIES; attempt++) {
        const idx = random(size)
        if (!Number.isInteger(idx) || idx < 0 || idx >= size) {
          throw new StoreError('constraint_violated', `random index ${idx} is outside [0, ${size})`)
        }
        // ON CONFLICT DO NOTHING: a taken index returns no row instead of raising, which would
        // abort the caller's transaction (the one that signs and records the credential).
        const inserted = await db.query(
          `INSERT INTO status_entries (tenant_id, list_id, idx) VALUES ($1, $2, $3)
           ON CONFLICT (tenant_id, list_id, idx) DO NOTHING RETURNING idx`,
          [tenantId, listId, idx],
        )
        if (inserted.rows.length === 1) return idx
      }
      throw new StoreError(
        'status_list_full',
        `no free index found on status list ${listId} after ${MAX_ALLOCATION_TRIES} tries`,
      )
    },
    async setStatus(tenantId, listId, idx, status, now) {
      // One statement: the entry update and the version bump commit together or not at all.
      // Concurrent calls on different entries queue on the list row for the bump and each adds
      // one, so no update is lost.
      const { rows } = await db.query<{ version: number | string }>(
        `WITH entry AS (
           UPDATE status_entries SET status = $4
           WHERE tenant_id = $1 AND list_id = $2 AND idx = $3
           RETURNING idx
         )
         UPDATE status_lists SET version = version + 1, updated_at = $5
         WHERE tenant_id = $1 AND id = $2 AND EXISTS (SELECT 1 FROM entry)
         RETURNING version`,
        [tenantId, listId, idx, status, now],
      )
      return rows[0] ? toNumber(rows[0].version) : undefined
    },
    async getStatus(tenantId, listId, idx) {
      const { rows } = await db.query<{ status: number }>(
        'SELECT status FROM status_entries WHERE tenant_id = $1 AND list_id = $2 AND idx = $3',
        [tenantId, listId, idx],
      )
      return rows[0] ? toNumber(rows[0].status) : undefined
    },
    async readList(tenantId, listId) {
      const { rows } = await db.query<{
        size: number
        version: number | string
        updated_at: Date
        idxs: number[] | null
        statuses: number[] | null
      }>(
        `SELECT l.size, l.version, l.updated_at,
           (SELECT array_agg(e.idx ORDER BY e.idx) FROM status_entries e
             WHERE e.tenant_id = l.tenant_id AND e.list_id = l.id AND e.status <> 0) AS idxs,
           (SELECT array_agg(e.status ORDER BY e.idx) FROM status_entries e
             WHERE e.tenant_id = l.tenant_id AND e.list_id = l.id AND e.status <> 0) AS statuses
         FROM status_lists l WHERE l.tenant_id = $1 AND l.id = $2`,
        [tenantId, listId],
      )
      const row = rows[0]
      if (!row) return undefined
      const idxs = row.idxs ?? []
      const statuses = row.statuses ?? []
      return {
        size: toNumber(row.size),
        version: toNumber(row.version),
        updatedAt: toDate(row.updated_at),
        entries: idxs.map((idx, i) => ({ idx: toNumber(idx), status: toNumber(statuses[i]) })),
      }
    },
  }
}
