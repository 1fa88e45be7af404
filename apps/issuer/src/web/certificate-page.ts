// The certificate page of an award, for the admin app and the learner's offer page: the PNG the
// EDC already carries (rendered once when the award was built, one per display language), so
// showing it costs a base64 decode, not a render; a document without one is rendered on an ELM
// worker thread (issue 12 §3).
import { type ElmWorkers, parseEdc } from '@alma/elm'
import { elmWorkError } from '../issuance/elm-work.ts'

export interface CertificatePage {
  /** The page's language tag (`en`, `de`). */
  readonly language: string
  readonly png: Uint8Array
}

/**
 * The first page in `language` when the document has one, else in its primary language, else the
 * first. An EDC built without pages (none of ours) is rendered now, on `workers`. Undefined
 * without a document.
 *
 * @example
 * ```ts
 * const page = await certificatePageOf(award.edc, 'de', ctx.elmWorkers)
 * if (page) res.type('image/png').send(page.png)
 * ```
 */
export async function certificatePageOf(
  edc: unknown,
  language: string | undefined,
  workers: ElmWorkers,
): Promise<CertificatePage | undefined> {
  if (edc === undefined || edc === null) return undefined
  const parsed = parseEdc(edc)
  const pngs = parsed.display.pages.filter((p) => p.mediaType === 'image/png').sort((a, b) => a.page - b.page)
  const page =
    pngs.find((p) => p.language === language) ??
    pngs.find((p) => p.language === parsed.display.primaryLanguage) ??
    pngs[0]
  if (page) return { language: page.language, png: Buffer.from(page.content, 'base64') }
  const fallback = language ?? parsed.display.primaryLanguage ?? 'en'
  try {
    const rendered = await workers.renderCertificatePages(parsed.document, { languages: [fallback] })
    return { language: fallback, png: rendered[fallback]! }
  } catch (error) {
    throw elmWorkError(error, 'rendering the certificate page') ?? error
  }
}
