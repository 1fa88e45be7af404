// GET /{rp}/qr/{id}.png|.svg: the QR code of a request's link, for the cross-device flow. The id
// is unguessable (144 bits) and the link itself is what the QR shows: no key needed.
import type { Router } from 'express'
import QRCode from 'qrcode'
import { VerifierError } from '../errors.ts'
import { authorizationRequestUriOf } from '../presentation/create-presentation-request.ts'
import { storedRequestOf } from '../presentation/presentation-session.ts'
import type { VerifierContext } from '../verifier-context.ts'

export function mountRequestQr(router: Router, ctx: VerifierContext): void {
  router.get('/:rp/qr/:file', async (req, res, next) => {
    try {
      const match = /^([A-Za-z0-9_-]{16,64})\.(png|svg)$/.exec(String(req.params.file))
      if (!match) throw new VerifierError('not_found', 'no such QR code')
      const rp = await ctx.relyingParty(String(req.params.rp))
      const record = await ctx.store.presentationRequests.get(rp.id, match[1]!)
      if (!record || (record.state !== 'created' && record.state !== 'retrieved')) {
        throw new VerifierError('not_found', 'no open presentation request with this id')
      }
      const link = authorizationRequestUriOf(rp, record, storedRequestOf(record))
      res.set('Cache-Control', 'no-store')
      if (match[2] === 'svg') {
        res
          .type('image/svg+xml')
          .send(await QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }))
      } else {
        res
          .type('image/png')
          .send(await QRCode.toBuffer(link, { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 400 }))
      }
    } catch (error) {
      next(error)
    }
  })
}
