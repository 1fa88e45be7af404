// One error class for @alma/store, with stable codes that callers map on (style.md, practice 4).
// Database errors are mapped by their SQLSTATE (PostgreSQL Appendix A), never by message text:
// PGlite and node-postgres both expose it as `code`.

/** Stable error codes of @alma/store. */
export type StoreErrorCode =
  /** The options given to `openStore` are invalid. */
  | 'config_invalid'
  /** A migration failed, or an applied migration differs from the code's copy. */
  | 'migration_failed'
  /** A record with the same key exists (SQLSTATE 23505). */
  | 'duplicate'
  /** A referenced record does not exist, e.g. an award of an unknown specification (23503). */
  | 'reference_missing'
  /** A value breaks a CHECK or NOT NULL constraint (23514, 23502, 22P02). */
  | 'constraint_violated'
  /** The record does not exist for this tenant. */
  | 'not_found'
  /** A compare-and-set lost: the record changed since it was read. */
  | 'version_conflict'
  /** The state machine has no such transition. */
  | 'invalid_transition'
  /** No free index found on a status list; open a new list. */
  | 'status_list_full'
  /** A write the database refuses by design (the append-only audit log). */
  | 'write_refused'
  /**
   * A value the database cannot hold or compare, sent by a caller: text with a NUL byte or an
   * invalid byte sequence (22021), a JSON `\u0000` or lone-surrogate escape (22P05), a number or a
   * date out of range (22003, 22008), a value too long for its column or an index entry (22001,
   * 54000). Callers answer it as bad input, not as a failure of the store (security.md, "No 5xx
   * from junk").
   */
  | 'value_invalid'
  /** Any other database failure. */
  | 'database_error'

/**
 * An error of @alma/store. `code` is stable; `message` is for logs and operators; `cause` keeps
 * the driver's error (which carries the SQL detail and must not reach an HTTP response).
 *
 * @example
 * ```ts
 * try { await store.specifications.create(input) }
 * catch (e) { if (isStoreError(e, 'duplicate')) return conflict() ; throw e }
 * ```
 */
export class StoreError extends Error {
  override readonly name = 'StoreError'
  readonly code: StoreErrorCode

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
  }
}

/** True when `e` is a {@link StoreError}, optionally with the given code. */
export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code)
}

/** The SQLSTATE of a driver error, if it has one. */
export function sqlStateOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

const CODE_BY_SQLSTATE: Readonly<Record<string, StoreErrorCode>> = {
  '23505': 'duplicate',
  '23503': 'reference_missing',
  '23514': 'constraint_violated',
  '23502': 'constraint_violated',
  '22P02': 'constraint_violated',
  '22021': 'value_invalid',
  '22P05': 'value_invalid',
  '22003': 'value_invalid',
  '22008': 'value_invalid',
  '22001': 'value_invalid',
  '54000': 'value_invalid',
  // Raised by our append-only trigger (migration 0001).
  P0001: 'write_refused',
}

/**
 * Wraps a driver error into a {@link StoreError}; `what` says what was being done, for the log.
 * StoreErrors pass through unchanged.
 */
export function toStoreError(e: unknown, what: string): StoreError {
  if (e instanceof StoreError) return e
  const state = sqlStateOf(e)
  const code = (state === undefined ? undefined : CODE_BY_SQLSTATE[state]) ?? 'database_error'
  const detail = e instanceof Error ? e.message : String(e)
  return new StoreError(code, `${what}: ${detail}${state ? ` (SQLSTATE ${state})` : ''}`, { cause: e })
}

/**
 * What a failed transaction rethrows: database errors as {@link StoreError}, the caller's own
 * errors (thrown by its callback: a refused request, a signing failure) unchanged, so the caller
 * can still tell them apart after the rollback.
 */
export function transactionError(e: unknown): unknown {
  if (e instanceof StoreError || sqlStateOf(e) !== undefined) return toStoreError(e, 'transaction failed')
  return e
}
