// The learner's offer page: one credential offer (OpenID4VCI 1.0 §4.1) for a person rather than a
// wallet. A QR code for a wallet on another device (cross-device), an "open in wallet" link for
// a wallet on this one (same-device, the `openid-credential-offer://` URI), and — only after the
// learner typed the offer's transaction code on this page — the certificate page the credential
// carries. What may be shown to whom is decided in issuance/offer-page-access.ts; this file draws
// it (framework-free; the routes are http/offer-page.ts). No script: it works with JavaScript off.
//
// The transaction code is never on this page. It exists so that whoever intercepts the offer (sees
// this page over a shoulder, scans the QR code, finds the link in a forwarded email) still cannot
// redeem it (VCI 1.0 §13.6), nor see the learner's certificate (security.md, "No personal data
// before the learner is authenticated"); it must reach the learner by another channel. Nor could
// the page show it: the issuer keeps only its hash (issuance/offers.ts).
import { pickText } from '@alma/elm'
import type {
  ClosedOfferState,
  OfferPageProblem,
  OfferPageStep,
  OfferPublicView,
} from '../issuance/offer-page-access.ts'
import { TX_CODE_LENGTH } from '../issuance/offers.ts'

export const PAGE_LANGUAGES = ['en', 'de'] as const
export type PageLanguage = (typeof PAGE_LANGUAGES)[number]

/** The form field carrying the form token (issuance/offer-page-access.ts). */
export const FORM_TOKEN_FIELD = 'form_token'
/** The query parameter of the certificate image carrying the view token. */
export const CERTIFICATE_VIEW_PARAM = 'view'

