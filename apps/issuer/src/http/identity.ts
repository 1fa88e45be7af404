// The tenant's published keys: JWKS (RFC 7517 §5; access tokens are verified against it) and its
// did:web document (DID Web §3.2; credentials are verified against it), old keys included
// until retired (security.md: "old keys remain for verification after rotation").
import { createDidWebDocument, parseDidWeb } from '@alma/trust'
import type { Router } from 'express'
import type { IssuerContext } from '../issuance/issuer-context.ts'
import { publishedJwk } from '../issuance/published-keys.ts'
import { tenantEndpoint } from './handler.ts'

export function mountIdentity(router: Router, ctx: IssuerContext): void {
  router.get(
    '/:tenant/jwks',
    tenantEndpoint(ctx, async (_req, res, tenant) => {
      const keys = await ctx.keyring.verificationKeys(tenant.id)
      res
        .type('application/jwk-set+json')
        .set('Cache-Control', 'public, max-age=60')
        .send(JSON.stringify({ keys: keys.map((k) => publishedJwk(k, tenant.urls.did)) }))
    }),
  )
  router.get(
    '/:tenant/did.json',
    tenantEndpoint(ctx, async (_req, res, tenant) => {
      const keys = await ctx.keyring.verificationKeys(tenant.id)
      const did = parseDidWeb(tenant.urls.did)
      const document = createDidWebDocument({
        host: did.port ? `${did.host}:${did.port}` : did.host,
        path: did.path,
        keys: keys.map((k) => ({ kid: k.kid, publicJwk: k.publicJwk, ...(k.x5c ? { x5c: k.x5c } : {}) })),
        services: [{ id: '#oid4vci', type: 'OID4VCI', serviceEndpoint: tenant.urls.issuer }],
      })
      res.type('application/did+json').set('Cache-Control', 'public, max-age=60').send(JSON.stringify(document))
    }),
  )
}
