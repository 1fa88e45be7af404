import { didWebFor } from '@alma/trust'

/**
 * Where everything of one relying party lives: `<base>/<rp>`. The request and response URIs carry
 * the request id, so a response is matched to its request by URL and `state` both.
 */
export interface RelyingPartyUrls {
  readonly base: string
  /** The relying party's did:web (the `decentralized_identifier:` client identifier, OpenID4VP 1.0 §5.9.3). */
  readonly did: string
  readonly didDocument: string
  /** The host of every URL: the `x509_san_dns:` client identifier and the certificate's dNSName. */
  readonly host: string
  /** OpenID4VP 1.0 §5.7 `request_uri`. */
  readonly requestUri: (requestId: string) => string
  /** OpenID4VP 1.0 §8.2 `response_uri`. */
  readonly responseUri: (requestId: string) => string
  /** Relying-party API. */
  readonly api: string
}

export function relyingPartyUrls(baseUrl: string, relyingPartyId: string): RelyingPartyUrls {
  const base = `${baseUrl}/${relyingPartyId}`
  const url = new URL(baseUrl)
  const basePath = url.pathname === '/' ? '' : url.pathname
  return {
    base,
    did: didWebFor(url.host, [...basePath.split('/').filter(Boolean), relyingPartyId]),
    didDocument: `${base}/did.json`,
    host: url.hostname,
    requestUri: (id) => `${base}/oid4vp/requests/${id}`,
    responseUri: (id) => `${base}/oid4vp/responses/${id}`,
    api: `${baseUrl}/api/${relyingPartyId}`,
  }
}
