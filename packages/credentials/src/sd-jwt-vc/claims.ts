import {
  annexIReport,
  type ConceptView,
  countryAlpha2,
  type EdcDocument,
  languageTagForUri,
  type ParsedEdc,
  parseEdc,
  pickText,
} from '@alma/elm'

/**
 * The vct of the EU reference issuer's learning credential, whose claim names we follow
 * (elm.md, "ELM in wallet formats").
 */
export const EU_LEARNING_CREDENTIAL_VCT = 'urn:eu.europa.ec.eudi:learning:credential:1'

/**
 * Flat SD-JWT VC claims for the Annex I facts of an EDC, each selectively disclosable, so a holder
 * can show "EQF 6, 5 ECTS, from University A" and keep grade and birth date to themselves
 * (elm.md, "ELM in wallet formats"). Names in the upper part are the EU reference learning
 * credential's; the rest are ours, for what Annex I needs beyond them. LA = the first
 * `credentialSubject.hasClaim`, SPEC = `LA.specifiedBy`.
 *
 * | claim                            | Annex I | EDC source                                              | JSON type |
 * |----------------------------------|---------|---------------------------------------------------------|-----------|
 * | issuing_authority                | 4       | `issuer.legalName` (the sealer)                          | string    |
 * | issuing_country                  | 3       | `issuer.location.address.countryCode` → ISO 3166-1 a-2   | string    |
 * | date_of_issuance                 | 5       | `issued` (date only)                                     | string    |
 * | date_of_expiry                   | –       | `validUntil` (date only)                                 | string    |
 * | family_name, given_name          | 1       | `credentialSubject.familyName` / `givenName`             | string    |
 * | achievement_title                | 2       | `LA.title`                                               | string    |
 * | achievement_description          | 16      | `LA.description` (else `SPEC.description`)               | string    |
 * | learning_outcomes                | 6       | `SPEC.learningOutcome[].title` (else the summary)        | string[]  |
 * | assessment_grade                 | 14      | `LA.provenBy[].grade`                                    | string    |
 * | language_of_classes              | –       | `SPEC.language[]` → BCP 47 tags                          | string[]  |
 * | learner_identification           | 1       | `nationalID.notation`, else the first `identifier`       | string    |
 * | expected_study_time              | 7       | `SPEC.volumeOfLearning` (ISO 8601 duration, e.g. PT60H)  | string    |
 * | level_of_learning_experience     | 8       | `SPEC.eqfLevel` / `nqfLevel[]` as text ("EQF 6")         | string    |
 * | types_of_quality_assurance       | 11      | `SPEC.accreditation[]`, `awardingBody[].accreditation[]` | string[]  |
 * | prerequisites_to_enroll          | 12      | `SPEC.entryRequirement`                                  | string    |
 * | integration_stackability_options | 15      | `SPEC.isPartialQualification`, part-of, stackability note | string   |
 * | birth_date                       | 1       | `credentialSubject.dateOfBirth` (date only)              | string    |
 * | eqf_level                        | 8       | `SPEC.eqfLevel` as a number                              | number    |
 * | ects_credits                     | 7       | `SPEC.creditPoint[]` in the ECTS framework               | number    |
 * | awarding_bodies                  | 3, 4    | `LA.awardedBy.awardingBody[]` → `{name, country}`        | object[]  |
 * | assessment_type                  | 9       | `LA.provenBy[].specifiedBy.dcType` labels                | string[]  |
 * | mode_of_learning                 | 10      | `SPEC.mode[]` labels                                     | string[]  |
 * | learning_setting                 | 10      | `SPEC.learningSetting` label                             | string    |
 * | supervision_and_id_verification  | 13      | `LA.provenBy[].idVerification` label                     | string    |
 *
 * Texts are in the credential's primary language (or the one asked for), falling back to English.
 * A claim whose source is absent is left out, never sent empty.
 */
