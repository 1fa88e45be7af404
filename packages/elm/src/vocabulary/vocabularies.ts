import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import countries from 'i18n-iso-countries'
import { iso6393, iso6393To1 } from 'iso-639-3'

/**
 * Controlled vocabularies of the European Learning Model (design/elm.md, "Controlled
 * vocabularies"). EU vocabularies live under `http://data.europa.eu/snb/<key>/…` with concept
 * scheme `…/<key>/25831c2`; countries and languages are EU authority tables.
 */
export type VocabularyKey =
  | 'accreditation'
  | 'assessment'
  | 'credential'
  | 'education-credit'
  | 'encoding'
  | 'entitlement'
  | 'entitlement-status'
  | 'eqf'
  | 'evidence-type'
  | 'isced-f'
  | 'learning-activity'
  | 'learning-assessment'
  | 'learning-opportunity'
  | 'learning-schedule'
  | 'learning-setting'
  | 'qdr'
  | 'skill-reuse-level'
  | 'skill-type'
  | 'supervision-verification'
  | 'target-group'
  | 'verifiable-presentation'
  | 'verification'
  | 'verification-status'

export const SNB = 'http://data.europa.eu/snb/'
export const COUNTRY_SCHEME = 'http://publications.europa.eu/resource/authority/country'
export const LANGUAGE_SCHEME = 'http://publications.europa.eu/resource/authority/language'
export const FILE_TYPE_SCHEME = 'http://publications.europa.eu/resource/authority/file-type'
export const ATU_SCHEME = 'http://publications.europa.eu/resource/authority/atu'
export const ESCO_SKILL_SCHEME = 'http://data.europa.eu/esco/concept-scheme/skills'
const ESCO_SKILL_PATTERN =
  /^http:\/\/data\.europa\.eu\/esco\/skill\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Schemes whose full concept list we do not ship (national frameworks): any concept under the
 * scheme's namespace is accepted, and the caller must give its label. */
const OPEN_VOCABULARIES: ReadonlySet<VocabularyKey> = new Set(['qdr'])

interface VocabularyFile {
  schemes: Record<string, Record<string, string>>
}

const vocabularies = (
  JSON.parse(readFileSync(new URL('../../data/vocabularies.json', import.meta.url), 'utf8')) as VocabularyFile
).schemes

const require = createRequire(import.meta.url)
countries.registerLocale(require('i18n-iso-countries/langs/en.json'))
countries.registerLocale(require('i18n-iso-countries/langs/de.json'))

/** ISO 639-3 code (lower case) → English name, for the EU language authority table. */
const languageNames = new Map(iso6393.map((language) => [language.iso6393, language.name]))
/** ISO 639-1 two-letter tag → ISO 639-3 code, for language-map keys such as `en`, `de`. */
const languageTagToIso6393 = new Map(Object.entries(iso6393To1).map(([three, two]) => [two, three]))

export function schemeIri(key: VocabularyKey): string {
  return `${SNB}${key}/25831c2`
}

export interface ConceptInfo {
  uri: string
  scheme: string
  /** Labels by language; EU vocabularies ship English labels. */
  label: Record<string, string>
}

/** Looks a concept up in its vocabulary; `undefined` when the URI is not a member. */
export function lookupConcept(key: VocabularyKey, uri: string): ConceptInfo | undefined {
  const label = vocabularies[key]?.[uri]
  if (label !== undefined) return { uri, scheme: schemeIri(key), label: { en: label } }
  if (OPEN_VOCABULARIES.has(key) && uri.startsWith(`${SNB}${key}/`) && !uri.endsWith('/25831c2')) {
    return { uri, scheme: schemeIri(key), label: {} }
  }
  return undefined
}

/** Which vocabulary a concept URI belongs to, if any: used to name the right scheme in errors. */
export function vocabularyOf(uri: string): VocabularyKey | undefined {
  if (!uri.startsWith(SNB)) return undefined
  const key = uri.slice(SNB.length).split('/')[0] as VocabularyKey
  return key in vocabularies || OPEN_VOCABULARIES.has(key) ? key : undefined
}

export function conceptsOf(key: VocabularyKey): ConceptInfo[] {
  return Object.keys(vocabularies[key] ?? {}).map((uri) => lookupConcept(key, uri)!)
}

/** `…/authority/country/DEU` → the country concept, labels in English and German. */
export function lookupCountry(uri: string): ConceptInfo | undefined {
  const prefix = `${COUNTRY_SCHEME}/`
  if (!uri.startsWith(prefix)) return undefined
  const alpha3 = uri.slice(prefix.length)
  if (!/^[A-Z]{3}$/.test(alpha3) || !countries.isValid(alpha3)) return undefined
  const en = countries.getName(alpha3, 'en')
  const de = countries.getName(alpha3, 'de')
  return { uri, scheme: COUNTRY_SCHEME, label: { en: en ?? alpha3, ...(de ? { de } : {}) } }
}

export function countryUri(alpha3: string): string {
  return `${COUNTRY_SCHEME}/${alpha3.toUpperCase()}`
}

/** ISO 3166-1 alpha-2 (`DE`, used in X.509 `C`) of a country concept URI. */
export function countryAlpha2(uri: string): string | undefined {
  const alpha3 = uri.slice(COUNTRY_SCHEME.length + 1)
  return countries.alpha3ToAlpha2(alpha3) ?? undefined
}

/** `…/authority/language/ENG` → the language concept (EU table codes are ISO 639-3, upper case). */
export function lookupLanguage(uri: string): ConceptInfo | undefined {
  const prefix = `${LANGUAGE_SCHEME}/`
  if (!uri.startsWith(prefix)) return undefined
  const code = uri.slice(prefix.length)
  const name = /^[A-Z]{3}$/.test(code) ? languageNames.get(code.toLowerCase()) : undefined
  return name === undefined ? undefined : { uri, scheme: LANGUAGE_SCHEME, label: { en: name } }
}

/** A language-map key (`en`, `de`, `pt-BR`) → its EU language concept URI, if the language is known. */
export function languageUriForTag(tag: string): string | undefined {
  const primary = tag.split('-')[0]!.toLowerCase()
  const three =
    primary.length === 2 ? languageTagToIso6393.get(primary) : languageNames.has(primary) ? primary : undefined
  return three ? `${LANGUAGE_SCHEME}/${three.toUpperCase()}` : undefined
}

/** `…/authority/language/ENG` → `en` (ISO 639-1 where one exists, else the ISO 639-3 code). */
export function languageTagForUri(uri: string): string | undefined {
  const prefix = `${LANGUAGE_SCHEME}/`
  if (!uri.startsWith(prefix)) return undefined
  const three = uri.slice(prefix.length).toLowerCase()
  if (!languageNames.has(three)) return undefined
  return (iso6393To1 as Record<string, string>)[three] ?? three
}

export function isKnownLanguageTag(tag: string): boolean {
  return /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(tag) && languageUriForTag(tag) !== undefined
}

export function isEscoSkillUri(uri: string): boolean {
  return ESCO_SKILL_PATTERN.test(uri)
}
