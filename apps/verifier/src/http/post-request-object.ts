// POST {request_uri} (OpenID4VP 1.0 §5.10, request_uri_method=post): the wallet sends its
// metadata and a wallet_nonce, form-encoded; the signed request object echoes the wallet_nonce.
import type { Router } from 'express'
import { VerifierError } from '../errors.ts'
import type { VerifierContext } from '../verifier-context.ts'
import { serveRequestObject } from './serve-request-object.ts'

export function mountPostRequestObject(router: Router, ctx: VerifierContext): void {
  router.post('/:rp/oid4vp/requests/:id', async (req, res, next) => {
    try {
      if (!req.is('application/x-www-form-urlencoded')) {
        throw new VerifierError(
          'invalid_request',
          'POST to request_uri must be application/x-www-form-urlencoded (§5.10)',
        )
      }
      const body = (req.body ?? {}) as Record<string, unknown>
      const walletNonce = body.wallet_nonce
      if (walletNonce !== undefined && (typeof walletNonce !== 'string' || walletNonce.length > 256)) {
        throw new VerifierError('invalid_request', 'wallet_nonce must be one string of at most 256 characters')
      }
      let walletIssuer: string | undefined
      if (body.wallet_metadata !== undefined) {
        let metadata: unknown
        try {
          metadata = typeof body.wallet_metadata === 'string' ? JSON.parse(body.wallet_metadata) : undefined
        } catch {
          metadata = undefined
        }
        if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
          throw new VerifierError('invalid_request', 'wallet_metadata must be a JSON object (§5.10.1)')
        }
        const issuer = (metadata as { issuer?: unknown }).issuer
        if (typeof issuer === 'string') walletIssuer = issuer
      }
      await serveRequestObject(ctx, res, String(req.params.rp), String(req.params.id), {
        ...(typeof walletNonce === 'string' ? { walletNonce } : {}),
        ...(walletIssuer ? { walletIssuer } : {}),
      })
    } catch (error) {
      next(error)
    }
  })
}