export const SD_JWT_CLAIMS = [
  { name: 'issuing_authority', annexI: [4], en: 'Issuing authority', de: 'Ausstellende Stelle' },
  { name: 'issuing_country', annexI: [3], en: 'Issuing country', de: 'Ausstellungsland' },
  { name: 'date_of_issuance', annexI: [5], en: 'Date of issuance', de: 'Ausstellungsdatum' },
  { name: 'date_of_expiry', annexI: [], en: 'Date of expiry', de: 'Ablaufdatum' },
  { name: 'family_name', annexI: [1], en: 'Family name', de: 'Nachname' },
  { name: 'given_name', annexI: [1], en: 'Given name', de: 'Vorname' },
  { name: 'achievement_title', annexI: [2], en: 'Title of the micro-credential', de: 'Titel des Micro-Credentials' },
  { name: 'achievement_description', annexI: [16], en: 'Description', de: 'Beschreibung' },
  { name: 'learning_outcomes', annexI: [6], en: 'Learning outcomes', de: 'Lernergebnisse' },
  { name: 'assessment_grade', annexI: [14], en: 'Grade achieved', de: 'Erzielte Note' },
  { name: 'language_of_classes', annexI: [], en: 'Language of classes', de: 'Unterrichtssprache' },
  {
    name: 'learner_identification',
    annexI: [1],
    en: 'Learner identification',
    de: 'Identifikation der lernenden Person',
  },
  { name: 'expected_study_time', annexI: [7], en: 'Notional workload', de: 'Arbeitsaufwand' },
  { name: 'level_of_learning_experience', annexI: [8], en: 'Level (EQF/NQF)', de: 'Niveau (EQR/DQR)' },
  { name: 'types_of_quality_assurance', annexI: [11], en: 'Quality assurance', de: 'Qualitätssicherung' },
  { name: 'prerequisites_to_enroll', annexI: [12], en: 'Prerequisites', de: 'Zugangsvoraussetzungen' },
  {
    name: 'integration_stackability_options',
    annexI: [15],
    en: 'Integration / stackability',
    de: 'Anrechnung / Kombinierbarkeit',
  },
  { name: 'birth_date', annexI: [1], en: 'Date of birth', de: 'Geburtsdatum' },
  { name: 'eqf_level', annexI: [8], en: 'EQF level', de: 'EQR-Niveau' },
  { name: 'ects_credits', annexI: [7], en: 'ECTS credits', de: 'ECTS-Punkte' },
  { name: 'awarding_bodies', annexI: [3, 4], en: 'Awarding bodies', de: 'Verleihende Einrichtungen' },
  { name: 'assessment_type', annexI: [9], en: 'Type of assessment', de: 'Art der Prüfung' },
  { name: 'mode_of_learning', annexI: [10], en: 'Form of participation', de: 'Form der Teilnahme' },
  { name: 'learning_setting', annexI: [10], en: 'Learning setting', de: 'Lernumgebung' },
  {
    name: 'supervision_and_id_verification',
    annexI: [13],
    en: 'Supervision and identity verification',
    de: 'Aufsicht und Identitätsprüfung',
  },
] as const

export type SdJwtClaimName = (typeof SD_JWT_CLAIMS)[number]['name']

/** Flat claims of a learning SD-JWT VC; every member is selectively disclosable. */
export type SdJwtLearningClaims = Partial<Record<SdJwtClaimName, unknown>>

/** OpenID4VCI 1.0 Appendix B.2: one entry of `credential_metadata.claims`. */
export interface ClaimMetadata {
  path: (string | null)[]
  display: { name: string; locale: string }[]
}

/**
 * The `credential_metadata.claims` of our `dc+sd-jwt` configuration (OpenID4VCI 1.0 Appendix B.2,
 * "Claims Description"): each claim's path and its name in English and German, or only in `lang`.
 */
export function sdJwtClaimDisplay(lang?: 'en' | 'de'): ClaimMetadata[] {
  const locales = lang ? [lang] : (['en', 'de'] as const)
  const entries: ClaimMetadata[] = SD_JWT_CLAIMS.map((claim) => ({
    path: [claim.name],
    display: locales.map((locale) => ({ name: claim[locale], locale })),
  }))
  // awarding_bodies is an array of objects: describe its members too, so wallets can label them.
  entries.push(
    {
      path: ['awarding_bodies', null, 'name'],
      display: locales.map((locale) => ({ name: 'Name', locale })),
    },
    {
      path: ['awarding_bodies', null, 'country'],
      display: locales.map((locale) => ({ name: locale === 'de' ? 'Land' : 'Country', locale })),
    },
  )
  return entries
}

function dateOnly(value: string | undefined): string | undefined {
  return value && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : undefined
}

function labels(concepts: (ConceptView | undefined)[], language: string): string[] {
  return concepts.filter((c): c is ConceptView => c !== undefined).map((c) => pickText(c.label, language) ?? c.id)
}

function nonEmpty<T>(values: T[]): T[] | undefined {
  return values.length ? values : undefined
}

type Node = Record<string, unknown>

