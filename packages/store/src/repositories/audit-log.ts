import { z } from 'zod'
import type { SqlClient } from '../sql/sql-client.ts'
import { jsonParam, parseInput, toDate, toNumber, toOptionalString } from './rows.ts'

/**
 * One line of the audit log: who (`actor`: an API key id, `wallet`, `system`) did what
 * (`action`: `credential.issued`, `credential.revoked`, `presentation.verified`, …) to what
 * (`subject`: a record id). `details` must not hold secrets or whole credentials.
 */
export interface AuditEntry {
  readonly id: number
  readonly tenantId: string
  readonly at: Date
  readonly actor: string
  readonly action: string
  readonly subject?: string
  readonly details: Record<string, unknown>
}

export interface NewAuditEntry {
  readonly tenantId: string
  readonly at: Date
  readonly actor: string
  readonly action: string
  readonly subject?: string
  readonly details?: Record<string, unknown>
}

export const zAuditQuery = z.object({
  action: z.string().min(1).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  /** An entry id: returns older entries only (keyset pagination, newest first). */
  before: z.number().int().positive().optional(),
})
export type AuditQuery = z.input<typeof zAuditQuery>

/**
 * The append-only audit log (security.md: "an append-only audit log records every issuance,
 * revocation and verification"). There is no update or delete here, and the database refuses
 * them too (a trigger, migration 0001), so an application bug cannot rewrite history.
 */
export interface AuditLogRepository {
  append(entry: NewAuditEntry): Promise<AuditEntry>
  /** Newest first. */
  list(tenantId: string, query?: AuditQuery): Promise<AuditEntry[]>
}

interface AuditRow {
  id: number | string
  tenant_id: string
  at: Date
  actor: string
  action: string
  subject: string | null
  details: Record<string, unknown>
}

function toAuditEntry(row: AuditRow): AuditEntry {
  const subject = toOptionalString(row.subject)
  return {
    id: toNumber(row.id),
    tenantId: row.tenant_id,
    at: toDate(row.at),
    actor: row.actor,
    action: row.action,
    ...(subject ? { subject } : {}),
    details: row.details,
  }
}

export function createAuditLogRepository(db: SqlClient): AuditLogRepository {
  return {
    async append(entry) {
      const { rows } = await db.query<AuditRow>(
        `INSERT INTO audit_log (tenant_id, at, actor, action, subject, details)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb) RETURNING *`,
        [entry.tenantId, entry.at, entry.actor, entry.action, entry.subject ?? null, jsonParam(entry.details ?? {})],
      )
      return toAuditEntry(rows[0]!)
    },
    async list(tenantId, query = {}) {
      const q = parseInput(zAuditQuery, query, 'audit log query')
      const { rows } = await db.query<AuditRow>(
        `SELECT * FROM audit_log
         WHERE tenant_id = $1 AND ($2::text IS NULL OR action = $2::text) AND ($3::bigint IS NULL OR id < $3::bigint)
         ORDER BY id DESC LIMIT $4`,
        [tenantId, q.action ?? null, q.before ?? null, q.limit],
      )
      return rows.map(toAuditEntry)
    },
  }
}
