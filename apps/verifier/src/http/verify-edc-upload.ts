// POST /api/{rp}/edc-verifications: verify an uploaded EDC file — a JAdES-sealed EDC as the EDC
// platform writes it, or a bare EDC document — sent as the request body, byte for byte (the seal
// covers the exact payload text, RFC 7797), so this route reads the raw body itself: after the
// API key and the relying party's rate limit, so a stranger cannot make the verifier buffer a
// file, and only up to MAX_EDC_UPLOAD_BYTES (413 beyond). SHACL runs on an ELM worker thread
// (issue 12 §3).
import { ElmWorkerError } from '@alma/elm'
import express, { type Express, type Request, type Response } from 'express'
import { MAX_EDC_UPLOAD_BYTES, verifyUploadedEdc } from '../edc-upload/index.ts'
import { VerifierError } from '../errors.ts'
import type { VerifierContext } from '../verifier-context.ts'
import { bodyReaderError } from './request-input.ts'
import { rpEndpoint } from './rp-endpoint.ts'

/** The media types an uploaded EDC file may be sent as. */
export const EDC_UPLOAD_TYPES = [
  'application/json',
  'application/ld+json',
  'application/jose+json',
  'application/octet-stream',
]

/** `2 MiB`: the cap as people read it, in errors and in the OpenAPI document. */
export const MAX_EDC_UPLOAD_SIZE = `${MAX_EDC_UPLOAD_BYTES / (1024 * 1024)} MiB`

const readUpload = express.raw({ type: () => true, limit: MAX_EDC_UPLOAD_BYTES })

/** The body as bytes (inflated under its Content-Encoding); 413 naming the cap beyond it. */
function readFile(req: Request, res: Response): Promise<unknown> {
  return new Promise((resolve, reject) => {
    readUpload(req, res, (error?: unknown) => {
      if (error === undefined) return resolve(req.body)
      if ((error as { type?: string }).type === 'entity.too.large') {
        return reject(
          new VerifierError(
            'payload_too_large',
            `the EDC file is larger than ${MAX_EDC_UPLOAD_BYTES} bytes (${MAX_EDC_UPLOAD_SIZE}), the most this verifier accepts`,
          ),
        )
      }
      reject(bodyReaderError(error, req))
    })
  })
}

export function mountVerifyEdcUpload(app: Express, ctx: VerifierContext): void {
  app.post(
    '/api/:rp/edc-verifications',
    rpEndpoint(
      ctx,
      'edc:verify',
      async (req, res, { rp, actor }) => {
        const body = await readFile(req, res)
        if (!req.is(EDC_UPLOAD_TYPES)) {
          throw new VerifierError(
            'unsupported_media_type',
            `send the EDC file as one of ${EDC_UPLOAD_TYPES.join(', ')}`,
          )
        }
        if (!Buffer.isBuffer(body) || body.length === 0) {
          throw new VerifierError('invalid_input', 'the request body must be the EDC file')
        }
        const now = ctx.now()
        let result: Awaited<ReturnType<typeof verifyUploadedEdc>>
        try {
          result = await verifyUploadedEdc(
            {
              file: new Uint8Array(body),
              // Seal certificates: PEM anchors and the trusted lists' CA/QC seal services at the
              // seal's proven time (issue 13 §5); time-stamping authorities: the PEM anchors.
              trustAnchors: ctx.issuerTrustAnchors,
              timestampTrustAnchors: [...ctx.trustAnchors],
              now,
            },
            { validateShacl: (document, profile) => ctx.elmWorkers.validateShacl(document, { profile }) },
          )
        } catch (error) {
          // Busy or closing workers are not the file's fault: no verdict, try again later.
          if (error instanceof ElmWorkerError) {
            throw new VerifierError(
              'temporarily_unavailable',
              `the EDC file cannot be verified now: ${error.message}`,
              {
                cause: error,
                retryAfterSeconds: error.retryAfterSeconds ?? 1,
              },
            )
          }
          throw error
        }
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
      },
      { rateLimit: { limiter: ctx.rateLimiters.edcVerifications, what: 'EDC verifications' } },
    ),
  )
}
