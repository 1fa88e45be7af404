import { ElmError } from '../errors.ts'
import type { LanguageMap } from '../input/index.ts'
import { languageTagForUri } from '../vocabulary/index.ts'

type Node = Record<string, unknown>

export interface ConceptView {
  id: string
  label: LanguageMap
  scheme?: string
}

export interface AccreditationView {
  id: string
  type?: ConceptView
  title: LanguageMap
  accreditingAgent?: OrganisationView
  limitEqfLevel?: ConceptView
}

export interface OrganisationView {
  id: string
  legalName: LanguageMap
  shortName?: LanguageMap
  countries: ConceptView[]
  eidasIdentifier?: { notation: string; country?: ConceptView }
  registration?: { notation: string; country?: ConceptView }
  homepages: string[]
  emails: string[]
  alliances: { id: string; name: LanguageMap }[]
  accreditations: AccreditationView[]
  /** Properties this view does not map, kept as they were. */
  extra: Node
}

export interface PersonView {
  id: string
  givenName?: LanguageMap
  familyName?: LanguageMap
  fullName?: LanguageMap
  dateOfBirth?: string
  nationalId?: { notation: string; country?: ConceptView }
  identifiers: { schemeName?: string; notation: string }[]
  emails: string[]
  extra: Node
}

export interface LearningOutcomeView {
  id: string
  title: LanguageMap
  escoSkills: ConceptView[]
  relatedSkills: ConceptView[]
}

export interface SpecificationView {
  id: string
  type: string
  title: LanguageMap
  description?: LanguageMap
  dcType?: ConceptView
  eqfLevel?: ConceptView
  /** The EQF level as a number, when `eqfLevel` is an EQF concept. */
  eqfLevelNumber?: number
  nqfLevels: ConceptView[]
  creditPoints: { framework: ConceptView; points: number }[]
  /** ECTS credits, when one credit entry uses the ECTS framework. */
  ects?: number
  volumeOfLearning?: string
  maximumDuration?: string
  learningOutcomes: LearningOutcomeView[]
  learningOutcomeSummary?: LanguageMap
  learningSetting?: ConceptView
  modes: ConceptView[]
  languages: ConceptView[]
  thematicAreas: ConceptView[]
  accreditations: AccreditationView[]
  entryRequirements?: LanguageMap
  isPartialQualification?: boolean
  homepages: string[]
  supplementaryDocuments: string[]
  additionalNotes: LanguageMap[]
  extra: Node
}

export interface AssessmentView {
  id: string
  title: LanguageMap
  grade?: LanguageMap
  idVerification?: ConceptView
  type?: ConceptView
  modes: ConceptView[]
  gradingScheme?: { title: LanguageMap; description?: LanguageMap }
}

export interface ActivityView {
  id: string
  title: LanguageMap
  type?: ConceptView
  start?: string
  end?: string
}

export interface AchievementView {
  id: string
  title: LanguageMap
  description?: LanguageMap
  awardingBodies: OrganisationView[]
  awardingDate?: string
  specification?: SpecificationView
  assessments: AssessmentView[]
  activities: ActivityView[]
  partOf: string[]
  hasPart: string[]
  entitlesTo: string[]
  additionalNotes: LanguageMap[]
  extra: Node
}

export interface PageView {
  /** Language tag of the page (`en`, `de`). */
  language: string
  page: number
  mediaType: string
  /** Base64 content as carried in the document. */
  content: string
}

export interface SealView {
  format: 'JAdES'
  protectedHeader: Node
  unprotectedHeader?: Node
  /** The exact payload bytes the seal covers (unencoded payload, `b64: false`). */
  payload: string
  signature: string
}

