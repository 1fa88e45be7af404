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
 * The vct of the EU reference issuer's learning credential (elm.md, "ELM in wallet formats"). A
 * credential that carries it follows that type's names, JSON types, mandatory claims and
 * disclosure rules exactly: `eudi-srv-pid-issuer` `src/main/resources/vct/learning_credential.json`
 * and `EncodeLearningCredential.kt` at commit 7c8ac094 (the fixture
 * `eu-learning-credential.type-metadata.json` beside the tests, compared claim by claim there).
 */
export const EU_LEARNING_CREDENTIAL_VCT = 'urn:eu.europa.ec.eudi:learning:credential:1'

/**
 * Flat SD-JWT VC claims for the Annex I facts of an EDC (elm.md, "ELM in wallet formats").
 * `eu: true` claims are the EU learning credential's, with its JSON type, its `mandatory` and its
 * `sd` rule (`never`: in the clear, so a verifier always sees who issued what and when; `always`:
 * a disclosure the holder may withhold). The others are what ELM and Annex I add beyond the EU
 * type — additional claims, always selectively disclosable, which the type metadata allows
 * (SD-JWT VC §4: a type describes the claims it knows, it does not forbid others).
 * LA = the first `credentialSubject.hasClaim`, SPEC = `LA.specifiedBy`.
 *
 * | claim                            | Annex I | EDC source                                               | JSON type |
 * |----------------------------------|---------|----------------------------------------------------------|-----------|
 * | issuing_authority                | 4       | `issuer.legalName` (the sealer)                          | string    |
 * | issuing_country                  | 3       | `issuer.location.address.countryCode` → ISO 3166-1 a-2   | string    |
 * | date_of_issuance                 | 5       | `issued` (YYYY-MM-DD)                                    | string    |
 * | date_of_expiry                   | –       | `validUntil` (YYYY-MM-DD)                                | string    |
 * | family_name, given_name          | 1       | `credentialSubject.familyName` / `givenName`             | string    |
 * | achievement_title                | 2       | `LA.title`                                               | string    |
 * | achievement_description          | 16      | `LA.description` (else `SPEC.description`)               | string    |
 * | learning_outcomes                | 6       | `SPEC.learningOutcome[].title` (else the summary)        | string[]  |
 * | assessment_grade                 | 14      | `LA.provenBy[].grade`                                    | string    |
 * | language_of_classes              | –       | `SPEC.language[]` → BCP 47 tags                          | string[]  |
 * | learner_identification           | 1       | `nationalID.notation`, else the first `identifier`, else the subject's id | string |
 * | expected_study_time              | 7       | `SPEC.volumeOfLearning` (ISO 8601, e.g. PT60H), else the credit points    | string |
 * | level_of_learning_experience     | 8       | `SPEC.eqfLevel` as a number 1–8                          | integer   |
 * | types_of_quality_assurance       | 11      | `SPEC.accreditation[]`, `awardingBody[].accreditation[]` | string[]  |
 * | prerequisites_to_enroll          | 12      | `SPEC.entryRequirement`                                  | string[]  |
 * | integration_stackability_options | 15      | partial qualification, part of / entitles to, or a stackability note | boolean |
 * | stackability_description         | 15      | the same, in words                                       | string    |
 * | birth_date                       | 1       | `credentialSubject.dateOfBirth` (date only)              | string    |
 * | eqf_level                        | 8       | `SPEC.eqfLevel` as a number (kept for queries written before level_of_learning_experience was an integer) | number |
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
  {
    name: 'issuing_authority',
    annexI: [4],
    eu: true,
    mandatory: true,
    sd: 'never',
    en: 'Issuing authority',
    de: 'Ausstellende Stelle',
  },
  {
    name: 'issuing_country',
    annexI: [3],
    eu: true,
    mandatory: true,
    sd: 'never',
    en: 'Issuing country',
    de: 'Ausstellungsland',
  },
  {
    name: 'date_of_issuance',
    annexI: [5],
    eu: true,
    mandatory: true,
    sd: 'never',
    en: 'Date of issuance',
    de: 'Ausstellungsdatum',
  },
  {
    name: 'date_of_expiry',
    annexI: [],
    eu: true,
    mandatory: false,
    sd: 'never',
    en: 'Date of expiry',
    de: 'Ablaufdatum',
  },
  { name: 'family_name', annexI: [1], eu: true, mandatory: true, sd: 'always', en: 'Family name', de: 'Nachname' },
  { name: 'given_name', annexI: [1], eu: true, mandatory: false, sd: 'always', en: 'Given name', de: 'Vorname' },
  {
    name: 'achievement_title',
    annexI: [2],
    eu: true,
    mandatory: true,
    sd: 'never',
    en: 'Title of the micro-credential',
    de: 'Titel des Micro-Credentials',
  },
  {
    name: 'achievement_description',
    annexI: [16],
    eu: true,
    mandatory: false,
    sd: 'never',
    en: 'Description',
    de: 'Beschreibung',
  },
  {
    name: 'learning_outcomes',
    annexI: [6],
    eu: true,
    mandatory: false,
    sd: 'always',
    en: 'Learning outcomes',
    de: 'Lernergebnisse',
  },
  {
    name: 'assessment_grade',
    annexI: [14],
    eu: true,
    mandatory: false,
    sd: 'always',
    en: 'Grade achieved',
    de: 'Erzielte Note',
  },
  {
    name: 'language_of_classes',
    annexI: [],
    eu: true,
    mandatory: true,
    sd: 'never',
    en: 'Language of classes',
    de: 'Unterrichtssprache',
  },
  {
    name: 'learner_identification',
    annexI: [1],
    eu: true,
    mandatory: true,
    sd: 'always',
    en: 'Learner identification',
    de: 'Identifikation der lernenden Person',
  },
  {
    name: 'expected_study_time',
    annexI: [7],
    eu: true,
    mandatory: true,
    sd: 'always',
    en: 'Notional workload',
    de: 'Arbeitsaufwand',
  },
  {
    name: 'level_of_learning_experience',
    annexI: [8],
    eu: true,
    mandatory: true,
    sd: 'always',
    en: 'Level (EQF)',
    de: 'Niveau (EQR)',
  },
  {
    name: 'types_of_quality_assurance',
    annexI: [11],
    eu: true,
    mandatory: true,
    sd: 'always',
    en: 'Quality assurance',
    de: 'Qualitätssicherung',
  },
  {
    name: 'prerequisites_to_enroll',
    annexI: [12],
    eu: true,
    mandatory: false,
    sd: 'always',
    en: 'Prerequisites',
    de: 'Zugangsvoraussetzungen',
  },
  {
    name: 'integration_stackability_options',
    annexI: [15],
    eu: true,
    mandatory: false,
    sd: 'always',
    en: 'Can be integrated or stacked',
    de: 'Anrechenbar / kombinierbar',
  },
  {
    name: 'stackability_description',
    annexI: [15],
    eu: false,
    mandatory: false,
    sd: 'always',
    en: 'Integration / stackability',
    de: 'Anrechnung / Kombinierbarkeit',
  },
  {
    name: 'birth_date',
    annexI: [1],
    eu: false,
    mandatory: false,
    sd: 'always',
    en: 'Date of birth',
    de: 'Geburtsdatum',
  },
  { name: 'eqf_level', annexI: [8], eu: false, mandatory: false, sd: 'always', en: 'EQF level', de: 'EQR-Niveau' },
  {
    name: 'ects_credits',
    annexI: [7],
    eu: false,
    mandatory: false,
    sd: 'always',
    en: 'ECTS credits',
    de: 'ECTS-Punkte',
  },
  {
    name: 'awarding_bodies',
    annexI: [3, 4],
    eu: false,
    mandatory: false,
    sd: 'always',
    en: 'Awarding bodies',
    de: 'Verleihende Einrichtungen',
  },
  {
    name: 'assessment_type',
    annexI: [9],
    eu: false,
    mandatory: false,
    sd: 'always',
    en: 'Type of assessment',
    de: 'Art der Prüfung',
  },
  {
    name: 'mode_of_learning',
    annexI: [10],
    eu: false,
    mandatory: false,
    sd: 'always',
    en: 'Form of participation',
    de: 'Form der Teilnahme',
  },
  {
    name: 'learning_setting',
    annexI: [10],
    eu: false,
    mandatory: false,
    sd: 'always',
    en: 'Learning setting',
    de: 'Lernumgebung',
  },
  {
    name: 'supervision_and_id_verification',
    annexI: [13],
    eu: false,
    mandatory: false,
    sd: 'always',
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
  /** Appendix B.2: the issuer always includes this claim (the EU type's `mandatory`). */
  mandatory?: boolean
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
    ...(claim.mandatory ? { mandatory: true } : {}),
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

