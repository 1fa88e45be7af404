import type { LanguageMap } from '../input/index.ts'
import { type ConceptView, type ParsedEdc, parseEdc, pickText } from '../parse/parse-edc.ts'

export type AnnexIStatus = 'present' | 'missing' | 'not-applicable'

export interface AnnexIElement {
  /** 1–16, the numbering of Annex I of Council Recommendation 2022/C 243/02. */
  number: number
  name: string
  mandatory: boolean
  /**
   * `present`: the credential states it. `missing`: a mandatory element it does not state.
   * `not-applicable`: an optional element the credential does not use.
   */
  status: AnnexIStatus
  /** Where ELM carries the element (design/elm.md, "Council Recommendation Annex I → ELM"). */
  paths: string[]
  /** What was found, as text a person can read. */
  value?: string
}

export interface AnnexIReport {
  /** True when every mandatory element (1–11) is present: a micro-credential in the Recommendation's sense. */
  isMicroCredential: boolean
  missing: number[]
  elements: AnnexIElement[]
}

const LA = 'credentialSubject.hasClaim[0]'
const SPEC = `${LA}.specifiedBy`

function labelOf(concept: ConceptView | undefined): string | undefined {
  if (!concept) return undefined
  return pickText(concept.label) ?? concept.id
}

function join(values: (string | undefined)[]): string | undefined {
  const kept = values.filter((value): value is string => Boolean(value))
  return kept.length ? kept.join('; ') : undefined
}

function textOf(map: LanguageMap | undefined): string | undefined {
  return pickText(map)
}

interface ElementDefinition {
  number: number
  name: string
  mandatory: boolean
  paths: string[]
  find: (edc: ParsedEdc) => string | undefined
}

/** Annex I, part I: mandatory elements 1–11; part II: optional elements 12–16. */
const ELEMENTS: ElementDefinition[] = [
  {
    number: 1,
    name: 'Identification of the learner',
    mandatory: true,
    paths: ['credentialSubject.fullName', 'credentialSubject.givenName', 'credentialSubject.familyName'],
    find: ({ learner }) =>
      join([
        textOf(learner.fullName) ?? join([textOf(learner.givenName), textOf(learner.familyName)])?.replace('; ', ' '),
        learner.dateOfBirth ? `born ${learner.dateOfBirth.slice(0, 10)}` : undefined,
      ]),
  },
  {
    number: 2,
    name: 'Title of the micro-credential',
    mandatory: true,
    paths: [`${LA}.title`, `${SPEC}.title`],
    find: ({ achievements }) => textOf(achievements[0]?.title) ?? textOf(achievements[0]?.specification?.title),
  },
  {
    number: 3,
    name: 'Country or region of the issuer',
    mandatory: true,
    paths: [`${LA}.awardedBy.awardingBody[].location.address.countryCode`, 'issuer.location.address.countryCode'],
    find: ({ achievements, issuer }) =>
      join([
        ...new Set([...(achievements[0]?.awardingBodies ?? []), issuer].flatMap((org) => org.countries.map(labelOf))),
      ]),
  },
  {
    number: 4,
    name: 'Awarding body or bodies',
    mandatory: true,
    paths: [`${LA}.awardedBy.awardingBody[]`],
    find: ({ achievements }) => join(achievements[0]?.awardingBodies.map((body) => textOf(body.legalName)) ?? []),
  },
  {
    number: 5,
    name: 'Date of issuing',
    mandatory: true,
    paths: ['issued', 'issuanceDate', `${LA}.awardedBy.awardingDate`],
    find: ({ issued, achievements }) => issued ?? achievements[0]?.awardingDate,
  },
  {
    number: 6,
    name: 'Learning outcomes',
    mandatory: true,
    paths: [`${SPEC}.learningOutcome[]`, `${SPEC}.learningOutcomeSummary`],
    find: ({ achievements }) => {
      const spec = achievements[0]?.specification
      const outcomes = spec?.learningOutcomes.map((outcome) => textOf(outcome.title)) ?? []
      return join(outcomes) ?? textOf(spec?.learningOutcomeSummary)
    },
  },
  {
    number: 7,
    name: 'Notional workload needed to achieve the learning outcomes (in ECTS, wherever possible)',
    mandatory: true,
    paths: [`${SPEC}.creditPoint[]`, `${SPEC}.volumeOfLearning`],
    find: ({ achievements }) => {
      const spec = achievements[0]?.specification
      return join([
        ...(spec?.creditPoints.map((credit) => `${credit.points} ${labelOf(credit.framework)}`) ?? []),
        spec?.volumeOfLearning,
      ])
    },
  },
  {
    number: 8,
    name: 'Level (and cycle, if applicable) of the learning experience (EQF, QF-EHEA)',
    mandatory: true,
    paths: [`${SPEC}.eqfLevel`, `${SPEC}.nqfLevel[]`],
    find: ({ achievements }) => {
      const spec = achievements[0]?.specification
      return join([
        spec?.eqfLevelNumber ? `EQF ${spec.eqfLevelNumber}` : labelOf(spec?.eqfLevel),
        ...(spec?.nqfLevels.map(labelOf) ?? []),
      ])
    },
  },
  {
    number: 9,
    name: 'Type of assessment',
    mandatory: true,
    paths: [`${LA}.provenBy[].specifiedBy.dcType`],
    find: ({ achievements }) => join(achievements[0]?.assessments.map((assessment) => labelOf(assessment.type)) ?? []),
  },
  {
    number: 10,
    name: 'Form of participation in the learning activity',
    mandatory: true,
    paths: [`${SPEC}.mode[]`, `${SPEC}.learningSetting`],
    find: ({ achievements }) => {
      const spec = achievements[0]?.specification
      return join([...(spec?.modes.map(labelOf) ?? []), labelOf(spec?.learningSetting)])
    },
  },
  {
    number: 11,
    name: 'Type of quality assurance used to underpin the micro-credential',
    mandatory: true,
    paths: [`${SPEC}.accreditation[]`, `${LA}.awardedBy.awardingBody[].accreditation[]`],
    find: ({ achievements }) => {
      const achievement = achievements[0]
      const accreditations = [
        ...(achievement?.specification?.accreditations ?? []),
        ...(achievement?.awardingBodies.flatMap((body) => body.accreditations) ?? []),
      ]
      return join(accreditations.map((accreditation) => textOf(accreditation.title) ?? labelOf(accreditation.type)))
    },
  },
  {
    number: 12,
    name: 'Prerequisites needed to enrol in the learning activity',
    mandatory: false,
    paths: [`${SPEC}.entryRequirement`],
    find: ({ achievements }) => textOf(achievements[0]?.specification?.entryRequirements),
  },
  {
    number: 13,
    name: 'Supervision and identity verification during assessment',
    mandatory: false,
    paths: [`${LA}.provenBy[].idVerification`],
    find: ({ achievements }) =>
      join(achievements[0]?.assessments.map((assessment) => labelOf(assessment.idVerification)) ?? []),
  },
  {
    number: 14,
    name: 'Grade achieved',
    mandatory: false,
    paths: [`${LA}.provenBy[].grade`],
    find: ({ achievements }) => join(achievements[0]?.assessments.map((assessment) => textOf(assessment.grade)) ?? []),
  },
  {
    number: 15,
    name: 'Integration / stackability options',
    mandatory: false,
    paths: [`${SPEC}.isPartialQualification`, `${LA}.isPartOf[]`, `${LA}.hasPart[]`, `${LA}.entitlesTo[]`],
    find: ({ achievements }) => {
      const achievement = achievements[0]
      const partial = achievement?.specification?.isPartialQualification
      return join([
        partial === undefined ? undefined : partial ? 'part of a larger qualification' : 'a full qualification',
        ...(achievement?.partOf.map((id) => `part of ${id}`) ?? []),
        ...(achievement?.hasPart.map((id) => `has part ${id}`) ?? []),
        ...(achievement?.entitlesTo.map((id) => `entitles to ${id}`) ?? []),
      ])
    },
  },
  {
    number: 16,
    name: 'Further information',
    mandatory: false,
    paths: [`${SPEC}.additionalNote[]`, `${SPEC}.supplementaryDocument[]`, `${SPEC}.homepage`, `${SPEC}.description`],
    find: ({ achievements }) => {
      const spec = achievements[0]?.specification
      return join([
        ...(spec?.additionalNotes.map(textOf) ?? []),
        ...(spec?.supplementaryDocuments ?? []),
        ...(spec?.homepages ?? []),
        textOf(spec?.description),
      ])
    },
  },
]

