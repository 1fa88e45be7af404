import { randomUUID } from 'node:crypto'
import type { AwardInput, LanguageMap, MicroCredentialSpecificationInput, OrganisationsInput } from '../input/index.ts'
import { isPreparedBuildInputs, type PreparedBuildInputs, parseAward, parseBuildInputs } from '../input/index.ts'
import { parseEdc } from '../parse/parse-edc.ts'
import { renderCertificatePages } from '../render/render-certificate.ts'
import { languageTagForUri, languageUriForTag, SNB } from '../vocabulary/index.ts'
import { addIsoDuration } from './duration.ts'
import {
  accreditationNode,
  BASE64_ENCODING,
  countryConcept,
  eidasIdentifierNode,
  escoSkillConcept,
  type JsonLdNode,
  languageConcept,
  noteNode,
  organisationNode,
  PNG_FILE_TYPE,
  vocabularyConcept,
  webResourceNode,
} from './nodes.ts'

export const EDC_CONTEXT = ['https://www.w3.org/2018/credentials/v1', 'http://data.europa.eu/snb/model/context/edc-ap']
export const EDC_GENERIC_FULL_SCHEMA = 'http://data.europa.eu/snb/model/ap/edc-generic-full'
export const CREDENTIAL_PROFILE_GENERIC = `${SNB}credential/e34929035b`
export const CREDENTIAL_PROFILE_ISSUED_BY_MANDATE = `${SNB}credential/c_9a31f32a`
export const EVIDENCE_TYPE_MANDATE = `${SNB}evidence-type/c_18016257`

/** A rendered certificate page per language tag of the display: PNG bytes, or their base64 (as cached). */
export type CertificatePages = Record<string, Uint8Array | string>

export interface BuildEdcOptions {
  /** The issuing instant; injectable so that output is deterministic. */
  now?: Date
  /** Makes ids of per-credential nodes (credential, person, achievement…); default `urn:uuid:<random>`. */
  newId?: (kind: string) => string
  /** Language of the primary display; default the first language of the specification title. */
  primaryLanguage?: string
  /** Pre-rendered pages (one per display language), e.g. from a cache; rendered when absent. */
  pages?: CertificatePages
}

/** An EDC JSON-LD document (VC 1.1 + edc-ap contexts). */
export type EdcDocument = Record<string, unknown> & { id: string; '@context': string[] }

function dateTime(value: string): string {
  return value.length === 10 ? `${value}T00:00:00Z` : value
}

