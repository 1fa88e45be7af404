// The verifier web app in Debian's Chromium against a real verifier and a real test issuer: a
// relying party signs in, asks for a credential, the reference wallet (apps/wallet) answers over
// OpenID4VP, and the page follows the request to its verdict; a revoked credential fails and says
// why; German; an uploaded EDC file. Screenshots of each state go to the test output.
import { acceptCredentialOffer, answerPresentationRequest, CredentialStore } from '@alma/wallet'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_MISSING, hasChromium, launchChromium, SCREENSHOT_DIR } from '../../../../test/support/chromium.ts'
import { changeCredentialStatus } from '../../../issuer/src/admin/credential-status.ts'
import { startTestIssuer, type TestIssuer } from '../../../issuer/src/testing/issuer-harness.ts'
import { EDC_UPLOAD_CHECK_IDS } from '../edc-upload/index.ts'
import { mountVerifierWebApp } from '../http/web-app.ts'
import { startTestVerifier, type TestVerifier } from '../testing/verifier-harness.ts'
import { VERIFICATION_STEP_IDS } from '../verification/steps.ts'

const EC_SAMPLE = new URL('../../../../../shared/reference/elm/samples/Sample-MC-Annex1-signed.jsonld', import.meta.url)
  .pathname

let issuer: TestIssuer
let verifier: TestVerifier
let browser: Browser
let page: Page
/** The learner's wallet: a valid credential in both formats. */
let wallet: CredentialStore
/** A second wallet whose credentials the issuer has revoked. */
let revokedWallet: CredentialStore
/** What the page logged that a strict CSP or a bug would cause (not the expected 401 and 400 below). */
const pageProblems: string[] = []

async function walletWithCredentials(): Promise<{ store: CredentialStore; awardId: string }> {
  const store = CredentialStore.inMemory()
  const offer = await issuer.offer({ txCode: true })
  await acceptCredentialOffer(offer.offerUri, {
    store,
    askTxCode: async () => String(offer.txCode),
    allowInsecureLoopback: true,
  })
  return { store, awardId: offer.awardId }
}

const present = (link: string, store: CredentialStore) =>
  answerPresentationRequest(link, { store, trustAnchors: [verifier.ca.certificatePem], allowInsecureLoopback: true })

const shot = (name: string) => page.screenshot({ path: `${SCREENSHOT_DIR}verifier-${name}.png`, fullPage: true })

