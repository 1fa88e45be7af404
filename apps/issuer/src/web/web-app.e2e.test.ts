// The web app's endpoints over real HTTP against the real app and an embedded store (style.md,
// practice 8): the admin app's files and headers, the Annex I check, the certificate images, and
// the learner's offer page, with exact statuses and error bodies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_SCOPES, createApiKey, mountAdminApi } from '../admin/index.ts'
import { mountIssuerWebApp } from '../http/web-app.ts'
import { COURSE_ID, readExample, startTestIssuer, type TestIssuer } from '../testing/issuer-harness.ts'
import { redeemOffer, testWallet } from '../testing/test-wallet.ts'
import { WEB_ASSETS } from './web-assets.ts'

let issuer: TestIssuer
let key: string
let readOnly: string
const specification = readExample('specification.json')
const ana = readExample('awards/ana-andromeda.json')
const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10]

beforeAll(async () => {
  issuer = await startTestIssuer({ routes: [mountAdminApi, mountIssuerWebApp] })
  key = (await createApiKey(issuer.store, 'uni-a', ADMIN_SCOPES, new Date())).key
  readOnly = (await createApiKey(issuer.store, 'uni-a', ['read'], new Date())).key
})
afterAll(async () => {
  await issuer?.close()
})

async function call(path: string, options: { body?: unknown; key?: string | null; method?: string } = {}) {
  const headers: Record<string, string> = {}
  const k = options.key === undefined ? key : options.key
  if (k !== null) headers.authorization = `Bearer ${k}`
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(`${issuer.url}${path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  })
  const bytes = new Uint8Array(await response.arrayBuffer())
  const text = new TextDecoder().decode(bytes)
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, json, text, bytes }
}

function without(field: string, from: Record<string, unknown> = specification) {
  const { [field]: _dropped, ...rest } = from
  return rest
}

describe('the admin app files', () => {
  it('serves the app at /ui/ with a CSP that allows no inline script or style', async () => {
    const r = await call('/ui/', { key: null })
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const csp = r.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("style-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-inline')
    expect(r.headers.get('x-content-type-options')).toBe('nosniff')
    expect(r.text).toContain('<script type="module" src="app.js"></script>')
    // Every <script> has a src: nothing inline.
    expect(r.text.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull()
  })

  it('serves every file of the list, each with its type, and no address outside this issuer', async () => {
    for (const [name, type] of Object.entries(WEB_ASSETS)) {
      const r = await call(`/ui/${name}`, { key: null })
      expect(r.status, name).toBe(200)
      expect(r.headers.get('content-type'), name).toBe(type)
      // No CDN, no web font, no remote import: the only absolute URL is the SVG namespace.
      const absolute = r.text.match(/https?:\/\/[^\s"'`)]+/g) ?? []
      expect(
        absolute.filter((u) => u !== 'http://www.w3.org/2000/svg'),
        name,
      ).toEqual([])
      expect(r.text, name).not.toMatch(/@import|@font-face|\/\/cdn/)
    }
  })

  it('serves nothing else from the folder, and leads /admin/ and /ui to the app', async () => {
    for (const path of ['/ui/web-app.e2e.test.ts', '/ui/offer-page.ts', '/ui/nope.js']) {
      const r = await call(path, { key: null })
      expect(r.status, path).toBe(404)
      expect(r.json, path).toEqual({ error: 'not_found', error_description: 'no such endpoint' })
    }
    // A segment that decodes to a slash names no file: refused before any route (issue 12 §5).
    const traversal = await call('/ui/..%2Fweb-app.ts', { key: null })
    expect(traversal.status).toBe(400)
    expect(traversal.json).toMatchObject({ error: 'invalid_request' })
    const ui = await fetch(`${issuer.url}/ui`, { redirect: 'manual' })
    expect(ui.status).toBe(302)
    expect(new URL(ui.headers.get('location')!, `${issuer.url}/ui`).pathname).toBe('/ui/')
    for (const path of ['/admin', '/admin/']) {
      const r = await fetch(`${issuer.url}${path}`, { redirect: 'manual' })
      expect(r.status, path).toBe(302)
      expect(new URL(r.headers.get('location')!, `${issuer.url}${path}`).pathname, path).toBe('/ui/')
    }
    // The admin API is where it was.
    expect((await call('/admin/openapi.json', { key: null })).status).toBe(200)
  })
})

