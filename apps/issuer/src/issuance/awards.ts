// Awards: a learner's achievement of a course, turned into an EDC document once (buildEdc with
// the certificate pages, on an ELM worker thread), so the credential endpoint only wraps and signs
// (issue 4, benchmark).
import { randomUUID } from 'node:crypto'
import { roundDownInstant } from '@alma/credentials'
import {
  annexIReport,
  type CourseInputs,
  type EdcDocument,
  ElmError,
  type ElmWorkers,
  type PreparedBuildInputs,
  parseEdc,
} from '@alma/elm'
import type { Award, Specification } from '@alma/store'
import { IssuerError } from '../errors.ts'
import { elmWorkError } from './elm-work.ts'
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

/**
 * The EDC document of one award, with its certificate pages, built on an ELM worker thread (issue
 * 12 §3: ≈43 ms of rendering per award must not hold the request thread); the one place awards are
 * built. Throws `ElmError` only for the award's input (naming `award.…` fields); the workers' own
 * refusals (busy, past the deadline, closed) come as `IssuerError('temporarily_unavailable')`
 * (503, with `retryAfterSeconds` when busy), so `instanceof ElmError` still means "this row is bad".
 *
 * @example
 * ```ts
 * const edc = await buildAwardEdc(course, awardInput, ctx.now(), ctx.elmWorkers)
 * ```
 */
export async function buildAwardEdc(
  course: PreparedBuildInputs | CourseInputs,
  award: unknown,
  now: Date,
  workers: ElmWorkers,
  options: { deadlineMs?: number } = {},
): Promise<EdcDocument> {
  try {
    // security.md: do not reveal the issuance second (RFC 9901 §10.1); the EDC's dates are hours.
    return await workers.buildEdc(course, award, { now: roundDownInstant(now, 'hour'), ...options })
  } catch (error) {
    throw elmWorkError(error, 'building the EDC document') ?? error
  }
}

/** Builds the EDC of one award; no state change. */
export async function buildAwardDocument(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  spec: Specification,
  awardInput: unknown,
  now: Date,
) {
  // The course is validated with the award, on the worker (prepareBuildInputs there).
  const course = { specification: spec.document, organisations: organisationsOf(tenant) }
  try {
    return await buildAwardEdc(course, awardInput, now, ctx.elmWorkers)
  } catch (error) {
    if (error instanceof IssuerError) throw error
    // The course and the organisations are checked before the award: their issues name them.
    const courseIssue = error instanceof ElmError && error.issues.some((i) => !i.path.startsWith('award'))
    throw elmInputError(error, courseIssue ? `course ${spec.id}` : 'award')
  }
}

export async function createAward(ctx: IssuerContext, tenant: TenantRuntime, input: CreateAwardInput): Promise<Award> {
  const now = ctx.now()
  const spec = await ctx.store.specifications.get(tenant.id, input.specificationId)
  if (!spec) throw new IssuerError('not_found', `no course specification ${input.specificationId}`)
  const edc = await buildAwardDocument(ctx, tenant, spec, input.award, now)
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
