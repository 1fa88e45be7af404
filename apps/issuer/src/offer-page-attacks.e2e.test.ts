// The learner's offer page under attack (issue 12 §2's class on the page; security.md "Every grant
// of an offer needs the same proof … No personal data before the learner is authenticated"; VCI
// 1.0 §4.1.3, §13.6): the page's URL is in the QR code and in the credential_offer_uri, so a
// stranger holding it must learn nothing of the learner from any route an offer id or its
// issuer_state reaches; the page's code form counts with the token endpoint's and the
// authorization page's counter, is refused from other sites and in URLs, and nothing it answers is
// cached. Real HTTP against a real issuer on a real embedded store; every refusal asserted
// exactly, and the offer checked unchanged.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { mountAdminApi } from './admin/index.ts'
import { mountIssuerWebApp } from './http/web-app.ts'
import { CERTIFICATE_VIEW_TTL_SECONDS, OFFER_FORM_TOKEN_TTL_SECONDS } from './issuance/offer-page-access.ts'
import type { CreatedOffer } from './issuance/offers.ts'
import {
  AttackClient,
  expectError,
  formsOf,
  getPage,
  type HttpResult,
  type PageForm,
  postForm,
  SD_JWT_CONFIG,
  sha256Base64url,
  testClock,
} from './testing/attack-kit.ts'
import { startTestIssuer, type TestIssuer } from './testing/issuer-harness.ts'

const clock = testClock()
let issuer: TestIssuer
let client: AttackClient
let maxAttempts: number
const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10]

beforeAll(async () => {
  issuer = await startTestIssuer({ now: clock.now, routes: [mountAdminApi, mountIssuerWebApp] })
  client = new AttackClient(issuer, clock)
  maxAttempts = issuer.ctx.config.maxTxCodeAttempts
})
beforeEach(() => clock.reset())
afterAll(async () => {
  await issuer?.close()
})

type Offer = CreatedOffer & { awardId: string }

/**
 * Everything personal of the example learner (config/examples/awards/ana-andromeda.json): names,
 * email, birth date, student number, grade, credential number, DID.
 */
const PERSONAL =
  /Ana\b|Andromeda|ana\.andromeda|1999-10-01|01\.10\.1999|A-2025-0412|1\.3 \(very good\)|1,3 \(sehr gut\)|UAD-MC-2026-0001|z6MkhaXgBZ|learner-name/i

function expectNothingPersonal(what: string, res: HttpResult): void {
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body)
  expect(text, what).not.toMatch(PERSONAL)
}

function pageUrl(offer: Offer, query = ''): string {
  return `${issuer.url}/uni-a/offers/${offer.offer.id}/page${query}`
}

function certificateUrl(offer: Offer, query = ''): string {
  return `${issuer.url}/uni-a/offers/${offer.offer.id}/certificate.png${query}`
}

function wrongCodeFor(offer: Offer, i = 1): string {
  return String((Number(offer.txCode) + i) % 1_000_000).padStart(6, '0')
}

/** Opens the page as a browser would; its code form, with the action resolved against the page. */
async function openPage(offer: Offer, query = ''): Promise<{ res: HttpResult; form: PageForm | undefined }> {
  const res = await getPage(pageUrl(offer, query))
  const form = formsOf(String(res.body))['code-form']
  return { res, form: form && { ...form, action: new URL(form.action, pageUrl(offer)).href } }
}

/** Types `code` into a fresh code form of the page, as the page's own browser tab sends it. */
async function enterCode(
  offer: Offer,
  code: string,
  options: { headers?: Record<string, string>; form?: PageForm; extra?: Record<string, string> } = {},
): Promise<HttpResult> {
  const form = options.form ?? (await openPage(offer)).form
  expect(form, 'the page has a code form').toBeDefined()
  return postForm(
    form!.action,
    { ...form!.hidden, tx_code: code, ...options.extra },
    { origin: new URL(issuer.url).origin, 'sec-fetch-site': 'same-origin', ...options.headers },
  )
}

/** The view token in the preview's image URL, or undefined when the page shows no preview. */
function previewOf(html: string): { src: string; view: string } | undefined {
  const m = /<img class="certificate" id="certificate-preview" src="([^"]+)"/.exec(html)
  if (!m) return undefined
  const src = m[1]!.replace(/&#38;/g, '&')
  return { src, view: String(new URLSearchParams(src.split('?')[1]).get('view')) }
}

