import type { AccreditationInput, AllianceInput, LanguageMap, OrganisationInput } from '../input/index.ts'
import {
  ATU_SCHEME,
  type ConceptInfo,
  ESCO_SKILL_SCHEME,
  FILE_TYPE_SCHEME,
  lookupConcept,
  lookupCountry,
  lookupLanguage,
  SNB,
  type VocabularyKey,
} from '../vocabulary/index.ts'

/** A JSON-LD node of the EDC document. */
export type JsonLdNode = { id: string; type: string } & Record<string, unknown>

/**
 * A SKOS concept as EDC embeds it: id, type, inScheme (typed ConceptScheme: the full profile
 * checks `sh:class skos:ConceptScheme` on it) and prefLabel.
 */
export function conceptNode(info: ConceptInfo, label: LanguageMap = info.label, notation?: string): JsonLdNode {
  return {
    id: info.uri,
    type: 'Concept',
    inScheme: { id: info.scheme, type: 'ConceptScheme' },
    ...(notation ? { notation } : {}),
    ...(Object.keys(label).length > 0 ? { prefLabel: label } : {}),
  }
}

/** A concept of an EU vocabulary; inputs were validated, so a miss is a programming error. */
export function vocabularyConcept(key: VocabularyKey, uri: string, label?: LanguageMap): JsonLdNode {
  const info = lookupConcept(key, uri)
  if (!info) throw new Error(`${uri} is not in the ${key} vocabulary`)
  return conceptNode(info, label ?? info.label)
}

export function countryConcept(uri: string): JsonLdNode {
  const info = lookupCountry(uri)
  if (!info) throw new Error(`${uri} is not a country`)
  return conceptNode(info, info.label, 'country')
}

export function languageConcept(uri: string): JsonLdNode {
  const info = lookupLanguage(uri)
  if (!info) throw new Error(`${uri} is not a language`)
  return conceptNode(info, info.label, 'language')
}

export function escoSkillConcept(uri: string, label: LanguageMap = {}): JsonLdNode {
  return conceptNode({ uri, scheme: ESCO_SKILL_SCHEME, label })
}

export function regionConcept(uri: string): JsonLdNode {
  return conceptNode({ uri, scheme: ATU_SCHEME, label: {} }, {}, 'atu')
}

export const BASE64_ENCODING: JsonLdNode = vocabularyConcept('encoding', `${SNB}encoding/6146cde7dd`)
export const PNG_FILE_TYPE: JsonLdNode = conceptNode(
  { uri: `${FILE_TYPE_SCHEME}/PNG`, scheme: FILE_TYPE_SCHEME, label: { en: 'PNG' } },
  { en: 'PNG' },
  'file-type',
)

export function noteNode(id: string, text: LanguageMap): JsonLdNode {
  return { id, type: 'Note', noteLiteral: text }
}

export function webResourceNode(id: string, url: string): JsonLdNode {
  return { id, type: 'WebResource', contentURL: url }
}

function legalIdentifierNode(id: string, identifier: { notation: string; country: string }): JsonLdNode {
  return { id, type: 'LegalIdentifier', notation: identifier.notation, spatial: countryConcept(identifier.country) }
}

/** Ids of an organisation's sub-nodes hang off its own id so that every embedding is identical. */
function part(owner: string, name: string): string {
  return `${owner}#${name}`
}

export function groupNode(alliance: AllianceInput): JsonLdNode {
  return {
    id: alliance.id,
    type: 'Group',
    prefLabel: alliance.name,
    ...(alliance.email
      ? {
          contactPoint: {
            id: part(alliance.id, 'contact'),
            type: 'ContactPoint',
            emailAddress: { id: `mailto:${alliance.email}`, type: 'Mailbox' },
          },
        }
      : {}),
    ...(alliance.homepage ? { homepage: webResourceNode(part(alliance.id, 'homepage'), alliance.homepage) } : {}),
  }
}

/**
 * An ELM Organisation. The same organisation may appear as issuer, awarding body and accrediting
 * agent; it is built from the same input by the same function, so every embedding carries the
 * same triples (elm.md: differing embeddings break maxCount constraints).
 */
export function organisationNode(org: OrganisationInput, alliance?: AllianceInput): JsonLdNode {
  return {
    id: org.id,
    type: 'Organisation',
    legalName: org.legalName,
    ...(org.shortName ? { altLabel: org.shortName } : {}),
    location: [
      {
        id: part(org.id, 'location'),
        type: 'Location',
        address: {
          id: part(org.id, 'address'),
          type: 'Address',
          countryCode: countryConcept(org.country),
          ...(org.address ? { fullAddress: noteNode(part(org.id, 'full-address'), org.address) } : {}),
        },
        ...(org.region ? { spatialCode: regionConcept(org.region) } : {}),
      },
    ],
    ...(org.homepage ? { homepage: [webResourceNode(part(org.id, 'homepage'), org.homepage)] } : {}),
    ...(org.email
      ? {
          contactPoint: [
            {
              id: part(org.id, 'contact'),
              type: 'ContactPoint',
              emailAddress: [{ id: `mailto:${org.email}`, type: 'Mailbox' }],
            },
          ],
        }
      : {}),
    ...(org.registration ? { registration: legalIdentifierNode(part(org.id, 'registration'), org.registration) } : {}),
    ...(org.vatIdentifier
      ? { vatIdentifier: [legalIdentifierNode(part(org.id, 'vat-identifier'), org.vatIdentifier)] }
      : {}),
    ...(org.identifiers?.length
      ? {
          identifier: org.identifiers.map((identifier, index) => ({
            id: part(org.id, `identifier-${index + 1}`),
            type: 'Identifier',
            schemeName: identifier.schemeName,
            notation: identifier.notation,
          })),
        }
      : {}),
    ...(alliance ? { groupMemberOf: [groupNode(alliance)] } : {}),
    ...('accreditations' in org && org.accreditations?.length
      ? { accreditation: org.accreditations.map((accreditation) => accreditationNode(accreditation)) }
      : {}),
  }
}

export function eidasIdentifierNode(orgId: string, identifier: { notation: string; country: string }): JsonLdNode {
  return legalIdentifierNode(part(orgId, 'eidas-identifier'), identifier)
}

/** An ELM Accreditation (Annex I element 11). */
export function accreditationNode(accreditation: AccreditationInput): JsonLdNode {
  return {
    id: accreditation.id,
    type: 'Accreditation',
    dcType: vocabularyConcept('accreditation', accreditation.type),
    title: accreditation.title,
    ...(accreditation.description ? { description: accreditation.description } : {}),
    accreditingAgent: organisationNode(accreditation.accreditingAgent),
    ...(accreditation.limitEqfLevel ? { limitEQFLevel: vocabularyConcept('eqf', accreditation.limitEqfLevel) } : {}),
    ...(accreditation.issued ? { dateIssued: `${accreditation.issued}T00:00:00Z` } : {}),
    ...(accreditation.expires ? { expiryDate: `${accreditation.expires}T00:00:00Z` } : {}),
    ...(accreditation.homepage
      ? { homepage: [webResourceNode(part(accreditation.id, 'homepage'), accreditation.homepage)] }
      : {}),
  }
}
