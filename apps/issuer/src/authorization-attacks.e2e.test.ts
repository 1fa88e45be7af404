// The authorization-code grant under attack (issue 12 §2; security.md "Every grant of an offer
// needs the same proof", "Redirect URIs"; VCI 1.0 §5, §13.6; RFC 9126; RFC 6749 §3.1.2, §10.12;
// RFC 9700 §4.1, §4.7): a stranger holding only an offer's link pushes an authorization request
// with its issuer_state and tries to take the credential. Real HTTP against a real issuer on a
// real embedded store; every rejection asserted exactly, and the store checked unchanged.
import { randomBytes } from 'node:crypto'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_SCOPES, createApiKey, mountAdminApi } from './admin/index.ts'
import type { CreatedOffer } from './issuance/offers.ts'
import {
  AttackClient,
  expectError,
  formsOf,
  getPage,
  type HttpResult,
  newKey,
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
let adminKey: string
let maxAttempts: number

const CLIENT_ID = 'stranger-wallet'
const REDIRECT_URI = 'https://stranger.example/callback'

beforeAll(async () => {
  issuer = await startTestIssuer({ now: clock.now, routes: [mountAdminApi] })
  client = new AttackClient(issuer, clock)
  adminKey = (await createApiKey(issuer.store, 'uni-a', ADMIN_SCOPES, new Date())).key
  maxAttempts = issuer.ctx.config.maxTxCodeAttempts
})
afterAll(async () => {
  await issuer?.close()
})

type Offer = CreatedOffer & { awardId: string }

function issuerStateOf(offer: Offer): string {
  return String(offer.offer.issuerState)
}

function parParams(issuerState: string, verifier: string, overrides: Record<string, string> = {}) {
  return {
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    code_challenge: sha256Base64url(verifier),
    code_challenge_method: 'S256',
    issuer_state: issuerState,
    scope: SD_JWT_CONFIG,
    ...overrides,
  }
}

/** What a stranger with the offer link does first: a pushed request with its issuer_state. */
async function push(offer: Offer, verifier = randomBytes(32).toString('base64url')) {
  const res = await postForm(client.url('uni-a', 'par'), parParams(issuerStateOf(offer), verifier))
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return { requestUri: String(res.body.request_uri), verifier }
}

function authorizationUrl(requestUri: string, clientId = CLIENT_ID): string {
  return `${client.url('uni-a', 'authorize')}?${new URLSearchParams({ client_id: clientId, request_uri: requestUri })}`
}

async function openPage(requestUri: string): Promise<{ html: string; forms: Record<string, PageForm> }> {
  const page = await getPage(authorizationUrl(requestUri))
  expect(page.status).toBe(200)
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
  expect(page.headers.get('cache-control')).toBe('no-store')
  // The request_uri in the page's URL goes to no other site; the page's own posts keep their Origin.
  expect(page.headers.get('referrer-policy')).toBe('same-origin')
  const html = String(page.body)
  return { html, forms: formsOf(html) }
}

/** Types `code` into the page's authentication form. */
function enterCode(form: PageForm, code: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return postForm(form.action, { ...form.hidden, [form.fields[0]!]: code }, headers)
}

function wrongCodeFor(offer: Offer, i = 1): string {
  return String((Number(offer.txCode) + i) % 1_000_000).padStart(6, '0')
}

/** Everything the authorization flow or the offer could have changed, to compare before and after. */
async function snapshot(offer: Offer) {
  const { rows } = await issuer.store.sql.query<{ kind: string; n: number }>(
    `SELECT kind, count(*)::int AS n FROM single_use_values
     WHERE tenant_id = 'uni-a' AND kind IN ('authorization_code', 'par_request_uri') AND consumed_at IS NULL
     GROUP BY kind ORDER BY kind`,
  )
  return {
    offer: await client.offerState(offer.offer.id),
    issued: await client.issuedFor(offer.awardId),
    open: Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)])),
  }
}

