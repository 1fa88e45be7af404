// The learner's offer page: one credential offer (OpenID4VCI 1.0 §4.1) for a person rather than a
// wallet. A QR code for a wallet on another device (cross-device), an "open in wallet" link for
// a wallet on this one (same-device, the `openid-credential-offer://` URI), and the certificate
// page the credential carries. Framework-free: the route is http/web-app.ts.
//
// The transaction code is never on this page. It exists so that whoever intercepts the offer (sees
// this page over a shoulder, scans the QR code, finds the link in a forwarded email) still cannot
// redeem it (VCI 1.0 §13.6); it must reach the learner by another channel. Nor could the page show
// it: the issuer keeps only its hash (issuance/offers.ts). The page says that a code will be asked for.
import { type LanguageMap, parseEdc, pickText } from '@alma/elm'
import type { IssuerContext, TenantRuntime } from '../issuance/issuer-context.ts'
import { offerUriOf, TX_CODE_LENGTH } from '../issuance/offers.ts'

export const PAGE_LANGUAGES = ['en', 'de'] as const
export type PageLanguage = (typeof PAGE_LANGUAGES)[number]

/** What the page shows of one open offer. */
export interface OfferPageView {
  readonly tenantName: string
  readonly courseTitle: LanguageMap
  /** `openid-credential-offer://?credential_offer_uri=…`: the link and the QR code's content. */
  readonly offerUri: string
  readonly txCodeRequired: boolean
  readonly expiresAt: Date
}

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
    previewAlt: (title: string) => `Certificate page of “${title}”`,
    previewHelp: 'The credential carries this certificate page; your wallet can show it.',
    goneTitle: 'This offer is no longer open',
    goneHelp:
      'It was already added to a wallet, or it has expired. If you did not add it yourself, ask your institution for a new offer.',
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
    previewAlt: (title: string) => `Zertifikatsseite zu „${title}“`,
    previewHelp: 'Der Nachweis enthält diese Zertifikatsseite; Ihre Wallet kann sie anzeigen.',
    goneTitle: 'Dieses Angebot ist nicht mehr offen',
    goneHelp:
      'Es wurde bereits in eine Wallet übernommen oder ist abgelaufen. Wenn Sie es nicht selbst übernommen haben, bitten Sie Ihre Hochschule um ein neues Angebot.',
    errorTitle: 'Etwas ist schiefgegangen',
    errorHelp: 'Das Angebot konnte nicht angezeigt werden. Bitte versuchen Sie es später noch einmal.',
  },
} as const

/** `?lang=` when it names a page language, else the browser's preference, else English. */
export function pageLanguageOf(query: unknown, accepts: (...languages: string[]) => string | false): PageLanguage {
  if (query === 'en' || query === 'de') return query
  return accepts(...PAGE_LANGUAGES) === 'de' ? 'de' : 'en'
}

/** The view of an open offer; undefined when it was redeemed, has expired or does not exist. */
export async function loadOfferPage(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  offerId: string,
): Promise<OfferPageView | undefined> {
  const offer = await ctx.store.offers.getOfferForWallet(tenant.id, offerId, ctx.now())
  if (!offer) return undefined
  const award = await ctx.awardWithDocument(tenant.id, offer.awardId)
  if (!award) return undefined
  const edc = award.edc === undefined ? undefined : parseEdc(award.edc)
  const title = edc?.achievements[0]?.title ?? edc?.display.title ?? { en: award.specificationId }
  return {
    tenantName: tenant.name,
    courseTitle: title,
    offerUri: offerUriOf(tenant, offer.id),
    txCodeRequired: offer.txCodeRequired,
    expiresAt: offer.expiresAt,
  }
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
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
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

/**
 * The offer page in `lang`. Everything it shows is escaped; its only URLs are relative ones and
 * the offer URI.
 *
 * @example
 * ```ts
 * res.type('html').send(offerPageHtml(await loadOfferPage(ctx, tenant, id), 'de'))
 * ```
 */
export function offerPageHtml(view: OfferPageView, lang: PageLanguage): string {
  const t = TEXT[lang]
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
<h2 id="preview-heading">${escapeHtml(t.previewHeading)}</h2>
<img class="certificate" id="certificate-preview" src="certificate.png?lang=${lang}" width="842" height="595" alt="${escapeHtml(t.previewAlt(title))}">
<p class="muted">${escapeHtml(t.previewHelp)}</p>
</section>
</div>`
  return shell(lang, `${t.heading} · ${view.tenantName}`, body)
}

/** The page for an offer that is not open (redeemed, expired, unknown), or for a failure. */
export function offerPageProblemHtml(kind: 'gone' | 'error', lang: PageLanguage): string {
  const t = TEXT[lang]
  const [title, help] = kind === 'gone' ? [t.goneTitle, t.goneHelp] : [t.errorTitle, t.errorHelp]
  return shell(lang, title, `<h1>${escapeHtml(title)}</h1>\n<p class="lead" id="problem">${escapeHtml(help)}</p>`)
}