function expectPublicPage(what: string, res: HttpResult): void {
  const html = String(res.body)
  expect(res.headers.get('content-type'), what).toBe('text/html; charset=utf-8')
  expect(res.headers.get('cache-control'), what).toBe('no-store')
  expect(html, what).toContain('<strong id="course-title">Creating Digital Learning Content</strong>')
  expect(html, what).toContain('<span id="institution">University of Adlerstadt</span>')
  expect(previewOf(html), what).toBeUndefined()
  expect(html, what).not.toContain('certificate.png')
  expectNothingPersonal(what, res)
}

/** A pushed authorization request with the offer's issuer_state, and its page's code form. */
async function authorizationPageForm(offer: Offer): Promise<PageForm> {
  const par = await postForm(client.url('uni-a', 'par'), {
    response_type: 'code',
    client_id: 'learner-wallet',
    redirect_uri: 'https://wallet.example/callback',
    code_challenge: sha256Base64url('v'.repeat(43)),
    code_challenge_method: 'S256',
    issuer_state: String(offer.offer.issuerState),
  })
  expect(par.status).toBe(201)
  const query = new URLSearchParams({ client_id: 'learner-wallet', request_uri: par.body.request_uri })
  const page = await getPage(`${client.url('uni-a', 'authorize')}?${query}`)
  return formsOf(String(page.body))['authenticate-form']!
}

async function attemptsOf(offer: Offer): Promise<number> {
  return (await client.offerState(offer.offer.id)).txCodeAttempts
}

