// Calls to the verifier's relying-party API with the signed-in key. Every failure becomes an
// ApiError whose message is words a person can read: the server's error_description, or what
// went wrong on the way; never a stack trace.

/** An API failure: `message` is shown as it is; `status` is 0 when the verifier was not reached. */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {{ status?: number, code?: string, key?: string, vars?: Record<string, string | number> }} [details]
   */
  constructor(message, details = {}) {
    super(message)
    this.name = 'ApiError'
    this.status = details.status ?? 0
    this.code = details.code
    /** An i18n key for messages the page words itself (the server's own descriptions have none). */
    this.key = details.key
    this.vars = details.vars
  }
}

/** The verifier's root: the page is served at <root>/ui/, the API at <root>/api/. */
const ROOT = new URL('../', document.baseURI)

export function apiUrl(path) {
  return new URL(path.replace(/^\//, ''), ROOT)
}

/**
 * Calls the API. JSON in and out unless `body` is a Blob/File (sent as is).
 * @param {{ rp: string, key: string }} session
 * @param {string} method
 * @param {string} path relative to the root, e.g. `api/employer/presentation-requests`
 * @param {{ json?: unknown, body?: Blob, contentType?: string, accept?: 'json' | 'blob', signal?: AbortSignal }} [options]
 */
export async function callApi(session, method, path, options = {}) {
  const headers = { authorization: `Bearer ${session.key}` }
  let body
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(options.json)
  } else if (options.body !== undefined) {
    headers['content-type'] = options.contentType ?? 'application/octet-stream'
    body = options.body
  }
  let response
  try {
    response = await fetch(apiUrl(path), { method, headers, body, signal: options.signal, cache: 'no-store' })
  } catch (error) {
    if (error?.name === 'AbortError') throw error
    throw new ApiError('network', { key: 'error.network', vars: { message: String(error?.message ?? error) } })
  }
  if (!response.ok) {
    let described
    try {
      const problem = await response.json()
      if (typeof problem?.error_description === 'string') {
        described = new ApiError(problem.error_description, { status: response.status, code: problem.error })
      }
    } catch {
      // Not JSON (a proxy's page, say): fall back to the status below.
    }
    throw (
      described ??
      new ApiError('http', { status: response.status, key: 'error.http', vars: { status: response.status } })
    )
  }
  if (options.accept === 'blob') return response.blob()
  const text = await response.text()
  return text ? JSON.parse(text) : undefined
}

/** `encodeURIComponent` for one path segment. */
export const seg = (value) => encodeURIComponent(String(value))