export interface ParsedEdc {
  id: string
  types: string[]
  contexts: string[]
  profiles: ConceptView[]
  credentialNumber?: string
  issued?: string
  validFrom?: string
  validUntil?: string
  issuer: OrganisationView
  learner: PersonView
  achievements: AchievementView[]
  display: {
    title?: LanguageMap
    description?: LanguageMap
    languages: string[]
    primaryLanguage?: string
    pages: PageView[]
  }
  evidence: { id?: string; type?: ConceptView; statement?: string }[]
  /** Present when the input was a JAdES-sealed EDC file. */
  seal?: SealView
  /** The EDC document itself, every field kept. */
  document: Node
  extra: Node
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function nodes(value: unknown): Node[] {
  if (value === undefined || value === null) return []
  return (Array.isArray(value) ? value : [value]).filter(isNode)
}

function first(value: unknown): Node | undefined {
  return nodes(value)[0]
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined
}

function langMap(value: unknown): LanguageMap | undefined {
  if (typeof value === 'string') return { und: value }
  if (!isNode(value)) return undefined
  const entries = Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string')
  return entries.length ? Object.fromEntries(entries) : undefined
}

function concept(value: unknown): ConceptView | undefined {
  const node = typeof value === 'string' ? { id: value } : first(value)
  const id = text(node?.id)
  if (!node || !id) return undefined
  const scheme = text(first(node.inScheme)?.id)
  return { id, label: langMap(node.prefLabel) ?? {}, ...(scheme ? { scheme } : {}) }
}

function concepts(value: unknown): ConceptView[] {
  return (Array.isArray(value) ? value : value === undefined ? [] : [value])
    .map(concept)
    .filter((c): c is ConceptView => c !== undefined)
}

function noteText(value: unknown): LanguageMap | undefined {
  return langMap(first(value)?.noteLiteral)
}

function notes(value: unknown): LanguageMap[] {
  return nodes(value)
    .map((note) => langMap(note.noteLiteral))
    .filter((note): note is LanguageMap => note !== undefined)
}

/** E-mail addresses of a node's contact points (`mailto:` Mailbox ids). */
function emails(node: Node): string[] {
  return nodes(node.contactPoint).flatMap((contact) =>
    nodes(contact.emailAddress).map((mailbox) => (text(mailbox.id) ?? '').replace(/^mailto:/, '')),
  )
}

function urls(value: unknown): string[] {
  return nodes(value)
    .map((resource) => text(resource.contentURL) ?? text(resource.id))
    .filter((url): url is string => url !== undefined)
}

function extra(node: Node, known: readonly string[]): Node {
  return Object.fromEntries(Object.entries(node).filter(([key]) => !known.includes(key)))
}

function legalIdentifier(value: unknown) {
  const node = first(value)
  const notation = text(node?.notation)
  if (!node || !notation) return undefined
  const country = concept(node.spatial)
  return { notation, ...(country ? { country } : {}) }
}

const ORGANISATION_KEYS = [
  'id',
  'type',
  'legalName',
  'altLabel',
  'location',
  'eIDASIdentifier',
  'registration',
  'homepage',
  'contactPoint',
  'groupMemberOf',
  'accreditation',
] as const

function organisation(node: Node): OrganisationView {
  const eidasIdentifier = legalIdentifier(node.eIDASIdentifier)
  const registration = legalIdentifier(node.registration)
  const shortName = langMap(node.altLabel)
  return {
    id: text(node.id) ?? '',
    legalName: langMap(node.legalName) ?? {},
    ...(shortName ? { shortName } : {}),
    countries: nodes(node.location).flatMap((location) =>
      nodes(location.address).flatMap((address) => concepts(address.countryCode)),
    ),
    ...(eidasIdentifier ? { eidasIdentifier } : {}),
    ...(registration ? { registration } : {}),
    homepages: urls(node.homepage),
    emails: emails(node),
    alliances: nodes(node.groupMemberOf).map((group) => ({
      id: text(group.id) ?? '',
      name: langMap(group.prefLabel) ?? {},
    })),
    accreditations: nodes(node.accreditation).map(accreditation),
    extra: extra(node, ORGANISATION_KEYS),
  }
}

function accreditation(node: Node): AccreditationView {
  const agent = first(node.accreditingAgent)
  const type = concept(node.dcType)
  const limitEqfLevel = concept(node.limitEQFLevel)
  return {
    id: text(node.id) ?? '',
    ...(type ? { type } : {}),
    title: langMap(node.title) ?? {},
    ...(agent ? { accreditingAgent: organisation(agent) } : {}),
    ...(limitEqfLevel ? { limitEqfLevel } : {}),
  }
}

const ECTS = 'http://data.europa.eu/snb/education-credit/6fcec5c5af'
const EQF_PREFIX = 'http://data.europa.eu/snb/eqf/'

const SPECIFICATION_KEYS = [
  'id',
  'type',
  'title',
  'description',
  'dcType',
  'eqfLevel',
  'nqfLevel',
  'creditPoint',
  'volumeOfLearning',
  'maximumDuration',
  'learningOutcome',
  'learningOutcomeSummary',
  'learningSetting',
  'mode',
  'language',
  'thematicArea',
  'accreditation',
  'entryRequirement',
  'isPartialQualification',
  'homepage',
  'supplementaryDocument',
  'additionalNote',
] as const

function specification(node: Node): SpecificationView {
  const eqfLevel = concept(node.eqfLevel)
  const eqfNumber = eqfLevel?.id.startsWith(EQF_PREFIX) ? Number(eqfLevel.id.slice(EQF_PREFIX.length)) : Number.NaN
  const creditPoints = nodes(node.creditPoint).flatMap((credit) => {
    const framework = concept(credit.framework)
    const points = Number(text(credit.point))
    return framework && Number.isFinite(points) ? [{ framework, points }] : []
  })
  const ects = creditPoints.find((credit) => credit.framework.id === ECTS)?.points
  const optional = {
    description: langMap(node.description),
    dcType: concept(node.dcType),
    eqfLevel,
    eqfLevelNumber: Number.isInteger(eqfNumber) ? eqfNumber : undefined,
    ects,
    volumeOfLearning: text(node.volumeOfLearning),
    maximumDuration: text(node.maximumDuration),
    learningOutcomeSummary: noteText(node.learningOutcomeSummary),
    learningSetting: concept(node.learningSetting),
    entryRequirements: noteText(node.entryRequirement),
    isPartialQualification: typeof node.isPartialQualification === 'boolean' ? node.isPartialQualification : undefined,
  }
  return {
    id: text(node.id) ?? '',
    type: text(node.type) ?? 'LearningAchievementSpecification',
    title: langMap(node.title) ?? {},
    ...withoutUndefined(optional),
    nqfLevels: concepts(node.nqfLevel),
    creditPoints,
    learningOutcomes: nodes(node.learningOutcome).map((outcome) => ({
      id: text(outcome.id) ?? '',
      title: langMap(outcome.title) ?? {},
      escoSkills: concepts(outcome.relatedESCOSkill),
      relatedSkills: concepts(outcome.relatedSkill),
    })),
    modes: concepts(node.mode),
    languages: concepts(node.language),
    thematicAreas: concepts(node.thematicArea),
    accreditations: nodes(node.accreditation).map(accreditation),
    homepages: urls(node.homepage),
    supplementaryDocuments: urls(node.supplementaryDocument),
    additionalNotes: notes(node.additionalNote),
    extra: extra(node, SPECIFICATION_KEYS),
  }
}

function withoutUndefined<T extends Record<string, unknown>>(
  object: T,
): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as never
}