/**
 * Reports, for each of the 16 elements of Annex I, whether an EDC document states it, where, and
 * what it says. Accepts an EDC document in any form `parseEdc` reads, or its parsed view. The
 * report reads the first learning achievement, the micro-credential itself in every EDC sample.
 */
export function annexIReport(edc: unknown): AnnexIReport {
  const parsed = isParsed(edc) ? edc : parseEdc(edc)
  const elements = ELEMENTS.map(({ find, ...definition }): AnnexIElement => {
    const value = find(parsed)
    const status: AnnexIStatus = value ? 'present' : definition.mandatory ? 'missing' : 'not-applicable'
    return { ...definition, status, ...(value ? { value } : {}) }
  })
  const missing = elements.filter((element) => element.status === 'missing').map((element) => element.number)
  return { isMicroCredential: missing.length === 0, missing, elements }
}

function isParsed(value: unknown): value is ParsedEdc {
  return typeof value === 'object' && value !== null && 'achievements' in value && 'document' in value
}

/** The report as lines of text, for the CLI and logs. */
export function formatAnnexIReport(report: AnnexIReport): string {
  const mark: Record<AnnexIStatus, string> = { present: '✓', missing: '✗', 'not-applicable': '–' }
  const lines = report.elements.map((element) => {
    const head = `${mark[element.status]} ${String(element.number).padStart(2)}. ${element.name}${element.mandatory ? '' : ' (optional)'}`
    const detail = element.value
      ? `\n      ${element.value.length > 160 ? `${element.value.slice(0, 157)}…` : element.value}`
      : ''
    return `${head}${detail}`
  })
  lines.push(
    report.isMicroCredential
      ? 'A micro-credential in the sense of the Council Recommendation: all mandatory elements (1–11) are present.'
      : `Not a micro-credential in the sense of the Council Recommendation: missing element(s) ${report.missing.join(', ')}.`,
  )
  return lines.join('\n')
}