/** The learner's own wallet, redeeming the pre-authorized code with the right tx_code, then a credential. */
async function learnerRedeems(offer: Offer) {
  const token = await client.redeem(offer)
  const key = await newKey()
  const res = await client.credential('uni-a', token, await client.credentialBody(key, await client.nonce()))
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return { key, credential: String(res.body.credentials[0].credential) }
}

async function adminOfferView(offer: Offer) {
  const res = await fetch(`${issuer.url}/admin/uni-a/awards/${offer.awardId}`, {
    headers: { authorization: `Bearer ${adminKey}` },
  })
  expect(res.status).toBe(200)
  const award = (await res.json()) as { offers: { id: string }[] }
  return award.offers.find((o) => o.id === offer.offer.id)
}

describe('the bypass of issue 12 §2: a stranger with the offer link', () => {
  it('sees no personal data, cannot approve, changes nothing, and the learner’s tx_code still works afterwards', async () => {
    const offer = await issuer.offer({ txCode: true })
    expect(offer.credentialOffer.grants).toHaveProperty('authorization_code')
    const { requestUri } = await push(offer)
    const before = await snapshot(offer)

    // The page shows the course and the institution and asks for the code; nothing of the learner.
    const { html, forms } = await openPage(requestUri)
    expect(html).toContain('<strong id="credential-title">Creating Digital Learning Content</strong>')
    expect(html).toContain('<span id="institution">University of Adlerstadt</span>')
    expect(html).not.toMatch(/Ana|Andromeda|learner-name|ana\.andromeda/i)
    expect(Object.keys(forms).sort()).toEqual(['authenticate-form', 'cancel-form'])
    expect(forms['authenticate-form']!.fields).toEqual(['tx_code'])
    expect(html).not.toContain('decision_token')
    expect(html).not.toContain(String(offer.txCode))

    // Approving straight away (the old bypass) is refused: no decision token, or a made-up one.
    const decision = `${client.url('uni-a', 'authorize/decision')}`
    const bare = await postForm(decision, { client_id: CLIENT_ID, request_uri: requestUri, decision: 'approve' })
    expectError(bare, 403, 'access_denied', /^the learner has not been authenticated for this authorization request$/)
    const forged = await postForm(decision, {
      client_id: CLIENT_ID,
      request_uri: requestUri,
      decision_token: randomBytes(32).toString('base64url'),
      decision: 'approve',
    })
    expectError(forged, 403, 'access_denied', /^the learner has not been authenticated/)
    expect(await snapshot(offer)).toEqual(before)

    // The learner, later, with the right tx_code: a token and a credential bound to their key.
    const { key, credential } = await learnerRedeems(offer)
    expect(decodeJwt(credential.split('~')[0]!).cnf).toEqual({ jwk: key.publicJwk })
    expect((await client.offerState(offer.offer.id)).state).toBe('credential_issued')
    // And the stranger's pushed request can no longer even show the page.
    const late = await getPage(authorizationUrl(requestUri))
    expectError(late, 400, 'invalid_request', /^the credential offer is no longer open: it was redeemed/)
  })

  it('cannot guess the code: wrong codes are counted, the page asks again without the name, nothing is issued', async () => {
    const offer = await issuer.offer({ txCode: true })
    const { requestUri } = await push(offer)
    const { forms } = await openPage(requestUri)
    const res = await enterCode(forms['authenticate-form']!, wrongCodeFor(offer))
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const html = String(res.body)
    expect(html).toContain(`data-error="wrong_code">That code is not right. ${maxAttempts - 1} more wrong codes`)
    expect(html).not.toMatch(/Andromeda|learner-name|decision_token/)
    expect(await client.offerState(offer.offer.id)).toMatchObject({ state: 'offered', txCodeAttempts: 1 })
    expect(await client.issuedFor(offer.awardId)).toEqual([])
    // An empty answer is not an attempt.
    const empty = await enterCode(forms['authenticate-form']!, '  ')
    expect(empty.status).toBe(400)
    expect(String(empty.body)).toContain('data-error="malformed">the transaction code is missing')
    expect((await client.offerState(offer.offer.id)).txCodeAttempts).toBe(1)
    // The learner's code still works, at the token endpoint too.
    await learnerRedeems(offer)
  })
})

