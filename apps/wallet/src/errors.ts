// One error class for @alma/wallet with stable codes that callers (the CLI, the demo, tests) map
// on (style.md, practice 4); the message is for people, never matched on.

/** Stable error codes of @alma/wallet. */
export type WalletErrorCode =
  // the encrypted credential store
  | 'store_not_found'
  | 'store_exists'
  | 'wrong_passphrase'
  | 'store_tampered'
  | 'store_invalid'
  | 'credential_not_found'
  // transport
  | 'insecure_url'
  // receiving (OpenID4VCI 1.0)
  | 'offer_invalid'
  | 'grant_unsupported'
  | 'tx_code_required'
  | 'authorization_required'
  | 'authorization_denied'
  | 'authorization_response_invalid'
  | 'configuration_unsupported'
  | 'issuance_failed'
  | 'issuance_deferred'
  | 'credential_invalid'
  // presenting (OpenID4VP 1.0)
  | 'request_invalid'
  | 'verifier_not_accepted'
  | 'query_unsupported'
  | 'no_matching_credentials'
  | 'disclosure_invalid'
  | 'presentation_declined'
  | 'response_rejected'
  // everything else the caller passed in
  | 'input_invalid'

/**
 * An error of @alma/wallet: `code` is stable, `message` explains, `cause` keeps the library error.
 *
 * @example
 * ```ts
 * try { await CredentialStore.open({ path, passphrase }) }
 * catch (e) { if (e instanceof WalletError && e.code === 'wrong_passphrase') console.error('try again') }
 * ```
 */
export class WalletError extends Error {
  override readonly name = 'WalletError'
  readonly code: WalletErrorCode

  constructor(code: WalletErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** Whether `error` is a {@link WalletError} (optionally with `code`). */
export function isWalletError(error: unknown, code?: WalletErrorCode): error is WalletError {
  return error instanceof WalletError && (code === undefined || error.code === code)
}

/**
 * The WalletError a library error wraps, if any: our fetch guard throws WalletErrors inside the
 * @openid4vc libraries, which rethrow them as their own errors with the original as `cause`.
 */
export function walletErrorIn(error: unknown): WalletError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof WalletError) return e
  }
  return undefined
}

/** A library error's most telling text: OAuth error responses carry `error` / `error_description`. */
export function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const withResponse = error as Error & {
    errorResponse?: OauthErrorBody
    response?: { credentialErrorResponseResult?: { data?: OauthErrorBody } }
  }
  const body = withResponse.errorResponse ?? withResponse.response?.credentialErrorResponseResult?.data
  if (body?.error) return `${body.error}${body.error_description ? `: ${body.error_description}` : ''}`
  return error.message
}

interface OauthErrorBody {
  readonly error?: string
  readonly error_description?: string
}
