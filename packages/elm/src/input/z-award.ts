import { z } from 'zod'
import {
  zCountry,
  zDate,
  zDateOrDateTime,
  zDateTime,
  zEmail,
  zIri,
  zLegalIdentifier,
  zNotation,
  zPlainText,
  zShortLanguageMap,
} from './z-common.ts'

/** A name as plain text (taken to be in the credential's primary language) or a language map. */
const zName = z.union([zPlainText(200), zShortLanguageMap])

/** Annex I element 1: identification of the learner (ELM `Person`). */
export const zLearner = z.strictObject({
  /** The holder's DID when known (credentialSubject.id); otherwise Alma makes a URN. */
  id: zIri.optional(),
  givenName: zName,
  familyName: zName,
  fullName: zName.optional(),
  dateOfBirth: zDate.optional(),
  nationalId: zLegalIdentifier.optional(),
  identifiers: z
    .array(z.strictObject({ schemeName: zNotation, notation: zNotation }))
    .max(10)
    .optional(),
  email: zEmail.optional(),
  citizenship: z.array(zCountry).max(5).optional(),
})
export type LearnerInput = z.infer<typeof zLearner>

/**
 * An award: one learner's achievement of a specification. Annex I elements 1 (learner),
 * 5 (date) and 14 (grade). EDC-generic-no-cv makes `grade` mandatory on every LearningAssessment,
 * so a pass/fail course states "Pass".
 */
export const zAward = z
  .strictObject({
    learner: zLearner,
    grade: zName,
    awardingDate: zDateOrDateTime,
    activityPeriod: z.strictObject({ start: zDate, end: zDate }).optional(),
    /** Explicit end of validity; otherwise the specification's `validity`, otherwise none. */
    validUntil: zDateTime.optional(),
    /** The institution's own certificate number (ELM `identifier`). */
    credentialNumber: zNotation.optional(),
  })
  .superRefine((award, ctx) => {
    if (award.activityPeriod && award.activityPeriod.start > award.activityPeriod.end) {
      ctx.addIssue({ code: 'custom', path: ['activityPeriod', 'end'], message: 'must not be before start' })
    }
  })
export type AwardInput = z.infer<typeof zAward>