describe('wrong codes ×N burn the offer through both grants', () => {
  it('N wrong codes on the authorization page: the wallet gets access_denied, the token request invalid_grant, PAR invalid_request, the admin sees why', async () => {
    const offer = await issuer.offer({ txCode: true })
    const { requestUri } = await push(offer)
    const { forms } = await openPage(requestUri)
    for (let i = 1; i < maxAttempts; i++) {
      const res = await enterCode(forms['authenticate-form']!, wrongCodeFor(offer, i))
      expect(res.status).toBe(400)
      expect(String(res.body)).toContain('data-error="wrong_code"')
    }
    const last = await enterCode(forms['authenticate-form']!, wrongCodeFor(offer, maxAttempts))
    expect(last.status).toBe(303)
    const location = new URL(String(last.headers.get('location')))
    expect(location.origin + location.pathname).toBe(REDIRECT_URI)
    expect(Object.fromEntries(location.searchParams)).toEqual({
      iss: `${issuer.url}/uni-a`,
      error: 'access_denied',
      error_description: 'too many wrong transaction codes: this offer can no longer be redeemed',
    })
    const burnt = await client.offerState(offer.offer.id)
    expect(burnt).toMatchObject({ state: 'burnt', txCodeAttempts: maxAttempts, burntVia: 'authorization_code' })
    expect(burnt.burntAt).toBeInstanceOf(Date)

    // The right code is refused through every grant now.
    const token = await client.token('uni-a', client.preAuthorizedParams(offer, offer.txCode))
    expectError(token, 400, 'invalid_grant', /too many wrong transaction codes/)
    const again = await postForm(client.url('uni-a', 'par'), parParams(issuerStateOf(offer), 'v'.repeat(43)))
    expectError(again, 400, 'invalid_request', /issuer_state does not name an open credential offer/)
    expect(await client.issuedFor(offer.awardId)).toEqual([])
    expect(await client.offerState(offer.offer.id)).toEqual(burnt)

    // The admin sees the offer blocked, with how many codes, when, and through which grant.
    expect(await adminOfferView(offer)).toMatchObject({
      state: 'burnt',
      txCodeRequired: true,
      txCodeAttempts: maxAttempts,
      burntAt: burnt.burntAt?.toISOString(),
      burntVia: 'authorization_code',
    })
  })

  it('one counter for both grants: wrong codes at the token endpoint and on the page add up, and a pushed request of a burnt offer shows nothing', async () => {
    const offer = await issuer.offer({ txCode: true })
    const { requestUri } = await push(offer)
    const { forms } = await openPage(requestUri)
    for (let i = 1; i < maxAttempts; i++) {
      if (i % 2) {
        const res = await client.token('uni-a', client.preAuthorizedParams(offer, wrongCodeFor(offer, i)))
        expectError(res, 400, 'invalid_grant', /the transaction code is wrong/)
      } else {
        expect((await enterCode(forms['authenticate-form']!, wrongCodeFor(offer, i))).status).toBe(400)
      }
    }
    expect((await client.offerState(offer.offer.id)).txCodeAttempts).toBe(maxAttempts - 1)
    const last = await client.token('uni-a', client.preAuthorizedParams(offer, wrongCodeFor(offer, maxAttempts)))
    expectError(last, 400, 'invalid_grant', /too many wrong transaction codes/)
    expect(await client.offerState(offer.offer.id)).toMatchObject({
      state: 'burnt',
      txCodeAttempts: maxAttempts,
      burntVia: 'pre-authorized_code',
    })
    // The right code on the page now: refused, and the page names no one.
    const right = await enterCode(forms['authenticate-form']!, String(offer.txCode))
    expectError(right, 400, 'invalid_request', /too many wrong transaction codes/)
    const page = await getPage(authorizationUrl(requestUri))
    expectError(page, 400, 'invalid_request', /too many wrong transaction codes/)
    expect(await client.issuedFor(offer.awardId)).toEqual([])
  })

  it('20 concurrent wrong codes on the page: no more than the limit are judged', async () => {
    const offer = await issuer.offer({ txCode: true })
    const { requestUri } = await push(offer)
    const { forms } = await openPage(requestUri)
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => enterCode(forms['authenticate-form']!, wrongCodeFor(offer, i + 1))),
    )
    const judgedWrong = results.filter((r) => r.status === 400 && String(r.body).includes('data-error="wrong_code"'))
    const burning = results.filter((r) => r.status === 303)
    expect(judgedWrong).toHaveLength(maxAttempts - 1)
    expect(burning).toHaveLength(1)
    for (const r of results.filter((r) => !judgedWrong.includes(r) && !burning.includes(r))) {
      expect(r.status).toBe(400)
      expect(r.body.error).toBe('invalid_request')
    }
    expect(await client.offerState(offer.offer.id)).toMatchObject({ state: 'burnt', txCodeAttempts: maxAttempts })
  })
})

