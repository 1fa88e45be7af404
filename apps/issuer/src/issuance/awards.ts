// Awards: a learner's achievement of a course, turned into an EDC document once (buildEdc with
// the certificate pages), so the credential endpoint only wraps and signs (issue 4, benchmark).
import { randomUUID } from 'node:crypto'
import { roundDownInstant } from '@alma/credentials'
import {
  annexIReport,
  buildEdc,
  type EdcDocument,
  ElmError,
  type PreparedBuildInputs,
  parseEdc,
  prepareBuildInputs,
} from '@alma/elm'
import type { Award, Specification } from '@alma/store'
import { IssuerError } from '../errors.ts'
import type { IssuerContext, TenantRuntime } from './issuer-context.ts'

export interface CreateAwardInput {
  readonly specificationId: string
  /** The ELM award input (learner, grade, dates…), validated by @alma/elm. */
  readonly award: unknown
  /** Hold the award for approval; wallets get a deferred response until it is approved (VCI 1.0 §9). */
  readonly hold?: boolean
  /** Who asks, for the audit log (`apikey:<id>`, `cli`); `admin` by default. */
  readonly actor?: string
}

export function organisationsOf(tenant: TenantRuntime): unknown {
  const organisations = tenant.settings.organisations as { issuer?: { id?: unknown } } | undefined
  if (!organisations)
    throw new IssuerError('conflict', `tenant ${tenant.id} has no organisations configured (alma issuer init)`)
  // elm.md "our eIDAS link": the EDC issuer must be the DID that signs.
  if (organisations.issuer?.id !== tenant.urls.did) {
    throw new IssuerError('conflict', `tenant ${tenant.id}: organisations.issuer.id must be ${tenant.urls.did}`)
  }
  return organisations
}

/** ElmError issues → one admin error naming every bad field. */
export function elmInputError(error: unknown, prefix: string): IssuerError {
  if (error instanceof ElmError) {
    const issues = (error as ElmError & { issues?: readonly { path?: string; message?: string }[] }).issues
    return new IssuerError('invalid_input', `${prefix}: ${error.message}`, {
      cause: error,
      ...(issues ? { extra: { issues } } : {}),
    })
  }
  return new IssuerError('invalid_input', `${prefix}: not valid`, { cause: error })
}

/** The EDC document of one award (throws ElmError naming `award.…` fields); the one place awards are built. */
export function buildAwardEdc(course: PreparedBuildInputs, award: unknown, now: Date): EdcDocument {
  // security.md: do not reveal the issuance second (RFC 9901 §10.1); the EDC's dates are hours.
  return buildEdc(course, award, { now: roundDownInstant(now, 'hour') })
}

/** Builds the EDC of one award; no state change. */
export function buildAwardDocument(tenant: TenantRuntime, spec: Specification, awardInput: unknown, now: Date) {
  let prepared: ReturnType<typeof prepareBuildInputs>
  try {
    prepared = prepareBuildInputs(spec.document, organisationsOf(tenant))
  } catch (error) {
    if (error instanceof IssuerError) throw error
    throw elmInputError(error, `course ${spec.id}`)
  }
  try {
    return buildAwardEdc(prepared, awardInput, now)
  } catch (error) {
    throw elmInputError(error, 'award')
  }
}

export async function createAward(ctx: IssuerContext, tenant: TenantRuntime, input: CreateAwardInput): Promise<Award> {
  const now = ctx.now()
  const spec = await ctx.store.specifications.get(tenant.id, input.specificationId)
  if (!spec) throw new IssuerError('not_found', `no course specification ${input.specificationId}`)
  const edc = buildAwardDocument(tenant, spec, input.award, now)
  const award = await ctx.store.awards.create({
    tenantId: tenant.id,
    id: randomUUID(),
    specificationId: spec.id,
    specificationVersion: spec.version,
    learner: input.award,
    edc,
    state: input.hold ? 'held' : 'ready',
    now,
  })
  await ctx.store.auditLog.append({
    tenantId: tenant.id,
    at: now,
    actor: input.actor ?? 'admin',
    action: 'award.created',
    subject: award.id,
    details: { specification: spec.id, held: input.hold === true },
  })
  return award
}

/** The Annex I report of an award's document, for the admin API. */
export function annexReportOf(award: Award) {
  return award.edc ? annexIReport(parseEdc(award.edc)) : undefined
}