const TEXT = {
  en: {
    skip: 'Skip to the offer',
    languages: 'Language',
    heading: 'Your micro-credential is ready',
    from: 'from',
    addHeading: 'Add it to your wallet',
    sameDevice: 'On this device',
    sameDeviceHelp: 'If your wallet app is on this device, open the offer in it:',
    openInWallet: 'Open in wallet',
    crossDevice: 'On another device',
    crossDeviceHelp: 'Scan this code with your wallet app:',
    qrAlt: 'QR code of the credential offer, for your wallet app',
    txCode: (digits: number, issuer: string) =>
      `Your wallet will ask for a ${digits}-digit transaction code. ${issuer} sent it to you separately (for example by email). It is not on this page, so that nobody who sees this page or the QR code can take your credential.`,
    noTxCode: 'Anyone with this page can add the credential to a wallet: keep the link to yourself.',
    expires: (when: string) => `The offer can be used once, until ${when}.`,
    previewHeading: 'Your certificate',
    locked: (digits: number, issuer: string) =>
      `To see your certificate here, enter the ${digits}-digit transaction code ${issuer} sent you. It is the code your wallet asks for: wrong codes here count towards blocking this offer.`,
    codeLabel: 'Transaction code',
    showCertificate: 'Show my certificate',
    wrongCode: (left: number) =>
      left === 1
        ? 'That code is not right. One more wrong code blocks this offer.'
        : `That code is not right. ${left} more wrong codes block this offer.`,
    malformed: (digits: number) => `That is not a transaction code: type the ${digits} digits you were sent.`,
    formExpired: 'This form was already sent or is too old. Nothing was checked: please enter the code again.',
    codeInUrl: 'A transaction code is never accepted in a link. Nothing was checked: type it into the form here.',
    noCode:
      'The certificate is not shown on this page: the offer was made without a transaction code, so nothing here proves that you are the learner. Your wallet shows it once you have added the credential.',
    previewAlt: (title: string) => `Certificate page of “${title}”`,
    previewHelp:
      'The credential carries this certificate page; your wallet can show it. It is shown here only in answer to the code: reloading the page asks for the code again.',
    closedTitle: 'This offer is no longer open',
    closed: {
      unknown: 'There is no open offer at this address. Check the link, or ask your institution for a new offer.',
      redeemed:
        'It was already added to a wallet. If you did not add it yourself, ask your institution for a new offer.',
      expired: 'Its time ran out before it was added to a wallet. Ask your institution for a new offer.',
      burnt:
        'It was blocked after too many wrong transaction codes. Ask your institution for a new offer and its code.',
      withdrawn: 'Your institution withdrew it. Ask your institution if you expected it.',
    },
    forbiddenTitle: 'The code was not sent from this page',
    forbiddenHelp:
      'For your safety, the transaction code is accepted only from the offer page itself. Open the offer page and enter it there.',
    errorTitle: 'Something went wrong',
    errorHelp: 'The offer could not be shown. Please try again later.',
  },
  de: {
    skip: 'Zum Angebot springen',
    languages: 'Sprache',
    heading: 'Ihr Micro-Credential ist bereit',
    from: 'von',
    addHeading: 'In die Wallet übernehmen',
    sameDevice: 'Auf diesem Gerät',
    sameDeviceHelp: 'Wenn Ihre Wallet-App auf diesem Gerät ist, öffnen Sie das Angebot darin:',
    openInWallet: 'In der Wallet öffnen',
    crossDevice: 'Auf einem anderen Gerät',
    crossDeviceHelp: 'Scannen Sie diesen Code mit Ihrer Wallet-App:',
    qrAlt: 'QR-Code des Nachweis-Angebots, für Ihre Wallet-App',
    txCode: (digits: number, issuer: string) =>
      `Ihre Wallet fragt nach einem ${digits}-stelligen Transaktionscode. ${issuer} hat ihn Ihnen getrennt geschickt (zum Beispiel per E-Mail). Er steht nicht auf dieser Seite, damit niemand, der diese Seite oder den QR-Code sieht, Ihren Nachweis übernehmen kann.`,
    noTxCode: 'Wer diese Seite hat, kann den Nachweis in eine Wallet übernehmen: Geben Sie den Link nicht weiter.',
    expires: (when: string) => `Das Angebot kann einmal genutzt werden, bis ${when}.`,
    previewHeading: 'Ihr Zertifikat',
    locked: (digits: number, issuer: string) =>
      `Um Ihr Zertifikat hier zu sehen, geben Sie den ${digits}-stelligen Transaktionscode ein, den ${issuer} Ihnen geschickt hat. Es ist der Code, nach dem Ihre Wallet fragt: Falsche Codes zählen auch hier zur Sperre dieses Angebots.`,
    codeLabel: 'Transaktionscode',
    showCertificate: 'Mein Zertifikat zeigen',
    wrongCode: (left: number) =>
      left === 1
        ? 'Dieser Code ist nicht richtig. Ein weiterer falscher Code sperrt dieses Angebot.'
        : `Dieser Code ist nicht richtig. ${left} weitere falsche Codes sperren dieses Angebot.`,
    malformed: (digits: number) =>
      `Das ist kein Transaktionscode: Geben Sie die ${digits} Ziffern ein, die Sie erhalten haben.`,
    formExpired:
      'Dieses Formular wurde schon gesendet oder ist zu alt. Es wurde nichts geprüft: Bitte geben Sie den Code noch einmal ein.',
    codeInUrl:
      'Ein Transaktionscode wird nie in einem Link angenommen. Es wurde nichts geprüft: Geben Sie ihn hier in das Formular ein.',
    noCode:
      'Das Zertifikat wird auf dieser Seite nicht gezeigt: Das Angebot wurde ohne Transaktionscode erstellt, also belegt hier nichts, dass Sie die lernende Person sind. Ihre Wallet zeigt es, sobald Sie den Nachweis übernommen haben.',
    previewAlt: (title: string) => `Zertifikatsseite zu „${title}“`,
    previewHelp:
      'Der Nachweis enthält diese Zertifikatsseite; Ihre Wallet kann sie anzeigen. Sie wird hier nur als Antwort auf den Code gezeigt: Beim Neuladen fragt die Seite wieder nach dem Code.',
    closedTitle: 'Dieses Angebot ist nicht mehr offen',
    closed: {
      unknown:
        'Unter dieser Adresse gibt es kein offenes Angebot. Prüfen Sie den Link oder bitten Sie Ihre Hochschule um ein neues Angebot.',
      redeemed:
        'Es wurde bereits in eine Wallet übernommen. Wenn Sie es nicht selbst übernommen haben, bitten Sie Ihre Hochschule um ein neues Angebot.',
      expired:
        'Es ist abgelaufen, bevor es in eine Wallet übernommen wurde. Bitten Sie Ihre Hochschule um ein neues Angebot.',
      burnt:
        'Es wurde nach zu vielen falschen Transaktionscodes gesperrt. Bitten Sie Ihre Hochschule um ein neues Angebot und dessen Code.',
      withdrawn: 'Ihre Hochschule hat es zurückgezogen. Fragen Sie dort nach, wenn Sie es erwartet haben.',
    },
    forbiddenTitle: 'Der Code wurde nicht von dieser Seite gesendet',
    forbiddenHelp:
      'Zu Ihrer Sicherheit wird der Transaktionscode nur von der Angebotsseite selbst angenommen. Öffnen Sie die Angebotsseite und geben Sie ihn dort ein.',
    errorTitle: 'Etwas ist schiefgegangen',
    errorHelp: 'Das Angebot konnte nicht angezeigt werden. Bitte versuchen Sie es später noch einmal.',
  },
} as const

