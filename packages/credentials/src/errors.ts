// One error class for @alma/credentials, with stable codes that callers map on (style.md,
// practice 4); the message is for logs and operators, never matched on. The verifier app maps
// these codes to OpenID4VP outcomes ("say which check failed", security.md "Presentation").

/** Stable error codes of @alma/credentials. */
export type CredentialErrorCode =
  // building credentials
  | 'invalid_input'
  // JOSE (RFC 7515, RFC 8725)
  | 'jws_malformed'
  | 'jws_alg_not_allowed'
  | 'jws_typ_invalid'
  | 'jws_crit_unsupported'
  | 'jws_header_forbidden'
  | 'jws_signature_invalid'
  | 'issuer_key_unresolved'
  | 'json_invalid'
  // claims
  | 'claims_invalid'
  | 'issuer_mismatch'
  | 'credential_expired'
  | 'credential_not_yet_valid'
  // SD-JWT (RFC 9901 §7.1) and key binding (§7.3)
  | 'sd_jwt_malformed'
  | 'sd_alg_unsupported'
  | 'disclosure_invalid'
  | 'disclosure_unreferenced'
  | 'digest_duplicate'
  | 'claim_not_disclosable'
  | 'key_binding_missing'
  | 'key_binding_invalid'
  | 'nonce_mismatch'
  | 'audience_mismatch'
  | 'key_binding_stale'
  | 'sd_hash_mismatch'
  // status lists
  | 'status_list_invalid'
  | 'status_list_too_large'
  | 'status_index_out_of_range'
  | 'status_list_uri_mismatch'

/**
 * An error of @alma/credentials. `code` is stable; `message` explains; `cause` keeps the underlying
 * error.
 *
 * @example
 * ```ts
 * try { await verifySdJwtVc(token, options) }
 * catch (e) { if (isCredentialError(e, 'nonce_mismatch')) return reject('invalid nonce') }
 * ```
 */
export class CredentialError extends Error {
  override readonly name = 'CredentialError'
  readonly code: CredentialErrorCode

  constructor(code: CredentialErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
  }
}

/** True when `e` is a {@link CredentialError}, optionally with the given code. */
export function isCredentialError(e: unknown, code?: CredentialErrorCode): e is CredentialError {
  return e instanceof CredentialError && (code === undefined || e.code === code)
}
