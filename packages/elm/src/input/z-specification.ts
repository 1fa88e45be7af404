import { z } from 'zod'
import {
  zConcept,
  zDuration,
  zEscoSkill,
  zHttpUrl,
  zIri,
  zLanguage,
  zLanguageMap,
  zShortLanguageMap,
} from './z-common.ts'
import { zAccreditation } from './z-organisations.ts'

/** Annex I element 6: a learning outcome, with the ESCO skills it relates to. */
export const zLearningOutcome = z.strictObject({
  title: zLanguageMap,
  /** ESCO skills, as URIs or with their labels (the labels show on the certificate and in wallets). */
  escoSkills: z
    .array(z.union([zEscoSkill, z.strictObject({ uri: zEscoSkill, label: zShortLanguageMap })]))
    .max(50)
    .optional(),
  /** Skills of other frameworks (e.g. DigComp `http://data.europa.eu/snb/dcf/…`). */
  relatedSkills: z.array(zIri).max(50).optional(),
  reusabilityLevel: zConcept('skill-reuse-level', 'skill reuse level').optional(),
  type: zConcept('skill-type', 'learning outcome type').optional(),
})

/** Annex I element 7: credits in a credit framework (ECTS `education-credit/6fcec5c5af`). */
export const zCreditPoints = z.strictObject({
  framework: zConcept('education-credit', 'credit framework'),
  points: z
    .number({ error: 'must be a number' })
    .nonnegative('must not be negative')
    .max(1_000, 'must not exceed 1000')
    .multipleOf(0.5, 'must be a multiple of 0.5'),
})

/** A national qualifications-framework level (element 8); NQF schemes are national, so the label is required. */
export const zNqfLevel = z.strictObject({
  uri: zConcept('qdr', 'NQF level'),
  label: zShortLanguageMap,
})

/** Annex I elements 9 (type of assessment), 13 (supervision and identity verification). */
export const zAssessment = z.strictObject({
  title: zShortLanguageMap,
  type: zConcept('assessment', 'assessment type'),
  modes: z.array(zConcept('learning-assessment', 'mode')).max(6).optional(),
  supervision: zConcept('supervision-verification', 'supervision and ID verification').optional(),
  gradingScheme: z.strictObject({ title: zShortLanguageMap, description: zLanguageMap.optional() }).optional(),
})

/** The learning activity that leads to the award (ELM `LearningActivity`, shown as "influencedBy"). */
export const zLearningActivity = z.strictObject({
  title: zShortLanguageMap,
  type: zConcept('learning-activity', 'learning activity type'),
  modes: z.array(zConcept('learning-assessment', 'mode')).max(6).optional(),
  volumeOfLearning: zDuration.optional(),
})

/**
 * A micro-credential specification: the course, described once and awarded many times. Covers the
 * course-side elements of Annex I of the Council Recommendation on micro-credentials (2022/C 243/02)
 * as mapped in design/elm.md; becomes an ELM `Qualification` (the only specification class that
 * carries eqfLevel, nqfLevel, isPartialQualification and accreditation).
 */
export const zMicroCredentialSpecification = z
  .strictObject({
    /** Stable identifier of the specification; nodes derived from it keep ids under it. */
    id: zIri,
    /** Element 2. */
    title: zShortLanguageMap,
    description: zLanguageMap.optional(),
    /** Languages of instruction and assessment. */
    languages: z.array(zLanguage).min(1, 'must name at least one language of instruction').max(24),
    /** Learning-opportunity type, e.g. "Short learning programme". */
    type: zConcept('learning-opportunity', 'learning opportunity type').optional(),
    /** Element 6. */
    learningOutcomes: z.array(zLearningOutcome).min(1, 'must list at least one learning outcome').max(100),
    learningOutcomeSummary: zLanguageMap.optional(),
    /** Element 7: credits, notional hours, or both. */
    creditPoints: z.array(zCreditPoints).max(5).optional(),
    volumeOfLearning: zDuration.optional(),
    maximumDuration: zDuration.optional(),
    /** Element 8. */
    eqfLevel: zConcept('eqf', 'EQF level').optional(),
    nqfLevels: z.array(zNqfLevel).max(5).optional(),
    thematicAreas: z.array(zConcept('isced-f', 'ISCED-F field')).max(10).optional(),
    /** Element 10: form of participation. */
    learningSetting: zConcept('learning-setting', 'learning setting'),
    modes: z.array(zConcept('learning-assessment', 'mode')).min(1, 'must name at least one mode').max(6),
    /** Element 9 (and 13). */
    assessment: zAssessment,
    learningActivity: zLearningActivity.optional(),
    /** Element 11: the quality assurance behind the course. */
    qualityAssurance: z.array(zAccreditation).max(10).optional(),
    /** Element 12. */
    entryRequirements: zLanguageMap.optional(),
    /** Element 15. */
    stackability: z
      .strictObject({
        isPartialQualification: z.boolean().optional(),
        options: zLanguageMap.optional(),
      })
      .optional(),
    /** Element 16. */
    homepage: zHttpUrl.optional(),
    additionalNotes: z.array(zLanguageMap).max(20).optional(),
    supplementaryDocuments: z.array(zHttpUrl).max(20).optional(),
    targetGroups: z.array(zConcept('target-group', 'target group')).max(20).optional(),
    /** How long an awarded credential stays valid, as an ISO 8601 duration (none: no expiry). */
    validity: zDuration.optional(),
  })
  .superRefine((spec, ctx) => {
    // Element 7 is mandatory: the workload must be stated in credits or in hours.
    if (!spec.creditPoints?.length && !spec.volumeOfLearning) {
      ctx.addIssue({
        code: 'custom',
        path: ['creditPoints'],
        message: 'Annex I element 7 (notional workload) is missing: give creditPoints (ECTS) or volumeOfLearning',
      })
    }
    // Element 8 is mandatory where a level applies; Alma asks for EQF or an NQF level.
    if (!spec.eqfLevel && !spec.nqfLevels?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['eqfLevel'],
        message: 'Annex I element 8 (level) is missing: give eqfLevel or nqfLevels',
      })
    }
  })
export type MicroCredentialSpecificationInput = z.infer<typeof zMicroCredentialSpecification>
