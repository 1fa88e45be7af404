// POST /api/{rp}/presentation-requests: a new OpenID4VP request from a template or a DCQL query,
// with its link, QR code URLs and expiry.
import type { Router } from 'express'
import { createPresentationRequest } from '../presentation/create-presentation-request.ts'
import { zCreatePresentationRequest } from '../presentation/z-create-presentation-request.ts'
import type { VerifierContext } from '../verifier-context.ts'
import { jsonBody, rpEndpoint } from './rp-endpoint.ts'

export function mountCreatePresentationRequest(router: Router, ctx: VerifierContext): void {
  router.post(
    '/api/:rp/presentation-requests',
    rpEndpoint(
      ctx,
      'presentations:write',
      async (req, res, { rp, actor }) => {
        const input = jsonBody(req, zCreatePresentationRequest, 'presentation request')
        const created = await createPresentationRequest(ctx, rp, input, actor)
        res.status(201).json({
          id: created.record.id,
          state: created.record.state,
          authorizationRequestUri: created.authorizationRequestUri,
          ...(created.requestUri ? { requestUri: created.requestUri } : {}),
          clientId: created.record.clientId,
          responseMode: created.record.responseMode,
          qrPng: created.qrPng,
          qrSvg: created.qrSvg,
          expiresAt: created.record.expiresAt.toISOString(),
          status: `${rp.urls.api}/presentation-requests/${created.record.id}`,
        })
      },
      { rateLimit: { limiter: ctx.rateLimiters.presentationRequests, what: 'presentation requests' } },
    ),
  )
}