function isText(value: string | undefined): value is string {
  return value !== undefined && value !== ''
}

function eqfLevel(level: number | undefined): number | undefined {
  return level !== undefined && Number.isInteger(level) && level >= 1 && level <= 8 ? level : undefined
}

/**
 * The EU type's yes/no `integration_stackability_options` (Annex I 15): yes when the course is part
 * of a larger qualification, is part of or entitles to another, or carries a stackability note; no
 * when it is stated to be a full qualification with none of those; unknown (left out) otherwise.
 */
function stackable(parsed: ParsedEdc, language: string): boolean | undefined {
  const achievement = parsed.achievements[0]
  const partial = achievement?.specification?.isPartialQualification
  const linked = (achievement?.partOf.length ?? 0) + (achievement?.entitlesTo.length ?? 0) > 0
  if (partial === true || linked || stackabilityNote(parsed, language) !== undefined) return true
  return partial === false ? false : undefined
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
    // Mandatory in the EU type: a learner with neither a national id nor an institutional
    // identifier is identified by the credential subject's id, which the EDC always has.
    learner_identification:
      learner.nationalId?.notation ?? learner.identifiers[0]?.notation ?? (learner.id || undefined),
    // Mandatory in the EU type, a string: the ISO 8601 volume where the course states one, else
    // the credit points in words ("5 ECTS credits"), which Annex I element 7 allows instead.
    expected_study_time:
      spec?.volumeOfLearning ?? (spec?.ects !== undefined ? `${spec.ects} ECTS credits` : element(7)),
    // The EU type's enum Level1…Level8 is encoded as the integer 1–8 (EncodeLearningCredential.kt):
    // the EQF level. An NQF level alone has no EQF number and leaves the claim out.
    level_of_learning_experience: eqfLevel(spec?.eqfLevelNumber),
    types_of_quality_assurance: nonEmpty(
      accreditations.map((a) => text(a.title) ?? (a.type ? text(a.type.label) : undefined) ?? a.id),
    ),
    prerequisites_to_enroll: spec?.entryRequirements
      ? nonEmpty([text(spec.entryRequirements)].filter(isText))
      : undefined,
    integration_stackability_options: stackable(parsed, language),
    stackability_description: stackability || undefined,
    birth_date: dateOnly(learner.dateOfBirth),
    eqf_level: eqfLevel(spec?.eqfLevelNumber),
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
