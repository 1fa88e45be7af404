// The authorization page in Debian's Chromium (playwright-core), against a real issuer: what a
// real browser sends (Origin, Sec-Fetch-Site) passes the forms' cross-site checks, the page's CSP
// lets the decision's 303 reach the wallet's redirect URI, the learner's name appears only after
// the transaction code, and the admin app says why an offer was burnt (issue 12 §2).
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_MISSING, hasChromium, launchChromium, SCREENSHOT_DIR } from '../../../../test/support/chromium.ts'
import { ADMIN_SCOPES, createApiKey, mountAdminApi } from '../admin/index.ts'
import { sha256Base64url } from '../testing/attack-kit.ts'
import { startTestIssuer, type TestIssuer } from '../testing/issuer-harness.ts'
import { mountIssuerWebApp } from './web-app.ts'

const REDIRECT_URI = 'https://wallet.example/callback'

describe.skipIf(!hasChromium)(hasChromium ? 'the authorization page in Chromium' : CHROMIUM_MISSING, () => {
  let issuer: TestIssuer
  let browser: Browser
  let context: BrowserContext
  let page: Page
  /** Console errors (CSP violations among them): there must be none but the 400 of a wrong code. */
  const problems: string[] = []
  /** Where the browser was sent back to the wallet. */
  const walletRedirects: URL[] = []

  beforeAll(async () => {
    issuer = await startTestIssuer({ routes: [mountAdminApi, mountIssuerWebApp] })
    browser = await launchChromium()
    context = await browser.newContext({ locale: 'en-GB' })
    context.setDefaultTimeout(10_000)
    // The wallet's redirect URI, answered here: the browser really navigates to it.
    await context.route('https://wallet.example/**', (route) => {
      walletRedirects.push(new URL(route.request().url()))
      return route.fulfill({ status: 200, contentType: 'text/plain', body: 'the wallet has the answer' })
    })
    page = await context.newPage()
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        problems.push(`console: ${message.text()}`)
    })
  })
  afterAll(async () => {
    await browser?.close()
    await issuer?.close()
  })

  async function pushedAuthorizationUrl(issuerState: string): Promise<string> {
    const res = await fetch(`${issuer.url}/uni-a/par`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        response_type: 'code',
        client_id: 'browser-wallet',
        redirect_uri: REDIRECT_URI,
        code_challenge: sha256Base64url('v'.repeat(43)),
        code_challenge_method: 'S256',
        issuer_state: issuerState,
        state: 'wallet-state',
      }),
    })
    expect(res.status).toBe(201)
    const { request_uri } = (await res.json()) as { request_uri: string }
    return `${issuer.url}/uni-a/authorize?${new URLSearchParams({ client_id: 'browser-wallet', request_uri })}`
  }

  it('asks for the code first, names the learner only after it, and sends the approval back to the wallet', async () => {
    const offer = await issuer.offer({ txCode: true })
    await page.goto(await pushedAuthorizationUrl(String(offer.offer.issuerState)))
    await page.getByRole('heading', { level: 1, name: 'Add a credential to your wallet' }).waitFor()
    expect(await page.locator('#credential-title').textContent()).toBe('Creating Digital Learning Content')
    expect(await page.content()).not.toContain('Andromeda')
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'issuer-authorize-code.png'), fullPage: true })

    // A wrong code: the page says so, in words, and still names no one.
    const wrong = String((Number(offer.txCode) + 1) % 1_000_000).padStart(6, '0')
    await page.getByLabel('Transaction code').fill(wrong)
    await page.getByRole('button', { name: 'Continue' }).click()
    const max = issuer.ctx.config.maxTxCodeAttempts
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe(`That code is not right. ${max - 1} more wrong codes block this offer.`)
    expect(await page.content()).not.toContain('Andromeda')

    // The right code: the learner's name, then approval reaches the wallet with a code.
    await page.getByLabel('Transaction code').fill(String(offer.txCode))
    await page.getByRole('button', { name: 'Continue' }).click()
    await expect.poll(() => page.locator('#learner-name').textContent()).toBe('Ana Andromeda')
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'issuer-authorize-consent.png'), fullPage: true })
    await page.getByRole('button', { name: 'Approve' }).click()
    await page.waitForURL('https://wallet.example/**')
    expect(walletRedirects).toHaveLength(1)
    const redirect = walletRedirects[0]!
    expect(redirect.origin + redirect.pathname).toBe(REDIRECT_URI)
    expect(redirect.searchParams.get('state')).toBe('wallet-state')
    expect(redirect.searchParams.get('iss')).toBe(`${issuer.url}/uni-a`)
    expect(redirect.searchParams.get('code')).toMatch(/^[\w-]{43}$/)
    expect(problems.filter((p) => !p.includes('400'))).toEqual([])
  })

  it('burns the offer after the last wrong code, and the admin app says why', async () => {
    const offer = await issuer.offer({ txCode: true })
    walletRedirects.length = 0
    await page.goto(await pushedAuthorizationUrl(String(offer.offer.issuerState)))
    const max = issuer.ctx.config.maxTxCodeAttempts
    for (let i = 1; i <= max; i++) {
      await page.getByLabel('Transaction code').fill(String((Number(offer.txCode) + i) % 1_000_000).padStart(6, '0'))
      await page.getByRole('button', { name: 'Continue' }).click()
      if (i < max) await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^That code is not right/)
    }
    await page.waitForURL('https://wallet.example/**')
    expect(walletRedirects).toHaveLength(1)
    expect(walletRedirects[0]!.searchParams.get('error')).toBe('access_denied')

    const key = (await createApiKey(issuer.store, 'uni-a', ADMIN_SCOPES, new Date())).key
    await page.goto(`${issuer.url}/ui/`)
    await page.getByLabel('Institution (tenant id)').fill('uni-a')
    await page.getByLabel('Admin API key').fill(key)
    await page.getByLabel('Admin API key').press('Enter')
    await page.getByRole('heading', { level: 1, name: 'Courses' }).waitFor()
    await page.goto(`${issuer.url}/ui/#/awards/${encodeURIComponent(offer.awardId)}`)
    await page.getByRole('heading', { level: 2, name: 'Offers' }).waitFor()
    const reason = page.locator('[data-burnt-via="authorization_code"]')
    await expect
      .poll(() => reason.textContent())
      .toMatch(
        new RegExp(
          `^${max} wrong transaction codes, the last typed in a browser \\(authorization page or offer page\\) on .+\\. Make a new offer and give the learner its code\\.$`,
        ),
      )
    expect(await page.locator('td', { has: reason }).textContent()).toContain('blocked (wrong transaction codes)')
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'issuer-admin-offer-burnt.png'), fullPage: true })
  })
})
