// The admin app and the learner's offer page in Debian's Chromium (playwright-core), against a
// real issuer with the admin API and an embedded store: a person signs in, builds a course with
// the live Annex I checklist, awards it, hands the offer to a learner (whose wallet, the test
// wallet, redeems it), uploads a cohort, changes credentials' status, and reads it all in German.
// Controls are found by their labels and roles, as a keyboard or screen reader user finds them.
// A screenshot of each page goes to test-output/screenshots/.
import { join } from 'node:path'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_MISSING, hasChromium, launchChromium, SCREENSHOT_DIR } from '../../../../test/support/chromium.ts'
import { ADMIN_SCOPES, createApiKey, mountAdminApi } from '../admin/index.ts'
import { mountIssuerWebApp } from '../http/web-app.ts'
import { COURSE_ID, readExample, startTestIssuer, type TestIssuer } from '../testing/issuer-harness.ts'
import { redeemOffer, requestCredential, testWallet } from '../testing/test-wallet.ts'

const COURSE = 'web-course'

/** An image's natural width once loaded (0 before, or when it failed): it proves the bytes decoded. */
function loadedWidth(image: Locator): Promise<number> {
  return image.evaluate<number, undefined, HTMLImageElement>((img) => (img.complete ? img.naturalWidth : 0))
}
const specification = readExample('specification.json')

