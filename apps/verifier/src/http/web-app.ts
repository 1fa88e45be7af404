// The verifier web app at /ui/: static files from src/web (plain HTML, ES modules, CSS; no build
// step, nothing from a CDN) under a strict Content-Security-Policy, and the one helper endpoint the
// page needs beyond the relying-party API: the labelled facts of a finished presentation.
import { readFileSync } from 'node:fs'
import type { Request, Response } from 'express'
import { VerifierError } from '../errors.ts'
import { storedRequestOf } from '../presentation/presentation-session.ts'
import type { PresentationResult } from '../presentation/receive-response.ts'
import { presentedFacts } from '../web/presented-facts.ts'
import type { MountRoutes } from './app.ts'
import { rpEndpoint } from './rp-endpoint.ts'

/** The page's only sources are its own origin (and blob: images for the fetched certificate). */
export const WEB_APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ')

const WEB_DIR = new URL('../web/', import.meta.url)

/** Every file the app serves, and nothing else (no directory listing, no path from the request). */
const FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'i18n.js': 'text/javascript; charset=utf-8',
  'render.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml',
}

function securityHeaders(res: Response): void {
  res.set({
    'Content-Security-Policy': WEB_APP_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    // Small files, revalidated on each load so a new deployment is picked up at once.
    'Cache-Control': 'no-cache',
  })
}

export const mountVerifierWebApp: MountRoutes = (app, ctx) => {
  const files = new Map(
    Object.entries(FILES).map(([name, type]) => [name, { type, body: readFileSync(new URL(name, WEB_DIR)) }]),
  )
  const send = (res: Response, name: string) => {
    const file = files.get(name)!
    securityHeaders(res)
    res.type(file.type).send(file.body)
  }

  app.get('/ui', (req: Request, res: Response) => {
    // Without the slash, the page's relative URLs would resolve against the root.
    if (req.path === '/ui') res.redirect(301, 'ui/')
    else send(res, 'index.html')
  })
  app.get('/ui/:file', (req, res, next) => {
    const name = String(req.params.file)
    if (Object.hasOwn(FILES, name)) send(res, name)
    else next()
  })

  app.get(
    '/ui/api/:rp/presentation-requests/:id/facts',
    rpEndpoint(ctx, 'presentations:read', async (req, res, { rp }) => {
      const record = await ctx.store.presentationRequests.get(rp.id, String(req.params.id))
      if (!record) throw new VerifierError('not_found', 'there is no such presentation request')
      // OpenID4VP 1.0 §13.3: a same-device result is released only against its response_code.
      if (storedRequestOf(record).sameDevice) {
        throw new VerifierError('forbidden', 'same-device results are released only against the response_code')
      }
      const result = record.result as PresentationResult | undefined
      if (!result) throw new VerifierError('not_found', 'the wallet has not answered this request yet')
      const language = req.query.lang === 'de' ? 'de' : 'en'
      res.json(presentedFacts(result, language))
    }),
  )
}