function assessment(node: Node): AssessmentView {
  const spec = first(node.specifiedBy) ?? {}
  const scheme = first(spec.gradingScheme)
  return {
    id: text(node.id) ?? '',
    title: langMap(node.title) ?? langMap(spec.title) ?? {},
    ...withoutUndefined({
      grade: noteText(node.grade),
      idVerification: concept(node.idVerification),
      type: concept(spec.dcType),
      gradingScheme: scheme
        ? { title: langMap(scheme.title) ?? {}, ...withoutUndefined({ description: langMap(scheme.description) }) }
        : undefined,
    }),
    modes: concepts(spec.mode),
  }
}

const ACHIEVEMENT_KEYS = [
  'id',
  'type',
  'title',
  'description',
  'awardedBy',
  'specifiedBy',
  'provenBy',
  'influencedBy',
  'isPartOf',
  'hasPart',
  'entitlesTo',
  'additionalNote',
] as const

function ids(value: unknown): string[] {
  return (Array.isArray(value) ? value : value === undefined ? [] : [value])
    .map((item) => (typeof item === 'string' ? item : isNode(item) ? text(item.id) : undefined))
    .filter((id): id is string => id !== undefined)
}

function achievement(node: Node): AchievementView {
  const awarding = first(node.awardedBy)
  const spec = first(node.specifiedBy)
  return {
    id: text(node.id) ?? '',
    title: langMap(node.title) ?? {},
    ...withoutUndefined({
      description: langMap(node.description),
      awardingDate: text(awarding?.awardingDate),
      specification: spec ? specification(spec) : undefined,
    }),
    awardingBodies: nodes(awarding?.awardingBody).map(organisation),
    assessments: nodes(node.provenBy).map(assessment),
    activities: nodes(node.influencedBy).map((activity) => {
      const period = first(activity.temporal)
      return {
        id: text(activity.id) ?? '',
        title: langMap(activity.title) ?? {},
        ...withoutUndefined({
          type: concept(first(activity.specifiedBy)?.dcType),
          start: text(period?.startDate),
          end: text(period?.endDate),
        }),
      }
    }),
    partOf: ids(node.isPartOf),
    hasPart: ids(node.hasPart),
    entitlesTo: ids(node.entitlesTo),
    additionalNotes: notes(node.additionalNote),
    extra: extra(node, ACHIEVEMENT_KEYS),
  }
}