describe('POST /admin/{tenant}/specifications/{id}/annex-i-check', () => {
  const path = '/admin/uni-a/specifications/checked-course/annex-i-check'

  it('reports a complete course: every mandatory element stated, each element with its source', async () => {
    const r = await call(path, { body: { specification }, key: readOnly })
    expect(r.status).toBe(200)
    expect(r.headers.get('cache-control')).toBe('no-store')
    expect(r.json).toMatchObject({
      id: 'checked-course',
      valid: true,
      isMicroCredential: true,
      missing: [],
      issues: [],
    })
    expect(r.json.elements).toHaveLength(16)
    expect(r.json.elements.map((e: { status: string }) => e.status).slice(0, 11)).toEqual(Array(11).fill('present'))
    const byNumber = Object.fromEntries(r.json.elements.map((e: { number: number }) => [e.number, e]))
    expect(byNumber[1]).toEqual({
      number: 1,
      name: 'Identification of the learner',
      mandatory: true,
      status: 'present',
      source: 'award',
      issues: [],
    })
    expect(byNumber[4]).toMatchObject({ source: 'tenant', value: expect.stringContaining('University of Adlerstadt') })
    expect(byNumber[7]).toMatchObject({ source: 'course', value: expect.stringContaining('PT125H') })
    // A dry run: nothing stored.
    expect((await call('/admin/uni-a/specifications/checked-course')).status).toBe(404)
  })

  it('names a mandatory element the course does not state (quality assurance): PUT refuses it too', async () => {
    const r = await call(path, { body: { specification: without('qualityAssurance') } })
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ valid: true, isMicroCredential: false, missing: [11], issues: [] })
    expect(r.json.elements[10]).toEqual({
      number: 11,
      name: 'Type of quality assurance used to underpin the micro-credential',
      mandatory: true,
      status: 'missing',
      source: 'course',
      issues: [],
    })
    const put = await call('/admin/uni-a/specifications/checked-course', {
      method: 'PUT',
      body: { specification: without('qualityAssurance') },
    })
    expect(put.status).toBe(400)
    expect(put.json.issues).toEqual([
      {
        path: 'specification (Annex I element 11)',
        message: expect.stringMatching(/^Type of quality assurance used to underpin the micro-credential is missing/),
      },
    ])
  })

  it('judges an invalid course element by element: missing, invalid, present, and the issues by path', async () => {
    const broken = { ...without('learningOutcomes'), eqfLevel: 'level six', languages: [] }
    const r = await call('/admin/uni-a/specifications/Bad_Id/annex-i-check', { body: { specification: broken } })
    expect(r.status).toBe(200)
    expect(r.json.valid).toBe(false)
    expect(r.json.isMicroCredential).toBe(false)
    expect(r.json.missing).toEqual([6, 8])
    const byNumber = Object.fromEntries(r.json.elements.map((e: { number: number }) => [e.number, e]))
    expect(byNumber[6]).toMatchObject({
      status: 'missing',
      issues: [{ path: 'specification.learningOutcomes', message: expect.any(String) }],
    })
    expect(byNumber[8].status).toBe('invalid')
    expect(byNumber[8].issues).toContainEqual({
      path: 'specification.eqfLevel',
      message: 'level six is not a known EQF level (expected a concept of http://data.europa.eu/snb/eqf/25831c2)',
    })
    expect(byNumber[2]).toMatchObject({ status: 'present', issues: [] })
    expect(byNumber[11]).toMatchObject({ status: 'present' })
    expect(byNumber[1]).toMatchObject({ status: 'present', source: 'award' })
    const paths = r.json.issues.map((i: { path: string }) => i.path)
    expect(paths).toEqual(
      expect.arrayContaining([
        'id',
        'specification.learningOutcomes',
        'specification.eqfLevel',
        'specification.languages',
      ]),
    )
  })

  it('400 for a body that is not a course to check; 401 without a key', async () => {
    const none = await call(path, { method: 'POST' })
    expect(none.status).toBe(400)
    expect(none.json).toEqual({
      error: 'invalid_input',
      error_description: 'annex-i-check: a JSON body is required',
      issues: [{ path: '(body)', message: 'is required' }],
    })
    const extra = await call(path, { body: { specification, expectedVersion: 1 } })
    expect(extra.status).toBe(400)
    expect(extra.json).toEqual({
      error: 'invalid_input',
      error_description: 'annex-i-check is invalid: expectedVersion: unknown field',
      issues: [{ path: 'expectedVersion', message: 'unknown field' }],
    })
    const list = await call(path, { body: { specification: [1] } })
    expect(list.status).toBe(400)
    expect(list.json.issues).toEqual([{ path: 'specification', message: expect.any(String) }])
    const anonymous = await call(path, { body: { specification }, key: null })
    expect(anonymous.status).toBe(401)
  })
})