describe('the learner with the right code', () => {
  it('sees the credential and their name only after the code, approves, and receives the credential', async () => {
    const offer = await issuer.offer({ txCode: true })
    const { requestUri, verifier } = await push(offer)
    const { forms } = await openPage(requestUri)
    const consent = await enterCode(forms['authenticate-form']!, ` ${offer.txCode} `)
    expect(consent.status).toBe(200)
    const html = String(consent.body)
    expect(html).toContain('<span id="learner-name">Ana Andromeda</span>')
    expect(html).toContain('<strong id="credential-title">Creating Digital Learning Content</strong>')
    expect(html).toContain('which will receive it at stranger.example')
    // The CSP lets the decision's redirect go to the wallet's redirect URI and nowhere else.
    expect(consent.headers.get('content-security-policy')).toContain(
      "form-action 'self' https://stranger.example; frame-ancestors 'none'",
    )
    const decisionForm = formsOf(html)['decision-form']!
    expect(Object.keys(decisionForm.hidden).sort()).toEqual(['client_id', 'decision_token', 'request_uri'])
    // The right code counts no attempt.
    expect(await client.offerState(offer.offer.id)).toMatchObject({ state: 'offered', txCodeAttempts: 0 })

    const approved = await postForm(decisionForm.action, { ...decisionForm.hidden, decision: 'approve' })
    expect(approved.status).toBe(303)
    const redirect = new URL(String(approved.headers.get('location')))
    expect(redirect.searchParams.get('iss')).toBe(`${issuer.url}/uni-a`)
    const code = String(redirect.searchParams.get('code'))
    const token = await client.token('uni-a', {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
      client_id: CLIENT_ID,
    })
    expect(token.status, JSON.stringify(token.body)).toBe(200)
    const key = await newKey()
    const res = await client.credential(
      'uni-a',
      token.body.access_token,
      await client.credentialBody(key, await client.nonce()),
    )
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(decodeJwt(String(res.body.credentials[0].credential).split('~')[0]!).cnf).toEqual({ jwk: key.publicJwk })

    // The decision token was single-use, and the pre-authorized grant is spent with the offer.
    const replay = await postForm(decisionForm.action, { ...decisionForm.hidden, decision: 'approve' })
    expectError(replay, 400, 'invalid_request', /request_uri is unknown, expired, used/)
    const preAuthorized = await client.token('uni-a', client.preAuthorizedParams(offer, offer.txCode))
    expectError(preAuthorized, 400, 'invalid_grant', /unknown or was already used/)
  })

  it('can cancel on the code page: the wallet gets access_denied, the offer stays open', async () => {
    const offer = await issuer.offer({ txCode: true })
    const { requestUri } = await push(offer)
    const { forms } = await openPage(requestUri)
    const cancel = forms['cancel-form']!
    const res = await postForm(cancel.action, { ...cancel.hidden, decision: 'deny' })
    expect(res.status).toBe(303)
    expect(new URL(String(res.headers.get('location'))).searchParams.get('error')).toBe('access_denied')
    expect(await client.offerState(offer.offer.id)).toMatchObject({ state: 'offered', txCodeAttempts: 0 })
    await learnerRedeems(offer)
  })
})

