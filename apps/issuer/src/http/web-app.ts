// The issuer's web pages: the admin app under /ui/ (static files; it calls the admin API at
// /admin/{tenant}/… with the key the person signs in with), and the learner's offer page with its
// certificate preview beside the offer it shows (/{tenant}/offers/{id}/page, …/certificate.png).
import express, { type NextFunction, type Request, type Response } from 'express'
import { IssuerError, toIssuerError } from '../errors.ts'
import type { IssuerContext } from '../issuance/issuer-context.ts'
import { certificatePageOf } from '../web/certificate-page.ts'
import { loadOfferPage, offerPageHtml, offerPageProblemHtml, pageLanguageOf } from '../web/offer-page.ts'
import { loadWebAssets } from '../web/web-assets.ts'
import type { MountRoutes } from './app.ts'
import { noStore } from './handler.ts'

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

  router.get('/:tenant/offers/:offerId/page', async (req, res) => {
    const lang = pageLanguageOf(req.query.lang, (...l) => req.acceptsLanguages(...l))
    pageHeaders(noStore(res), pageCsp).set('X-Robots-Tag', 'noindex').set('Content-Language', lang).type('html')
    try {
      const tenant = await ctx.tenant(String(req.params.tenant))
      const view = await loadOfferPage(ctx, tenant, String(req.params.offerId))
      if (!view) res.status(404).send(offerPageProblemHtml('gone', lang))
      else res.send(offerPageHtml(view, lang))
    } catch (error) {
      // A page in words, never a stack trace; the cause goes to the log.
      const e = toIssuerError(error)
      if (e.status >= 500) ctx.log.error({ err: e.cause ?? e }, 'offer page failed')
      res.status(e.status).send(offerPageProblemHtml(e.status === 404 ? 'gone' : 'error', lang))
    }
  })

  router.get('/:tenant/offers/:offerId/certificate.png', async (req, res, next) => {
    try {
      const tenant = await ctx.tenant(String(req.params.tenant))
      const offer = await ctx.store.offers.getOfferForWallet(tenant.id, String(req.params.offerId), ctx.now())
      const award = offer && (await ctx.awardWithDocument(tenant.id, offer.awardId))
      const lang =
        typeof req.query.lang === 'string' && /^[a-z]{2,3}$/.test(req.query.lang) ? req.query.lang : undefined
      const page = award ? await certificatePageOf(award.edc, lang, ctx.elmWorkers) : undefined
      if (!page)
        throw new IssuerError('not_found', 'this credential offer was redeemed, has expired, or does not exist')
      noStore(res).set('Content-Language', page.language).type('image/png').send(page.png)
    } catch (error) {
      next(error)
    }
  })

  app.use(router)
}
