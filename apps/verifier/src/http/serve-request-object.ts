// The request object answer shared by GET and POST request_uri (§5.7, §5.10).
import type { Response } from 'express'
import { VerifierError } from '../errors.ts'
import { storedRequestOf } from '../presentation/presentation-session.ts'
import { createRequestObject } from '../presentation/request-object.ts'
import type { VerifierContext } from '../verifier-context.ts'

export async function serveRequestObject(
  ctx: VerifierContext,
  res: Response,
  rpId: string,
  requestId: string,
  wallet: { walletNonce?: string; walletIssuer?: string },
): Promise<void> {
  const rp = await ctx.relyingParty(rpId).catch(() => {
    throw new VerifierError('invalid_request', 'there is no such presentation request')
  })
  const now = ctx.now()
  const record = await ctx.store.presentationRequests.markRetrieved(rp.id, requestId, now, wallet.walletNonce)
  if (!record) {
    const known = await ctx.store.presentationRequests.get(rp.id, requestId)
    throw new VerifierError(
      'invalid_request',
      known ? 'this presentation request was answered or has expired' : 'there is no such presentation request',
    )
  }
  const jwt = await createRequestObject(rp, record, storedRequestOf(record), {
    ...wallet,
    now,
    expiresInSeconds: Math.min(
      ctx.config.requestObjectTtlSeconds,
      Math.max(1, Math.floor((record.expiresAt.getTime() - now.getTime()) / 1000)),
    ),
  })
  res.set('Cache-Control', 'no-store')
  // RFC 9101 §10.2: the media type of a request object.
  res.type('application/oauth-authz-req+jwt').send(jwt)
}
