// Authorization endpoint (RFC 6749 §3.1 with PAR, RFC 9126 §4): the learner proves to be the
// offer's learner (issuance/learner-authentication.ts), then sees which credential the wallet
// asks for and decides; the decision redirects back to the wallet. The steps are
// issuance/authorization.ts; this file draws them as HTML and guards the forms.
import type { Request, Response, Router } from 'express'
import { IssuerError } from '../errors.ts'
import {
  type AuthorizationPageView,
  type AuthorizationStep,
  authenticateLearner,
  decideAuthorization,
  openAuthorizationPage,
} from '../issuance/authorization.ts'
import type { IssuerContext, TenantRuntime } from '../issuance/issuer-context.ts'
import { noStore, tenantEndpoint } from './handler.ts'
import { bodyOf } from './request-like.ts'
import { assertSameOrigin } from './same-origin-form.ts'

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function pick(map: unknown, lang: string): string | undefined {
  if (typeof map === 'string') return map
  if (typeof map !== 'object' || map === null) return undefined
  const m = map as Record<string, unknown>
  const value = m[lang] ?? m.en ?? Object.values(m)[0]
  return typeof value === 'string' ? value : undefined
}

const TEXT = {
  en: {
    heading: 'Add a credential to your wallet',
    ask: 'A wallet asks to receive this credential:',
    from: 'from',
    formats: 'Formats',
    wallet: (client: string, host: string) => `Requested by the wallet “${client}”, which will receive it at ${host}.`,
    authenticate: (digits: number) =>
      `To continue, enter the ${digits}-digit transaction code your institution sent you with this offer (for example by email).`,
    codeLabel: 'Transaction code',
    continue: 'Continue',
    cancel: 'Cancel',
    wrongCode: (left: number) =>
      left === 1
        ? 'That code is not right. One more wrong code blocks this offer.'
        : `That code is not right. ${left} more wrong codes block this offer.`,
    forLearner: 'for',
    approve: 'Approve',
    deny: 'Decline',
    noProof:
      'This offer was made without a transaction code: anyone with its link can take it. Approve only if you expected it.',
  },
  de: {
    heading: 'Nachweis in Ihre Wallet übernehmen',
    ask: 'Eine Wallet möchte diesen Nachweis erhalten:',
    from: 'von',
    formats: 'Formate',
    wallet: (client: string, host: string) => `Angefragt von der Wallet „${client}“, die ihn unter ${host} erhält.`,
    authenticate: (digits: number) =>
      `Geben Sie zum Fortfahren den ${digits}-stelligen Transaktionscode ein, den Ihre Hochschule Ihnen zu diesem Angebot geschickt hat (zum Beispiel per E-Mail).`,
    codeLabel: 'Transaktionscode',
    continue: 'Weiter',
    cancel: 'Abbrechen',
    wrongCode: (left: number) =>
      left === 1
        ? 'Dieser Code ist nicht richtig. Ein weiterer falscher Code sperrt dieses Angebot.'
        : `Dieser Code ist nicht richtig. ${left} weitere falsche Codes sperren dieses Angebot.`,
    forLearner: 'für',
    approve: 'Zustimmen',
    deny: 'Ablehnen',
    noProof:
      'Dieses Angebot wurde ohne Transaktionscode erstellt: Wer den Link hat, kann es übernehmen. Stimmen Sie nur zu, wenn Sie es erwartet haben.',
  },
} as const

/** Where the wallet receives the answer, as a person can read it: the host, or the app's scheme. */
function destinationOf(redirectUri: string): { label: string; formAction: string } {
  const url = new URL(redirectUri)
  if (url.protocol === 'https:' || url.protocol === 'http:') {
    // CSP3 host-source has no syntax for an IPv6 literal (a loopback `http://[::1]:port`): name the scheme.
    return { label: url.host, formAction: url.hostname.startsWith('[') ? url.protocol : url.origin }
  }
  // A private-use scheme (RFC 8252 §7.1): CSP names it by scheme alone.
  return { label: `${url.protocol}//`, formAction: url.protocol }
}

/**
 * The page's CSP: no script, styles inline, never framed, and forms that go only to this issuer
 * and — through the decision's 303 — to the wallet's redirect URI (CSP3 `form-action` also
 * governs redirects after a submission; `*` would not match a wallet's private-use scheme).
 */