describe('a stranger holding the offer URL', () => {
  it('gets nothing personal from any route an offer id or its issuer_state reaches', async () => {
    const offer = await issuer.offer({ txCode: true })
    const id = offer.offer.id
    const seen: [string, HttpResult][] = []
    const see = async (what: string, res: Promise<HttpResult> | HttpResult) => {
      const r = await res
      seen.push([what, r])
      return r
    }

    // The offer by reference and its QR codes carry the offer URI and grants, nothing of the learner.
    const json = await see('offer by reference', getPage(`${issuer.url}/uni-a/offers/${id}`))
    expect(json.status).toBe(200)
    expect(Object.keys(json.body).sort()).toEqual(['credential_configuration_ids', 'credential_issuer', 'grants'])
    expect((await see('qr.svg', getPage(`${issuer.url}/uni-a/offers/${id}/qr.svg`))).status).toBe(200)
    expect((await see('qr.png', getPage(`${issuer.url}/uni-a/offers/${id}/qr.png`))).status).toBe(200)

    // The page: course, institution, the wallet links and the code form; no certificate.
    const { res: page, form } = await openPage(offer)
    seen.push(['page', page])
    expect(page.status).toBe(200)
    expectPublicPage('page', page)
    expect(String(page.body)).toContain(`id="open-in-wallet" href="${offer.sameDeviceLink}"`)
    expect(String(page.body)).toContain('<img class="qr" id="offer-qr" src="qr.svg"')
    expect(form).toMatchObject({ fields: ['tx_code'] })
    expect(Object.keys(form!.hidden).sort()).toEqual(['form_token', 'lang'])
    for (const [what, url, headers] of [
      ['page ?lang=de', pageUrl(offer, '?lang=de'), {}],
      ['page in German by Accept-Language', pageUrl(offer), { 'accept-language': 'de' }],
    ] as const) {
      const r = await see(what, getPage(url, headers))
      expect(r.status, what).toBe(200)
      expect(String(r.body), what).toContain('<strong id="course-title">Digitale Lerninhalte erstellen</strong>')
      expect(previewOf(String(r.body)), what).toBeUndefined()
    }

    // The certificate image: refused without a view token, with a made-up one, in any language.
    for (const query of ['', '?lang=en', '?lang=de', `?view=${randomBytes(32).toString('base64url')}`, '?view=']) {
      const r = await see(`certificate.png${query}`, getPage(certificateUrl(offer, query)))
      expectError(
        r,
        403,
        'forbidden',
        /^the certificate is shown only on the offer page, after the offer's transaction code was entered there$/,
      )
      expect(r.headers.get('content-type'), query).toMatch(/^application\/json/)
    }

    // Guessing on the page: a wrong code, an empty one, a form without its token.
    const wrong = await see('page, wrong code', enterCode(offer, wrongCodeFor(offer), { form: form! }))
    expect(wrong.status).toBe(400)
    expectPublicPage('page, wrong code', wrong)
    const noToken = await see(
      'page, no form token',
      postForm(form!.action, { tx_code: wrongCodeFor(offer, 2) }, { origin: new URL(issuer.url).origin }),
    )
    expect(noToken.status).toBe(400)
    expectPublicPage('page, no form token', noToken)

    // The authorization-code grant with the offer's issuer_state: the page asks for the code.
    const verifier = randomBytes(32).toString('base64url')
    const par = await see(
      'PAR',
      postForm(client.url('uni-a', 'par'), {
        response_type: 'code',
        client_id: 'stranger-wallet',
        redirect_uri: 'https://stranger.example/callback',
        code_challenge: sha256Base64url(verifier),
        code_challenge_method: 'S256',
        issuer_state: String(offer.offer.issuerState),
        scope: SD_JWT_CONFIG,
      }),
    )
    expect(par.status).toBe(201)
    const authorize = await see(
      'authorization page',
      getPage(
        `${client.url('uni-a', 'authorize')}?${new URLSearchParams({ client_id: 'stranger-wallet', request_uri: par.body.request_uri })}`,
      ),
    )
    expect(authorize.status).toBe(200)

    // The pre-authorized grant without the code.
    const token = await see('token without tx_code', client.token('uni-a', client.preAuthorizedParams(offer)))
    expectError(token, 400, 'invalid_request', /tx_code/)

    for (const [what, res] of seen) expectNothingPersonal(what, res)
    // One wrong code on the page was counted (the form without its token was not); nothing issued.
    expect(await client.offerState(id)).toMatchObject({ state: 'offered', txCodeAttempts: 1 })
    expect(await client.issuedFor(offer.awardId)).toEqual([])
  })

  it('an offer without a transaction code shows the course and the institution only: no form, no certificate', async () => {
    const offer = await issuer.offer({ txCode: false })
    const { res, form } = await openPage(offer)
    expect(res.status).toBe(200)
    expectPublicPage('page', res)
    expect(form).toBeUndefined()
    expect(String(res.body)).toContain('<p id="no-certificate">The certificate is not shown on this page')
    expect(String(res.body)).toContain('Anyone with this page can add the credential to a wallet')
    // A made-up form changes nothing and shows nothing.
    const posted = await postForm(
      pageUrl(offer),
      { tx_code: '123456', form_token: 'x' },
      { origin: new URL(issuer.url).origin },
    )
    expect(posted.status).toBe(400)
    expect(String(posted.body)).toContain('<p id="no-certificate" role="alert" data-error="no_code">')
    expectPublicPage('POST', posted)
    const image = await getPage(certificateUrl(offer))
    expectError(image, 403, 'forbidden', /^the certificate is shown only on the offer page/)
  })
})

