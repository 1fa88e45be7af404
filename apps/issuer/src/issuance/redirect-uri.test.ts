import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_REDIRECT_URI_LENGTH, redirectUriProblem } from './redirect-uri.ts'

describe('redirectUriProblem (RFC 6749 §3.1.2, RFC 8252 §7, RFC 9700 §4.1)', () => {
  it.each([
    'https://wallet.example/callback',
    'https://wallet.example:8443/cb?x=1',
    'http://127.0.0.1:51234/callback',
    'http://[::1]:8080/cb',
    'http://localhost:3000/cb',
    'eudi-openid4ci://authorize',
    'openid-credential-offer-callback://cb?x=y',
    'com.example.wallet:/oauth2redirect',
  ])('accepts %s', (uri) => {
    expect(redirectUriProblem(uri)).toBeUndefined()
  })

  it.each([
    ['javascript:alert(1)', 'redirect_uri must not use the javascript: scheme'],
    ['JavaScript:alert(document.domain)//', 'redirect_uri must not use the javascript: scheme'],
    [
      'data:text/html,<script>alert(1)</script>',
      'redirect_uri must be an absolute URI (RFC 3986) of URI characters only',
    ],
    ['data:text/html;base64,PHNjcmlwdD4=', 'redirect_uri must not use the data: scheme'],
    ['file:///etc/passwd', 'redirect_uri must not use the file: scheme'],
    ['vbscript:msgbox(1)', 'redirect_uri must not use the vbscript: scheme'],
    ['blob:https://wallet.example/1234', 'redirect_uri must not use the blob: scheme'],
    ['about:blank', 'redirect_uri must not use the about: scheme'],
    ['view-source:https://wallet.example/', 'redirect_uri must not use the view-source: scheme'],
    ['intent://scan/#Intent;scheme=zxing;end', 'redirect_uri must not contain a fragment (RFC 6749 section 3.1.2)'],
    ['https://wallet.example/callback#frag', 'redirect_uri must not contain a fragment (RFC 6749 section 3.1.2)'],
    ['https://wallet.example/callback#', 'redirect_uri must not contain a fragment (RFC 6749 section 3.1.2)'],
    ['/callback', 'redirect_uri must be an absolute URI (RFC 3986) of URI characters only'],
    ['//wallet.example/callback', 'redirect_uri must be an absolute URI (RFC 3986) of URI characters only'],
    ['java\nscript:alert(1)', 'redirect_uri must be an absolute URI (RFC 3986) of URI characters only'],
    [' https://wallet.example/cb', 'redirect_uri must be an absolute URI (RFC 3986) of URI characters only'],
    ['http://wallet.example/callback', 'redirect_uri may use http only on a loopback address (RFC 8252 section 7.3)'],
    ['http://127.0.0.1.evil.example/cb', 'redirect_uri may use http only on a loopback address (RFC 8252 section 7.3)'],
    ['https://wallet.example@evil.example/cb', 'redirect_uri must not carry user information'],
    ['wss://wallet.example/cb', 'redirect_uri must not use the wss: scheme'],
    ['mailto:someone@example.org', 'redirect_uri must not use the mailto: scheme'],
  ])('refuses %j', (uri, problem) => {
    expect(redirectUriProblem(uri)).toBe(problem)
  })

  it('refuses a URI longer than the cap', () => {
    const long = `https://wallet.example/${'a'.repeat(MAX_REDIRECT_URI_LENGTH)}`
    expect(redirectUriProblem(long)).toBe(`redirect_uri is longer than ${MAX_REDIRECT_URI_LENGTH} characters`)
  })

  it('property: anything it accepts parses as a URL whose scheme is safe and which has no fragment', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl({ withFragments: true, withQueryParameters: true })), (uri) => {
        if (redirectUriProblem(uri) !== undefined) return
        const url = new URL(uri)
        expect(uri).not.toContain('#')
        expect(['javascript:', 'data:', 'file:', 'vbscript:', 'blob:', 'about:']).not.toContain(url.protocol)
        if (url.protocol === 'http:') expect(['127.0.0.1', '[::1]', 'localhost']).toContain(url.hostname)
        // What the decision step does with it: never throws, never changes the scheme.
        const redirect = new URL(uri)
        redirect.searchParams.set('code', 'x')
        expect(redirect.protocol).toBe(url.protocol)
      }),
      { numRuns: 2000 },
    )
  })

  it('property: any string with a dangerous scheme, in any case, is refused', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('javascript', 'data', 'file', 'vbscript', 'blob'),
        fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
        fc.string(),
        (scheme, upper, rest) => {
          const cased = [...scheme].map((c, i) => (upper[i % upper.length] ? c.toUpperCase() : c)).join('')
          expect(redirectUriProblem(`${cased}:${rest}`)).toMatch(/^redirect_uri /)
        },
      ),
    )
  })
})