function pageHeaders(res: Response, view: AuthorizationPageView): Response {
  const { formAction } = destinationOf(view.redirectUri)
  return (
    noStore(res)
      .set(
        'Content-Security-Policy',
        `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
      )
      // same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` with the
      // page's own form posts (Fetch §3.1 "serializing a request origin"), which the CSRF check must
      // refuse; same-origin still sends nothing (no request_uri) to the wallet or anyone else.
      .set('Referrer-Policy', 'same-origin')
      .set('X-Frame-Options', 'DENY')
      .type('html')
  )
}

function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`
}

function renderStep(tenant: TenantRuntime, step: Exclude<AuthorizationStep, { step: 'redirect' }>, lang: 'en' | 'de') {
  const t = TEXT[lang]
  const { view } = step
  const title = pick(view.courseTitle, lang) ?? view.specificationId
  const destination = destinationOf(view.redirectUri)
  const endpoint = tenant.urls.authorizationEndpoint
  const request = `${hidden('client_id', view.clientId)}\n${hidden('request_uri', view.requestUri)}`
  let card = `<div class="card"><strong id="credential-title">${escapeHtml(title)}</strong> ${escapeHtml(t.from)} <span id="institution">${escapeHtml(view.institution)}</span><br>`
  let body: string
  if (step.step === 'authenticate') {
    card += `<small>${escapeHtml(t.formats)}: ${escapeHtml(view.credentialConfigurationIds.join(', '))}</small></div>`
    const field = step.challenge.kind === 'form' ? step.challenge.fields[0] : undefined
    const problem = step.problem
      ? `<p role="alert" id="authentication-error" data-error="${escapeHtml(step.problem.reason)}">${escapeHtml(
          step.problem.reason === 'wrong_code' ? t.wrongCode(step.problem.attemptsRemaining) : step.problem.description,
        )}</p>`
      : ''
    const inputs = field
      ? `<label for="learner-code">${escapeHtml(t.codeLabel)}</label><br>
<input id="learner-code" name="${escapeHtml(field.name)}" inputmode="${field.inputMode}" autocomplete="${field.autocomplete}"${field.length ? ` maxlength="${field.length + 8}" size="${field.length + 2}"` : ''} required autofocus>`
      : ''
    body = `<p id="authenticate-help">${escapeHtml(t.authenticate(field?.length ?? 6))}</p>
${problem}
<form method="post" action="${escapeHtml(endpoint)}/authenticate" id="authenticate-form">
${request}
${inputs}
<p><button id="authenticate">${escapeHtml(t.continue)}</button></p></form>
<form method="post" action="${escapeHtml(endpoint)}/decision" id="cancel-form">
${request}
<button name="decision" value="deny" id="cancel">${escapeHtml(t.cancel)}</button></form>`
  } else {
    const learner =
      step.learnerName !== undefined
        ? `${escapeHtml(t.forLearner)} <span id="learner-name">${escapeHtml(step.learnerName)}</span><br>`
        : ''
    card += `${learner}<small>${escapeHtml(t.formats)}: ${escapeHtml(view.credentialConfigurationIds.join(', '))}</small></div>`
    body = `${step.learnerName === undefined ? `<p id="no-proof">${escapeHtml(t.noProof)}</p>` : ''}
<form method="post" action="${escapeHtml(endpoint)}/decision" id="decision-form">
${request}
${hidden('decision_token', step.decisionToken)}
<button name="decision" value="approve" id="approve">${escapeHtml(t.approve)}</button>
<button name="decision" value="deny" id="deny">${escapeHtml(t.deny)}</button></form>`
  }
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin"><meta name="robots" content="noindex">
<title>${escapeHtml(t.heading)} · ${escapeHtml(tenant.name)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#12355b}
.card{border:1px solid #c8d3e0;border-radius:.5rem;padding:1rem;margin:1rem 0}button{font-size:1rem;padding:.6rem 1.2rem;margin-right:.5rem}
input{font-size:1.25rem;letter-spacing:.2em;padding:.4rem}[role=alert]{color:#a4262c;font-weight:600}</style></head>
<body><h1>${escapeHtml(t.heading)}</h1><p>${escapeHtml(t.ask)}</p>
${card}
<p class="small" id="wallet">${escapeHtml(t.wallet(view.clientId, destination.label))}</p>
${body}</body></html>`
}

function languageOf(req: Request): 'en' | 'de' {
  return req.acceptsLanguages('en', 'de') === 'de' ? 'de' : 'en'
}

function send(res: Response, tenant: TenantRuntime, step: AuthorizationStep, lang: 'en' | 'de'): void {
  if (step.step === 'redirect') {
    noStore(res).redirect(303, step.location)
    return
  }
  // A wrong or malformed answer is a 400 with the page asking again.
  const status = step.step === 'authenticate' && step.problem ? 400 : 200
  pageHeaders(res, step.view)
    .status(status)
    .send(renderStep(tenant, step, lang))
}

export function mountAuthorize(router: Router, ctx: IssuerContext): void {
  router.get(
    '/:tenant/authorize',
    tenantEndpoint(ctx, async (req, res, tenant) => {
      const step = await openAuthorizationPage(ctx, tenant, {
        clientId: req.query.client_id,
        requestUri: req.query.request_uri,
      })
      send(res, tenant, step, languageOf(req))
    }),
  )
  router.post(
    '/:tenant/authorize/authenticate',
    tenantEndpoint(ctx, async (req, res, tenant) => {
      assertSameOrigin(req, ctx)
      const body = bodyOf(req)
      const step = await authenticateLearner(ctx, tenant, {
        clientId: body.client_id,
        requestUri: body.request_uri,
        answer: body,
      })
      send(res, tenant, step, languageOf(req))
    }),
  )
  router.post(
    '/:tenant/authorize/decision',
    tenantEndpoint(ctx, async (req, res, tenant) => {
      assertSameOrigin(req, ctx)
      const body = bodyOf(req)
      if (body.decision !== 'approve' && body.decision !== 'deny')
        throw new IssuerError('invalid_request', 'decision must be approve or deny')
      const location = await decideAuthorization(ctx, tenant, {
        clientId: body.client_id,
        requestUri: body.request_uri,
        decisionToken: body.decision_token,
        approve: body.decision === 'approve',
      })
      noStore(res).redirect(303, location)
    }),
  )
}
