// GET /api/{rp}/presentation-requests/{id}/certificate.svg?lang=en: the certificate page of the
// EDC a wallet presented (a jwt_vc_json carries the whole EDC; it is rendered from the verified
// document only). An SD-JWT carries disclosed facts, not an EDC: those are in the result.
import { certificateSvg, parseEdc } from '@alma/elm'
import type { Router } from 'express'
import { VerifierError } from '../errors.ts'
import { storedRequestOf } from '../presentation/presentation-session.ts'
import type { PresentationResult } from '../presentation/receive-response.ts'
import type { VerifierContext } from '../verifier-context.ts'
import { rpEndpoint } from './rp-endpoint.ts'

export function mountPresentedCertificate(router: Router, ctx: VerifierContext): void {
  router.get(
    '/api/:rp/presentation-requests/:id/certificate.svg',
    rpEndpoint(ctx, 'presentations:read', async (req, res, { rp }) => {
      const record = await ctx.store.presentationRequests.get(rp.id, String(req.params.id))
      if (!record) throw new VerifierError('not_found', 'there is no such presentation request')
      if (storedRequestOf(record).sameDevice) {
        throw new VerifierError('forbidden', 'same-device results are released only against the response_code')
      }
      const result = record.result as PresentationResult | undefined
      // Only a credential whose signature verified has `claims`: nothing unverified is rendered.
      const presented = result?.credentials.find((c) => c.format === 'jwt_vc_json' && c.claims)
      if (!presented?.claims) {
        throw new VerifierError('not_found', 'no verified jwt_vc_json credential (with its EDC) was presented')
      }
      const language = typeof req.query.lang === 'string' && /^[a-z]{2}$/.test(req.query.lang) ? req.query.lang : 'en'
      res.type('image/svg+xml').send(certificateSvg(parseEdc(presented.claims), language))
    }),
  )
}
