// A dry run of a course against Annex I of the Council Recommendation (2022/C 243/02), for the
// admin app's live checklist: nothing is stored, and an incomplete course is an answer (which
// elements are missing or invalid, in words), not an error. `PUT …/specifications/{id}` accepts
// exactly the courses whose check says `isMicroCredential: true`.
import { type AnnexIReport, annexIReport, type ElmWorkers, parseOrganisations } from '@alma/elm'
import { IssuerError } from '../errors.ts'
import type { TenantRuntime } from '../issuance/issuer-context.ts'
import { courseAnnexReport, tenantOrganisations } from './course.ts'
import type { AdminIssue } from './parse-admin-input.ts'
import { zSpecificationId } from './z-admin-input.ts'

/**
 * `invalid`: the course states the element, but not validly (see `issues`). The rest as in
 * @alma/elm's report: `present`, `missing` (mandatory, not stated), `not-applicable` (optional).
 */
export type CheckStatus = 'present' | 'missing' | 'invalid' | 'not-applicable'

/** Who states an element: the course (this input), each award (learner, date, grade), or the tenant. */
export type CheckSource = 'course' | 'award' | 'tenant'

export interface CheckedElement {
  readonly number: number
  readonly name: string
  readonly mandatory: boolean
  readonly status: CheckStatus
  readonly source: CheckSource
  /** What the course states, as text (course elements only: award elements come with each award). */
  readonly value?: string
  /** The input issues behind an `invalid` or `missing` status. */
  readonly issues: readonly AdminIssue[]
}

export interface CourseCheck {
  /** The input passes the ELM schema (and the id is a valid course id). */
  readonly valid: boolean
  /** Valid and every mandatory element (1–11) present: what PUT would store. */
  readonly isMicroCredential: boolean
  /** Numbers of the mandatory elements missing or invalid. */
  readonly missing: readonly number[]
  readonly elements: readonly CheckedElement[]
  /** Every input issue, its path as the PUT endpoint names it (`specification.title`, `id`). */
  readonly issues: readonly AdminIssue[]
}

/** Elements 1 (learner), 5 (date of issuing) and 14 (grade) come from each award. */
const AWARD_ELEMENTS = new Set([1, 5, 14])
/** Elements 3 (country) and 4 (awarding bodies) come from the tenant's organisations. */
const TENANT_ELEMENTS = new Set([3, 4])

/**
 * Where the specification input carries each element (design/elm.md, "Annex I → ELM"): the
 * top-level fields, and for element 13 the one nested field. Element 11 may also come from the
 * tenant's awarding bodies.
 */
const COURSE_FIELDS: Readonly<Record<number, readonly string[]>> = {
  2: ['title'],
  6: ['learningOutcomes', 'learningOutcomeSummary'],
  7: ['creditPoints', 'volumeOfLearning'],
  8: ['eqfLevel', 'nqfLevels'],
  9: ['assessment'],
  10: ['modes', 'learningSetting'],
  11: ['qualityAssurance'],
  12: ['entryRequirements'],
  13: ['assessment.supervision'],
  15: ['stackability'],
  16: ['homepage', 'additionalNotes', 'supplementaryDocuments', 'description'],
}

/**
 * The element and the field an issue at `specification.<field>…` is about (the longest field
 * that matches: element 13's `assessment.supervision` before element 9's `assessment`).
 */
function elementOfIssue(path: string): { number: number; field: string } | undefined {
  const rest = path.replace(/^specification\.?/, '')
  let best: { number: number; field: string } | undefined
  for (const [number, fields] of Object.entries(COURSE_FIELDS)) {
    for (const field of fields) {
      const matches = rest === field || rest.startsWith(`${field}.`) || rest.startsWith(`${field}[`)
      if (matches && field.length > (best?.field.length ?? 0)) best = { number: Number(number), field }
    }
  }
  return best
}

function isStated(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false
  if (Array.isArray(value)) return value.length > 0
  if (typeof value === 'object') return Object.keys(value).length > 0
  return true
}

