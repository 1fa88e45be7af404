// The issuer's HTTP surface: express only here (style.md, practice 1), each endpoint its own file.
import express, { type NextFunction, type Request, type Response } from 'express'
import { IssuerError, writeError } from '../errors.ts'
import type { IssuerContext } from '../issuance/issuer-context.ts'
import { mountAllianceRegistry } from './alliance-registry.ts'
import { mountAuthorize } from './authorize.ts'
import { mountCredential } from './credential.ts'
import { mountDeferredCredential } from './deferred-credential.ts'
import { mountIdentity } from './identity.ts'
import { mountNonce } from './nonce.ts'
import { mountNotification } from './notification.ts'
import { mountOffers } from './offer.ts'
import { mountPar } from './par.ts'
import { bodyReaderError, checkRequestBody, checkRequestTarget, readJsonBody } from './request-input.ts'
import { mountStatusLists } from './status-list.ts'
import { mountToken } from './token.ts'
import { mountWellKnown } from './well-known.ts'

/** Extra routers (the admin API) mounted before the tenant routes. */
export type MountRoutes = (app: express.Express, ctx: IssuerContext) => void

/** Body parser failures → our errors: 413 for size, 400 naming malformed JSON (security.md). */
function bodyErrors(error: unknown, _req: Request, _res: Response, next: NextFunction): void {
  const e = error as { type?: string; status?: number }
  if (e?.type === 'entity.too.large') next(new IssuerError('payload_too_large', 'the request body is too large'))
  else if (e?.type === 'entity.parse.failed')
    next(new IssuerError('invalid_request', 'the request body is not valid JSON'))
  else if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    next(new IssuerError('unsupported_media_type', 'unsupported body encoding'))
  } else next(error)
}

export function createIssuerApp(ctx: IssuerContext, extra: readonly MountRoutes[] = []): express.Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', false)
  app.set('query parser', 'simple')
  // Before any route: junk in a path or query is a 400 wherever it was sent (request-input.ts).
  app.use(checkRequestTarget)
  const limit = ctx.config.bodyLimitBytes
  // JSON as bytes, parsed strictly by checkRequestBody: only objects and arrays (RFC 8259 texts
  // like "1" are not requests), no duplicate members, UTF-8.
  app.use(readJsonBody(limit))
  app.use(express.urlencoded({ limit, extended: false, parameterLimit: 100 }))
  // text/csv (a cohort file) is read by its endpoint, after the API key, with a limit of its own.
  app.use(bodyErrors)
  app.use(checkRequestBody)
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' })
  })
  for (const mount of extra) mount(app, ctx)
  const router = express.Router()
  mountWellKnown(router, ctx)
  mountIdentity(router, ctx)
  mountAllianceRegistry(router, ctx)
  mountStatusLists(router, ctx)
  mountOffers(router, ctx)
  mountToken(router, ctx)
  mountNonce(router, ctx)
  mountCredential(router, ctx)
  mountDeferredCredential(router, ctx)
  mountNotification(router, ctx)
  mountPar(router, ctx)
  mountAuthorize(router, ctx)
  app.use(router)
  app.use((_req, _res, next) => next(new IssuerError('not_found', 'no such endpoint')))
  // A body reader's failure anywhere (here, or an endpoint's own reader) is the client's: 4xx.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) =>
    writeError(res, bodyReaderError(error, req), ctx.log),
  )
  return app
}
