// CSRF guard of the issuer's HTML forms — the authorization page's (http/authorize.ts) and the
// learner offer page's code form (http/offer-page.ts) — shared, so both refuse the same requests.
import type { Request } from 'express'
import { IssuerError } from '../errors.ts'
import type { IssuerContext } from '../issuance/issuer-context.ts'

/**
 * CSRF (RFC 6749 §10.12; RFC 9700 §4.7): the forms on these pages post only from this issuer's
 * own pages. Browsers send `Origin` with every cross-origin POST and `Sec-Fetch-Site` with every
 * request (Fetch Metadata); either naming another site refuses the request before anything is
 * read. Clients that send neither (not browsers) still need the form's single-use token (the
 * decision token, the offer page's form token). The pages must not be served under
 * `Referrer-Policy: no-referrer`: a browser then sends `Origin: null` with their own posts (Fetch
 * §3.1 "serializing a request origin"), which this check refuses.
 *
 * @example
 * ```ts
 * router.post('/:tenant/authorize/decision', tenantEndpoint(ctx, async (req, res, tenant) => {
 *   assertSameOrigin(req, ctx) // throws access_denied for another site's form
 * }))
 * ```
 */
export function assertSameOrigin(req: Request, ctx: IssuerContext): void {
  const origin = req.get('origin')
  if (origin !== undefined && origin !== new URL(ctx.config.baseUrl).origin) {
    throw new IssuerError('access_denied', "the form was not sent from this issuer's page (Origin)")
  }
  const site = req.get('sec-fetch-site')
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new IssuerError('access_denied', "the form was not sent from this issuer's page (Sec-Fetch-Site)")
  }
}
