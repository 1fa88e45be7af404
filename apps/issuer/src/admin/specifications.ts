// Course specifications: create or update with optimistic concurrency, reported on against
// Annex I of the Council Recommendation (2022/C 243/02) before anything is stored.
import type { AnnexIReport } from '@alma/elm'
import type { Specification } from '@alma/store'
import { IssuerError } from '../errors.ts'
import type { IssuerContext, TenantRuntime } from '../issuance/issuer-context.ts'
import { courseAnnexReport } from './course.ts'
import { invalidInput, toAdminError } from './parse-admin-input.ts'

export interface PutSpecificationInput {
  readonly id: string
  /** The ELM specification input (already shape-checked by the caller, or not: it is validated here). */
  readonly document: unknown
  /** The version the caller read; required when the course exists. */
  readonly expectedVersion?: number
  /** Who does it, for the audit log (`apikey:<id>`, `cli`). */
  readonly actor: string
}

export interface PutSpecificationResult {
  readonly specification: Specification
  readonly created: boolean
  readonly annexReport: AnnexIReport
}

/**
 * Steps: validate with the tenant's organisations and report on a sample award against Annex I,
 * on an ELM worker (a mandatory element missing is refused) → create, or compare-and-set update → audit → forget
 * the tenant's cached metadata so the course is offered at once.
 */
export async function putSpecification(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  input: PutSpecificationInput,
): Promise<PutSpecificationResult> {
  const now = ctx.now()
  const annexReport = await courseAnnexReport(ctx.elmWorkers, tenant, input.document, now)
  if (!annexReport.isMicroCredential) {
    throw invalidInput(
      'specification',
      annexReport.elements
        .filter((e) => e.status === 'missing')
        .map((e) => ({
          path: `specification (Annex I element ${e.number})`,
          message: `${e.name} is missing (${e.paths.join(', ')})`,
        })),
    )
  }
  const existing = await ctx.store.specifications.get(tenant.id, input.id)
  let specification: Specification
  try {
    if (!existing) {
      if (input.expectedVersion !== undefined) {
        throw new IssuerError(
          'conflict',
          `specification ${input.id} does not exist; omit the expected version to create it`,
        )
      }
      specification = await ctx.store.specifications.create({
        tenantId: tenant.id,
        id: input.id,
        document: input.document,
        annexReport,
        now,
      })
    } else {
      if (input.expectedVersion === undefined) {
        throw new IssuerError(
          'conflict',
          `specification ${input.id} exists at version ${existing.version}; send If-Match: "${existing.version}" (or expectedVersion) to update it`,
          { extra: { currentVersion: existing.version } },
        )
      }
      specification = await ctx.store.specifications.update({
        tenantId: tenant.id,
        id: input.id,
        document: input.document,
        annexReport,
        expectedVersion: input.expectedVersion,
        now,
      })
    }
  } catch (error) {
    throw toAdminError(error)
  }
  await ctx.store.auditLog.append({
    tenantId: tenant.id,
    at: now,
    actor: input.actor,
    action: existing ? 'specification.updated' : 'specification.created',
    subject: input.id,
    details: { version: specification.version },
  })
  ctx.invalidateTenant(tenant.id)
  return { specification, created: !existing, annexReport }
}

/** `If-Match: "3"` (or `W/"3"`, or `3`) → 3; a list or `*` is not a version. */
export function versionFromIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header)
  if (!match) {
    throw invalidInput('If-Match', [{ path: 'If-Match', message: 'must be the version read, e.g. "3"' }])
  }
  return Number(match[1])
}