function instant(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** A plain-text name is taken to be in the primary language. */
function nameMap(value: string | LanguageMap, language: string): LanguageMap {
  return typeof value === 'string' ? { [language]: value } : value
}

function joinNames(given: LanguageMap, family: LanguageMap): LanguageMap {
  const out: LanguageMap = {}
  for (const language of new Set([...Object.keys(given), ...Object.keys(family)])) {
    const first = given[language] ?? Object.values(given)[0]
    const last = family[language] ?? Object.values(family)[0]
    out[language] = `${first} ${last}`
  }
  return out
}

/**
 * Builds the EDC document for one award of a micro-credential specification: a
 * `EuropeanDigitalCredential` whose subject holds one `LearningAchievement` specified by a
 * `Qualification`, following the shape of the EC's Annex I sample and the mapping in
 * design/elm.md. Inputs are validated first; an invalid input throws `ElmError('invalid_input')`
 * naming every bad field. The caller's objects are never changed.
 *
 * Two forms: `buildEdc(prepared, award, options)` takes a specification and organisations
 * validated once by {@link prepareBuildInputs} (a cohort shares them) and validates only the
 * award; `buildEdc(specification, award, organisations, options)` validates all three on every
 * call. With `now`, `newId` and `pages` fixed, the output is deterministic.
 *
 * @example
 * ```ts
 * const course = prepareBuildInputs(specification, organisations)
 * const document = buildEdc(course, award, { pages })
 * ```
 */
export function buildEdc(prepared: PreparedBuildInputs, awardInput: unknown, options?: BuildEdcOptions): EdcDocument
export function buildEdc(
  specificationInput: unknown,
  awardInput: unknown,
  organisationsInput: unknown,
  options?: BuildEdcOptions,
): EdcDocument
export function buildEdc(first: unknown, awardInput: unknown, third?: unknown, fourth?: BuildEdcOptions): EdcDocument {
  let inputs: { specification: MicroCredentialSpecificationInput; award: AwardInput; organisations: OrganisationsInput }
  let options: BuildEdcOptions
  if (isPreparedBuildInputs(first)) {
    if (fourth !== undefined) throw new TypeError('buildEdc(prepared, award, options) takes no organisations')
    inputs = { specification: first.specification, award: parseAward(awardInput), organisations: first.organisations }
    options = (third ?? {}) as BuildEdcOptions
  } else {
    inputs = parseBuildInputs(first, awardInput, third)
    options = fourth ?? {}
  }
  const document = assembleEdc(inputs.specification, inputs.award, inputs.organisations, options)
  const pages = options.pages ?? renderCertificatePages(parseEdc(document))
  attachPages(document, pages)
  return document
}

function assembleEdc(
  spec: MicroCredentialSpecificationInput,
  award: AwardInput,
  organisations: OrganisationsInput,
  options: BuildEdcOptions,
): EdcDocument {
  const now = options.now ?? new Date()
  const newId = options.newId ?? (() => `urn:uuid:${randomUUID()}`)
  const displayLanguages = Object.keys(spec.title)
  // The first language of instruction, when the title has it: the order of `languages` is kept by
  // every store, the order of a JSON object's keys is not (PostgreSQL jsonb sorts them).
  const taught = spec.languages
    .map((uri) => languageTagForUri(uri))
    .find((tag) => tag && displayLanguages.includes(tag))
  const primaryLanguage = options.primaryLanguage ?? taught ?? displayLanguages[0]!
  if (!displayLanguages.includes(primaryLanguage)) displayLanguages.unshift(primaryLanguage)

  const { issuer, alliance } = organisations
  const issuedByMandate = !organisations.awardingBodies.some((body) => body.id === issuer.id)
  const awardingBodies = organisations.awardingBodies.map((body) => organisationNode(body, alliance))

  const credentialId = newId('credential')
  const issued = instant(now)
  const validUntil = award.validUntil ?? (spec.validity ? instant(addIsoDuration(now, spec.validity)) : undefined)

  // One AwardingProcess, embedded identically wherever the achievement's parts point to it.
  const awardingProcess: JsonLdNode = {
    id: newId('awarding-process'),
    type: 'AwardingProcess',
    awardingBody: awardingBodies,
    awardingDate: dateTime(award.awardingDate),
  }

  const qualification = qualificationNode(spec)
  const assessment = assessmentNode(spec, award, awardingProcess, newId, primaryLanguage)
  const activity = spec.learningActivity
    ? {
        id: newId('learning-activity'),
        type: 'LearningActivity',
        title: spec.learningActivity.title,
        awardedBy: awardingProcess,
        specifiedBy: {
          id: `${spec.id}#learning-activity`,
          type: 'LearningActivitySpecification',
          title: spec.learningActivity.title,
          dcType: vocabularyConcept('learning-activity', spec.learningActivity.type),
          ...(spec.learningActivity.modes?.length
            ? { mode: spec.learningActivity.modes.map((mode) => vocabularyConcept('learning-assessment', mode)) }
            : {}),
          ...(spec.learningActivity.volumeOfLearning
            ? { volumeOfLearning: spec.learningActivity.volumeOfLearning }
            : {}),
          language: spec.languages.map(languageConcept),
        },
        ...(award.activityPeriod
          ? {
              temporal: {
                id: newId('period'),
                type: 'PeriodOfTime',
                startDate: dateTime(award.activityPeriod.start),
                endDate: dateTime(award.activityPeriod.end),
              },
            }
          : {}),
      }
    : undefined

  const achievement: JsonLdNode = {
    id: newId('learning-achievement'),
    type: 'LearningAchievement',
    title: spec.title,
    ...(spec.description ? { description: spec.description } : {}),
    awardedBy: awardingProcess,
    specifiedBy: qualification,
    provenBy: [assessment],
    ...(activity ? { influencedBy: [activity] } : {}),
  }

  const learner = award.learner
  const givenName = nameMap(learner.givenName, primaryLanguage)
  const familyName = nameMap(learner.familyName, primaryLanguage)
  const person: JsonLdNode = {
    id: learner.id ?? newId('person'),
    type: 'Person',
    givenName,
    familyName,
    fullName: learner.fullName ? nameMap(learner.fullName, primaryLanguage) : joinNames(givenName, familyName),
    ...(learner.dateOfBirth ? { dateOfBirth: dateTime(learner.dateOfBirth) } : {}),
    ...(learner.nationalId
      ? {
          nationalID: {
            id: newId('national-id'),
            type: 'LegalIdentifier',
            notation: learner.nationalId.notation,
            spatial: countryConcept(learner.nationalId.country),
          },
        }
      : {}),
    ...(learner.identifiers?.length
      ? {
          identifier: learner.identifiers.map((identifier) => ({
            id: newId('identifier'),
            type: 'Identifier',
            schemeName: identifier.schemeName,
            notation: identifier.notation,
          })),
        }
      : {}),
    ...(learner.email
      ? {
          contactPoint: [
            {
              id: newId('contact-point'),
              type: 'ContactPoint',
              emailAddress: [{ id: `mailto:${learner.email}`, type: 'Mailbox' }],
            },
          ],
        }
      : {}),
    ...(learner.citizenship?.length ? { citizenshipCountry: learner.citizenship.map(countryConcept) } : {}),
    hasClaim: [achievement],
  }

  const issuerNode: JsonLdNode = {
    ...organisationNode(issuer, issuedByMandate ? undefined : alliance),
    eIDASIdentifier: eidasIdentifierNode(issuer.id, issuer.eidasIdentifier),
  }

  const profiles = [vocabularyConcept('credential', CREDENTIAL_PROFILE_GENERIC)]
  if (issuedByMandate) profiles.push(vocabularyConcept('credential', CREDENTIAL_PROFILE_ISSUED_BY_MANDATE))

  return {
    '@context': [...EDC_CONTEXT],
    id: credentialId,
    type: ['VerifiableCredential', 'EuropeanDigitalCredential'],
    credentialSchema: { id: EDC_GENERIC_FULL_SCHEMA, type: 'ShaclValidator2017' },
    credentialProfiles: profiles,
    ...(award.credentialNumber
      ? {
          identifier: [
            {
              id: newId('identifier'),
              type: 'Identifier',
              schemeName: 'Certificate number',
              notation: award.credentialNumber,
            },
          ],
        }
      : {}),
    displayParameter: displayParameterNode(spec, displayLanguages, primaryLanguage, newId),
    issuer: issuerNode,
    issued,
    issuanceDate: issued,
    validFrom: issued,
    ...(validUntil ? { validUntil, expirationDate: validUntil } : {}),
    credentialSubject: person,
    ...(issuedByMandate ? { evidence: [mandateEvidence(organisations, newId)] } : {}),
  }
}

/** Annex I elements 2, 6, 7, 8, 10, 11, 12, 15, 16 live on the specification (elm.md table). */
function qualificationNode(spec: MicroCredentialSpecificationInput): JsonLdNode {
  const id = (name: string) => `${spec.id}#${name}`
  return {
    id: spec.id,
    type: 'Qualification',
    title: spec.title,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.type ? { dcType: vocabularyConcept('learning-opportunity', spec.type) } : {}),
    language: spec.languages.map(languageConcept),
    learningOutcome: spec.learningOutcomes.map((outcome, index) => ({
      id: id(`learning-outcome-${index + 1}`),
      type: 'LearningOutcome',
      title: outcome.title,
      ...(outcome.type ? { dcType: vocabularyConcept('skill-type', outcome.type) } : {}),
      ...(outcome.reusabilityLevel
        ? { reusabilityLevel: vocabularyConcept('skill-reuse-level', outcome.reusabilityLevel) }
        : {}),
      ...(outcome.escoSkills?.length
        ? {
            relatedESCOSkill: outcome.escoSkills.map((skill) =>
              typeof skill === 'string' ? escoSkillConcept(skill) : escoSkillConcept(skill.uri, skill.label),
            ),
          }
        : {}),
      ...(outcome.relatedSkills?.length
        ? { relatedSkill: outcome.relatedSkills.map((uri) => ({ id: uri, type: 'Concept' })) }
        : {}),
    })),
    ...(spec.learningOutcomeSummary
      ? { learningOutcomeSummary: noteNode(id('learning-outcome-summary'), spec.learningOutcomeSummary) }
      : {}),
    ...(spec.creditPoints?.length
      ? {
          creditPoint: spec.creditPoints.map((credit, index) => ({
            id: id(`credit-point-${index + 1}`),
            type: 'CreditPoint',
            framework: vocabularyConcept('education-credit', credit.framework),
            // elm:point is an xsd:string in the edc-ap context.
            point: String(credit.points),
          })),
        }
      : {}),
    ...(spec.volumeOfLearning ? { volumeOfLearning: spec.volumeOfLearning } : {}),
    ...(spec.maximumDuration ? { maximumDuration: spec.maximumDuration } : {}),
    ...(spec.eqfLevel ? { eqfLevel: vocabularyConcept('eqf', spec.eqfLevel) } : {}),
    ...(spec.nqfLevels?.length
      ? { nqfLevel: spec.nqfLevels.map((level) => vocabularyConcept('qdr', level.uri, level.label)) }
      : {}),
    ...(spec.thematicAreas?.length
      ? { thematicArea: spec.thematicAreas.map((uri) => vocabularyConcept('isced-f', uri)) }
      : {}),
    learningSetting: vocabularyConcept('learning-setting', spec.learningSetting),
    mode: spec.modes.map((mode) => vocabularyConcept('learning-assessment', mode)),
    ...(spec.targetGroups?.length
      ? { targetGroup: spec.targetGroups.map((uri) => vocabularyConcept('target-group', uri)) }
      : {}),
    ...(spec.qualityAssurance?.length ? { accreditation: spec.qualityAssurance.map(accreditationNode) } : {}),
    ...(spec.entryRequirements ? { entryRequirement: noteNode(id('entry-requirements'), spec.entryRequirements) } : {}),
    ...(spec.stackability?.isPartialQualification !== undefined
      ? { isPartialQualification: spec.stackability.isPartialQualification }
      : {}),
    ...(spec.homepage ? { homepage: [webResourceNode(id('homepage'), spec.homepage)] } : {}),
    ...(spec.supplementaryDocuments?.length
      ? {
          supplementaryDocument: spec.supplementaryDocuments.map((url, index) =>
            webResourceNode(id(`supplementary-document-${index + 1}`), url),
          ),
        }
      : {}),
    ...additionalNotes(spec, id),
  }
}

