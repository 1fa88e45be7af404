/** Stable codes for the errors this package throws; callers branch on `code`, never on message text. */
export type ElmErrorCode =
  | 'invalid_input'
  | 'unknown_context'
  | 'invalid_json_ld'
  | 'not_an_edc_document'
  | 'invalid_sealed_document'
  | 'render_failed'

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
