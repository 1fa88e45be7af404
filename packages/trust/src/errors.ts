// One error class for @alma/trust, with stable codes that callers map on (style.md, practice 4);
// the message is for logs and operators, never matched on. Add codes to the union as needed.

/** Stable error codes of @alma/trust. */
export type TrustErrorCode =
  // configuration, input
  | 'config_invalid'
  | 'json_invalid'
  | 'input_invalid'
  | 'file_exists'
  // keys (keys/)
  | 'kek_missing'
  | 'kek_invalid'
  | 'key_decrypt_failed'
  | 'key_unsupported'
  | 'key_import_failed'
  | 'key_not_found'
  | 'key_exists'
  | 'key_state_invalid'
  // DIDs (did/)
  | 'did_invalid'
  | 'did_resolution_failed'
  | 'verification_method_not_found'
  | 'verification_method_not_authorized'
  | 'did_mismatch'
  // alliance registry (registry/)
  | 'registry_invalid'
  | 'registry_signature_invalid'
  | 'registry_alg_not_allowed'
  | 'registry_typ_invalid'
  | 'registry_expired'
  | 'registry_not_yet_valid'
  // trusted lists (trusted-list/), ETSI TS 119 612
  | 'trusted_list_too_large'
  | 'trusted_list_external_entity'
  | 'trusted_list_malformed'
  | 'trusted_list_signer_not_configured'
  | 'trusted_list_signature_missing'
  | 'trusted_list_signature_scope'
  | 'trusted_list_signer_not_pinned'
  | 'trusted_list_signature_invalid'
  | 'trusted_list_signer_not_valid'
  | 'trusted_list_closed'
  | 'trusted_list_expired'
  | 'trusted_list_not_yet_valid'
  | 'trusted_list_not_lotl'
  | 'trusted_list_not_pointed'
  | 'trusted_list_territory_mismatch'
  | 'trusted_list_unreadable'
  | 'trusted_list_rollback'

/**
 * An error of @alma/trust. `code` is stable; `message` explains; `cause` keeps the underlying error.
 *
 * @example
 * ```ts
 * try { resolveKek({ mode: 'production', env: {} }) }
 * catch (e) { if (e instanceof TrustError && e.code === 'kek_missing') process.exit(1) }
 * ```
 */
export class TrustError extends Error {
  override readonly name = 'TrustError'
  readonly code: TrustErrorCode

  constructor(code: TrustErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
  }
}

/** True when `e` is a {@link TrustError}, optionally with the given code. */
export function isTrustError(e: unknown, code?: TrustErrorCode): e is TrustError {
  return e instanceof TrustError && (code === undefined || e.code === code)
}