describe('an offer the admin made without a transaction code', () => {
  it('shows title and institution only, says anyone with the link can take it, and approves without a code', async () => {
    const offer = await issuer.offer({ txCode: false })
    const { requestUri } = await push(offer)
    const { html, forms } = await openPage(requestUri)
    expect(html).toContain('<strong id="credential-title">Creating Digital Learning Content</strong>')
    expect(html).toContain('<span id="institution">University of Adlerstadt</span>')
    expect(html).not.toMatch(/Ana|Andromeda|learner-name/)
    expect(html).toContain('id="no-proof">This offer was made without a transaction code')
    expect(Object.keys(forms)).toEqual(['decision-form'])
    const form = forms['decision-form']!
    const approved = await postForm(form.action, { ...form.hidden, decision: 'approve' })
    expect(approved.status).toBe(303)
    expect(new URL(String(approved.headers.get('location'))).searchParams.get('code')).toBeTruthy()
  })
})

describe('the decision step refuses an unauthenticated request_uri', () => {
  it('a decision token of another pushed request does not approve this one, and is spent trying', async () => {
    const protectedOffer = await issuer.offer({ txCode: true })
    const openOffer = await issuer.offer({ txCode: false })
    const target = await push(protectedOffer)
    // The stranger gets a decision token legitimately, for an offer without a code …
    const other = await push(openOffer)
    const token = (await openPage(other.requestUri)).forms['decision-form']!.hidden.decision_token!
    const before = await snapshot(protectedOffer)
    // … and tries it on the protected offer's request.
    const res = await postForm(client.url('uni-a', 'authorize/decision'), {
      client_id: CLIENT_ID,
      request_uri: target.requestUri,
      decision_token: token,
      decision: 'approve',
    })
    expectError(res, 403, 'access_denied', /the learner has not been authenticated/)
    expect(await snapshot(protectedOffer)).toEqual(before)
    // The token was single-use: spent by the failed attempt, so its own request cannot use it either.
    const own = await postForm(client.url('uni-a', 'authorize/decision'), {
      client_id: CLIENT_ID,
      request_uri: other.requestUri,
      decision_token: token,
      decision: 'approve',
    })
    expectError(own, 403, 'access_denied', /the learner has not been authenticated/)
  })

  it('the decision token is bound to the client too: another client_id is refused', async () => {
    const offer = await issuer.offer({ txCode: true })
    const { requestUri } = await push(offer)
    const consent = await enterCode((await openPage(requestUri)).forms['authenticate-form']!, String(offer.txCode))
    const form = formsOf(String(consent.body))['decision-form']!
    const res = await postForm(form.action, { ...form.hidden, client_id: 'another-wallet', decision: 'approve' })
    expectError(res, 400, 'invalid_request', /not of this client/)
    // Still answerable by its own client.
    const ok = await postForm(form.action, { ...form.hidden, decision: 'approve' })
    expect(ok.status).toBe(303)
  })
})

