// The verifier's HTTP surface: express only here (style.md, practice 1), each endpoint its own file.
import express, { type NextFunction, type Request, type Response } from 'express'
import { VerifierError, writeError } from '../errors.ts'
import type { VerifierContext } from '../verifier-context.ts'
import { mountCreatePresentationRequest } from './create-presentation-request.ts'
import { mountDidDocument } from './did-document.ts'
import { mountGetPresentationRequest } from './get-presentation-request.ts'
import { mountGetRequestObject } from './get-request-object.ts'
import { mountListPresentationRequests } from './list-presentation-requests.ts'
import { mountOpenApiDocument } from './openapi-document.ts'
import { mountPostRequestObject } from './post-request-object.ts'
import { mountPostResponse } from './post-response.ts'
import { mountPresentedCertificate } from './presented-certificate.ts'
import { bodyReaderError, checkRequestBody, checkRequestTarget, readJsonBody } from './request-input.ts'
import { mountRequestQr } from './request-qr.ts'
import { mountVerifyEdcUpload } from './verify-edc-upload.ts'

/** Extra routers (web pages) mounted before the relying-party routes. */
export type MountRoutes = (app: express.Express, ctx: VerifierContext) => void

/** Body parser failures → our errors: 413 for size, 400 naming malformed input (security.md). */
function bodyErrors(error: unknown, _req: Request, _res: Response, next: NextFunction): void {
  const e = error as { type?: string }
  if (e?.type === 'entity.too.large') next(new VerifierError('payload_too_large', 'the request body is too large'))
  else if (e?.type === 'entity.parse.failed')
    next(new VerifierError('invalid_request', 'the request body is not valid JSON'))
  else if (e?.type === 'parameters.too.many') next(new VerifierError('invalid_request', 'too many form parameters'))
  else if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    next(new VerifierError('unsupported_media_type', 'unsupported body encoding'))
  } else next(error)
}

export function createVerifierApp(ctx: VerifierContext, extra: readonly MountRoutes[] = []): express.Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', false)
  app.set('query parser', 'simple')
  // Before any route: junk in a path or query is a 400 wherever it was sent (request-input.ts).
  app.use(checkRequestTarget)
  // Before the body parsers: an uploaded EDC is verified over its exact bytes.
  mountVerifyEdcUpload(app, ctx)
  const limit = ctx.config.bodyLimitBytes
  // JSON as bytes, parsed strictly by checkRequestBody: only objects and arrays (RFC 8259 texts
  // like "1" are not requests), no duplicate members, UTF-8.
  app.use(readJsonBody(limit))
  app.use(express.urlencoded({ limit, extended: false, parameterLimit: 50 }))
  app.use(bodyErrors)
  app.use(checkRequestBody)
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' })
  })
  for (const mount of extra) mount(app, ctx)
  const router = express.Router()
  mountOpenApiDocument(router, ctx)
  mountCreatePresentationRequest(router, ctx)
  mountListPresentationRequests(router, ctx)
  mountGetPresentationRequest(router, ctx)
  mountPresentedCertificate(router, ctx)
  mountGetRequestObject(router, ctx)
  mountPostRequestObject(router, ctx)
  mountPostResponse(router, ctx)
  mountRequestQr(router, ctx)
  mountDidDocument(router, ctx)
  app.use(router)
  app.use((_req, _res, next) => next(new VerifierError('not_found', 'no such endpoint')))
  // A body reader's failure anywhere (here, or an endpoint's own reader) is the client's: 4xx.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) =>
    writeError(res, bodyReaderError(error, req), ctx.log),
  )
  return app
}