/** Stackability options (element 15) and further information (element 16) are Notes. */
function additionalNotes(spec: MicroCredentialSpecificationInput, id: (name: string) => string) {
  const notes: JsonLdNode[] = []
  if (spec.stackability?.options) notes.push(noteNode(id('stackability'), spec.stackability.options))
  for (const [index, note] of (spec.additionalNotes ?? []).entries()) {
    notes.push(noteNode(id(`note-${index + 1}`), note))
  }
  return notes.length ? { additionalNote: notes } : {}
}

function assessmentNode(
  spec: MicroCredentialSpecificationInput,
  award: AwardInput,
  awardingProcess: JsonLdNode,
  newId: (kind: string) => string,
  primaryLanguage: string,
): JsonLdNode {
  const assessment = spec.assessment
  return {
    id: newId('learning-assessment'),
    type: 'LearningAssessment',
    title: assessment.title,
    awardedBy: awardingProcess,
    grade: noteNode(newId('grade'), nameMap(award.grade, primaryLanguage)),
    ...(assessment.supervision
      ? { idVerification: vocabularyConcept('supervision-verification', assessment.supervision) }
      : {}),
    specifiedBy: {
      id: `${spec.id}#assessment`,
      type: 'LearningAssessmentSpecification',
      title: assessment.title,
      dcType: vocabularyConcept('assessment', assessment.type),
      ...(assessment.modes?.length
        ? { mode: assessment.modes.map((mode) => vocabularyConcept('learning-assessment', mode)) }
        : {}),
      language: spec.languages.map(languageConcept),
      ...(assessment.gradingScheme
        ? {
            gradingScheme: {
              id: `${spec.id}#grading-scheme`,
              type: 'GradingScheme',
              title: assessment.gradingScheme.title,
              ...(assessment.gradingScheme.description ? { description: assessment.gradingScheme.description } : {}),
            },
          }
        : {}),
    },
  }
}

