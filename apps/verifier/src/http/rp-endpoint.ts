// The relying-party API's common steps, in order: API key (401/403) → scope (403) → rate limit of
// an expensive endpoint (429) → the relying party → the endpoint. Every error goes to the one
// writer (app.ts).
import type { ApiKeyGrant } from '@alma/store'
import type { RateLimiter } from '@alma/trust'
import type { NextFunction, Request, Response } from 'express'
import type { z } from 'zod'
import { VerifierError } from '../errors.ts'
import { authenticateRelyingParty, type RelyingPartyScope } from '../relying-party-keys.ts'
import type { RelyingPartyRuntime, VerifierContext } from '../verifier-context.ts'

export interface RelyingPartyCaller {
  readonly rp: RelyingPartyRuntime
  readonly grant: ApiKeyGrant
  readonly actor: string
}

export interface RpEndpointOptions {
  /**
   * The endpoint is expensive: each call spends a token of the relying party's bucket, and beyond
   * it the answer is 429 with Retry-After (issue 12 §3). `what` names the calls in the error.
   */
  readonly rateLimit?: { readonly limiter: RateLimiter; readonly what: string }
}

export function rpEndpoint(
  ctx: VerifierContext,
  scope: RelyingPartyScope,
  handler: (req: Request, res: Response, caller: RelyingPartyCaller) => Promise<void>,
  options: RpEndpointOptions = {},
) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      // Results carry learners' claims: never cached.
      res.set('Cache-Control', 'no-store')
      const rpId = String(req.params.rp)
      const grant = await authenticateRelyingParty(ctx, req.get('authorization'), rpId, scope)
      if (options.rateLimit) {
        const wait = options.rateLimit.limiter.take(grant.tenantId)
        if (wait !== undefined) {
          throw new VerifierError(
            'rate_limited',
            `too many ${options.rateLimit.what} for relying party ${grant.tenantId}; retry after ${wait} s`,
            { retryAfterSeconds: wait },
          )
        }
      }
      const rp = await ctx.relyingParty(rpId)
      await handler(req, res, { rp, grant, actor: `apikey:${grant.keyId}` })
    } catch (error) {
      next(error)
    }
  }
}

/** The JSON body parsed with `schema`; 415 for another content type, 400 naming every bad field. */
export function jsonBody<S extends z.ZodType>(req: Request, schema: S, what: string): z.output<S> {
  if (!req.is(['application/json', 'application/*+json'])) {
    throw new VerifierError('unsupported_media_type', `${what}: send Content-Type: application/json`)
  }
  const parsed = schema.safeParse(req.body ?? {})
  if (parsed.success) return parsed.data
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }))
  throw new VerifierError('invalid_input', `${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
    extra: { issues },
  })
}
