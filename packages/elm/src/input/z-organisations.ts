import { z } from 'zod'
import {
  zConcept,
  zCountry,
  zDate,
  zEmail,
  zHttpUrl,
  zIri,
  zLanguageMap,
  zLegalIdentifier,
  zNotation,
  zPlainText,
  zRegion,
  zShortLanguageMap,
} from './z-common.ts'

/** An organisation (ELM `Organisation`: legalName and location are mandatory). */
const zOrganisationBase = z.strictObject({
  /** Stable identifier: the institution's DID for issuers and awarding bodies, or a URN. */
  id: zIri,
  legalName: zShortLanguageMap,
  shortName: zShortLanguageMap.optional(),
  country: zCountry,
  region: zRegion.optional(),
  address: zShortLanguageMap.optional(),
  homepage: zHttpUrl.optional(),
  email: zEmail.optional(),
  registration: zLegalIdentifier.optional(),
  vatIdentifier: zLegalIdentifier.optional(),
  /** Identifier inside an alliance or another scheme (ELM `identifier`). */
  identifiers: z
    .array(z.strictObject({ schemeName: zNotation, notation: zNotation }))
    .max(20)
    .optional(),
})

/**
 * An accreditation or other quality-assurance decision (Annex I element 11, "Type of quality
 * assurance"; ELM `Accreditation`: dcType, title and accreditingAgent are mandatory in EDC-generic-no-cv).
 */
export const zAccreditation = z.strictObject({
  id: zIri,
  type: zConcept('accreditation', 'accreditation type'),
  title: zShortLanguageMap,
  description: zLanguageMap.optional(),
  accreditingAgent: zOrganisationBase,
  /** The highest EQF level the accreditation covers. */
  limitEqfLevel: zConcept('eqf', 'EQF level').optional(),
  issued: zDate.optional(),
  expires: zDate.optional(),
  homepage: zHttpUrl.optional(),
})
export type AccreditationInput = z.infer<typeof zAccreditation>

/** An organisation with the quality assurance that covers it (Annex I element 11, institutional level). */
export const zOrganisation = zOrganisationBase.extend({
  accreditations: z.array(zAccreditation).max(20).optional(),
})
export type OrganisationInput = z.infer<typeof zOrganisation>

/**
 * The sealing issuer: an organisation with exactly one eIDAS legal identifier, the
 * organizationIdentifier of its seal certificate (elm.md, "our eIDAS link").
 */
export const zIssuer = zOrganisation.extend({
  eidasIdentifier: zLegalIdentifier.extend({
    notation: zNotation.regex(
      /^[A-Z]{3}[A-Z]{2}-.+$/,
      'must be an eIDAS organisation identifier such as VATDE-123456789 (ETSI EN 319 412-1 §5.1.4)',
    ),
  }),
})
export type IssuerInput = z.infer<typeof zIssuer>

/** The alliance (ELM `Group`) the awarding bodies belong to. */
export const zAlliance = z.strictObject({
  id: zIri,
  name: zShortLanguageMap,
  email: zEmail.optional(),
  homepage: zHttpUrl.optional(),
})
export type AllianceInput = z.infer<typeof zAlliance>

/**
 * Who issues and who awards. Annex I elements 3 (country of the awarding body) and 4 (awarding
 * bodies; several for a joint award). When the issuer is not one of the awarding bodies the
 * credential is issued by mandate (EDC-issuedByMandate.ttl) and `mandate` says on whose behalf.
 */
export const zOrganisations = z
  .strictObject({
    issuer: zIssuer,
    awardingBodies: z.array(zOrganisation).min(1, 'must name at least one awarding body').max(20),
    alliance: zAlliance.optional(),
    mandate: z.strictObject({ statement: zPlainText(2_000, { multiLine: true }) }).optional(),
  })
  .superRefine((organisations, ctx) => {
    const ids = organisations.awardingBodies.map((body) => body.id)
    ids.forEach((id, index) => {
      if (ids.indexOf(id) !== index) {
        ctx.addIssue({ code: 'custom', path: ['awardingBodies', index, 'id'], message: `${id} is listed twice` })
      }
    })
  })
export type OrganisationsInput = z.infer<typeof zOrganisations>