describe('the code on the page', () => {
  it('the right code shows the preview in that answer, and its image by a short-lived token bound to the offer', async () => {
    const offer = await issuer.offer({ txCode: true })
    const other = await issuer.offer({ txCode: true })
    expect((await enterCode(offer, wrongCodeFor(offer))).status).toBe(400)

    const right = await enterCode(offer, String(offer.txCode))
    expect(right.status).toBe(200)
    expect(right.headers.get('cache-control')).toBe('no-store')
    const html = String(right.body)
    const preview = previewOf(html)
    expect(preview?.src).toMatch(/^certificate\.png\?view=[\w-]{43}&lang=en$/)
    expect(html).not.toContain('id="code-form"')
    expect(html).not.toContain(String(offer.txCode))
    // The right code neither counts nor gives the wrong one back; the offer stays open.
    expect(await client.offerState(offer.offer.id)).toMatchObject({ state: 'offered', txCodeAttempts: 1 })

    const image = await fetch(new URL(preview!.src, pageUrl(offer)))
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toBe('image/png')
    expect(image.headers.get('cache-control')).toBe('no-store')
    expect([...new Uint8Array(await image.arrayBuffer()).subarray(0, 8)]).toEqual(PNG_SIGNATURE)
    const de = await fetch(certificateUrl(offer, `?view=${preview!.view}&lang=de`))
    expect(de.headers.get('content-language')).toBe('de')

    // Bound to this offer: the token opens no other offer's certificate.
    expectError(
      await getPage(certificateUrl(other, `?view=${preview!.view}`)),
      403,
      'forbidden',
      /^the certificate is shown only on the offer page/,
    )
    // Short-lived: minutes, then refused.
    clock.advance(CERTIFICATE_VIEW_TTL_SECONDS + 1)
    expectError(
      await getPage(certificateUrl(offer, `?view=${preview!.view}`)),
      403,
      'forbidden',
      /^the certificate is shown only on the offer page/,
    )
    clock.reset()

    // In German, when the form says so.
    const german = await enterCode(offer, String(offer.txCode), { extra: { lang: 'de' } })
    expect(german.status).toBe(200)
    expect(german.headers.get('content-language')).toBe('de')
    expect(previewOf(String(german.body))?.src).toMatch(/&lang=de$/)
    expect(String(german.body)).toContain('alt="Zertifikatsseite zu „Digitale Lerninhalte erstellen“"')

    // Once the wallet redeemed the offer, no view token opens the image any more.
    const again = previewOf(String((await enterCode(offer, String(offer.txCode))).body))!
    await client.redeem(offer)
    const late = await getPage(certificateUrl(offer, `?view=${again.view}`))
    expectError(late, 404, 'not_found', /^this credential offer was redeemed, has expired, or does not exist$/)
  })

  it('wrong codes count with the token endpoint and the authorization page: the last burns the offer for every grant', async () => {
    const offer = await issuer.offer({ txCode: true })
    for (let i = 1; i < maxAttempts; i++) {
      const res = await enterCode(offer, wrongCodeFor(offer, i))
      expect(res.status).toBe(400)
      const left = maxAttempts - i
      expect(String(res.body)).toContain(
        `data-error="wrong_code">That code is not right. ${left === 1 ? 'One more wrong code blocks' : `${left} more wrong codes block`} this offer.</p>`,
      )
      expectPublicPage(`wrong code ${i}`, res)
      expect(await attemptsOf(offer)).toBe(i)
    }
    const last = await enterCode(offer, wrongCodeFor(offer, maxAttempts))
    expect(last.status).toBe(410)
    expect(String(last.body)).toContain('<p class="lead" id="problem" data-state="burnt">It was blocked after too many')
    expectNothingPersonal('burnt', last)
    const burnt = await client.offerState(offer.offer.id)
    // The page's code is the learner's code typed in a browser (offer-page-access.ts).
    expect(burnt).toMatchObject({ state: 'burnt', txCodeAttempts: maxAttempts, burntVia: 'authorization_code' })

    // The right code now: refused by the page, the token endpoint and PAR; nothing issued.
    const page = await getPage(pageUrl(offer))
    expect(page.status).toBe(410)
    expect(String(page.body)).toContain('data-state="burnt"')
    expectError(
      await client.token('uni-a', client.preAuthorizedParams(offer, String(offer.txCode))),
      400,
      'invalid_grant',
      /too many wrong transaction codes/,
    )
    const par = await postForm(client.url('uni-a', 'par'), {
      response_type: 'code',
      client_id: 'wallet',
      redirect_uri: 'https://wallet.example/cb',
      code_challenge: sha256Base64url('v'.repeat(43)),
      code_challenge_method: 'S256',
      issuer_state: String(offer.offer.issuerState),
    })
    expectError(par, 400, 'invalid_request', /issuer_state does not name an open credential offer/)
    expect(await client.issuedFor(offer.awardId)).toEqual([])
    expect(await client.offerState(offer.offer.id)).toEqual(burnt)
  })

  it('one counter across the page, the authorization page and the token endpoint: the wallet’s last wrong code burns it, and the page shows the state', async () => {
    const offer = await issuer.offer({ txCode: true })
    const authorizationForm = await authorizationPageForm(offer)
    for (let i = 1; i < maxAttempts; i++) {
      if (i % 3 === 1) expect((await enterCode(offer, wrongCodeFor(offer, i))).status).toBe(400)
      else if (i % 3 === 2) {
        const res = await postForm(authorizationForm.action, {
          ...authorizationForm.hidden,
          tx_code: wrongCodeFor(offer, i),
        })
        expect(res.status).toBe(400)
        expect(String(res.body)).toContain('data-error="wrong_code"')
      } else {
        const res = await client.token('uni-a', client.preAuthorizedParams(offer, wrongCodeFor(offer, i)))
        expectError(res, 400, 'invalid_grant', /the transaction code is wrong/)
      }
      expect(await attemptsOf(offer)).toBe(i)
    }
    const { form } = await openPage(offer)
    const last = await client.token('uni-a', client.preAuthorizedParams(offer, wrongCodeFor(offer, maxAttempts)))
    expectError(last, 400, 'invalid_grant', /too many wrong transaction codes/)
    expect(await client.offerState(offer.offer.id)).toMatchObject({ state: 'burnt', burntVia: 'pre-authorized_code' })
    // A form drawn before the burn, with the right code: the state, no certificate.
    const right = await enterCode(offer, String(offer.txCode), { form: form! })
    expect(right.status).toBe(410)
    expect(String(right.body)).toContain('data-state="burnt"')
    expect(previewOf(String(right.body))).toBeUndefined()
  })

  it('20 concurrent wrong codes on the page: no more than the limit are judged', async () => {
    const offer = await issuer.offer({ txCode: true })
    const forms = await Promise.all(Array.from({ length: 20 }, async () => (await openPage(offer)).form!))
    const answers = await Promise.all(forms.map((form, i) => enterCode(offer, wrongCodeFor(offer, i + 1), { form })))
    const statuses = answers.map((a) => a.status)
    expect(statuses.filter((s) => s === 400)).toHaveLength(maxAttempts - 1)
    expect(statuses.filter((s) => s === 410)).toHaveLength(20 - (maxAttempts - 1))
    expect(await client.offerState(offer.offer.id)).toMatchObject({ state: 'burnt', txCodeAttempts: maxAttempts })
  })

  it('a malformed answer is not an attempt; the field asks again with the focus on it', async () => {
    const offer = await issuer.offer({ txCode: true })
    for (const answer of ['', '   ', '1'.repeat(65)]) {
      const res = await enterCode(offer, answer)
      expect(res.status, answer).toBe(400)
      expect(String(res.body), answer).toContain(
        'data-error="malformed">That is not a transaction code: type the 6 digits you were sent.',
      )
      expect(String(res.body), answer).toMatch(/<input id="tx-code" name="tx_code"[^>]* autofocus>/)
    }
    expect(await attemptsOf(offer)).toBe(0)
    // Spaces between digit groups are tolerated, as on the authorization page.
    const spaced = await enterCode(offer, `${offer.txCode!.slice(0, 3)} ${offer.txCode!.slice(3)}`)
    expect(previewOf(String(spaced.body))).toBeDefined()
  })
})

