// GET /api/{rp}/presentation-requests/{id}: the state, and once answered the result (verdict,
// verified claims, every check). Same-device requests release their result only against the
// fresh single-use response_code the wallet's redirect carried (OpenID4VP 1.0 §13.3).
import { createHash } from 'node:crypto'
import type { Router } from 'express'
import { VerifierError } from '../errors.ts'
import { storedRequestOf } from '../presentation/presentation-session.ts'
import type { VerifierContext } from '../verifier-context.ts'
import { rpEndpoint } from './rp-endpoint.ts'

export function mountGetPresentationRequest(router: Router, ctx: VerifierContext): void {
  router.get(
    '/api/:rp/presentation-requests/:id',
    rpEndpoint(ctx, 'presentations:read', async (req, res, { rp }) => {
      const record = await ctx.store.presentationRequests.get(rp.id, String(req.params.id))
      if (!record) throw new VerifierError('not_found', 'there is no such presentation request')
      const stored = storedRequestOf(record)
      const finished = record.state === 'succeeded' || record.state === 'failed'
      let release = finished
      if (finished && stored.sameDevice) {
        const code = typeof req.query.response_code === 'string' ? req.query.response_code : undefined
        release =
          code !== undefined &&
          (await ctx.store.presentationRequests.redeemResponseCode(
            rp.id,
            record.id,
            createHash('sha256').update(code).digest('base64url'),
          ))
        if (code !== undefined && !release) {
          throw new VerifierError('forbidden', 'the response_code is wrong or was already used')
        }
      }
      // An open request past its expiry is expired, whether or not the store has marked it yet.
      const expired =
        (record.state === 'created' || record.state === 'retrieved') &&
        record.expiresAt.getTime() <= ctx.now().getTime()
      res.json({
        id: record.id,
        state: expired ? 'expired' : record.state,
        ...(stored.label ? { label: stored.label } : {}),
        ...(stored.template ? { template: stored.template } : {}),
        ...(stored.statusMaxAgeSeconds !== undefined ? { statusMaxAgeSeconds: stored.statusMaxAgeSeconds } : {}),
        clientId: record.clientId,
        responseMode: record.responseMode,
        dcqlQuery: stored.dcqlQuery,
        ...(stored.notes.length ? { notes: stored.notes } : {}),
        createdAt: record.createdAt.toISOString(),
        expiresAt: record.expiresAt.toISOString(),
        ...(record.retrievedAt ? { retrievedAt: record.retrievedAt.toISOString() } : {}),
        ...(record.completedAt ? { completedAt: record.completedAt.toISOString() } : {}),
        ...(finished && !release ? { resultWithheld: 'same-device: send the response_code from the redirect' } : {}),
        ...(release && record.result ? { result: record.result } : {}),
      })
    }),
  )
}
