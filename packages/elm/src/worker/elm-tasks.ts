// The work an ELM worker thread does (elm-worker-thread.mjs loads this module): each task is a
// plain function of structured-clone data, so the same code runs in a worker or, for tests and
// tools, on the calling thread. The pool (elm-worker-pool.ts) is the only caller in the apps.
import { type BuildEdcOptions, buildEdc, type CertificatePages, type EdcDocument } from '../build/build-edc.ts'
import { ElmError } from '../errors.ts'
import { type PreparedBuildInputs, prepareBuildInputs } from '../input/index.ts'
import { parseEdc } from '../parse/parse-edc.ts'
import { renderCertificatePage } from '../render/render-certificate.ts'
import { type AnnexIReport, annexIReport } from '../report/annex-i-report.ts'
import { type EdcShaclProfile, type ShaclReport, validateEdcShacl } from '../shacl/validate-edc-shacl.ts'

/** A course as it crosses threads: the specification and organisations inputs (validated again there). */
export interface CourseInputs {
  readonly specification: unknown
  readonly organisations: unknown
}

/** What of {@link BuildEdcOptions} crosses threads (`newId` is a function and cannot). */
export interface BuildEdcTaskOptions {
  readonly now?: Date
  readonly primaryLanguage?: string
  /** Pre-rendered pages per language (PNG bytes or base64); rendered in the worker when absent. */
  readonly pages?: CertificatePages
}

export type ElmTask =
  | { readonly kind: 'validateShacl'; readonly document: unknown; readonly profile: EdcShaclProfile }
  | {
      readonly kind: 'buildEdc'
      readonly course: CourseInputs
      readonly award: unknown
      readonly options: BuildEdcTaskOptions
    }
  | {
      readonly kind: 'annexIReportOfAward'
      readonly course: CourseInputs
      readonly award: unknown
      readonly options: BuildEdcTaskOptions
    }
  | {
      readonly kind: 'renderCertificatePages'
      readonly edc: unknown
      readonly languages?: readonly string[]
      readonly scale?: number
    }

export interface ElmTaskResults {
  validateShacl: ShaclReport
  buildEdc: EdcDocument
  annexIReportOfAward: AnnexIReport
  renderCertificatePages: Record<string, Uint8Array>
}

// A cohort awards hundreds of learners of one course: its inputs are validated once per worker,
// not once per award. Keyed by their JSON, so a changed course is a new entry; a few are kept.
const preparedCourses = new Map<string, PreparedBuildInputs>()
const MAX_PREPARED_COURSES = 16

function preparedCourse(course: CourseInputs): PreparedBuildInputs {
  const key = JSON.stringify([course.specification, course.organisations])
  const found = preparedCourses.get(key)
  if (found) {
    preparedCourses.delete(key) // most recently used last
    preparedCourses.set(key, found)
    return found
  }
  const prepared = prepareBuildInputs(course.specification, course.organisations)
  preparedCourses.set(key, prepared)
  if (preparedCourses.size > MAX_PREPARED_COURSES) preparedCourses.delete(preparedCourses.keys().next().value!)
  return prepared
}

/** The PNG signature, base64: stands in for pages of a document that is reported on, never shown. */
const PLACEHOLDER_PAGE = 'iVBORw0KGgo='

function buildOptions(options: BuildEdcTaskOptions): BuildEdcOptions {
  return {
    ...(options.now ? { now: options.now } : {}),
    ...(options.primaryLanguage ? { primaryLanguage: options.primaryLanguage } : {}),
    ...(options.pages ? { pages: options.pages } : {}),
  }
}

/**
 * Runs one task. Throws what the underlying function throws (`ElmError` for the caller's input).
 *
 * @example
 * ```ts
 * const report = await runElmTask({ kind: 'validateShacl', document, profile: 'generic-full' })
 * ```
 */
export async function runElmTask<T extends ElmTask>(task: T): Promise<ElmTaskResults[T['kind']]> {
  return (await run(task)) as ElmTaskResults[T['kind']]
}

async function run(task: ElmTask): Promise<ElmTaskResults[keyof ElmTaskResults]> {
  switch (task.kind) {
    case 'validateShacl':
      return validateEdcShacl(task.document, task.profile)
    case 'buildEdc':
      return buildEdc(preparedCourse(task.course), task.award, buildOptions(task.options))
    case 'annexIReportOfAward': {
      // The report reads no image: a placeholder page per display language (the title's) instead of a render.
      const course = preparedCourse(task.course)
      const pages =
        task.options.pages ??
        Object.fromEntries(Object.keys(course.specification.title).map((tag) => [tag, PLACEHOLDER_PAGE]))
      return annexIReport(buildEdc(course, task.award, buildOptions({ ...task.options, pages })))
    }
    case 'renderCertificatePages': {
      const parsed = parseEdc(task.edc)
      const languages = task.languages?.length
        ? task.languages
        : parsed.display.languages.length
          ? parsed.display.languages
          : [parsed.display.primaryLanguage ?? 'en']
      const scale = task.scale === undefined ? {} : { scale: task.scale }
      return Object.fromEntries(languages.map((language) => [language, renderCertificatePage(parsed, language, scale)]))
    }
    default:
      throw new ElmError('worker_failed', `unknown ELM task ${(task as { kind: unknown }).kind}`)
  }
}
