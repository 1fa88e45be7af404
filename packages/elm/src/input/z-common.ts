import { z } from 'zod'
import {
  ATU_SCHEME,
  isEscoSkillUri,
  isKnownLanguageTag,
  lookupConcept,
  lookupCountry,
  lookupLanguage,
  type VocabularyKey,
  vocabularyOf,
} from '../vocabulary/index.ts'

/** Longest text accepted in one language of a language map: a long course description fits, a
 * pasted document does not (security.md: oversized input is refused with the field named). */
export const MAX_TEXT_LENGTH = 20_000
export const MAX_SHORT_TEXT_LENGTH = 500

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
const CONTROL_BUT_LAYOUT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/
/**
 * Bidirectional embeddings, overrides and isolates (UAX #9 §2.1–2.2: U+202A–U+202E, U+2066–U+2069)
 * reorder the text around them, so a name or title could display otherwise than it reads and is
 * signed ("Trojan Source", CVE-2021-42574). Marks (U+200E, U+200F) stay: right-to-left text needs them.
 */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * What a text may hold to be printed on a certificate, stored and signed (security.md, "Control
 * characters and lone surrogates in names → 400 naming the field"): well-formed Unicode (a lone
 * surrogate cannot be written as UTF-8, so neither the store nor a signature could keep it), and
 * no control character (Unicode Cc: they break the certificate's SVG — XML 1.0 §2.2 — and can hide
 * text) — except tab and line breaks in a multi-line text such as a description.
 */
export function checkPlainText(value: string, ctx: z.RefinementCtx, options: { multiLine: boolean }): void {
  const control = (options.multiLine ? CONTROL_BUT_LAYOUT : CONTROL_CHARACTER).exec(value)
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')
    ctx.addIssue({ code: 'custom', message: `must not hold a control character (U+${code})` })
  }
  const bidi = BIDI_CONTROL.exec(value)
  if (bidi) {
    const code = bidi[0].charCodeAt(0).toString(16).toUpperCase()
    ctx.addIssue({
      code: 'custom',
      message: `must not hold a bidirectional embedding, override or isolate (U+${code}): it would reorder what is shown`,
    })
  }
  if (LONE_SURROGATE.test(value)) {
    ctx.addIssue({ code: 'custom', message: 'is not well-formed Unicode (it holds a lone surrogate)' })
  }
}

/** A trimmed, non-empty text of at most `max` characters; see {@link checkPlainText}. */
export function zPlainText(max: number, options: { multiLine: boolean } = { multiLine: false }) {
  return z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `is longer than ${max} characters`)
    .superRefine((value, ctx) => checkPlainText(value, ctx, options))
}

/**
 * A language map (JSON-LD `@container: @language`, elm.md "Serialisation rules"):
 * `{"en": "…", "de": "…"}`, at least one language, keys are known BCP 47 language tags.
 */
function languageMap(max: number, options: { multiLine: boolean }) {
  return z
    .record(z.string(), zPlainText(max, options), {
      error: (issue) =>
        issue.input === undefined ? 'is required' : 'must be a language map such as {"en": "…", "de": "…"}',
    })
    .superRefine((map, ctx) => {
      const tags = Object.keys(map)
      if (tags.length === 0) ctx.addIssue({ code: 'custom', message: 'must have a text in at least one language' })
      for (const tag of tags) {
        if (!isKnownLanguageTag(tag)) {
          ctx.addIssue({
            code: 'custom',
            path: [tag],
            message: `"${tag}" is not a known language tag (use e.g. "en", "de")`,
          })
        }
      }
    })
}

/** Long texts (descriptions, outcomes) may hold line breaks and tabs; short ones (names, titles) not. */
export const zLanguageMap = languageMap(MAX_TEXT_LENGTH, { multiLine: true })
export const zShortLanguageMap = languageMap(MAX_SHORT_TEXT_LENGTH, { multiLine: false })
export type LanguageMap = z.infer<typeof zLanguageMap>

const zUri = z
  .string()
  .max(2048, 'is longer than 2048 characters')
  // The URL parser drops tabs and line breaks silently: the stored text would not be the URI read.
  .superRefine((value, ctx) => checkPlainText(value, ctx, { multiLine: false }))
  .refine((value) => URL.canParse(value), 'must be an absolute URI')

/** A concept URI that must be a member of one controlled vocabulary (elm.md, "Controlled vocabularies"). */
export function zConcept(key: VocabularyKey, what: string) {
  return zUri.superRefine((uri, ctx) => {
    if (lookupConcept(key, uri)) return
    const actual = vocabularyOf(uri)
    ctx.addIssue({
      code: 'custom',
      message:
        actual && actual !== key
          ? `${uri} is a concept of the "${actual}" scheme, not a ${what} ("${key}" scheme)`
          : `${uri} is not a known ${what} (expected a concept of http://data.europa.eu/snb/${key}/25831c2)`,
    })
  })
}

export const zCountry = zUri.refine(
  (uri) => lookupCountry(uri) !== undefined,
  'must be an EU country authority URI such as http://publications.europa.eu/resource/authority/country/DEU',
)

export const zLanguage = zUri.refine(
  (uri) => lookupLanguage(uri) !== undefined,
  'must be an EU language authority URI such as http://publications.europa.eu/resource/authority/language/ENG',
)

export const zRegion = zUri.refine(
  (uri) => uri.startsWith(`${ATU_SCHEME}/`),
  `must be an administrative-territorial unit URI under ${ATU_SCHEME}/`,
)

export const zEscoSkill = zUri.refine(
  isEscoSkillUri,
  'must be an ESCO skill URI such as http://data.europa.eu/esco/skill/<uuid>',
)

/** An identifier for a node of the document: a URN, a DID or an http(s) URL. */
export const zIri = zUri.refine((value) => /^(urn|did|https?):/.test(value), 'must be a URN, a DID or an http(s) URL')

export const zHttpUrl = zUri.refine((value) => /^https?:\/\//.test(value), 'must be an http(s) URL')

export const zEmail = z.email({ error: 'must be an e-mail address' }).max(254)

/** A calendar date `YYYY-MM-DD` that exists (no 31 February). */
// zod's ISO date check knows month lengths and leap years.
export const zDate = z.iso.date({ error: 'must be a real calendar date YYYY-MM-DD' })

/** A date-time with an offset (RFC 3339), e.g. `2026-06-30T12:00:00Z`. */
export const zDateTime = z.iso
  .datetime({ offset: true, error: 'must be a date-time such as 2026-06-30T12:00:00Z' })
  .refine((value) => !Number.isNaN(new Date(value).getTime()), 'is not a real date-time')

/** A calendar date or a date-time: `2026-07-15` or `2026-07-15T09:00:00Z`. */
export const zDateOrDateTime = z.string().superRefine((value, ctx) => {
  const schema = value.length <= 10 ? zDate : zDateTime
  const result = schema.safeParse(value)
  if (!result.success) {
    ctx.addIssue({ code: 'custom', message: result.error.issues[0]?.message ?? 'is not a date' })
  }
})

/** An ISO 8601 duration (xsd:duration), e.g. `PT60H`, `P3M`. */
export const zDuration = z.iso.duration({ error: 'must be an ISO 8601 duration such as PT60H' })

export const zNotation = zPlainText(200)

/** A legal identifier (VAT, registration, eIDAS organisation identifier) in its issuing country. */
export const zLegalIdentifier = z.strictObject({
  notation: zNotation,
  country: zCountry,
})
