// The verifier web app's static serving over HTTP against the real verifier: the page and its
// assets under a strict CSP, nothing else from the web folder (no sources, no traversal), nothing
// from another origin, both languages complete, and the facts endpoint's refusals.
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mountVerifierWebApp, WEB_APP_CSP } from '../http/web-app.ts'
import { startTestVerifier, type TestVerifier } from '../testing/verifier-harness.ts'

let verifier: TestVerifier

beforeAll(async () => {
  verifier = await startTestVerifier({ trustAnchors: [], routes: [mountVerifierWebApp] })
}, 60_000)
afterAll(async () => {
  await verifier?.close()
})

const get = (path: string, init?: RequestInit) => fetch(`${verifier.url}${path}`, { redirect: 'manual', ...init })

/** A request whose path goes out exactly as written (fetch would normalise `..`). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  const url = new URL(verifier.url)
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: url.port, path, method: 'GET' }, (res) => {
      let body = ''
      res.on('data', (chunk) => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

const ASSETS = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'i18n.js': 'text/javascript; charset=utf-8',
  'render.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml',
}

const NOT_FOUND = { error: 'not_found', error_description: 'no such endpoint' }

describe('the verifier web app at /ui/', () => {
  it('redirects /ui to /ui/ (relative, so it works behind a path prefix)', async () => {
    const response = await get('/ui')
    expect(response.status).toBe(301)
    expect(response.headers.get('location')).toBe('ui/')
  })

  it('serves the page with a strict Content-Security-Policy and no caching surprises', async () => {
    const response = await get('/ui/')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; " +
        "form-action 'none'; base-uri 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; " +
        "trusted-types 'none'",
    )
    expect(response.headers.get('content-security-policy')).toBe(WEB_APP_CSP)
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('referrer-policy')).toBe('no-referrer')
    expect(response.headers.get('x-frame-options')).toBe('DENY')
    expect(response.headers.get('cache-control')).toBe('no-cache')
    const html = await response.text()
    expect(html).toContain('<script type="module" src="app.js"></script>')
    // No inline script or style, which the CSP would refuse anyway.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i)
  })

  it('serves every asset with its type, and each references only this origin', async () => {
    for (const [name, type] of Object.entries(ASSETS)) {
      const response = await get(`/ui/${name}`)
      expect(response.status, name).toBe(200)
      expect(response.headers.get('content-type'), name).toBe(type)
      expect(response.headers.get('content-security-policy'), name).toBe(WEB_APP_CSP)
      const text = await response.text()
      // No CDN, no web font, no remote script: nothing is loaded from another origin.
      expect(text, name).not.toMatch(/(src|href)=["']?(https?:)?\/\//i)
      expect(text, name).not.toMatch(/@import|url\(\s*["']?(https?:)?\/\//i)
      expect(text, name).not.toMatch(/\bfrom\s+["'](?!\.\/)/)
    }
  })

  it('every module the page imports is served', async () => {
    const seen = new Set<string>()
    const queue = ['app.js']
    while (queue.length) {
      const name = queue.shift()!
      if (seen.has(name)) continue
      seen.add(name)
      const response = await get(`/ui/${name}`)
      expect(response.status, name).toBe(200)
      for (const match of (await response.text()).matchAll(/\bfrom\s+'\.\/([\w.-]+)'/g)) queue.push(match[1]!)
    }
    expect([...seen].sort()).toEqual(['api.js', 'app.js', 'i18n.js', 'render.js'])
  })

  it('answers 404 for anything else, sources and traversal included', async () => {
    for (const path of [
      '/ui/nope.js',
      '/ui/presented-facts.ts',
      '/ui/web-app.e2e.test.ts',
      '/ui/index.htm',
      '/ui/sub/app.js',
    ]) {
      const response = await get(path)
      expect(response.status, path).toBe(404)
      expect(await response.json(), path).toEqual(NOT_FOUND)
    }
    // A segment that decodes to `..` or holds a slash names no file: 404, or refused before any
    // route (issue 12 §5, request-input.ts) — never the source.
    for (const path of ['/ui/%2e%2e/package.json', '/ui/..%2fpackage.json', '/ui/%2e%2e%2fhttp%2fweb-app.ts']) {
      const response = await rawGet(path)
      expect([400, 404], path).toContain(response.status)
      expect(response.body, path).not.toContain('mountVerifierWebApp')
    }
  })

  it('leaves the API and the relying party’s routes where they were', async () => {
    expect((await get('/health')).status).toBe(200)
    expect((await get('/api/openapi.json')).status).toBe(200)
    const did = await get(`/${verifier.rpId}/did.json`)
    expect(did.status).toBe(200)
    expect(did.headers.get('content-security-policy')).toBeNull()
  })

  it('has every text in English and German, and every key the page uses', async () => {
    const source = await (await get('/ui/i18n.js')).text()
    const i18n = await import(`data:text/javascript,${encodeURIComponent(source)}`)
    const en = Object.keys(i18n.MESSAGES.en).sort()
    expect(Object.keys(i18n.MESSAGES.de).sort()).toEqual(en)
    for (const value of Object.values(i18n.MESSAGES.de)) expect(String(value).trim()).not.toBe('')
    const html = await (await get('/ui/')).text()
    const used = [...html.matchAll(/data-i18n="([^"]+)"/g)].map((m) => m[1]!)
    for (const name of ['app.js', 'render.js']) {
      const script = await (await get(`/ui/${name}`)).text()
      // Literal keys passed to t(…) / translate(lang, …).
      used.push(...[...script.matchAll(/\bt\('([\w.+-]+)'/g)].map((m) => m[1]!))
      used.push(...[...script.matchAll(/translate\(\w+(?:\.\w+)?, '([\w.+-]+)'/g)].map((m) => m[1]!))
    }
    expect(used.length).toBeGreaterThan(40)
    for (const key of used) expect(en, key).toContain(key)
    // Verdicts, check statuses and Annex I statuses are looked up by the server's values.
    for (const key of [
      'verdict.verified',
      'verdict.partially-verified',
      'verdict.failed',
      'status.OK',
      'status.ERROR',
      'status.SKIPPED',
      'annex.present',
      'annex.missing',
      'annex.not-applicable',
      'annex.disclosed',
      'annex.not-disclosed',
      'state.created',
      'state.retrieved',
      'state.succeeded',
      'state.failed',
      'state.expired',
      'format.dc+sd-jwt',
      'format.jwt_vc_json',
    ]) {
      expect(en, key).toContain(key)
    }
    expect(i18n.translate('de', 'verdict.failed')).toBe('Fehlgeschlagen')
    expect(i18n.checkName('de', 'status')).toBe('Status (Widerruf)')
    expect(i18n.initialLanguage(null, ['de-AT', 'en'])).toBe('de')
    expect(i18n.initialLanguage('en', ['de'])).toBe('en')
    expect(i18n.initialLanguage('fr', ['fr-FR'])).toBe('en')
  })
})

describe('GET /ui/api/{rp}/presentation-requests/{id}/facts', () => {
  const path = (id: string) => `/ui/api/${verifier.rpId}/presentation-requests/${id}/facts`

  it('needs the relying party’s key', async () => {
    const response = await get(path('x'.repeat(24)))
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({
      error: 'unauthorized',
      error_description: 'send a relying-party API key as "Authorization: Bearer <key>"',
    })
  })

  it('404 for an unknown request and for one the wallet has not answered', async () => {
    expect(await verifier.api('GET', path('x'.repeat(24)))).toEqual({
      status: 404,
      body: { error: 'not_found', error_description: 'there is no such presentation request' },
    })
    const created = await verifier.api('POST', `/api/${verifier.rpId}/presentation-requests`, {
      template: { type: 'any-micro-credential' },
    })
    expect(created.status).toBe(201)
    expect(await verifier.api('GET', path(created.body.id))).toEqual({
      status: 404,
      body: { error: 'not_found', error_description: 'the wallet has not answered this request yet' },
    })
  })

  it('403 for a same-device request (released only against its response_code)', async () => {
    const created = await verifier.api('POST', `/api/${verifier.rpId}/presentation-requests`, {
      template: { type: 'any-micro-credential' },
      sameDevice: { redirectUri: 'https://employer.example/back' },
    })
    expect(await verifier.api('GET', path(created.body.id))).toEqual({
      status: 403,
      body: {
        error: 'forbidden',
        error_description: 'same-device results are released only against the response_code',
      },
    })
  })
})
