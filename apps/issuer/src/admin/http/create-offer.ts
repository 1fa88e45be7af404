// POST /admin/{tenant}/awards/{id}/offers: a credential offer by reference (VCI 1.0 §4.1.3)
// with its QR code URLs (cross-device) and the same-device link; a tx_code is shown only here.
import type { Router } from 'express'
import { createOffer } from '../../issuance/offers.ts'
import { zCreateOfferRequest } from '../z-admin-input.ts'
import { type AdminDeps, adminEndpoint, jsonBody, param } from './admin-endpoint.ts'

export function mountCreateOffer(router: Router, deps: AdminDeps): void {
  router.post(
    '/admin/:tenant/awards/:id/offers',
    adminEndpoint(deps, 'offers:write', async (req, res, { tenant, actor }) => {
      const body = jsonBody(req, zCreateOfferRequest, 'offer', { optional: true })
      const created = await createOffer(deps.ctx, tenant, {
        awardId: param(req, 'id'),
        // On unless the admin explicitly says `txCode: false`: an offer must not be taken by its
        // link alone (security.md, "Every grant of an offer needs the same proof").
        txCode: body.txCode !== false,
        ...(body.credentialConfigurationIds ? { credentialConfigurationIds: body.credentialConfigurationIds } : {}),
        ...(body.grants ? { grants: body.grants } : {}),
        actor,
      })
      const offerUrl = tenant.urls.offer(created.offer.id)
      res.status(201).json({
        offerId: created.offer.id,
        credentialOfferUri: created.offerUri,
        sameDeviceLink: created.sameDeviceLink,
        credentialOfferByValue: created.offerByValue,
        credentialOfferUrl: offerUrl,
        qrPng: `${offerUrl}/qr.png`,
        qrSvg: `${offerUrl}/qr.svg`,
        credentialConfigurationIds: created.offer.credentialConfigurationIds,
        ...(created.txCode ? { txCode: created.txCode } : {}),
        expiresAt: created.offer.expiresAt.toISOString(),
      })
    }),
  )
}
