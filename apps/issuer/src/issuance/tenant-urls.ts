import { didWebFor } from '@alma/trust'

/**
 * Where everything of one tenant lives. The Credential Issuer Identifier is `<base>/<tenant>`
 * (protocols.md); its metadata sits at the well-known URL with the segment inserted before the
 * path (VCI 1.0 §12.2.2, RFC 8414 §3.1).
 */
export interface TenantUrls {
  readonly issuer: string
  readonly did: string
  readonly credentialEndpoint: string
  readonly nonceEndpoint: string
  readonly deferredEndpoint: string
  readonly notificationEndpoint: string
  readonly tokenEndpoint: string
  readonly parEndpoint: string
  readonly authorizationEndpoint: string
  readonly jwksUri: string
  readonly offer: (offerId: string) => string
  readonly statusList: (listId: string) => string
  readonly issuerMetadata: string
  readonly authorizationServerMetadata: string
}

export function tenantUrls(baseUrl: string, tenantId: string): TenantUrls {
  const issuer = `${baseUrl}/${tenantId}`
  const base = new URL(baseUrl)
  const basePath = base.pathname === '/' ? '' : base.pathname
  return {
    issuer,
    // did:web with a path (DID Web §3.1): did:web:<host>:<tenant> → https://<host>/<tenant>/did.json
    did: didWebFor(base.host, [...basePath.split('/').filter(Boolean), tenantId]),
    credentialEndpoint: `${issuer}/credential`,
    nonceEndpoint: `${issuer}/nonce`,
    deferredEndpoint: `${issuer}/deferred-credential`,
    notificationEndpoint: `${issuer}/notification`,
    tokenEndpoint: `${issuer}/token`,
    parEndpoint: `${issuer}/par`,
    authorizationEndpoint: `${issuer}/authorize`,
    jwksUri: `${issuer}/jwks`,
    offer: (offerId) => `${issuer}/offers/${offerId}`,
    statusList: (listId) => `${issuer}/status/${listId}`,
    issuerMetadata: `${base.origin}/.well-known/openid-credential-issuer${basePath}/${tenantId}`,
    authorizationServerMetadata: `${base.origin}/.well-known/oauth-authorization-server${basePath}/${tenantId}`,
  }
}
