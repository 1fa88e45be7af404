// Authorization endpoint (RFC 6749 §3.1 with PAR, RFC 9126 §4): the learner sees which
// credential the wallet asks for and decides; the decision redirects back to the wallet.
import type { Router } from 'express'
import { IssuerError } from '../errors.ts'
import { decideAuthorization, readPushedRequest } from '../issuance/authorization.ts'
import type { IssuerContext } from '../issuance/issuer-context.ts'
import { noStore, tenantEndpoint } from './handler.ts'
import { bodyOf } from './request-like.ts'

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function pick(map: unknown, lang: string): string | undefined {
  if (typeof map !== 'object' || map === null) return undefined
  const m = map as Record<string, string>
  return m[lang] ?? m.en ?? Object.values(m)[0]
}

export function mountAuthorize(router: Router, ctx: IssuerContext): void {
  router.get(
    '/:tenant/authorize',
    tenantEndpoint(ctx, async (req, res, tenant) => {
      const { data, award } = await readPushedRequest(ctx, tenant, req.query.client_id, req.query.request_uri)
      const spec = await ctx.store.specifications.get(tenant.id, award.specificationId)
      const doc = spec?.document as { title?: unknown } | undefined
      const learner = (award.learner as { learner?: { givenName?: string; familyName?: string } }).learner
      const lang = req.acceptsLanguages('en', 'de') === 'de' ? 'de' : 'en'
      const t =
        lang === 'de'
          ? {
              heading: 'Nachweis in Ihre Wallet übernehmen',
              ask: 'Eine Wallet möchte diesen Nachweis erhalten:',
              for: 'für',
              approve: 'Zustimmen',
              deny: 'Ablehnen',
              formats: 'Formate',
            }
          : {
              heading: 'Add a credential to your wallet',
              ask: 'A wallet asks to receive this credential:',
              for: 'for',
              approve: 'Approve',
              deny: 'Decline',
              formats: 'Formats',
            }
      const title = pick(doc?.title, lang) ?? award.specificationId
      const name = [learner?.givenName, learner?.familyName].filter(Boolean).join(' ')
      noStore(res)
        .set(
          'Content-Security-Policy',
          "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' *; frame-ancestors 'none'",
        )
        .type('html')
        .send(`<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(t.heading)} · ${escapeHtml(tenant.name)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#12355b}
.card{border:1px solid #c8d3e0;border-radius:.5rem;padding:1rem;margin:1rem 0}button{font-size:1rem;padding:.6rem 1.2rem;margin-right:.5rem}</style></head>
<body><h1>${escapeHtml(t.heading)}</h1><p>${escapeHtml(t.ask)}</p>
<div class="card"><strong id="credential-title">${escapeHtml(title)}</strong><br>${escapeHtml(t.for)} <span id="learner-name">${escapeHtml(name)}</span><br>
<small>${escapeHtml(tenant.name)} · ${escapeHtml(t.formats)}: ${escapeHtml(data.credentialConfigurationIds.join(', '))}</small></div>
<form method="post" action="${escapeHtml(tenant.urls.authorizationEndpoint)}/decision">
<input type="hidden" name="client_id" value="${escapeHtml(data.clientId)}">
<input type="hidden" name="request_uri" value="${escapeHtml(String(req.query.request_uri))}">
<button name="decision" value="approve" id="approve">${escapeHtml(t.approve)}</button>
<button name="decision" value="deny" id="deny">${escapeHtml(t.deny)}</button></form></body></html>`)
    }),
  )
  router.post(
    '/:tenant/authorize/decision',
    tenantEndpoint(ctx, async (req, res, tenant) => {
      const body = bodyOf(req)
      if (body.decision !== 'approve' && body.decision !== 'deny')
        throw new IssuerError('invalid_request', 'decision must be approve or deny')
      const location = await decideAuthorization(ctx, tenant, {
        clientId: body.client_id,
        requestUri: body.request_uri,
        approve: body.decision === 'approve',
      })
      noStore(res).redirect(303, location)
    }),
  )
}