describe('certificate images', () => {
  it("GET /admin/{tenant}/awards/{id}/certificate.png: the EDC's page in the language asked for", async () => {
    const award = await call('/admin/uni-a/awards', { body: { specificationId: COURSE_ID, award: ana } })
    expect(award.status).toBe(201)
    const en = await call(`/admin/uni-a/awards/${award.json.id}/certificate.png?lang=en`, { key: readOnly })
    expect(en.status).toBe(200)
    expect(en.headers.get('content-type')).toBe('image/png')
    expect(en.headers.get('content-language')).toBe('en')
    expect(en.headers.get('cache-control')).toBe('no-store')
    expect([...en.bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE)
    const de = await call(`/admin/uni-a/awards/${award.json.id}/certificate.png?lang=de`)
    expect(de.headers.get('content-language')).toBe('de')
    expect(Buffer.from(de.bytes).equals(Buffer.from(en.bytes))).toBe(false)
    // Without a language, or one the document lacks: its primary language.
    const primary = await call(`/admin/uni-a/awards/${award.json.id}/certificate.png`)
    expect(['en', 'de']).toContain(primary.headers.get('content-language'))
    const fr = await call(`/admin/uni-a/awards/${award.json.id}/certificate.png?lang=fr`)
    expect(fr.headers.get('content-language')).toBe(primary.headers.get('content-language'))
    expect(Buffer.from(fr.bytes).equals(Buffer.from(primary.bytes))).toBe(true)

    const bad = await call(`/admin/uni-a/awards/${award.json.id}/certificate.png?lang=english`)
    expect(bad.status).toBe(400)
    expect(bad.json.issues).toEqual([{ path: 'lang', message: 'must be a language tag such as en or de' }])
    const missing = await call('/admin/uni-a/awards/nope/certificate.png')
    expect(missing.status).toBe(404)
    expect(missing.json).toEqual({ error: 'not_found', error_description: 'no award nope' })
    expect((await call(`/admin/uni-a/awards/${award.json.id}/certificate.png`, { key: null })).status).toBe(401)
  })
})

describe('the learner offer page', () => {
  // The certificate (the learner's name, grade, birth date…) is shown only after the offer's
  // transaction code was typed on the page (issue 12 §2's class; offer-page-attacks.e2e.test.ts
  // has the attacks): these tests changed with it — the page no longer shows the preview to
  // whoever has its URL, and its Referrer-Policy is same-origin so that its form posts keep their
  // Origin.
  it('shows the QR code, the same-device link, the tx_code hint and a code form; the certificate only after the code', async () => {
    const created = await issuer.offer({ txCode: true })
    const pageUrl = `${issuer.url}/uni-a/offers/${created.offer.id}/page`
    const r = await fetch(pageUrl)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(r.headers.get('cache-control')).toBe('no-store')
    expect(r.headers.get('referrer-policy')).toBe('same-origin')
    expect(r.headers.get('content-language')).toBe('en')
    const csp = r.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("form-action 'self'")
    expect(csp).not.toContain('unsafe-inline')
    const html = await r.text()
    expect(html).not.toMatch(/<script/i)
    expect(html).toContain('<h1>Your micro-credential is ready</h1>')
    expect(html).toContain('<strong id="course-title">Creating Digital Learning Content</strong>')
    expect(html).toContain(`id="open-in-wallet" href="${created.sameDeviceLink}"`)
    expect(html).toContain('<img class="qr" id="offer-qr" src="qr.svg"')
    expect(html).not.toContain('certificate.png')
    expect(html).not.toContain('Andromeda')
    expect(html).toMatch(/id="tx-code-hint">Your wallet will ask for a 6-digit transaction code\./)
    expect(html).toContain('<form method="post" action="page" id="code-form">')
    expect(html).toMatch(/<label for="tx-code">Transaction code<\/label>\n<input id="tx-code" name="tx_code"/)
    expect(created.txCode).toMatch(/^\d{6}$/)
    expect(html).not.toContain(created.txCode)

    // Its relative addresses lead to the QR code and the style sheet.
    const qr = await fetch(new URL('qr.svg', pageUrl))
    expect(qr.headers.get('content-type')).toMatch(/^image\/svg\+xml/)
    const css = await fetch(new URL('../../../ui/app.css', pageUrl))
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8')

    // The code typed into the form: the preview, its image by the URL the page names.
    const formToken = /name="form_token" value="([^"]+)"/.exec(html)![1]!
    const answer = await fetch(pageUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(issuer.url).origin },
      body: new URLSearchParams({ form_token: formToken, lang: 'en', tx_code: String(created.txCode) }),
    })
    expect(answer.status).toBe(200)
    expect(answer.headers.get('cache-control')).toBe('no-store')
    const preview = /id="certificate-preview" src="([^"]+)"/.exec(await answer.text())![1]!.replace(/&#38;/g, '&')
    expect(preview).toMatch(/^certificate\.png\?view=[\w-]{43}&lang=en$/)
    const certificate = await fetch(new URL(preview, pageUrl))
    expect(certificate.status).toBe(200)
    expect(certificate.headers.get('content-type')).toBe('image/png')
    expect([...new Uint8Array(await certificate.arrayBuffer()).subarray(0, 8)]).toEqual(PNG_SIGNATURE)
  })

  it('speaks German when asked (?lang=de or Accept-Language), and without a tx_code says so and shows no certificate', async () => {
    const created = await issuer.offer({ txCode: false })
    const base = `${issuer.url}/uni-a/offers/${created.offer.id}/page`
    const byHeader = await fetch(base, { headers: { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' } })
    expect(byHeader.headers.get('content-language')).toBe('de')
    const html = await byHeader.text()
    expect(html).toContain('<html lang="de">')
    expect(html).toContain('<h1>Ihr Micro-Credential ist bereit</h1>')
    expect(html).toContain('Digitale Lerninhalte erstellen')
    expect(html).toContain('Wer diese Seite hat, kann den Nachweis in eine Wallet übernehmen')
    expect(html).toContain('<p id="no-certificate">Das Zertifikat wird auf dieser Seite nicht gezeigt')
    expect(html).not.toContain('certificate.png')
    expect(html).not.toContain('id="code-form"')
    const byQuery = await (await fetch(`${base}?lang=en`, { headers: { 'accept-language': 'de' } })).text()
    expect(byQuery).toContain('<h1>Your micro-credential is ready</h1>')
    const certificate = await call(`/uni-a/offers/${created.offer.id}/certificate.png?lang=de`, { key: null })
    expect(certificate.status).toBe(403)
    expect(certificate.json).toEqual({
      error: 'forbidden',
      error_description:
        "the certificate is shown only on the offer page, after the offer's transaction code was entered there",
    })
  })

  it('names the state of an offer that is not open any more, and is a page in words for unknown offers and tenants', async () => {
    const created = await issuer.offer({ txCode: true })
    await redeemOffer((await testWallet()).client, created.offerUri, created.txCode)
    const redeemed = await fetch(`${issuer.url}/uni-a/offers/${created.offer.id}/page`)
    expect(redeemed.status).toBe(410)
    expect(await redeemed.text()).toContain(
      '<h1>This offer is no longer open</h1>\n<p class="lead" id="problem" data-state="redeemed">It was already added to a wallet.',
    )
    for (const path of ['/uni-a/offers/no-such-offer/page', '/no-such-tenant/offers/x/page']) {
      const r = await fetch(`${issuer.url}${path}`)
      expect(r.status, path).toBe(404)
      expect(r.headers.get('content-type'), path).toBe('text/html; charset=utf-8')
      const html = await r.text()
      expect(html, path).toContain('<h1>This offer is no longer open</h1>')
      expect(html, path).toContain('data-state="unknown"')
      expect(html, path).not.toMatch(/Error:|at \w+ \(|node_modules/)
    }
    const certificate = await call(`/uni-a/offers/${created.offer.id}/certificate.png`, { key: null })
    expect(certificate.status).toBe(404)
    expect(certificate.json).toEqual({
      error: 'not_found',
      error_description: 'this credential offer was redeemed, has expired, or does not exist',
    })
  })
})
