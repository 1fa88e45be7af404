/** Stable codes for the errors this package throws; callers branch on `code`, never on message text. */
export type ElmErrorCode =
  | 'invalid_input'
  | 'unknown_context'
  | 'invalid_json_ld'
  | 'not_an_edc_document'
  | 'invalid_sealed_document'
  | 'render_failed'
  // Bounded work (issue 12 §3): a document beyond what is validated, and the worker pool's answers.
  | 'document_too_large'
  | 'worker_deadline_exceeded'
  | 'worker_busy'
  | 'worker_closed'
  | 'worker_failed'

export interface ElmIssue {
  /** JSON path of the offending field, e.g. `specification.learningOutcomes[2].escoSkills[0]`. */
  path: string
  message: string
}

export class ElmError extends Error {
  readonly code: ElmErrorCode
  readonly issues: readonly ElmIssue[]

  constructor(code: ElmErrorCode, message: string, issues: readonly ElmIssue[] = [], options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ElmError'
    this.code = code
    this.issues = issues
  }
}
