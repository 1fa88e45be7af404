// GET /{rp}/did.json: the relying party's did:web document (DID Web §3.2), whose keys sign request
// objects under decentralized_identifier: (OpenID4VP 1.0 §5.9.3) and webhooks (presentation/webhooks.ts).
import { createDidWebDocument, parseDidWeb } from '@alma/trust'
import type { Router } from 'express'
import type { VerifierContext } from '../verifier-context.ts'

export function mountDidDocument(router: Router, ctx: VerifierContext): void {
  router.get('/:rp/did.json', async (req, res, next) => {
    try {
      const rp = await ctx.relyingParty(String(req.params.rp))
      const keys = await ctx.keyring.verificationKeys(rp.id)
      const did = parseDidWeb(rp.urls.did)
      const document = createDidWebDocument({
        host: did.port ? `${did.host}:${did.port}` : did.host,
        path: did.path,
        keys: keys.map((k) => ({ kid: k.kid, publicJwk: k.publicJwk, ...(k.x5c ? { x5c: k.x5c } : {}) })),
        services: [{ id: '#oid4vp', type: 'OID4VP', serviceEndpoint: rp.urls.base }],
      })
      res.type('application/did+json').set('Cache-Control', 'public, max-age=60').send(JSON.stringify(document))
    } catch (error) {
      next(error)
    }
  })
}
