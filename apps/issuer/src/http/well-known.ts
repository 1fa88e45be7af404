// Metadata (VCI 1.0 §12.2.2, RFC 8414 §3, SD-JWT VC §5): the well-known segment inserted before
// the tenant path, and the appended form draft wallets still fetch (protocols.md).
import type { Router } from 'express'
import type { IssuerContext } from '../issuance/issuer-context.ts'
import { publishedJwk } from '../issuance/published-keys.ts'
import { tenantEndpoint } from './handler.ts'

export function mountWellKnown(router: Router, ctx: IssuerContext): void {
  const issuerMetadata = tenantEndpoint(ctx, async (_req, res, tenant) => {
    const { credentialIssuer } = await tenant.issuerMetadata()
    res.set('Cache-Control', 'public, max-age=60').json(credentialIssuer)
  })
  router.get('/.well-known/openid-credential-issuer/:tenant', issuerMetadata)
  router.get('/:tenant/.well-known/openid-credential-issuer', issuerMetadata)

  const authorizationServer = tenantEndpoint(ctx, async (_req, res, tenant) => {
    res.set('Cache-Control', 'public, max-age=300').json(tenant.authorizationServerMetadata)
  })
  router.get('/.well-known/oauth-authorization-server/:tenant', authorizationServer)
  router.get('/:tenant/.well-known/oauth-authorization-server', authorizationServer)
  // Some wallets try OpenID discovery first; the same document answers.
  router.get('/:tenant/.well-known/openid-configuration', authorizationServer)

  // SD-JWT VC §5: JWT VC Issuer Metadata, so verifiers find the key of an https `iss`.
  const jwtVcIssuer = tenantEndpoint(ctx, async (_req, res, tenant) => {
    const keys = await ctx.keyring.verificationKeys(tenant.id)
    res.set('Cache-Control', 'public, max-age=300').json({
      issuer: tenant.urls.issuer,
      jwks: {
        keys: keys.map((k) => publishedJwk(k, tenant.urls.did, { x5c: true })),
      },
    })
  })
  router.get('/.well-known/jwt-vc-issuer/:tenant', jwtVcIssuer)
}