/** The stackability Note buildEdc writes as `SPEC.additionalNote[#stackability]` (Annex I 15). */
function stackabilityNote(parsed: ParsedEdc, language: string): string | undefined {
  const subject = parsed.document.credentialSubject as Node | undefined
  const claims = subject?.hasClaim
  const achievement = (Array.isArray(claims) ? claims[0] : claims) as Node | undefined
  const spec = achievement?.specifiedBy as Node | undefined
  const notes = spec?.additionalNote
  const note = (Array.isArray(notes) ? notes : notes ? [notes] : []).find(
    (n): n is Node => typeof n === 'object' && n !== null && String((n as Node).id ?? '').endsWith('#stackability'),
  )
  return pickText(note?.noteLiteral as Record<string, string> | undefined, language)
}

/**
 * Maps an EDC document to the flat claims of {@link SD_JWT_CLAIMS}, reading it with `parseEdc` and
 * `annexIReport` (the same reading the Annex I report shows the issuer before issuing).
 */
export function edcToSdJwtClaims(
  edc: EdcDocument | ParsedEdc,
  options: { language?: string } = {},
): SdJwtLearningClaims {
  const parsed = 'achievements' in edc && 'document' in edc ? (edc as ParsedEdc) : parseEdc(edc)
  const language = options.language ?? parsed.display.primaryLanguage ?? 'en'
  const text = (map: Record<string, string> | undefined) => pickText(map, language)
  const report = annexIReport(parsed)
  const element = (n: number) => report.elements.find((e) => e.number === n)?.value
  const achievement = parsed.achievements[0]
  const spec = achievement?.specification
  const learner = parsed.learner
  const accreditations = [
    ...(spec?.accreditations ?? []),
    ...(achievement?.awardingBodies.flatMap((body) => body.accreditations) ?? []),
  ]
  const issuerCountry = parsed.issuer.countries[0]
  const stackability = [element(15), stackabilityNote(parsed, language)].filter(Boolean).join('; ')
  const claims: Record<SdJwtClaimName, unknown> = {
    issuing_authority: text(parsed.issuer.legalName),
    issuing_country: issuerCountry ? (countryAlpha2(issuerCountry.id) ?? issuerCountry.id) : undefined,
    date_of_issuance: dateOnly(parsed.issued),
    date_of_expiry: dateOnly(parsed.validUntil),
    family_name: text(learner.familyName),
    given_name: text(learner.givenName),
    achievement_title: text(achievement?.title) ?? text(spec?.title),
    achievement_description: text(achievement?.description) ?? text(spec?.description),
    learning_outcomes:
      nonEmpty(spec?.learningOutcomes.map((o) => text(o.title)).filter((t): t is string => t !== undefined) ?? []) ??
      (spec?.learningOutcomeSummary ? [text(spec.learningOutcomeSummary)] : undefined),
    assessment_grade: nonEmpty(
      achievement?.assessments.map((a) => text(a.grade)).filter((g): g is string => g !== undefined) ?? [],
    )?.join('; '),
    language_of_classes: nonEmpty(
      spec?.languages.map((l) => languageTagForUri(l.id)).filter((t): t is string => t !== undefined) ?? [],
    ),
    learner_identification: learner.nationalId?.notation ?? learner.identifiers[0]?.notation,
    expected_study_time: spec?.volumeOfLearning,
    level_of_learning_experience: element(8),
    types_of_quality_assurance: nonEmpty(
      accreditations.map((a) => text(a.title) ?? (a.type ? text(a.type.label) : undefined) ?? a.id),
    ),
    prerequisites_to_enroll: text(spec?.entryRequirements),
    integration_stackability_options: stackability || undefined,
    birth_date: dateOnly(learner.dateOfBirth),
    eqf_level: spec?.eqfLevelNumber,
    ects_credits: spec?.ects,
    awarding_bodies: nonEmpty(
      achievement?.awardingBodies.map((body) => {
        const country = body.countries[0]
        return {
          name: text(body.legalName),
          ...(country ? { country: countryAlpha2(country.id) ?? country.id } : {}),
        }
      }) ?? [],
    ),
    assessment_type: nonEmpty(labels(achievement?.assessments.map((a) => a.type) ?? [], language)),
    mode_of_learning: nonEmpty(labels(spec?.modes ?? [], language)),
    learning_setting: spec?.learningSetting ? labels([spec.learningSetting], language)[0] : undefined,
    supervision_and_id_verification: nonEmpty(
      labels(achievement?.assessments.map((a) => a.idVerification) ?? [], language),
    )?.join('; '),
  }
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined)) as SdJwtLearningClaims
}
