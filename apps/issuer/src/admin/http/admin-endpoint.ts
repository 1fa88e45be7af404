// The admin endpoints' common steps, in order: API key (401/403) → rate limit per key (429) →
// scope (403) → rate limit per tenant for expensive endpoints (429) → tenant → the endpoint.
// Every error goes to the one error writer (app.ts).
import type { ApiKeyGrant } from '@alma/store'
import type { NextFunction, Request, Response } from 'express'
import type { z } from 'zod'
import { IssuerError } from '../../errors.ts'
import type { IssuerContext, TenantRuntime } from '../../issuance/issuer-context.ts'
import { type AdminScope, authenticateApiKey, requireScope } from '../api-keys.ts'
import { parseAdminInput, toAdminError } from '../parse-admin-input.ts'
import type { RateLimiter } from '../rate-limit.ts'

export interface AdminDeps {
  readonly ctx: IssuerContext
  /** Per API key, every endpoint. */
  readonly limiter: RateLimiter
  /** Per tenant, the endpoints whose work runs on the ELM workers ({@link AdminEndpointOptions.expensive}). */
  readonly expensiveLimiter: RateLimiter
}

export interface AdminEndpointOptions {
  /**
   * The endpoint's work runs on the shared ELM worker threads (EDC building, certificate pages,
   * Annex I checks): it also spends a token of the tenant's bucket, so one tenant cannot keep
   * them busy for every other (issue 12 §3).
   */
  readonly expensive?: boolean
}

/** Who is calling: the tenant of the URL (which the key belongs to), and the key. */
export interface AdminCaller {
  readonly tenant: TenantRuntime
  readonly grant: ApiKeyGrant
  /** For the audit log. */
  readonly actor: string
}

export type AdminHandler = (req: Request, res: Response, caller: AdminCaller) => Promise<void>

export function adminEndpoint(
  deps: AdminDeps,
  scope: AdminScope,
  handler: AdminHandler,
  options: AdminEndpointOptions = {},
) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      // Answers carry keys' effects, tx codes and learner data: never cached.
      res.set('Cache-Control', 'no-store')
      const tenantId = String(req.params.tenant)
      const grant = await authenticateApiKey(deps.ctx.store, req.get('authorization'), tenantId)
      const wait = deps.limiter.take(`${grant.tenantId}\u0000${grant.keyId}`)
      if (wait !== undefined) {
        res.set('Retry-After', String(wait))
        throw new IssuerError('rate_limited', `too many requests with this API key; retry after ${wait} s`)
      }
      requireScope(grant, scope)
      if (options.expensive) {
        const tenantWait = deps.expensiveLimiter.take(grant.tenantId)
        if (tenantWait !== undefined) {
          throw new IssuerError(
            'rate_limited',
            `too many award, Annex I check and certificate requests for tenant ${grant.tenantId}; retry after ${tenantWait} s`,
            { retryAfterSeconds: tenantWait },
          )
        }
      }
      const tenant = await deps.ctx.tenant(tenantId)
      await handler(req, res, { tenant, grant, actor: `apikey:${grant.keyId}` })
    } catch (error) {
      next(toAdminError(error))
    }
  }
}

function hasBody(req: Request): boolean {
  return req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0
}

/**
 * The JSON body parsed with `schema`. Another content type is 415; no body is `{}` when
 * `optional` (e.g. approve, revoke), else 400.
 */
export function jsonBody<S extends z.ZodType>(
  req: Request,
  schema: S,
  what: string,
  options: { optional?: boolean } = {},
): z.output<S> {
  if (!hasBody(req)) {
    if (options.optional) return parseAdminInput(schema, {}, what)
    throw new IssuerError('invalid_input', `${what}: a JSON body is required`, {
      extra: { issues: [{ path: '(body)', message: 'is required' }] },
    })
  }
  if (!req.is(['application/json', 'application/*+json'])) {
    throw new IssuerError('unsupported_media_type', `${what}: send Content-Type: application/json`)
  }
  return parseAdminInput(schema, req.body, what)
}

/** The query string parsed with `schema` (strict: an unknown parameter is named). */
export function queryOf<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
  return parseAdminInput(schema, { ...(req.query as Record<string, unknown>) }, 'query')
}

/** A path parameter as text. */
export function param(req: Request, name: string): string {
  return String(req.params[name])
}
