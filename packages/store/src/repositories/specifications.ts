import { StoreError } from '../errors.ts'
import type { SqlClient } from '../sql/sql-client.ts'
import { jsonParam, toDate, toNumber } from './rows.ts'

/**
 * A course description (the ELM specification input) and its Annex I report. `version` starts
 * at 1 and grows with every update; awards record the version they were built from.
 */
export interface Specification {
  readonly tenantId: string
  readonly id: string
  readonly version: number
  readonly document: unknown
  readonly annexReport?: unknown
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface NewSpecification {
  readonly tenantId: string
  readonly id: string
  readonly document: unknown
  readonly annexReport?: unknown
  readonly now: Date
}

export interface SpecificationUpdate extends NewSpecification {
  /** The version the caller read; the update applies only if it is still current. */
  readonly expectedVersion: number
}

export interface SpecificationRepository {
  /** Rejects with `duplicate` when the id is taken. */
  create(spec: NewSpecification): Promise<Specification>
  /** Compare-and-set on `expectedVersion`: `version_conflict` if it moved on, `not_found` if absent. */
  update(spec: SpecificationUpdate): Promise<Specification>
  get(tenantId: string, id: string): Promise<Specification | undefined>
  list(tenantId: string): Promise<Specification[]>
}

interface SpecificationRow {
  tenant_id: string
  id: string
  version: number
  document: unknown
  annex_report: unknown
  created_at: Date
  updated_at: Date
}

function toSpecification(row: SpecificationRow): Specification {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    version: toNumber(row.version),
    document: row.document,
    ...(row.annex_report === null ? {} : { annexReport: row.annex_report }),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  }
}

export function createSpecificationRepository(db: SqlClient): SpecificationRepository {
  async function get(tenantId: string, id: string): Promise<Specification | undefined> {
    const { rows } = await db.query<SpecificationRow>('SELECT * FROM specifications WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      id,
    ])
    return rows[0] ? toSpecification(rows[0]) : undefined
  }

  return {
    async create(spec) {
      const { rows } = await db.query<SpecificationRow>(
        `INSERT INTO specifications (tenant_id, id, version, document, annex_report, created_at, updated_at)
         VALUES ($1, $2, 1, $3::jsonb, $4::jsonb, $5, $5) RETURNING *`,
        [
          spec.tenantId,
          spec.id,
          jsonParam(spec.document),
          spec.annexReport === undefined ? null : jsonParam(spec.annexReport),
          spec.now,
        ],
      )
      return toSpecification(rows[0]!)
    },
    async update(spec) {
      const { rows } = await db.query<SpecificationRow>(
        `UPDATE specifications
         SET version = version + 1, document = $4::jsonb, annex_report = $5::jsonb, updated_at = $6
         WHERE tenant_id = $1 AND id = $2 AND version = $3 RETURNING *`,
        [
          spec.tenantId,
          spec.id,
          spec.expectedVersion,
          jsonParam(spec.document),
          spec.annexReport === undefined ? null : jsonParam(spec.annexReport),
          spec.now,
        ],
      )
      if (rows[0]) return toSpecification(rows[0])
      const current = await get(spec.tenantId, spec.id)
      if (!current) throw new StoreError('not_found', `tenant ${spec.tenantId} has no specification ${spec.id}`)
      throw new StoreError(
        'version_conflict',
        `specification ${spec.id} is at version ${current.version}, not ${spec.expectedVersion}; reload and retry`,
      )
    },
    get,
    async list(tenantId) {
      const { rows } = await db.query<SpecificationRow>(
        'SELECT * FROM specifications WHERE tenant_id = $1 ORDER BY created_at, id',
        [tenantId],
      )
      return rows.map(toSpecification)
    },
  }
}
