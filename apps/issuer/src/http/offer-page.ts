// The learner's offer page and its certificate image (issuance/offer-page-access.ts decides what
// is shown, web/offer-page.ts draws it): GET shows the public view and the code form, POST takes
// the code from that form, GET …/certificate.png sends the certificate page to a view token minted
// by a right code. Every answer is `no-store`: one carries a form token, another the preview.
import type { Request, Response, Router } from 'express'
import { IssuerError, toIssuerError } from '../errors.ts'
import type { IssuerContext } from '../issuance/issuer-context.ts'
import { TX_CODE_FIELD } from '../issuance/learner-authentication.ts'
import {
  certificateViewAward,
  enterOfferPageCode,
  type OfferPageStep,
  openOfferPage,
} from '../issuance/offer-page-access.ts'
import { certificatePageOf } from '../web/certificate-page.ts'
import {
  CERTIFICATE_VIEW_PARAM,
  FORM_TOKEN_FIELD,
  offerPageHtml,
  offerPageProblemHtml,
  type PageLanguage,
  pageLanguageOf,
} from '../web/offer-page.ts'
import { noStore } from './handler.ts'
import { bodyOf } from './request-like.ts'
import { assertSameOrigin } from './same-origin-form.ts'

/** The headers of every page answer: `csp` is the web app's strict policy (no inline anything). */
function pageHeaders(res: Response, csp: string, lang: PageLanguage): Response {
  return (
    noStore(res)
      .set('Content-Security-Policy', csp)
      .set('X-Content-Type-Options', 'nosniff')
      // same-origin: the code form's POST must carry this origin (http/same-origin-form.ts); no
      // other site learns the offer's URL from a link on the page.
      .set('Referrer-Policy', 'same-origin')
      .set('X-Frame-Options', 'DENY')
      .set('X-Robots-Tag', 'noindex')
      .set('Content-Language', lang)
      .type('html')
  )
}

/** A `tx_code` in the query string: refused unread, so a link or a log line never carries a working code. */
function codeInUrl(req: Request): boolean {
  return Object.hasOwn(req.query as object, TX_CODE_FIELD)
}

/** 200 for the page, 400 when it asks again (a refused answer), 404 unknown, 410 not open any more. */
function sendStep(res: Response, step: OfferPageStep, lang: PageLanguage): void {
  if (step.step === 'unknown') res.status(404).send(offerPageProblemHtml('unknown', lang))
  else if (step.step === 'closed') res.status(410).send(offerPageProblemHtml(step.state, lang))
  else res.status(step.problem ? 400 : 200).send(offerPageHtml(step, lang))
}

/** A page in words, never a stack trace; the cause goes to the log (never the request body). */
function sendFailure(ctx: IssuerContext, res: Response, error: unknown, lang: PageLanguage): void {
  const e = toIssuerError(error)
  if (e.status >= 500) ctx.log.error({ err: e.cause ?? e }, 'offer page failed')
  else ctx.log.warn({ code: e.code, status: e.status }, e.message)
  const kind = e.code === 'access_denied' ? 'forbidden' : e.status === 404 ? 'unknown' : 'error'
  res.status(e.status).send(offerPageProblemHtml(kind, lang))
}

export function mountOfferPage(router: Router, ctx: IssuerContext, options: { csp: string }): void {
  router.get('/:tenant/offers/:offerId/page', async (req, res) => {
    const lang = pageLanguageOf(req.query.lang, (...l) => req.acceptsLanguages(...l))
    pageHeaders(res, options.csp, lang)
    try {
      const tenant = await ctx.tenant(String(req.params.tenant))
      sendStep(
        res,
        await openOfferPage(ctx, tenant, { offerId: String(req.params.offerId), codeInUrl: codeInUrl(req) }),
        lang,
      )
    } catch (error) {
      sendFailure(ctx, res, error, lang)
    }
  })

  router.post('/:tenant/offers/:offerId/page', async (req, res) => {
    const body = bodyOf(req)
    const lang = pageLanguageOf(body.lang ?? req.query.lang, (...l) => req.acceptsLanguages(...l))
    pageHeaders(res, options.csp, lang)
    try {
      // Another site's form is refused before anything is read or counted.
      assertSameOrigin(req, ctx)
      const tenant = await ctx.tenant(String(req.params.tenant))
      const step = await enterOfferPageCode(ctx, tenant, {
        offerId: String(req.params.offerId),
        formToken: body[FORM_TOKEN_FIELD],
        answer: body,
        codeInUrl: codeInUrl(req),
      })
      sendStep(res, step, lang)
    } catch (error) {
      sendFailure(ctx, res, error, lang)
    }
  })

  router.get('/:tenant/offers/:offerId/certificate.png', async (req, res, next) => {
    try {
      if (codeInUrl(req)) {
        throw new IssuerError(
          'invalid_request',
          'a transaction code is never sent in a URL: enter it on the offer page',
        )
      }
      const tenant = await ctx.tenant(String(req.params.tenant))
      const award = await certificateViewAward(ctx, tenant, {
        offerId: String(req.params.offerId),
        viewToken: req.query[CERTIFICATE_VIEW_PARAM],
      })
      const lang =
        typeof req.query.lang === 'string' && /^[a-z]{2,3}$/.test(req.query.lang) ? req.query.lang : undefined
      const page = await certificatePageOf(award.edc, lang, ctx.elmWorkers)
      if (!page)
        throw new IssuerError('not_found', 'this credential offer was redeemed, has expired, or does not exist')
      noStore(res)
        .set('Content-Language', page.language)
        .set('X-Content-Type-Options', 'nosniff')
        .set('Referrer-Policy', 'no-referrer')
        .type('image/png')
        .send(page.png)
    } catch (error) {
      next(error)
    }
  })
}
