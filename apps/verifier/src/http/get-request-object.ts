// GET {request_uri} (OpenID4VP 1.0 §5.7, RFC 9101 §5.2): the signed request object, served as
// often as a wallet asks until the request is answered or expires; never a redirect (security.md).
import type { Router } from 'express'
import type { VerifierContext } from '../verifier-context.ts'
import { serveRequestObject } from './serve-request-object.ts'

export function mountGetRequestObject(router: Router, ctx: VerifierContext): void {
  router.get('/:rp/oid4vp/requests/:id', async (req, res, next) => {
    try {
      await serveRequestObject(ctx, res, String(req.params.rp), String(req.params.id), {})
    } catch (error) {
      next(error)
    }
  })
}