const PERSON_KEYS = [
  'id',
  'type',
  'givenName',
  'familyName',
  'fullName',
  'dateOfBirth',
  'nationalID',
  'identifier',
  'contactPoint',
  'hasClaim',
] as const

function person(node: Node): PersonView {
  return {
    id: text(node.id) ?? '',
    ...withoutUndefined({
      givenName: langMap(node.givenName),
      familyName: langMap(node.familyName),
      fullName: langMap(node.fullName),
      dateOfBirth: text(node.dateOfBirth),
      nationalId: legalIdentifier(node.nationalID),
    }),
    identifiers: nodes(node.identifier).flatMap((identifier) => {
      const notation = text(identifier.notation)
      const schemeName = text(identifier.schemeName)
      return notation ? [{ notation, ...(schemeName ? { schemeName } : {}) }] : []
    }),
    emails: emails(node),
    extra: extra(node, PERSON_KEYS),
  }
}

function languageTag(value: unknown): string | undefined {
  const id = concept(value)?.id
  return id ? languageTagForUri(id) : undefined
}

const MEDIA_TYPES: Record<string, string> = {
  PNG: 'image/png',
  JPEG: 'image/jpeg',
  JPG: 'image/jpeg',
  PDF: 'application/pdf',
}

function pages(display: Node | undefined): PageView[] {
  return nodes(display?.individualDisplay).flatMap((individual) => {
    const language = languageTag(individual.language) ?? 'und'
    return nodes(individual.displayDetail).flatMap((detail) => {
      const image = first(detail.image)
      const content = text(image?.content)
      if (!image || !content) return []
      const fileType = concept(image.contentType)?.id.split('/').pop() ?? ''
      return [
        {
          language,
          page: Number(detail.page ?? 1),
          mediaType: MEDIA_TYPES[fileType] ?? 'application/octet-stream',
          content,
        },
      ]
    })
  })
}

/**
 * Unwraps what people hand us: an EDC document, the EDC upload wrapper `{"credential": …}`, or a
 * JAdES-sealed file (JWS JSON serialization with an unencoded payload, as EDC seals: elm.md,
 * "Sealing in EDC"). Returns the EDC document and, for a sealed file, its seal.
 */
