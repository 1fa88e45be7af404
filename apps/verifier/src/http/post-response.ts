// POST {response_uri} (OpenID4VP 1.0 §8.2 direct_post, §8.3 direct_post.jwt): the wallet's
// answer, form-encoded. 200 with an optional redirect_uri (same-device); 400 for a refused response.
import type { Router } from 'express'
import { VerifierError } from '../errors.ts'
import { receiveAuthorizationResponse } from '../presentation/receive-response.ts'
import type { VerifierContext } from '../verifier-context.ts'

export function mountPostResponse(router: Router, ctx: VerifierContext): void {
  router.post('/:rp/oid4vp/responses/:id', async (req, res, next) => {
    try {
      res.set('Cache-Control', 'no-store')
      if (!req.is('application/x-www-form-urlencoded')) {
        throw new VerifierError('invalid_request', 'the response must be application/x-www-form-urlencoded (§8.2)')
      }
      const rp = await ctx.relyingParty(String(req.params.rp)).catch(() => {
        throw new VerifierError('invalid_request', 'there is no such presentation request (unknown state)')
      })
      const outcome = await receiveAuthorizationResponse(ctx, rp, String(req.params.id), req.body ?? {})
      res.status(200).json(outcome.redirectUri ? { redirect_uri: outcome.redirectUri } : {})
    } catch (error) {
      next(error)
    }
  })
}