describe('the code form refuses what a browser tab of this page would not send', () => {
  it('another site’s form (Origin, Sec-Fetch-Site, Origin: null): 403 in words, nothing checked, even with the right code', async () => {
    const offer = await issuer.offer({ txCode: true })
    const crossSite: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ]
    for (const headers of crossSite) {
      const what = JSON.stringify(headers)
      for (const code of [wrongCodeFor(offer), String(offer.txCode)]) {
        const res = await enterCode(offer, code, { headers })
        expect(res.status, what).toBe(403)
        expect(res.headers.get('cache-control'), what).toBe('no-store')
        expect(String(res.body), what).toContain('<h1>The code was not sent from this page</h1>')
        expect(previewOf(String(res.body)), what).toBeUndefined()
        expectNothingPersonal(what, res)
      }
    }
    expect(await attemptsOf(offer)).toBe(0)
  })

  it('a form token spent, expired, forged, or of another offer: asked again, nothing checked', async () => {
    const offer = await issuer.offer({ txCode: true })
    const other = await issuer.offer({ txCode: true })
    const { form } = await openPage(offer)
    const { form: otherForm } = await openPage(other)

    // Spent: the same form sent twice (a reload, a replay) — the second time nothing is checked.
    expect(previewOf(String((await enterCode(offer, String(offer.txCode), { form: form! })).body))).toBeDefined()
    const cases: [string, Record<string, string>][] = [
      ['spent', { form_token: form!.hidden.form_token! }],
      ['another offer’s', { form_token: otherForm!.hidden.form_token! }],
      ['forged', { form_token: `${Date.now().toString(36)}.${'A'.repeat(22)}.${'B'.repeat(22)}` }],
      ['missing', { form_token: '' }],
    ]
    for (const [what, token] of cases) {
      for (const code of [wrongCodeFor(offer), String(offer.txCode)]) {
        const res = await enterCode(offer, code, { form: form!, extra: token })
        expect(res.status, what).toBe(400)
        expect(String(res.body), what).toContain('data-error="form_expired">This form was already sent or is too old.')
        expectPublicPage(what, res)
      }
    }
    // Expired: a form left open longer than its lifetime.
    const { form: stale } = await openPage(offer)
    clock.advance(OFFER_FORM_TOKEN_TTL_SECONDS + 1)
    const late = await enterCode(offer, wrongCodeFor(offer), { form: stale! })
    expect(String(late.body)).toContain('data-error="form_expired"')
    expect(await attemptsOf(offer)).toBe(0)
    expect(await attemptsOf(other)).toBe(0)
  })

  it('a code in a URL is refused unread: GET ?tx_code=, POST ?tx_code=, certificate.png?tx_code=', async () => {
    const offer = await issuer.offer({ txCode: true })
    const code = String(offer.txCode)
    const get = await getPage(pageUrl(offer, `?tx_code=${code}`))
    expect(get.status).toBe(400)
    expect(String(get.body)).toContain('data-error="code_in_url">A transaction code is never accepted in a link.')
    expectPublicPage('GET ?tx_code', get)

    const { form } = await openPage(offer)
    const post = await enterCode(offer, code, { form: { ...form!, action: `${form!.action}?tx_code=${code}` } })
    expect(post.status).toBe(400)
    expect(String(post.body)).toContain('data-error="code_in_url"')
    expectPublicPage('POST ?tx_code', post)

    const image = await getPage(certificateUrl(offer, `?tx_code=${code}`))
    expectError(
      image,
      400,
      'invalid_request',
      /^a transaction code is never sent in a URL: enter it on the offer page$/,
    )
    expect(await attemptsOf(offer)).toBe(0)
    // The page's own form posts the code in its body to the page's own address.
    expect(form!.action).toBe(pageUrl(offer))
  })
})