/** EDC-issuedByMandate.ttl: an Evidence of type Mandate with a statement (exactly one). */
function mandateEvidence(organisations: OrganisationsInput, newId: (kind: string) => string): JsonLdNode {
  const issuerName = Object.values(organisations.issuer.legalName)[0]
  const bodies = organisations.awardingBodies.map((body) => Object.values(body.legalName)[0]).join(', ')
  return {
    id: newId('evidence'),
    type: 'Evidence',
    dcType: vocabularyConcept('evidence-type', EVIDENCE_TYPE_MANDATE),
    evidenceStatement:
      organisations.mandate?.statement ?? `${issuerName} issues this credential by mandate of ${bodies}.`,
  }
}

function displayParameterNode(
  spec: MicroCredentialSpecificationInput,
  displayLanguages: string[],
  primaryLanguage: string,
  newId: (kind: string) => string,
): JsonLdNode {
  const languageOf = (tag: string) => languageConcept(languageUriForTag(tag)!)
  return {
    id: newId('display-parameter'),
    type: 'DisplayParameter',
    title: spec.title,
    ...(spec.description ? { description: spec.description } : {}),
    language: displayLanguages.map(languageOf),
    primaryLanguage: languageOf(primaryLanguage),
    individualDisplay: displayLanguages.map((tag) => ({
      id: newId('individual-display'),
      type: 'IndividualDisplay',
      language: languageOf(tag),
      displayDetail: [{ id: newId('display-detail'), type: 'DisplayDetail', page: 1 }],
    })),
  }
}

/** Puts one PNG page per display language into `displayParameter.individualDisplay[].displayDetail`. */
function attachPages(document: EdcDocument, pages: CertificatePages) {
  const display = document.displayParameter as { individualDisplay: JsonLdNode[] }
  for (const individual of display.individualDisplay) {
    const languageUri = (individual.language as JsonLdNode).id
    const tag = Object.keys(pages).find((candidate) => languageUriForTag(candidate) === languageUri)
    const png = tag === undefined ? undefined : pages[tag]
    if (!png) throw new Error(`no certificate page was rendered for ${languageUri}`)
    for (const detail of individual.displayDetail as JsonLdNode[]) {
      detail.image = {
        id: `${detail.id}#image`,
        type: 'MediaObject',
        content: typeof png === 'string' ? png : Buffer.from(png).toString('base64'),
        contentEncoding: BASE64_ENCODING,
        contentType: PNG_FILE_TYPE,
      }
    }
  }
}