function fieldOf(document: unknown, path: string): unknown {
  let value: unknown = document
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

/** The `issues` of an `invalid_input` IssuerError (course.ts's courseAnnexReport), else undefined. */
function inputIssuesOf(error: unknown): AdminIssue[] | undefined {
  if (!(error instanceof IssuerError) || error.code !== 'invalid_input') return undefined
  const issues = error.extra?.issues
  if (!Array.isArray(issues)) return []
  return issues.filter(
    (i): i is AdminIssue =>
      typeof i === 'object' && i !== null && typeof i.path === 'string' && typeof i.message === 'string',
  )
}

function sourceOf(number: number): CheckSource {
  if (AWARD_ELEMENTS.has(number)) return 'award'
  if (TENANT_ELEMENTS.has(number)) return 'tenant'
  return 'course'
}

/** Element 11 without the course's own quality assurance: stated when an awarding body is accredited. */
function tenantHasAccreditation(tenant: TenantRuntime): boolean {
  const organisations = parseOrganisations(tenantOrganisations(tenant))
  return organisations.awardingBodies.some((body) => (body.accreditations?.length ?? 0) > 0)
}

let elementList: readonly { number: number; name: string; mandatory: boolean }[] | undefined

/**
 * The 16 elements' numbers, names and mandatory flags, as @alma/elm names them: the report of an
 * empty parsed view (annexIReport takes a parsed view as it is), every element in it missing.
 */
function annexIElements() {
  elementList ??= annexIReport({ achievements: [], document: {}, learner: {}, issuer: { countries: [] } }).elements.map(
    ({ number, name, mandatory }) => ({ number, name, mandatory }),
  )
  return elementList
}

/** A valid course: the report of a sample award's EDC (course.ts), element by element. */
function fromReport(report: AnnexIReport): CheckedElement[] {
  return report.elements.map((e) => {
    const source = sourceOf(e.number)
    return {
      number: e.number,
      name: e.name,
      mandatory: e.mandatory,
      status: e.status,
      source,
      // The sample learner's name, date and grade say nothing about the course.
      ...(e.value && source !== 'award' ? { value: e.value } : {}),
      issues: [],
    }
  })
}

/**
 * An invalid course cannot be built into an EDC, so each element is judged from the input: an
 * issue under its fields makes it `invalid` when a field with an issue is stated, else `missing`
 * (a required field is absent); without issues it is present when one of its fields is stated. Award and tenant elements are stated by every award
 * and by the tenant's validated organisations.
 */
function fromInput(tenant: TenantRuntime, document: unknown, issues: readonly AdminIssue[]): CheckedElement[] {
  return annexIElements().map((e) => {
    const source = sourceOf(e.number)
    const base = { number: e.number, name: e.name, mandatory: e.mandatory, source }
    if (source !== 'course') return { ...base, status: 'present' as const, issues: [] }
    const fields = COURSE_FIELDS[e.number] ?? []
    const own = issues.filter((i) => elementOfIssue(i.path)?.number === e.number)
    let status: CheckStatus
    if (own.length > 0) {
      const statedWrongly = own.some((i) => isStated(fieldOf(document, elementOfIssue(i.path)!.field)))
      status = statedWrongly ? 'invalid' : 'missing'
    } else if (fields.some((f) => isStated(fieldOf(document, f)))) status = 'present'
    else if (e.number === 11 && tenantHasAccreditation(tenant)) status = 'present'
    else status = e.mandatory ? 'missing' : 'not-applicable'
    return { ...base, status, issues: own }
  })
}

/**
 * Checks a course (the ELM specification input) of `tenant` against Annex I without storing it,
 * the validation and the sample award's report on an ELM worker thread. Throws only for what is
 * not the input's fault (the tenant's organisations are not valid; the workers are busy or the
 * deadline passed: 503).
 *
 * @example
 * ```ts
 * const check = await checkCourse(ctx.elmWorkers, tenant, { id: 'course-two', document }, new Date())
 * check.elements.filter((e) => e.status === 'missing').map((e) => e.name)
 * ```
 */
export async function checkCourse(
  workers: ElmWorkers,
  tenant: TenantRuntime,
  input: { id: string; document: unknown },
  now: Date,
): Promise<CourseCheck> {
  const issues: AdminIssue[] = []
  const id = zSpecificationId.safeParse(input.id)
  if (!id.success) issues.push({ path: 'id', message: id.error.issues[0]!.message })
  let elements: CheckedElement[]
  let valid = false
  try {
    const report = await courseAnnexReport(workers, tenant, input.document, now)
    elements = fromReport(report)
    valid = issues.length === 0
  } catch (error) {
    const inputIssues = inputIssuesOf(error)
    if (!inputIssues) throw error
    issues.push(...inputIssues)
    elements = fromInput(tenant, input.document, inputIssues)
  }
  const missing = elements.filter((e) => e.mandatory && e.status !== 'present').map((e) => e.number)
  return { valid, isMicroCredential: valid && missing.length === 0, missing, elements, issues }
}
