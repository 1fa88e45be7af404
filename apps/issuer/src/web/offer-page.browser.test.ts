// The learner's offer page in Debian's Chromium (playwright-core), against a real issuer: with
// JavaScript off and the keyboard only, the learner reaches the code field, a wrong code is named
// in words with the focus back on the field, and the right code shows the certificate — which is
// nowhere on the page before it (issue 12 §2's class, issuance/offer-page-access.ts). What a real
// browser sends (Origin, Sec-Fetch-Site under the page's Referrer-Policy) passes the form's
// cross-site check, and the page's CSP lets the form post and the preview load.
import { join } from 'node:path'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_MISSING, hasChromium, launchChromium, SCREENSHOT_DIR } from '../../../../test/support/chromium.ts'
import { mountIssuerWebApp } from '../http/web-app.ts'
import { startTestIssuer, type TestIssuer } from '../testing/issuer-harness.ts'

/** An image's natural width once loaded (0 before, or when it failed): it proves the bytes decoded. */
function loadedWidth(image: Locator): Promise<number> {
  return image.evaluate<number, undefined, HTMLImageElement>((img) => (img.complete ? img.naturalWidth : 0))
}

describe.skipIf(!hasChromium)(hasChromium ? 'the learner offer page in Chromium' : CHROMIUM_MISSING, () => {
  let issuer: TestIssuer
  let browser: Browser
  let context: BrowserContext
  let page: Page
  /** Console errors (CSP violations among them): none but the 400 of a wrong code. */
  const problems: string[] = []

  beforeAll(async () => {
    issuer = await startTestIssuer({ routes: [mountIssuerWebApp] })
    browser = await launchChromium()
    // No JavaScript at all: the page must not need it.
    context = await browser.newContext({ locale: 'en-GB', javaScriptEnabled: false })
    context.setDefaultTimeout(10_000)
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

  /** Presses Tab until the element with `id` has the focus; how many presses it took. */
  async function tabTo(id: string): Promise<number> {
    for (let presses = 1; presses <= 12; presses++) {
      await page.keyboard.press('Tab')
      if ((await page.evaluate('document.activeElement?.id')) === id) return presses
    }
    throw new Error(`#${id} is not reachable with Tab`)
  }

  it('with the keyboard and no JavaScript: the code first, a wrong code named, then the certificate', async () => {
    const offer = await issuer.offer({ txCode: true })
    await page.goto(`${issuer.url}/uni-a/offers/${offer.offer.id}/page`)
    await page.getByRole('heading', { level: 1, name: 'Your micro-credential is ready' }).waitFor()
    expect(await page.locator('#course-title').textContent()).toBe('Creating Digital Learning Content')
    expect(await page.locator('#institution').textContent()).toBe('University of Adlerstadt')
    expect(await page.locator('img.certificate').count()).toBe(0)
    expect(await page.content()).not.toMatch(/Andromeda|certificate\.png/)
    const qr = page.getByRole('img', { name: 'QR code of the credential offer, for your wallet app' })
    await expect.poll(() => loadedWidth(qr)).toBeGreaterThan(100)
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'issuer-offer-page-code.png'), fullPage: true })

    // The skip link comes first; the code field is reached with Tab and labelled.
    await page.keyboard.press('Tab')
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to the offer')
    await tabTo('tx-code')
    expect(await page.getByLabel('Transaction code').evaluate((input) => input === document.activeElement)).toBe(true)

    // A wrong code, sent with Enter: said in words, the field focused again, still no certificate.
    const wrong = String((Number(offer.txCode) + 1) % 1_000_000).padStart(6, '0')
    await page.keyboard.type(wrong)
    await page.keyboard.press('Enter')
    const max = issuer.ctx.config.maxTxCodeAttempts
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe(`That code is not right. ${max - 1} more wrong codes block this offer.`)
    expect(await page.evaluate('document.activeElement?.id')).toBe('tx-code')
    expect(await page.locator('img.certificate').count()).toBe(0)
    expect(await page.content()).not.toContain('Andromeda')
    expect((await issuer.store.offers.getById('uni-a', offer.offer.id))?.txCodeAttempts).toBe(1)

    // The right code: the certificate page, loaded under the page's CSP.
    await page.keyboard.type(String(offer.txCode))
    await page.keyboard.press('Enter')
    const preview = page.getByRole('img', { name: 'Certificate page of “Creating Digital Learning Content”' })
    await expect.poll(() => loadedWidth(preview)).toBe(842)
    expect(await page.locator('#tx-code').count()).toBe(0)
    // The code is in no URL the browser went to.
    expect(page.url()).toBe(`${issuer.url}/uni-a/offers/${offer.offer.id}/page`)
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'issuer-offer-page-certificate.png'), fullPage: true })
    expect(problems.filter((p) => !p.includes('400'))).toEqual([])
  })

  it('in German, with the button found by its name', async () => {
    const offer = await issuer.offer({ txCode: true })
    await page.goto(`${issuer.url}/uni-a/offers/${offer.offer.id}/page`)
    await page.getByRole('link', { name: 'Deutsch' }).click()
    await page.waitForURL(/\?lang=de$/)
    expect(await page.locator('h1').textContent()).toBe('Ihr Micro-Credential ist bereit')
    await page.getByLabel('Transaktionscode').fill(String(offer.txCode))
    await page.getByRole('button', { name: 'Mein Zertifikat zeigen' }).click()
    const vorschau = page.getByRole('img', { name: 'Zertifikatsseite zu „Digitale Lerninhalte erstellen“' })
    await expect.poll(() => loadedWidth(vorschau)).toBe(842)
    expect(await page.locator('html').getAttribute('lang')).toBe('de')
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'issuer-offer-page-certificate-de.png'), fullPage: true })
  })

  it('an offer without a code shows no certificate and no form', async () => {
    const offer = await issuer.offer({ txCode: false })
    await page.goto(`${issuer.url}/uni-a/offers/${offer.offer.id}/page`)
    await page.getByRole('heading', { level: 2, name: 'Your certificate' }).waitFor()
    expect(await page.locator('#no-certificate').textContent()).toMatch(/^The certificate is not shown on this page/)
    expect(await page.locator('form').count()).toBe(0)
    expect(await page.locator('img.certificate').count()).toBe(0)
  })
})