describe('offers that are not open show their state, nothing else', () => {
  it('redeemed, expired, burnt, withdrawn, unknown', async () => {
    const redeemed = await issuer.offer({ txCode: true })
    await client.redeem(redeemed)
    const expired = await issuer.offer({ txCode: true })
    const withdrawn = await issuer.offer({ txCode: true })
    await issuer.store.offers.withdrawOpenOffers('uni-a', withdrawn.awardId, new Date())
    const burnt = await issuer.offer({ txCode: true })
    for (let i = 1; i <= maxAttempts; i++) await enterCode(burnt, wrongCodeFor(burnt, i))

    const later = issuer.ctx.config.offerTtlSeconds + 1
    const cases: [string, Offer | undefined, number, string][] = [
      ['redeemed', redeemed, 410, 'It was already added to a wallet.'],
      ['burnt', burnt, 410, 'It was blocked after too many wrong transaction codes.'],
      ['withdrawn', withdrawn, 410, 'Your institution withdrew it.'],
      ['unknown', undefined, 404, 'There is no open offer at this address.'],
      ['expired', expired, 410, 'Its time ran out before it was added to a wallet.'],
    ]
    for (const [state, offer, status, text] of cases) {
      if (state === 'expired') clock.advance(later)
      const url = offer ? pageUrl(offer) : `${issuer.url}/uni-a/offers/no-such-offer/page`
      const page = await getPage(url)
      expect(page.status, state).toBe(status)
      expect(page.headers.get('cache-control'), state).toBe('no-store')
      expect(String(page.body), state).toContain('<h1>This offer is no longer open</h1>')
      expect(String(page.body), state).toContain(`data-state="${state}">${text}`)
      expect(String(page.body), state).not.toMatch(/course-title|offer-qr|open-in-wallet|code-form|certificate/)
      expectNothingPersonal(state, page)
      if (offer) {
        const image = await getPage(certificateUrl(offer))
        expectError(image, 404, 'not_found', /^this credential offer was redeemed, has expired, or does not exist$/)
        // Its code changes nothing any more.
        const posted = await postForm(url, { tx_code: String(offer.txCode) }, { origin: new URL(issuer.url).origin })
        expect(posted.status, state).toBe(status)
        expectNothingPersonal(`${state} POST`, posted)
      }
    }
    expect((await client.offerState(withdrawn.offer.id)).state).toBe('withdrawn')
  })
})
