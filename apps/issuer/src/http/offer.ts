// Credential offer by reference (VCI 1.0 §4.1.3): JSON, as often as the wallet asks, until the
// offer is redeemed or expires; and its QR code (PNG, SVG) for cross-device issuance.
import type { Router } from 'express'
import QRCode from 'qrcode'
import { IssuerError } from '../errors.ts'
import type { IssuerContext } from '../issuance/issuer-context.ts'
import { credentialOfferObject, offerUriOf } from '../issuance/offers.ts'
import { noStore, tenantEndpoint } from './handler.ts'

export function mountOffers(router: Router, ctx: IssuerContext): void {
  async function openOffer(tenantId: string, offerId: string) {
    const offer = await ctx.store.offers.getOfferForWallet(tenantId, offerId, ctx.now())
    if (!offer) throw new IssuerError('not_found', 'this credential offer was redeemed, has expired, or does not exist')
    return offer
  }
  router.get(
    '/:tenant/offers/:offerId',
    tenantEndpoint(ctx, async (req, res, tenant) => {
      const offer = await openOffer(tenant.id, String(req.params.offerId))
      noStore(res).json(credentialOfferObject(ctx, tenant, offer))
    }),
  )
  router.get(
    '/:tenant/offers/:offerId/qr.:format',
    tenantEndpoint(ctx, async (req, res, tenant) => {
      const offer = await openOffer(tenant.id, String(req.params.offerId))
      const uri = offerUriOf(tenant, offer.id)
      noStore(res)
      if (req.params.format === 'svg')
        res.type('image/svg+xml').send(await QRCode.toString(uri, { type: 'svg', margin: 2 }))
      else if (req.params.format === 'png')
        res.type('image/png').send(await QRCode.toBuffer(uri, { type: 'png', margin: 2, scale: 6 }))
      else throw new IssuerError('not_found', 'QR codes come as qr.png or qr.svg')
    }),
  )
}