/** `lang` (a form field or `?lang=`) when it names a page language, else the browser's preference, else English. */
export function pageLanguageOf(lang: unknown, accepts: (...languages: string[]) => string | false): PageLanguage {
  if (lang === 'en' || lang === 'de') return lang
  return accepts(...PAGE_LANGUAGES) === 'de' ? 'de' : 'en'
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** Relative to `/{tenant}/offers/{id}/page`, so the page works under any base path. */
const ASSETS = '../../../ui/'

function shell(lang: PageLanguage, title: string, body: string): string {
  const t = TEXT[lang]
  const switcher = PAGE_LANGUAGES.map((l) => {
    const name = l === 'en' ? 'English' : 'Deutsch'
    return l === lang
      ? `<a href="?lang=${l}" lang="${l}" hreflang="${l}" aria-current="true">${name}</a>`
      : `<a href="?lang=${l}" lang="${l}" hreflang="${l}">${name}</a>`
  }).join(' ')
  // `same-origin`, not `no-referrer`: the code form posts to this page, and under no-referrer a
  // browser sends `Origin: null`, which the CSRF check refuses (http/same-origin-form.ts).
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="${ASSETS}icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${ASSETS}app.css">
</head>
<body class="learner">
<a class="skip-link" href="#main">${escapeHtml(t.skip)}</a>
<header class="topbar"><span class="brand">Alma</span>
<nav class="languages" aria-label="${escapeHtml(t.languages)}">${switcher}</nav></header>
<main id="main" tabindex="-1">
${body}
</main>
</body>
</html>
`
}

function problemText(problem: OfferPageProblem, lang: PageLanguage, digits: number): string {
  const t = TEXT[lang]
  switch (problem.reason) {
    case 'wrong_code':
      return t.wrongCode(problem.attemptsRemaining)
    case 'malformed':
      return t.malformed(digits)
    case 'form_expired':
      return t.formExpired
    case 'code_in_url':
      return t.codeInUrl
    case 'no_code':
      return t.noCode
  }
}

function hidden(name: string, value: string): string {
  return `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`
}

/** The certificate panel: the preview after the right code, else the code form, else why not. */
function certificatePanel(step: Extract<OfferPageStep, { step: 'open' }>, lang: PageLanguage, title: string): string {
  const t = TEXT[lang]
  const { view } = step
  const heading = `<h2 id="preview-heading">${escapeHtml(t.previewHeading)}</h2>`
  if (step.certificateViewToken !== undefined) {
    const src = `certificate.png?${new URLSearchParams({ [CERTIFICATE_VIEW_PARAM]: step.certificateViewToken, lang })}`
    return `${heading}
<img class="certificate" id="certificate-preview" src="${escapeHtml(src)}" width="842" height="595" alt="${escapeHtml(t.previewAlt(title))}">
<p class="muted">${escapeHtml(t.previewHelp)}</p>`
  }
  const field = view.codeField
  if (!field || step.formToken === undefined) {
    // A code sent anyway (`no_code`) is answered with the same words, as an alert.
    const alert = step.problem ? ` role="alert" data-error="${escapeHtml(step.problem.reason)}"` : ''
    return `${heading}\n<p id="no-certificate"${alert}>${escapeHtml(t.noCode)}</p>`
  }
  const digits = field.length ?? TX_CODE_LENGTH
  const problem = step.problem
    ? `<p class="notice error" role="alert" id="code-error" data-error="${escapeHtml(step.problem.reason)}">${escapeHtml(
        problemText(step.problem, lang, digits),
      )}</p>\n`
    : ''
  const describedBy = step.problem ? 'code-help code-error' : 'code-help'
  // After a refused answer the field has the focus again; on first sight the skip link comes first.
  return `${heading}
<p id="code-help">${escapeHtml(t.locked(digits, view.tenantName))}</p>
${problem}<form method="post" action="page" id="code-form">
${hidden(FORM_TOKEN_FIELD, step.formToken)}
${hidden('lang', lang)}
<div class="field"><label for="tx-code">${escapeHtml(t.codeLabel)}</label>
<input id="tx-code" name="${escapeHtml(field.name)}" class="code" inputmode="${field.inputMode}" autocomplete="${field.autocomplete}" maxlength="${digits + 8}" size="${digits + 2}" required aria-describedby="${describedBy}"${step.problem ? ' autofocus' : ''}></div>
<p><button class="button primary" id="show-certificate">${escapeHtml(t.showCertificate)}</button></p>
</form>`
}

/**
 * The page of an open offer in `lang`: the public view, and the certificate panel of its step.
 * Everything it shows is escaped; its only URLs are relative ones and the offer URI.
 *
 * @example
 * ```ts
 * const step = await openOfferPage(ctx, tenant, { offerId, codeInUrl: false })
 * if (step.step === 'open') res.type('html').send(offerPageHtml(step, 'de'))
 * ```
 */
export function offerPageHtml(step: Extract<OfferPageStep, { step: 'open' }>, lang: PageLanguage): string {
  const t = TEXT[lang]
  const view: OfferPublicView = step.view
  const title = pickText(view.courseTitle, lang) ?? ''
  const when = new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(
    view.expiresAt,
  )
  const tenant = escapeHtml(view.tenantName)
  const body = `<h1>${escapeHtml(t.heading)}</h1>
<p class="lead"><strong id="course-title">${escapeHtml(title)}</strong> ${escapeHtml(t.from)} <span id="institution">${tenant}</span></p>
<div class="offer-grid">
<section class="panel" aria-labelledby="add-heading">
<h2 id="add-heading">${escapeHtml(t.addHeading)}</h2>
<h3>${escapeHtml(t.sameDevice)}</h3>
<p>${escapeHtml(t.sameDeviceHelp)}</p>
<p><a class="button primary" id="open-in-wallet" href="${escapeHtml(view.offerUri)}">${escapeHtml(t.openInWallet)}</a></p>
<h3>${escapeHtml(t.crossDevice)}</h3>
<p>${escapeHtml(t.crossDeviceHelp)}</p>
<img class="qr" id="offer-qr" src="qr.svg" width="240" height="240" alt="${escapeHtml(t.qrAlt)}">
<p class="hint" id="tx-code-hint">${escapeHtml(view.txCodeRequired ? t.txCode(TX_CODE_LENGTH, view.tenantName) : t.noTxCode)}</p>
<p class="muted" id="offer-expiry">${escapeHtml(t.expires(`${when} UTC`))}</p>
</section>
<section class="panel" aria-labelledby="preview-heading">
${certificatePanel(step, lang, title)}
</section>
</div>`
  return shell(lang, `${t.heading} · ${view.tenantName}`, body)
}

/**
 * The page for an offer that is not open (`unknown`, or its state: redeemed, expired, burnt,
 * withdrawn), for a code form sent from another site (`forbidden`), or for a failure. Nothing of
 * the offer but its state.
 */
export function offerPageProblemHtml(
  kind: 'unknown' | ClosedOfferState | 'forbidden' | 'error',
  lang: PageLanguage,
): string {
  const t = TEXT[lang]
  const [title, help] =
    kind === 'forbidden'
      ? [t.forbiddenTitle, t.forbiddenHelp]
      : kind === 'error'
        ? [t.errorTitle, t.errorHelp]
        : [t.closedTitle, t.closed[kind]]
  return shell(
    lang,
    title,
    `<h1>${escapeHtml(title)}</h1>\n<p class="lead" id="problem" data-state="${kind}">${escapeHtml(help)}</p>`,
  )
}
