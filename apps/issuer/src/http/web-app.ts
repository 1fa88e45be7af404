// The issuer's web pages: the admin app under /ui/ (static files; it calls the admin API at
// /admin/{tenant}/… with the key the person signs in with), and the learner's offer page with its
// certificate preview behind the offer's transaction code (http/offer-page.ts:
// /{tenant}/offers/{id}/page, …/certificate.png).
import express, { type NextFunction, type Request, type Response } from 'express'
import type { IssuerContext } from '../issuance/issuer-context.ts'
import { loadWebAssets } from '../web/web-assets.ts'
import type { MountRoutes } from './app.ts'
import { mountOfferPage } from './offer-page.ts'

/**
 * No inline script or style anywhere (security.md): scripts, styles and images from this origin
 * only, plus the public base URL's origin for the QR codes the admin API links to, and blob: for
 * the certificate image the admin app fetches with its key.
 */
function contentSecurityPolicy(ctx: IssuerContext, options: { blobImages: boolean }): string {
  const origin = new URL(ctx.config.baseUrl).origin
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' ${origin}${options.blobImages ? ' blob:' : ''}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

function pageHeaders(res: Response, csp: string): Response {
  return res
    .set('Content-Security-Policy', csp)
    .set('X-Content-Type-Options', 'nosniff')
    .set('Referrer-Policy', 'no-referrer')
}

/** To the app at `/ui/`, relative to where the request went, so any base path works. */
function redirectToApp(req: Request, res: Response): void {
  res.redirect(302, req.path.endsWith('/') ? '../ui/' : 'ui/')
}

export const mountIssuerWebApp: MountRoutes = (app, ctx) => {
  const assets = loadWebAssets()
  const appCsp = contentSecurityPolicy(ctx, { blobImages: true })
  const pageCsp = contentSecurityPolicy(ctx, { blobImages: false })
  const router = express.Router()

  function sendAsset(res: Response, name: string, next: NextFunction): void {
    const asset = assets.get(name)
    if (!asset) {
      next()
      return
    }
    // Revalidated every time: an upgrade of the issuer is seen at once.
    pageHeaders(res, appCsp).set('Cache-Control', 'no-cache').type(asset.type).send(asset.body)
  }
  // Routing is not strict: '/admin' and '/ui' match with and without the trailing slash.
  router.get('/admin', redirectToApp)
  router.get('/ui', (req, res, next) => {
    if (req.path.endsWith('/')) sendAsset(res, 'index.html', next)
    else redirectToApp(req, res)
  })
  router.get('/ui/:asset', (req, res, next) => sendAsset(res, String(req.params.asset), next))

  mountOfferPage(router, ctx, { csp: pageCsp })

  app.use(router)
}
