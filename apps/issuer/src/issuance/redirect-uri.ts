// Which redirect URIs a pushed authorization request may name. Our clients are unregistered
// public clients (wallets), so the URI cannot be compared with a registered one; it is judged by
// itself before anything is stored, because the decision step sends the learner's browser there
// with `303 Location:` (RFC 9126 §2.1; RFC 9700 §4.1: open redirection and script URIs).
//
// - RFC 6749 §3.1.2: an absolute URI (RFC 3986 §4.3) without a fragment.
// - RFC 8252 §7.1 / §7.3: native wallets use private-use schemes (`eudi-openid4ci:`,
//   `com.example.wallet:/cb`) or a loopback http listener; anything else over the network is https.
// - Schemes that run code or read local data in a browser (`javascript:`, `data:`, `file:`,
//   `vbscript:`, `blob:` …) are never a place to send a browser with a code.
import { isLoopbackHttp } from '@alma/trust'

/** Schemes a browser treats as script, local content or browser internals (WHATWG Fetch "local scheme", and friends). */
const REFUSED_SCHEMES = new Set([
  'javascript',
  'vbscript',
  'livescript',
  'data',
  'file',
  'blob',
  'filesystem',
  'about',
  'view-source',
  'jar',
  'mhtml',
  'intent',
  'chrome',
  'chrome-extension',
  'moz-extension',
  'ms-browser-extension',
  'resource',
  'wyciwyg',
])

/** Schemes of other protocols: a browser would not come back to the wallet through them. */
const NOT_REDIRECT_SCHEMES = new Set(['ftp', 'ws', 'wss', 'mailto', 'tel', 'sms', 'urn', 'news', 'telnet', 'ldap'])

/** RFC 3986 §3.1 scheme, then the rest: only URI characters (§2), no space, no control character. */
const URI_SYNTAX = /^([A-Za-z][A-Za-z0-9+.-]*):[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/

/** Longer URIs are not redirect URIs (and would be echoed into every redirect). */
export const MAX_REDIRECT_URI_LENGTH = 2048

/**
 * Why `value` cannot be a redirect URI, in words for `error_description`; undefined when it can.
 *
 * @example
 * ```ts
 * redirectUriProblem('javascript:alert(1)') // 'redirect_uri must not use the javascript: scheme'
 * redirectUriProblem('eudi-openid4ci://authorize') // undefined
 * ```
 */
export function redirectUriProblem(value: string): string | undefined {
  if (value.length > MAX_REDIRECT_URI_LENGTH) return `redirect_uri is longer than ${MAX_REDIRECT_URI_LENGTH} characters`
  // Judged on the text as sent: the WHATWG URL parser drops tabs and line breaks anywhere
  // ("java\nscript:") and spaces at the ends, so a parsed URL could differ from what was sent.
  const match = URI_SYNTAX.exec(value)
  if (!match) return 'redirect_uri must be an absolute URI (RFC 3986) of URI characters only'
  if (value.includes('#')) return 'redirect_uri must not contain a fragment (RFC 6749 section 3.1.2)'
  const scheme = match[1]!.toLowerCase()
  if (REFUSED_SCHEMES.has(scheme)) return `redirect_uri must not use the ${scheme}: scheme`
  if (NOT_REDIRECT_SCHEMES.has(scheme)) return `redirect_uri must not use the ${scheme}: scheme`
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'redirect_uri must be an absolute URI (RFC 3986)'
  }
  if (url.username || url.password) return 'redirect_uri must not carry user information'
  if (scheme === 'https') return url.hostname ? undefined : 'redirect_uri must name a host'
  if (scheme === 'http') {
    // RFC 8252 §7.3 (and §8.3): plain http only to the device's own loopback listener.
    return isLoopbackHttp(value)
      ? undefined
      : 'redirect_uri may use http only on a loopback address (RFC 8252 section 7.3)'
  }
  // RFC 8252 §7.1: a private-use scheme of a native wallet.
  return undefined
}