describe.skipIf(!hasChromium)(hasChromium ? 'the issuer admin app in Chromium' : CHROMIUM_MISSING, () => {
  let issuer: TestIssuer
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let key: string
  /** Console errors and CSP violations: there must be none (a refused request is not one). */
  const problems: string[] = []
  /** What the admin sees of the offer, for the learner and the wallet. */
  const offer = { txCode: '', link: '', learnerPage: '', awardId: '' }

  const shot = (name: string, target: Page = page) =>
    target.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true })

  function watch(p: Page) {
    p.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    p.on('console', (message) => {
      // Chromium logs every 4xx answer as "Failed to load resource"; the app shows those in words.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        problems.push(`console: ${message.text()}`)
    })
  }

  /** Holds the cohort runner before one row, so the page can be looked at while a job runs. */
  const gate = { row: 0, reached: () => {}, open: Promise.resolve(), release: () => {} }
  function holdCohortRowAt(row: number): Promise<void> {
    gate.row = row
    gate.open = new Promise((resolve) => {
      gate.release = () => {
        gate.row = 0
        resolve()
      }
    })
    return new Promise((resolve) => {
      gate.reached = resolve
    })
  }

  beforeAll(async () => {
    issuer = await startTestIssuer({
      routes: [mountAdminApi, mountIssuerWebApp],
      cohortJobs: {
        async beforeRow(_job, row) {
          if (row !== gate.row) return
          gate.reached()
          await gate.open
        },
      },
    })
    key = (await createApiKey(issuer.store, 'uni-a', ADMIN_SCOPES, new Date())).key
    browser = await launchChromium()
    context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } })
    // Fail in seconds, with the locator named, rather than at the test's time limit.
    context.setDefaultTimeout(10_000)
    page = await context.newPage()
    watch(page)
  })
  afterAll(async () => {
    gate.release()
    await browser?.close()
    await issuer?.close()
  })

  it('signs in with the keyboard; a wrong key is refused in words', async () => {
    await page.goto(`${issuer.url}/ui/`)
    await expect.poll(() => page.locator('h1').textContent()).toBe('Sign in')
    // The first Tab reaches the skip link.
    await page.keyboard.press('Tab')
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content')

    await page.getByLabel('Institution (tenant id)').fill('uni-a')
    await page.getByLabel('Admin API key').fill('alma_wrong.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')
    await page.getByLabel('Admin API key').press('Enter')
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('the API key is unknown or revoked')
    await shot('issuer-admin-sign-in')

    await page.getByLabel('Admin API key').fill(key)
    await page.getByLabel('Admin API key').press('Enter')
    await page.getByRole('heading', { level: 1, name: 'Courses' }).waitFor()
    expect(await page.locator('#status').textContent()).toBe('Signed in to uni-a.')
    expect(await page.locator(`tr[data-course="${COURSE_ID}"]`).count()).toBe(1)
    // The key lives in this tab's sessionStorage only.
    expect(await page.evaluate("sessionStorage.getItem('alma.admin.key')")).toBe(key)
    expect(await page.evaluate('JSON.stringify(localStorage)')).not.toContain(key)
    await shot('issuer-admin-courses')
  })

  it('creates a course; the Annex I checklist names a mandatory element as soon as it is removed', async () => {
    await page.getByRole('link', { name: 'New course' }).click()
    await page.getByRole('heading', { level: 1, name: 'New course' }).waitFor()
    const summary = page.locator('#annex-summary')
    // An empty description: every course element of Annex I is missing, by name. The first check
    // also starts an ELM worker thread (issue 12 §3), which on a busy machine takes over a second.
    await expect
      .poll(() => summary.textContent(), { timeout: 10_000 })
      .toContain('Missing: 2. Title of the micro-credential')

    await page.getByLabel('Course id').fill(COURSE)
    await page.getByLabel('Start from').selectOption(COURSE_ID)
    await expect
      .poll(() => summary.textContent())
      .toBe('Every mandatory element is stated: this course is a micro-credential and can be saved.')
    expect(await page.getByLabel('Title (English)').inputValue()).toBe('Creating Digital Learning Content')

    // Quality assurance (element 11) removed: the schema allows it, Annex I does not.
    const textarea = page.getByLabel('Course description (ELM specification, JSON)')
    const { qualityAssurance: _qa, ...withoutQa } = specification
    await textarea.fill(JSON.stringify(withoutQa, null, 2))
    await expect
      .poll(() => summary.textContent())
      .toBe('Missing: 11. Type of quality assurance used to underpin the micro-credential.')
    const element11 = page.locator('li[data-element="11"]')
    expect(await element11.getAttribute('data-status')).toBe('missing')
    expect(await element11.locator('.badge').textContent()).toBe('missing')
    await shot('issuer-admin-course-missing')

    // Learning outcomes (element 6) removed: an invalid description, still judged element by element.
    const { learningOutcomes: _lo, ...withoutOutcomes } = specification
    await textarea.fill(JSON.stringify(withoutOutcomes, null, 2))
    await expect.poll(() => summary.textContent()).toBe('Missing: 6. Learning outcomes.')
    expect(await page.locator('li[data-element="6"] .issues').textContent()).toContain('specification.learningOutcomes')

    // Saving what Annex I refuses shows the API's words, not a stack trace.
    await page.getByRole('button', { name: 'Save course' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^specification is invalid: /)

    // Whole again, and a new English title typed into the form field.
    await textarea.fill(JSON.stringify(specification, null, 2))
    await page.getByLabel('Title (English)').fill('Digital Learning Content, the web course')
    expect(JSON.parse(await textarea.inputValue()).title).toEqual({
      en: 'Digital Learning Content, the web course',
      de: 'Digitale Lerninhalte erstellen',
    })
    await expect
      .poll(() => summary.textContent())
      .toBe('Every mandatory element is stated: this course is a micro-credential and can be saved.')
    await page.getByRole('button', { name: 'Save course' }).click()
    await page.getByRole('heading', { level: 1, name: `Course ${COURSE}` }).waitFor()
    expect(await page.locator('#status').textContent()).toBe(`Course ${COURSE} created (version 1).`)
    const stored = await issuer.store.specifications.get('uni-a', COURSE)
    expect((stored!.document as { title: { en: string } }).title.en).toBe('Digital Learning Content, the web course')
    await expect.poll(() => summary.textContent()).toContain('Every mandatory element is stated')
    await shot('issuer-admin-course-editor')
  })

  it('awards the course to a learner and shows the offer: QR code, wallet link, tx_code, certificate', async () => {
    await page.getByRole('link', { name: 'Award', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Award a course' }).waitFor()
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'One learner' }) })
    await form.getByLabel('Course').selectOption(COURSE)
    await form.getByLabel('Given name').fill('Lea')
    await form.getByLabel('Family name').fill('Lernwerk')
    await form.getByLabel('Email (optional)').fill('lea@example.org')
    await form.getByLabel('Grade').fill('1.7')
    expect(await form.getByLabel('Protect the offer with a transaction code (recommended)').isChecked()).toBe(true)
    await shot('issuer-admin-award')
    await form.getByRole('button', { name: 'Award and create the offer' }).click()

    await page.getByRole('heading', { level: 1, name: 'Award: Lea Lernwerk' }).waitFor()
    expect(await page.locator('#status').textContent()).toBe('Awarded to Lea Lernwerk. The offer is ready.')
    const qr = page.getByRole('img', { name: 'QR code of the credential offer' })
    await expect.poll(() => loadedWidth(qr)).toBeGreaterThan(100)
    offer.txCode = (await page.locator('#tx-code').textContent()) ?? ''
    expect(offer.txCode).toMatch(/^\d{6}$/)
    offer.link = (await page.getByRole('link', { name: 'Open in wallet (on this device)' }).getAttribute('href')) ?? ''
    expect(offer.link).toMatch(/^openid-credential-offer:\/\/\?credential_offer_uri=/)
    expect(await page.getByLabel('Offer link (for wallets)').inputValue()).toBe(offer.link)
    offer.learnerPage = (await page.getByRole('link', { name: 'The learner’s offer page' }).getAttribute('href')) ?? ''
    expect(offer.learnerPage).toMatch(new RegExp(`^${issuer.url}/uni-a/offers/[0-9a-f-]{36}/page$`))
    const certificate = page.getByRole('img', { name: 'The certificate page of this award' })
    await expect.poll(() => loadedWidth(certificate)).toBe(842)
    offer.awardId = decodeURIComponent(new URL(page.url()).hash.replace('#/awards/', ''))
    await shot('issuer-admin-offer')
  })

  // Changed with issue 12 §2's class on the offer page: the certificate preview is no longer shown
  // to whoever has the page's URL; the learner types the tx_code the admin handed over first.
  it("renders the learner's offer page: QR code, open-in-wallet link, and the certificate only after the tx_code", async () => {
    const learner = await context.newPage()
    watch(learner)
    await learner.goto(offer.learnerPage)
    expect(await learner.locator('h1').textContent()).toBe('Your micro-credential is ready')
    expect(await learner.locator('#course-title').textContent()).toBe('Digital Learning Content, the web course')
    const qr = learner.getByRole('img', { name: 'QR code of the credential offer, for your wallet app' })
    await expect.poll(() => loadedWidth(qr)).toBeGreaterThan(100)
    expect(await learner.getByRole('link', { name: 'Open in wallet' }).getAttribute('href')).toBe(offer.link)
    expect(await learner.locator('#tx-code-hint').textContent()).toMatch(/^Your wallet will ask for a 6-digit/)
    expect(await learner.locator('img.certificate').count()).toBe(0)
    expect(await learner.content()).not.toMatch(/\bLea\b|Lernwerk|lea@example/)
    expect(await learner.content()).not.toContain(offer.txCode)
    await shot('issuer-offer-page', learner)
    await learner.getByLabel('Transaction code').fill(offer.txCode)
    await learner.getByRole('button', { name: 'Show my certificate' }).click()
    const preview = learner.getByRole('img', { name: /^Certificate page of/ })
    await expect.poll(() => loadedWidth(preview)).toBe(842)
    expect(await learner.content()).not.toContain(offer.txCode)

    await learner.getByRole('link', { name: 'Deutsch' }).click()
    await learner.waitForURL(/\?lang=de$/)
    expect(await learner.locator('h1').textContent()).toBe('Ihr Micro-Credential ist bereit')
    expect(await learner.getByRole('link', { name: 'In der Wallet öffnen' }).getAttribute('href')).toBe(offer.link)
    expect(await learner.locator('img.certificate').count()).toBe(0)
    await learner.getByLabel('Transaktionscode').fill(offer.txCode)
    await learner.getByRole('button', { name: 'Mein Zertifikat zeigen' }).click()
    const vorschau = learner.getByRole('img', { name: /^Zertifikatsseite zu „Digitale Lerninhalte erstellen“$/ })
    await expect.poll(() => loadedWidth(vorschau)).toBe(842)
    await shot('issuer-offer-page-de', learner)
    await learner.close()
  })

  it('lists what the wallet took, and revokes or suspends with a reason; the status changes', async () => {
    // The learner's wallet redeems the offer with the tx_code and takes both formats.
    const { client, keys } = await testWallet()
    const { credentialOffer, issuerMetadata, accessToken } = await redeemOffer(client, offer.link, offer.txCode)
    for (const [i, configurationId] of credentialOffer.credential_configuration_ids.entries()) {
      const body = await requestCredential(client, { issuerMetadata, accessToken, configurationId, key: keys[i]! })
      expect(body.credentials).toHaveLength(1)
    }

    await page.getByRole('link', { name: 'Issued credentials' }).click()
    await page.getByRole('heading', { level: 1, name: 'Issued credentials' }).waitFor()
    const rows = page.locator('#credentials-table tbody tr')
    expect(await rows.count()).toBe(2)
    const sdJwt = page.locator('tr', { has: page.getByRole('cell', { name: 'dc+sd-jwt', exact: true }) })
    const vcJwt = page.locator('tr', { has: page.getByRole('cell', { name: 'jwt_vc_json', exact: true }) })
    expect(await sdJwt.locator('[data-state]').textContent()).toBe('valid')

    // Suspend (dc+sd-jwt only): Escape cancels and gives focus back; a reason is required.
    const suspend = sdJwt.getByRole('button', { name: /^Suspend the dc\+sd-jwt credential/ })
    await suspend.click()
    const dialog = page.getByRole('dialog', { name: 'Suspend this credential?' })
    await dialog.waitFor()
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    expect(await suspend.evaluate((button) => button === button.ownerDocument.activeElement)).toBe(true)
    await page.keyboard.press('Enter')
    await dialog.waitFor()
    await dialog.getByRole('button', { name: 'Suspend' }).click()
    await expect.poll(() => dialog.getByRole('alert').textContent()).toBe('Please give a reason.')
    await dialog.getByLabel('Reason').fill('exam under review')
    await dialog.getByRole('button', { name: 'Suspend' }).click()
    await expect.poll(() => page.locator('#status').textContent()).toBe('The credential is suspended.')
    await expect.poll(() => sdJwt.locator('[data-state]').textContent()).toBe('suspended')

    // Revoke the jwt_vc_json credential (its Bitstring list cannot suspend: no such button).
    expect(await vcJwt.getByRole('button', { name: /^Suspend/ }).count()).toBe(0)
    await vcJwt.getByRole('button', { name: /^Revoke the jwt_vc_json credential/ }).click()
    const revoke = page.getByRole('dialog', { name: 'Revoke this credential?' })
    await revoke.getByLabel('Reason').fill('issued in error')
    await shot('issuer-admin-revoke-dialog')
    await revoke.getByRole('button', { name: 'Revoke' }).click()
    await expect.poll(() => page.locator('#status').textContent()).toBe('The credential is revoked.')
    await expect.poll(() => vcJwt.locator('[data-state]').textContent()).toBe('revoked')
    expect(await vcJwt.getByRole('button').count()).toBe(0)
    await shot('issuer-admin-credentials')

    // The store and the audit log agree, with the reasons.
    const stored = await issuer.store.issuedCredentials.search('uni-a', { awardId: offer.awardId, limit: 10 })
    expect(stored.items.map((c) => [c.format, c.state]).sort()).toEqual([
      ['dc+sd-jwt', 'suspended'],
      ['jwt_vc_json', 'revoked'],
    ])
    const audit = await issuer.store.auditLog.list('uni-a', { limit: 20 })
    expect(audit.filter((e) => e.action === 'credential.revoked')[0]?.details).toMatchObject({
      reason: 'issued in error',
    })
    expect(audit.filter((e) => e.action === 'credential.suspended')[0]?.details).toMatchObject({
      reason: 'exam under review',
    })
  })

  it('uploads a cohort: the report per row of a refused file, then the progress, stop button and report of a job', async () => {
    await page.getByRole('link', { name: 'Award', exact: true }).click()
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'A cohort from a CSV file' }) })
    await form.waitFor()
    await form.getByLabel('Course').selectOption(COURSE)
    const csv =
      'given_name,family_name,email,grade,awarding_date\n' +
      'Ada,Lovelace,ada@example.org,Pass,2026-07-15\n' +
      'Bob,Builder,bob@,,2026-07-15\n'
    await form
      .getByLabel('CSV file')
      .setInputFiles({ name: 'cohort.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    await form.getByRole('button', { name: 'Upload and award' }).click()
    const report = page.locator('#cohort-rows')
    await report.waitFor()
    expect(await page.locator('#cohort-progress-text').textContent()).toBe('Done.')
    expect(await form.getByRole('alert').textContent()).toBe(
      'cohort CSV: 1 of 2 rows are invalid; nothing was stored (mode all-or-nothing; use mode=valid-rows to store the good rows)',
    )
    const bad = report.locator('tr[data-row="3"]')
    expect(await bad.locator('td').nth(1).textContent()).toBe('not valid')
    const problems = await bad.locator('.issues li').allTextContents()
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['email', 'grade'])
    await shot('issuer-admin-cohort')

    // The good rows become a job awarded in the background; its report comes when it ends.
    await form.getByLabel('If some rows are wrong').selectOption('valid-rows')
    await form.getByRole('button', { name: 'Upload and award' }).click()
    await expect
      .poll(() => form.locator('#cohort-result .notice').textContent(), { timeout: 60_000 })
      .toBe('Not every row was awarded: 1 award(s) stored, 1 row(s) with problems.')
    expect(await report.locator('tr[data-row="2"]').getByRole('link', { name: 'stored: open' }).count()).toBe(1)
    expect(await report.locator('tr[data-row="3"] td').nth(1).textContent()).toBe('not stored')

    // A job held before its second row: the bar and the live text show it half-way; the stop
    // button, reached with the keyboard, ends it; the rows not awarded say so.
    const held = holdCohortRowAt(3)
    await form.getByLabel('If some rows are wrong').selectOption('all-or-nothing')
    await form.getByLabel('CSV file').setInputFiles({
      name: 'three.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        'given_name,family_name,grade,awarding_date\nAda,One,Pass,2026-07-15\nAda,Two,Pass,2026-07-15\nAda,Three,Pass,2026-07-15\n',
      ),
    })
    await form.getByRole('button', { name: 'Upload and award' }).click()
    await held
    await expect
      .poll(() => page.locator('#cohort-progress-text').textContent(), { timeout: 60_000 })
      .toBe('Awarding: 1 of 3 rows done (1 stored, 0 with problems).')
    expect(await page.locator('#cohort-progress-text').getAttribute('aria-live')).toBe('polite')
    const bar = page.getByRole('progressbar', { name: 'Awarding: 1 of 3 rows done (1 stored, 0 with problems).' })
    expect(await bar.getAttribute('value')).toBe('1')
    expect(await bar.getAttribute('max')).toBe('3')
    await shot('issuer-admin-cohort-progress')
    await form.getByRole('button', { name: 'Stop awarding the rest' }).focus()
    await page.keyboard.press('Enter')
    gate.release()
    await expect
      .poll(() => form.locator('#cohort-result .notice').textContent(), { timeout: 60_000 })
      .toBe('Stopped: 1 award(s) stored, 2 row(s) not awarded.')
    expect(await page.evaluate('document.activeElement?.id')).toBe('cohort-result')
    expect(await report.locator('tr[data-row="3"] td').nth(1).textContent()).toBe('not awarded')
    expect(await report.locator('tr[data-row="2"]').getByRole('link', { name: 'stored: open' }).count()).toBe(1)
    expect(await form.getByRole('button', { name: 'Stop awarding the rest' }).isHidden()).toBe(true)
  })

  it('speaks German once chosen, and keeps the choice', async () => {
    await page.getByRole('link', { name: 'Issued credentials' }).click()
    await page.getByLabel('Language').selectOption('de')
    await page.getByRole('heading', { level: 1, name: 'Ausgestellte Nachweise' }).waitFor()
    expect(await page.locator('html').getAttribute('lang')).toBe('de')
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toEqual([
      'Kurse',
      'Vergeben',
      'Ausgestellte Nachweise',
    ])
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'Ausgestellte Nachweise' }).waitFor()
    expect(await page.getByLabel('Sprache').inputValue()).toBe('de')
    expect(await page.locator('#credentials-table [data-state="revoked"]').textContent()).toBe('widerrufen')
    await page.getByRole('link', { name: 'Kurse' }).click()
    await page.getByRole('link', { name: `Kurs ${COURSE} bearbeiten` }).click()
    await expect
      .poll(() => page.locator('#annex-summary').textContent())
      .toBe('Alle Pflichtangaben sind vorhanden: Dieser Kurs ist ein Micro-Credential und kann gespeichert werden.')
    expect(await page.locator('li[data-element="11"] .element-name').textContent()).toBe(
      '11. Art der Qualitätssicherung, auf der das Micro-Credential beruht',
    )
    await shot('issuer-admin-de')
    // Every English text has its German one.
    const keys = (await page.evaluate(`(async () => {
      const { MESSAGES } = await import(new URL('i18n.js', document.baseURI).href)
      return { en: Object.keys(MESSAGES.en).sort(), de: Object.keys(MESSAGES.de).sort() }
    })()`)) as { en: string[]; de: string[] }
    expect(keys.en.length).toBeGreaterThan(100)
    expect(keys.de).toEqual(keys.en)
  })

  it('showed no script error and broke no content security policy', () => {
    expect(problems).toEqual([])
  })
})