/** Picks a template, sets its parameters and formats, creates the request; returns the link shown. */
async function createRequest(template: string, options: { params?: Record<string, string>; formats?: string[] } = {}) {
  await page.selectOption('#template', template)
  for (const [selector, value] of Object.entries(options.params ?? {})) await page.fill(selector, value)
  for (const format of ['dc+sd-jwt', 'jwt_vc_json']) {
    await page.setChecked(`input[name="format"][value="${format}"]`, (options.formats ?? [format]).includes(format))
  }
  await page.click('#request-submit')
  await page.locator('#session-link').waitFor({ state: 'visible' })
  await expect.poll(() => page.inputValue('#session-link')).toMatch(/^openid4vp:\/\//)
  return page.inputValue('#session-link')
}

const ribbon = () => page.locator('#result .result-ribbon .ribbon__text')

describe.skipIf(!hasChromium)(hasChromium ? 'the verifier web app in Chromium' : CHROMIUM_MISSING, () => {
  beforeAll(async () => {
    issuer = await startTestIssuer()
    verifier = await startTestVerifier({
      trustAnchors: [String(issuer.ca?.certificatePem)],
      devAllowList: [issuer.url],
      routes: [mountVerifierWebApp],
      // Status lists are fetched on every check, so the revocation below is seen at once.
      config: { statusListTtlSeconds: 0 },
    })
    wallet = (await walletWithCredentials()).store
    const toRevoke = await walletWithCredentials()
    revokedWallet = toRevoke.store
    for (const record of await issuer.store.issuedCredentials.listByAward('uni-a', toRevoke.awardId)) {
      const change = await changeCredentialStatus(issuer.ctx, 'uni-a', {
        credentialId: record.id,
        action: 'revoke',
        actor: 'browser test',
      })
      expect(change.changed).toBe(true)
    }
    browser = await launchChromium()
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1100, height: 900 } })
    page = await context.newPage()
    page.on('pageerror', (error) => pageProblems.push(`pageerror: ${error.message}`))
    page.on('console', (message) => {
      if (message.type() !== 'error' && message.type() !== 'warning') return
      // A refused key (401) and a refused query (400) are answered in words; Chromium also logs the status.
      if (/Failed to load resource: the server responded with a status of 40[01]/.test(message.text())) return
      pageProblems.push(`${message.type()}: ${message.text()}`)
    })
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await verifier?.close()
    await issuer?.close()
  })

  it('signs in with the relying party’s key from the keyboard; a wrong key is refused in words', async () => {
    await page.goto(`${verifier.url}/ui/`)
    await page.locator('body[data-ready="true"]').waitFor()
    await expect.poll(() => page.locator('h1').textContent()).toBe('Alma Verifier')
    await page.fill('#signin-rp', verifier.rpId)
    await page.fill('#signin-key', 'alma_rp_wrongwrong.not-a-key-of-anyone-at-all')
    await page.press('#signin-key', 'Enter')
    const error = page.locator('#signin-error')
    await error.waitFor({ state: 'visible' })
    expect(await error.textContent()).toBe('the API key is unknown or revoked')
    await shot('signin-refused')

    await page.fill('#signin-key', verifier.apiKey)
    await page.press('#signin-key', 'Enter')
    await page.locator('#workspace').waitFor({ state: 'visible' })
    expect(await page.textContent('#signed-in-as')).toBe(`Signed in as relying party ${verifier.rpId}`)
    // The key lives in this tab's session storage only, and the form forgets it.
    const stored = await page.evaluate(() => ({
      session: sessionStorage.getItem('alma.verifier.session'),
      local: JSON.stringify({ ...localStorage }),
    }))
    expect(JSON.parse(String(stored.session))).toEqual({ rp: verifier.rpId, key: verifier.apiKey })
    expect(stored.local).not.toContain(verifier.apiKey)
    expect(await page.inputValue('#signin-key')).toBe('')
    // Focus moves on to the request form.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('template')
  })

  it('eqf-ects: shows QR and link, follows the wallet, turns to "Verified" with every check', async () => {
    const link = await createRequest('eqf-ects', { params: { '#min-eqf': '4', '#min-ects': '1' } })
    expect(await page.getAttribute('#session-wallet', 'href')).toBe(link)
    await page.waitForFunction(() => {
      const img = document.getElementById('session-qr') as HTMLImageElement | null
      return img?.complete === true && img.naturalWidth > 0
    })
    await expect.poll(() => page.textContent('#session-status')).toBe('Waiting for the wallet…')
    await shot('waiting')

    // The wallet fetches the request object: the page says so before any answer arrives.
    const requestUri = new URL(link).searchParams.get('request_uri')!
    expect((await fetch(requestUri)).status).toBe(200)
    await expect
      .poll(() => page.textContent('#session-status'))
      .toBe('The wallet opened the request. Waiting for its answer…')
    await shot('opened')

    const answer = await present(link, wallet)
    expect(answer.status).toBe(200)
    await ribbon().waitFor()
    expect(await ribbon().textContent()).toBe('Verified')
    expect(await page.textContent('#session-status')).toBe('The wallet answered. Result: Verified.')
    expect(await page.getAttribute('#result .result-ribbon', 'class')).toContain('ribbon--verified')
    const rows = page.locator('#result table.checks tbody tr')
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-check')))).toEqual([
      ...VERIFICATION_STEP_IDS,
    ])
    for (const status of await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status')))) {
      expect(['OK', 'SKIPPED']).toContain(status)
    }
    expect(await page.textContent('#result tr[data-check="policy"] .reason')).not.toBe('')
    // The facts: what the policy needed, from verified claims.
    const facts = page.locator('#result dl.facts dt')
    await facts.first().waitFor()
    const labels = await facts.allTextContents()
    expect(labels).toEqual(expect.arrayContaining(['Level (EQF)', 'ECTS credits', 'Awarding bodies']))
    expect(await page.textContent('#result dd[data-fact="level_of_learning_experience"]')).toBe('6')
    expect(await page.locator('#session-open').isHidden()).toBe(true)
    await shot('verified')
  })

  it('a jwt_vc_json: the certificate image and the facts, learning outcomes with their ESCO skills', async () => {
    await page.click('#session-new')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('template')
    const link = await createRequest('any-micro-credential', { formats: ['jwt_vc_json'] })
    await present(link, wallet)
    await ribbon().waitFor()
    expect(await ribbon().textContent()).toBe('Verified')
    await page.waitForFunction(() => {
      const img = document.getElementById('certificate') as HTMLImageElement | null
      return img?.complete === true && img.naturalWidth > 0
    })
    expect(await page.getAttribute('#certificate', 'src')).toMatch(/^blob:/)
    const labels = await page.locator('#result dl.facts dt').allTextContents()
    expect(labels).toEqual(
      expect.arrayContaining([
        'Title of the micro-credential',
        'Given name',
        'Family name',
        'Awarding bodies',
        'EQF level',
        'ECTS credits',
        'Learning outcomes',
        'Type of assessment',
        'Grade achieved',
      ]),
    )
    const outcome = page.locator('#result dd[data-fact="learning_outcomes"]').first()
    expect(await outcome.locator('> span').textContent()).toBe(
      'Design and produce accessible digital learning content for a defined audience',
    )
    expect(await outcome.locator('.skills li').allTextContents()).toEqual(['develop digital content'])
    await shot('certificate')
  })

  it('a pasted DCQL query: malformed input is refused in words, a good one is answered', async () => {
    await page.click('#session-new')
    await page.selectOption('#template', 'dcql')
    // The field starts with an example to edit.
    expect(JSON.parse(await page.inputValue('#dcql')).credentials[0].format).toBe('dc+sd-jwt')
    expect(await page.locator('#formats').isHidden()).toBe(true)
    const error = page.locator('#request-error')

    await page.fill('#dcql', '{"credentials": [')
    await page.click('#request-submit')
    await error.waitFor({ state: 'visible' })
    expect(await error.textContent()).toMatch(/^The DCQL query is not valid JSON: /)

    await page.fill('#dcql', '{"credentials": []}')
    await page.click('#request-submit')
    // Wait for the state asserted (the server's refusal), not merely for the old text to go: the
    // page clears the message before it sends the request.
    await expect.poll(() => error.textContent()).toMatch(/^dcqlQuery is not a valid DCQL query/)
    const refused = String(await error.textContent())
    // The verifier's error_description, one line, no stack trace.
    expect(refused).toMatch(/^dcqlQuery is not a valid DCQL query \(OpenID4VP 1\.0 §6\): /)
    expect(refused).not.toMatch(/\n|\s+at\s+\S+\s+\(|\.ts:\d+/)
    await shot('dcql-refused')

    await page.fill(
      '#dcql',
      JSON.stringify({
        credentials: [
          {
            id: 'learning',
            format: 'dc+sd-jwt',
            meta: { vct_values: ['urn:eu.europa.ec.eudi:learning:credential:1'] },
            claims: [{ path: ['achievement_title'] }, { path: ['given_name'] }, { path: ['assessment_grade'] }],
          },
        ],
      }),
    )
    await page.click('#request-submit')
    await page.locator('#session-link').waitFor({ state: 'visible' })
    await present(await page.inputValue('#session-link'), wallet)
    await ribbon().waitFor()
    expect(await ribbon().textContent()).toBe('Verified')
    // What the holder disclosed (given name, grade) and the EU learning credential's issuer facts,
    // which are always in the clear; nothing else of the learner (no family name, no birth date).
    expect(await page.locator('#result dl.facts dt').allTextContents()).toEqual([
      'Title of the micro-credential',
      'Given name',
      'Issuing authority',
      'Issuing country',
      'Date of issuance',
      'Date of expiry',
      'Grade achieved',
      'Language of classes',
      'Description',
    ])
    expect(await page.locator('#result tr[data-check="policy"]').getAttribute('data-status')).toBe('SKIPPED')
  })

  it('a revoked credential: "Failed", with the status check’s reason', async () => {
    await page.click('#session-new')
    const link = await createRequest('eqf-ects', { params: { '#min-eqf': '4', '#min-ects': '1' } })
    await present(link, revokedWallet)
    await ribbon().waitFor()
    expect(await ribbon().textContent()).toBe('Failed')
    expect(await page.getAttribute('#result .result-ribbon', 'class')).toContain('ribbon--failed')
    // The verifier's own reason, as it wrote it.
    expect(await page.textContent('#result-reason')).toMatch(/status failed: revoked \(status 1 on http/)
    const status = page.locator('#result tr[data-check="status"]')
    expect(await status.getAttribute('data-status')).toBe('ERROR')
    expect(await status.locator('.status').textContent()).toContain('failed')
    expect(await status.locator('.reason').textContent()).toMatch(/^revoked/)
    // Nothing is read off a revoked credential.
    await expect
      .poll(() => page.textContent('#result .facts-section'))
      .toContain('Facts are not shown: this credential failed a check.')
    expect(await page.locator('#result dl.facts').count()).toBe(0)
    await shot('failed')
  })

  it('speaks German, and remembers it', async () => {
    await page.click('button[data-lang="de"]')
    await expect.poll(() => ribbon().textContent()).toBe('Fehlgeschlagen')
    expect(await page.getAttribute('html', 'lang')).toBe('de')
    expect(await page.getAttribute('button[data-lang="de"]', 'aria-pressed')).toBe('true')
    expect(await page.textContent('#result tr[data-check="status"] th')).toBe('Status (Widerruf)')
    expect(await page.textContent('#result tr[data-check="status"] .status')).toContain('nicht bestanden')
    expect(await page.textContent('#session-status')).toBe('Die Wallet hat geantwortet. Ergebnis: Fehlgeschlagen.')
    expect(await page.textContent('#upload-title')).toBe('Eine EDC-Datei prüfen')
    await shot('failed-de')

    await page.reload()
    await page.locator('body[data-ready="true"]').waitFor()
    expect(await page.getAttribute('html', 'lang')).toBe('de')
    expect(await page.textContent('#request-title')).toBe('Einen Nachweis aus einer Wallet anfordern')
    // Still signed in: the session survives a reload of the tab.
    expect(await page.locator('#workspace').isVisible()).toBe(true)
    await page.click('button[data-lang="en"]')
    expect(await page.getAttribute('html', 'lang')).toBe('en')
  })

  it('verifies an uploaded EDC file (the EC’s signed sample) and lists its checks and Annex I', async () => {
    await page.setInputFiles('#upload-file', EC_SAMPLE)
    await page.click('#upload-submit')
    const uploadRibbon = page.locator('#upload-result .upload-ribbon .ribbon__text')
    await uploadRibbon.waitFor({ timeout: 50_000 })
    expect(['Verified', 'Partially verified', 'Failed']).toContain(await uploadRibbon.textContent())
    const rows = page.locator('#upload-result table.checks tbody tr')
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-check')))).toEqual([
      ...EDC_UPLOAD_CHECK_IDS,
    ])
    // The EC's seal verifies over the exact bytes uploaded.
    expect(await page.getAttribute('#upload-result tr[data-check="seal-signature"]', 'data-status')).toBe('OK')
    for (const reason of await page.locator('#upload-result table.checks .reason').allTextContents()) {
      expect(reason).not.toBe('')
    }
    expect(await page.locator('#upload-result details.annex-i tbody tr').count()).toBe(16)
    expect(await page.textContent('#upload-status')).toMatch(/^Sample-MC-Annex1-signed\.jsonld: /)
    await page.click('#upload-result details.annex-i summary')
    await shot('upload')
  })

  it('is usable from the keyboard: skip link, language buttons, visible focus', async () => {
    await page.goto(`${verifier.url}/ui/`)
    await page.locator('body[data-ready="true"]').waitFor()
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to the content')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.lang)).toBe('en')
    await page.keyboard.press('Tab')
    const focus = await page.evaluate(() => {
      const active = document.activeElement as HTMLElement
      const style = getComputedStyle(active)
      return { lang: active.dataset.lang, outline: style.outlineStyle, width: style.outlineWidth }
    })
    expect(focus).toEqual({ lang: 'de', outline: 'solid', width: '3px' })
    await page.keyboard.press('Enter')
    expect(await page.getAttribute('html', 'lang')).toBe('de')
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Space')
    expect(await page.getAttribute('html', 'lang')).toBe('en')
    await shot('keyboard')
  })

  it('logged no CSP violation and no script error', () => {
    expect(pageProblems).toEqual([])
  })
})