function unwrap(input: unknown): { document: Node; seal?: SealView } {
  let value = input
  if (typeof value === 'string' || value instanceof Uint8Array) {
    const source = typeof value === 'string' ? value : Buffer.from(value).toString('utf8')
    try {
      value = JSON.parse(source)
    } catch (error) {
      throw new ElmError('not_an_edc_document', 'The file is not JSON', [], { cause: error })
    }
  }
  if (!isNode(value)) throw new ElmError('not_an_edc_document', 'An EDC document must be a JSON object')
  if (typeof value.payload === 'string' && Array.isArray(value.signatures)) {
    const signature = first(value.signatures)
    let protectedHeader: Node
    let document: unknown
    try {
      protectedHeader = JSON.parse(Buffer.from(text(signature?.protected) ?? '', 'base64url').toString('utf8'))
      // With b64:false (RFC 7797) the payload is the document itself; otherwise it is base64url.
      document = JSON.parse(
        protectedHeader.b64 === false ? value.payload : Buffer.from(value.payload, 'base64url').toString('utf8'),
      )
    } catch (error) {
      throw new ElmError('invalid_sealed_document', 'The sealed file has an unreadable header or payload', [], {
        cause: error,
      })
    }
    if (!isNode(document)) throw new ElmError('invalid_sealed_document', 'The sealed payload is not a JSON object')
    const unprotectedHeader = first(signature?.header)
    return {
      document,
      seal: {
        format: 'JAdES',
        protectedHeader,
        ...(unprotectedHeader ? { unprotectedHeader } : {}),
        payload: value.payload,
        signature: text(signature?.signature) ?? '',
      },
    }
  }
  if (isNode(value.credential) && !('credentialSubject' in value)) return { document: value.credential }
  return { document: value }
}

const CREDENTIAL_KEYS = [
  '@context',
  'id',
  'type',
  'credentialProfiles',
  'identifier',
  'displayParameter',
  'issuer',
  'issued',
  'issuanceDate',
  'validFrom',
  'validUntil',
  'expirationDate',
  'credentialSubject',
  'evidence',
  'credentialSchema',
] as const

/**
 * A typed, render-ready view of any EDC document: ours, the EC samples, or the payload of a
 * JAdES-sealed file. Single values and arrays are both accepted wherever JSON-LD allows either;
 * properties the view does not map are kept in `extra`, and the whole document in `document`.
 */
export function parseEdc(input: unknown): ParsedEdc {
  const { document, seal } = unwrap(input)
  const types = (Array.isArray(document.type) ? document.type : [document.type]).filter(
    (type): type is string => typeof type === 'string',
  )
  if (!types.includes('VerifiableCredential') || !isNode(document.credentialSubject)) {
    throw new ElmError(
      'not_an_edc_document',
      'Not an EDC credential: expected a VerifiableCredential with a credentialSubject',
    )
  }
  const issuerNode = first(document.issuer) ?? (typeof document.issuer === 'string' ? { id: document.issuer } : {})
  const subject = document.credentialSubject
  const display = first(document.displayParameter)
  const contexts = (Array.isArray(document['@context']) ? document['@context'] : [document['@context']]).filter(
    (context): context is string => typeof context === 'string',
  )
  return {
    id: text(document.id) ?? '',
    types,
    contexts,
    profiles: concepts(document.credentialProfiles),
    ...withoutUndefined({
      credentialNumber: text(first(document.identifier)?.notation),
      issued: text(document.issued) ?? text(document.issuanceDate),
      validFrom: text(document.validFrom),
      validUntil: text(document.validUntil) ?? text(document.expirationDate),
      seal,
    }),
    issuer: organisation(issuerNode),
    learner: person(subject),
    achievements: nodes(subject.hasClaim).map(achievement),
    display: {
      ...withoutUndefined({
        title: langMap(display?.title),
        description: langMap(display?.description),
        primaryLanguage: languageTag(display?.primaryLanguage),
      }),
      languages: concepts(display?.language)
        .map((language) => languageTagForUri(language.id))
        .filter((tag): tag is string => tag !== undefined),
      pages: pages(display),
    },
    evidence: nodes(document.evidence).map((evidence) => ({
      ...withoutUndefined({
        id: text(evidence.id),
        type: concept(evidence.dcType),
        statement: text(evidence.evidenceStatement),
      }),
    })),
    document,
    extra: extra(document, CREDENTIAL_KEYS),
  }
}

/** Picks the text of a language map in the wanted language, else English, else any. */
export function pickText(map: LanguageMap | undefined, language = 'en'): string | undefined {
  if (!map) return undefined
  return map[language] ?? map.en ?? Object.values(map)[0]
}
