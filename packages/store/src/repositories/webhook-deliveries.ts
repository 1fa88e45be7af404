import type { SqlClient } from '../sql/sql-client.ts'
import { jsonParam, toDate, toNumber, toOptionalDate, toOptionalString } from './rows.ts'

/** `pending` until delivered (a 2xx answer) or given up after the last retry (`failed`). */
export type WebhookDeliveryState = 'pending' | 'delivered' | 'failed'

export interface WebhookDelivery {
  readonly tenantId: string
  readonly id: string
  readonly url: string
  readonly event: string
  readonly body: Record<string, unknown>
  readonly state: WebhookDeliveryState
  readonly attempts: number
  readonly nextAttemptAt: Date
  readonly lastError?: string
  readonly createdAt: Date
  readonly deliveredAt?: Date
}

export interface NewWebhookDelivery {
  readonly tenantId: string
  readonly id: string
  readonly url: string
  readonly event: string
  readonly body: Record<string, unknown>
  readonly now: Date
}

export interface WebhookDeliveryRepository {
  enqueue(input: NewWebhookDelivery): Promise<WebhookDelivery>
  /**
   * Leases up to `limit` due deliveries for `leaseSeconds` and counts the attempt, in one
   * statement: a delivery leased by one process is invisible to the others until the lease ends,
   * so a crash mid-call only delays it.
   */
  leaseDue(now: Date, leaseSeconds: number, limit: number): Promise<WebhookDelivery[]>
  markDelivered(tenantId: string, id: string, now: Date): Promise<void>
  /** Records a failed attempt: retried at `retryAt`, or `failed` for good when `retryAt` is undefined. */
  markAttemptFailed(tenantId: string, id: string, error: string, retryAt: Date | undefined): Promise<void>
  get(tenantId: string, id: string): Promise<WebhookDelivery | undefined>
  listByTenant(tenantId: string, limit?: number): Promise<WebhookDelivery[]>
}

interface Row {
  tenant_id: string
  id: string
  url: string
  event: string
  body: Record<string, unknown>
  state: WebhookDeliveryState
  attempts: number
  next_attempt_at: Date
  last_error: string | null
  created_at: Date
  delivered_at: Date | null
}

function toDelivery(row: Row): WebhookDelivery {
  const lastError = toOptionalString(row.last_error)
  const deliveredAt = toOptionalDate(row.delivered_at)
  return {
    tenantId: row.tenant_id,
    id: row.id,
    url: row.url,
    event: row.event,
    body: row.body,
    state: row.state,
    attempts: toNumber(row.attempts),
    nextAttemptAt: toDate(row.next_attempt_at),
    ...(lastError ? { lastError } : {}),
    createdAt: toDate(row.created_at),
    ...(deliveredAt ? { deliveredAt } : {}),
  }
}

export function createWebhookDeliveryRepository(db: SqlClient): WebhookDeliveryRepository {
  return {
    async enqueue(input) {
      const { rows } = await db.query<Row>(
        `INSERT INTO webhook_deliveries (tenant_id, id, url, event, body, state, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, 'pending', $6, $6) RETURNING *`,
        [input.tenantId, input.id, input.url, input.event, jsonParam(input.body), input.now],
      )
      return toDelivery(rows[0]!)
    },
    async leaseDue(now, leaseSeconds, limit) {
      const { rows } = await db.query<Row>(
        `UPDATE webhook_deliveries d
            SET leased_until = $1::timestamptz + make_interval(secs => $2), attempts = d.attempts + 1
          FROM (SELECT tenant_id, id FROM webhook_deliveries
                 WHERE state = 'pending' AND next_attempt_at <= $1
                   AND (leased_until IS NULL OR leased_until <= $1)
                 ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
          WHERE d.tenant_id = due.tenant_id AND d.id = due.id
          RETURNING d.*`,
        [now, leaseSeconds, limit],
      )
      return rows.map(toDelivery)
    },
    async markDelivered(tenantId, id, now) {
      await db.query(
        `UPDATE webhook_deliveries SET state = 'delivered', delivered_at = $3, leased_until = NULL, last_error = NULL
          WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id, now],
      )
    },
    async markAttemptFailed(tenantId, id, error, retryAt) {
      await db.query(
        `UPDATE webhook_deliveries
            SET state = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
                next_attempt_at = COALESCE($4::timestamptz, next_attempt_at), leased_until = NULL, last_error = $3
          WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id, error.slice(0, 500), retryAt ?? null],
      )
    },
    async get(tenantId, id) {
      const { rows } = await db.query<Row>('SELECT * FROM webhook_deliveries WHERE tenant_id = $1 AND id = $2', [
        tenantId,
        id,
      ])
      return rows[0] ? toDelivery(rows[0]) : undefined
    },
    async listByTenant(tenantId, limit = 50) {
      const { rows } = await db.query<Row>(
        'SELECT * FROM webhook_deliveries WHERE tenant_id = $1 ORDER BY created_at DESC, id LIMIT $2',
        [tenantId, Math.min(Math.max(limit, 1), 1000)],
      )
      return rows.map(toDelivery)
    },
  }
}
