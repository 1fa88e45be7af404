// POST /api/{rp}/edc-verifications: verify an uploaded EDC file — a JAdES-sealed EDC as the EDC
// platform writes it, or a bare EDC document — sent as the request body, byte for byte (the seal
// covers the exact payload text, RFC 7797), so this route reads the raw body itself.
import express, { type Express } from 'express'
import { MAX_EDC_UPLOAD_BYTES, verifyUploadedEdc } from '../edc-upload/index.ts'
import { VerifierError } from '../errors.ts'
import type { VerifierContext } from '../verifier-context.ts'
import { rpEndpoint } from './rp-endpoint.ts'

/** The media types an uploaded EDC file may be sent as. */
export const EDC_UPLOAD_TYPES = [
  'application/json',
  'application/ld+json',
  'application/jose+json',
  'application/octet-stream',
]

export function mountVerifyEdcUpload(app: Express, ctx: VerifierContext): void {
  app.post(
    '/api/:rp/edc-verifications',
    express.raw({ type: () => true, limit: MAX_EDC_UPLOAD_BYTES }),
    rpEndpoint(ctx, 'edc:verify', async (req, res, { rp, actor }) => {
      if (!req.is(EDC_UPLOAD_TYPES)) {
        throw new VerifierError('unsupported_media_type', `send the EDC file as one of ${EDC_UPLOAD_TYPES.join(', ')}`)
      }
      const body = req.body
      if (!Buffer.isBuffer(body) || body.length === 0) {
        throw new VerifierError('invalid_input', 'the request body must be the EDC file')
      }
      const now = ctx.now()
      const result = await verifyUploadedEdc({ file: new Uint8Array(body), trustAnchors: [...ctx.trustAnchors], now })
      await ctx.store.auditLog.append({
        tenantId: rp.id,
        at: now,
        actor,
        action: 'edc.verified',
        details: { verdict: result.verdict, sealed: result.sealed, bytes: body.length },
      })
      res.json({
        verdict: result.verdict,
        sealed: result.sealed,
        checks: result.checks,
        ...(result.seal ? { seal: result.seal } : {}),
        ...(result.annexI ? { annexI: result.annexI } : {}),
        ...(result.format ? { format: result.format } : {}),
      })
    }),
  )
}
