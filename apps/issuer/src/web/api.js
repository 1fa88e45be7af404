// The admin API over fetch, with the key from the session. Errors become ApiError with the
// API's error_description and issues, or a network failure in words; never a stack trace.
import { t } from './i18n.js'

const KEY = 'alma.admin.key'
const TENANT = 'alma.admin.tenant'

/** The signed-in key and tenant: in sessionStorage only, gone when the tab closes. */
export const session = {
  get key() {
    return sessionStorage.getItem(KEY)
  },
  get tenant() {
    return sessionStorage.getItem(TENANT)
  },
  signIn(tenant, key) {
    sessionStorage.setItem(TENANT, tenant)
    sessionStorage.setItem(KEY, key)
  },
  signOut() {
    sessionStorage.removeItem(KEY)
    sessionStorage.removeItem(TENANT)
  },
  get signedIn() {
    return Boolean(this.key && this.tenant)
  },
}

export class ApiError extends Error {
  constructor(status, body, text) {
    super(text)
    this.name = 'ApiError'
    this.status = status
    this.body = body ?? {}
  }
  /** The API's issues ({ path, message }), when it named fields. */
  get issues() {
    return Array.isArray(this.body.issues) ? this.body.issues : []
  }
}

/** The admin API's URL of `path` (relative to the app, so any base path works). */
export function adminUrl(path, tenant = session.tenant) {
  return new URL(`../admin/${encodeURIComponent(tenant)}${path}`, document.baseURI).href
}

function describe(status, body) {
  if (body && typeof body.error_description === 'string') return body.error_description
  if (status === 413) return t('error.tooLarge')
  return t('error.status', { status })
}

async function readBody(response) {
  const text = await response.text()
  try {
    return text ? JSON.parse(text) : undefined
  } catch {
    return undefined
  }
}

/**
 * Calls the admin API. `json` sends a JSON body; `raw` with `type` any other; `as: 'blob'` reads
 * an image. On 401 the session is over (the key was revoked): `onSignedOut` is called.
 */
export async function api(method, path, options = {}) {
  const headers = { authorization: `Bearer ${options.key ?? session.key}`, ...options.headers }
  let body
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(options.json)
  } else if (options.raw !== undefined) {
    headers['content-type'] = options.type
    body = options.raw
  }
  let response
  try {
    response = await fetch(adminUrl(path, options.tenant), { method, headers, body, cache: 'no-store' })
  } catch {
    throw new ApiError(0, {}, t('error.network'))
  }
  if (response.ok) return options.as === 'blob' ? response.blob() : readBody(response)
  const payload = await readBody(response)
  const error = new ApiError(response.status, payload, describe(response.status, payload))
  if (response.status === 401 && !options.key) api.onSignedOut?.(error)
  throw error
}

/**
 * Uploads a CSV cohort with XMLHttpRequest, whose upload reports progress (fetch does not):
 * `onProgress(fraction)` while sending, `onProgress(null)` while the issuer checks the rows.
 * Resolves with { status, body }: a refused cohort (400) still carries its per-row report.
 */
export function uploadCsv(path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest()
    request.open('POST', adminUrl(path))
    request.setRequestHeader('authorization', `Bearer ${session.key}`)
    request.setRequestHeader('content-type', 'text/csv')
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total)
    }
    request.upload.onload = () => onProgress(null)
    request.onerror = () => reject(new ApiError(0, {}, t('error.network')))
    request.onload = () => {
      let body
      try {
        body = JSON.parse(request.responseText)
      } catch {
        body = undefined
      }
      if (request.status === 401) {
        const error = new ApiError(401, body, describe(401, body))
        api.onSignedOut?.(error)
        reject(error)
      } else resolve({ status: request.status, body: body ?? {} })
    }
    request.send(file)
  })
}

/** An error as words for a person (an ApiError's description, or a generic sentence). */
export function errorText(error) {
  if (error instanceof ApiError) return error.message
  return t('error.unexpected')
}