describe('CSRF: the forms cannot be posted from another site', () => {
  it('a cross-site decision (Origin, Sec-Fetch-Site) is refused before the token is looked at', async () => {
    const offer = await issuer.offer({ txCode: true })
    const { requestUri } = await push(offer)
    const consent = await enterCode((await openPage(requestUri)).forms['authenticate-form']!, String(offer.txCode))
    const form = formsOf(String(consent.body))['decision-form']!
    const approve = { ...form.hidden, decision: 'approve' }
    const before = await snapshot(offer)
    const byOrigin = await postForm(form.action, approve, { origin: 'https://evil.example' })
    expectError(byOrigin, 403, 'access_denied', /^the form was not sent from this issuer's page \(Origin\)$/)
    const nullOrigin = await postForm(form.action, approve, { origin: 'null' })
    expectError(nullOrigin, 403, 'access_denied', /\(Origin\)/)
    const byFetchMetadata = await postForm(form.action, approve, { 'sec-fetch-site': 'cross-site' })
    expectError(byFetchMetadata, 403, 'access_denied', /\(Sec-Fetch-Site\)/)
    const sameSite = await postForm(form.action, approve, { 'sec-fetch-site': 'same-site' })
    expectError(sameSite, 403, 'access_denied', /\(Sec-Fetch-Site\)/)
    expect(await snapshot(offer)).toEqual(before)
    // From the issuer's own page, the same token still works.
    const ok = await postForm(form.action, approve, {
      origin: new URL(issuer.url).origin,
      'sec-fetch-site': 'same-origin',
    })
    expect(ok.status).toBe(303)
  })

  it('a cross-site code entry is refused and counts no attempt', async () => {
    const offer = await issuer.offer({ txCode: true })
    const { requestUri } = await push(offer)
    const form = (await openPage(requestUri)).forms['authenticate-form']!
    const res = await enterCode(form, wrongCodeFor(offer), { origin: 'https://evil.example' })
    expectError(res, 403, 'access_denied', /\(Origin\)/)
    expect(await client.offerState(offer.offer.id)).toMatchObject({ state: 'offered', txCodeAttempts: 0 })
  })
})

describe('PAR redirect_uri (RFC 6749 §3.1.2, RFC 8252 §7, RFC 9700 §4.1)', () => {
  it.each([
    ['javascript:alert(document.cookie)', 'redirect_uri must not use the javascript: scheme'],
    ['data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', 'redirect_uri must not use the data: scheme'],
    ['file:///etc/passwd', 'redirect_uri must not use the file: scheme'],
    ['vbscript:msgbox(1)', 'redirect_uri must not use the vbscript: scheme'],
    ['blob:https://stranger.example/0b1c', 'redirect_uri must not use the blob: scheme'],
    ['https://stranger.example/callback#x', 'redirect_uri must not contain a fragment (RFC 6749 section 3.1.2)'],
    ['/callback', 'redirect_uri must be an absolute URI (RFC 3986) of URI characters only'],
    ['java\tscript:alert(1)', 'redirect_uri must be an absolute URI (RFC 3986) of URI characters only'],
    ['http://stranger.example/callback', 'redirect_uri may use http only on a loopback address (RFC 8252 section 7.3)'],
    ['https://wallet.example@stranger.example/cb', 'redirect_uri must not carry user information'],
  ])('%j → 400 invalid_request naming the problem, nothing stored', async (redirectUri, problem) => {
    const offer = await issuer.offer({ txCode: true })
    const before = await snapshot(offer)
    const res = await postForm(
      client.url('uni-a', 'par'),
      parParams(issuerStateOf(offer), 'v'.repeat(43), { redirect_uri: redirectUri }),
    )
    expectError(res, 400, 'invalid_request', new RegExp(`^${problem.replace(/[.()]/g, '\\$&')}$`))
    expect(await snapshot(offer)).toEqual(before)
  })

  it.each([
    'eudi-openid4ci://authorize',
    'http://127.0.0.1:43123/callback',
    'http://[::1]:43123/callback',
    'com.example.wallet:/oauth2redirect',
  ])('%s (native wallet) is accepted, and the decision redirects there', async (redirectUri) => {
    const offer = await issuer.offer({ txCode: true })
    const res = await postForm(
      client.url('uni-a', 'par'),
      parParams(issuerStateOf(offer), 'v'.repeat(43), { redirect_uri: redirectUri }),
    )
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    const page = await openPage(String(res.body.request_uri))
    const consent = await enterCode(page.forms['authenticate-form']!, String(offer.txCode))
    // CSP3 host-source cannot name an IPv6 literal: such a target is named by its scheme.
    const target = new URL(redirectUri)
    const formAction = target.protocol === 'http:' && !target.hostname.startsWith('[') ? target.origin : target.protocol
    expect(consent.headers.get('content-security-policy')).toContain(`form-action 'self' ${formAction};`)
    const form = formsOf(String(consent.body))['decision-form']!
    const approved = await postForm(form.action, { ...form.hidden, decision: 'approve' })
    expect(approved.status).toBe(303)
    expect(String(approved.headers.get('location')).startsWith(`${redirectUri}?`)).toBe(true)
  })
})
