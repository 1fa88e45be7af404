// The relying-party templates of issue 5 as DCQL queries (OpenID4VP 1.0 §6) and policies. The
// policy carries what DCQL cannot say (≥ comparisons, registry membership) and is evaluated on
// verified claims only (verification/verify-presented-credential.ts).
import { EU_LEARNING_CREDENTIAL_VCT } from '@alma/credentials'
import type { RelyingPartyPolicy } from '../verification/z-verification-input.ts'
import type { RequestTemplate } from './z-create-presentation-request.ts'

export type TemplateFormat = 'dc+sd-jwt' | 'jwt_vc_json'

/** A DCQL query as sent (§6.1). */
export interface DcqlQueryJson {
  credentials: Record<string, unknown>[]
  credential_sets?: { options: string[][]; required?: boolean }[]
}

export const SD_JWT_QUERY_ID = 'micro_credential_sd_jwt'
export const JWT_VC_QUERY_ID = 'micro_credential_jwt_vc'

/** The EDC type every ELM credential carries (EDC data model; elm.md). */
const EDC_TYPES = ['VerifiableCredential', 'EuropeanDigitalCredential']

/**
 * What "any micro-credential" asks of an SD-JWT VC, in order of preference (OpenID4VP 1.0 §6.4.1
 * `claim_sets`): the Annex I facts our credentials carry, or else what every EU learning credential
 * must state (its type metadata's mandatory claims, less the learner's identifier), so a credential
 * from any issuer of that type is offered too.
 */
const CORE_CLAIMS = [
  'achievement_title',
  'issuing_authority',
  'issuing_country',
  'date_of_issuance',
  'given_name',
  'family_name',
  'level_of_learning_experience',
  'expected_study_time',
  'ects_credits',
  'awarding_bodies',
  'learning_outcomes',
] as const
const EU_MANDATORY_CLAIMS: readonly (typeof CORE_CLAIMS)[number][] = [
  'achievement_title',
  'issuing_authority',
  'issuing_country',
  'date_of_issuance',
  'family_name',
  'level_of_learning_experience',
  'expected_study_time',
]

/** A claim of the SD-JWT query: its name, and the values that satisfy it (§6.3 `values`) if any. */
type SdJwtClaimQuery = string | { readonly name: string; readonly values: readonly (string | number | boolean)[] }

function sdJwtQuery(
  claims: readonly SdJwtClaimQuery[],
  claimSets?: readonly (readonly string[])[],
): Record<string, unknown> {
  const nameOf = (claim: SdJwtClaimQuery) => (typeof claim === 'string' ? claim : claim.name)
  return {
    id: SD_JWT_QUERY_ID,
    format: 'dc+sd-jwt',
    meta: { vct_values: [EU_LEARNING_CREDENTIAL_VCT] },
    claims: claims.map((claim) => ({
      // §6.3: a claim needs an id only where claim_sets name it.
      ...(claimSets ? { id: nameOf(claim) } : {}),
      path: [nameOf(claim)],
      ...(typeof claim === 'string' ? {} : { values: [...claim.values] }),
    })),
    ...(claimSets ? { claim_sets: claimSets.map((set) => [...set]) } : {}),
  }
}

/** EQF levels from `min` to 8, as the EU learning credential's integer `level_of_learning_experience`. */
function eqfLevelsFrom(min: number): number[] {
  const from = Math.max(1, Math.min(8, Math.ceil(min)))
  return Array.from({ length: 9 - from }, (_, i) => from + i)
}

function jwtVcQuery(): Record<string, unknown> {
  // A VC-JWT is presented whole: no claims to pick, only its type (§6.1, B.1.1 type_values).
  return { id: JWT_VC_QUERY_ID, format: 'jwt_vc_json', meta: { type_values: [EDC_TYPES] } }
}

/** One query per format, any one of which answers (§6.2 credential_sets). */
function eitherFormat(
  formats: readonly TemplateFormat[],
  sdJwtClaims: readonly SdJwtClaimQuery[],
  claimSets?: readonly (readonly string[])[],
): DcqlQueryJson {
  const credentials = [
    ...(formats.includes('dc+sd-jwt') ? [sdJwtQuery(sdJwtClaims, claimSets)] : []),
    ...(formats.includes('jwt_vc_json') ? [jwtVcQuery()] : []),
  ]
  if (credentials.length === 1) return { credentials }
  return { credentials, credential_sets: [{ options: credentials.map((c) => [String(c.id)]), required: true }] }
}

export interface TemplateQuery {
  readonly dcqlQuery: DcqlQueryJson
  readonly policy: RelyingPartyPolicy
  /** Formats the template could not serve, and why (shown to the relying party). */
  readonly notes: readonly string[]
}

/**
 * The DCQL query and policy of a template.
 *
 * @example
 * ```ts
 * templateQuery({ type: 'eqf-ects', minEqfLevel: 6, minEcts: 5 })
 * // SD-JWT asks level_of_learning_experience ∈ [6, 7, 8], ects_credits, awarding_bodies; policy { minEqfLevel: 6, minEcts: 5 }
 * ```
 */
export function templateQuery(
  template: RequestTemplate,
  formats: readonly TemplateFormat[] = ['dc+sd-jwt', 'jwt_vc_json'],
): TemplateQuery {
  switch (template.type) {
    case 'any-micro-credential':
      return {
        dcqlQuery: eitherFormat(formats, CORE_CLAIMS, [CORE_CLAIMS, EU_MANDATORY_CLAIMS]),
        policy: {},
        notes: [],
      }
    case 'eqf-ects':
      // Data minimisation (GDPR Art. 5(1)(c)): only what the policy needs, and who awarded it. The
      // level is asked by value (§6.3), so a wallet offers only credentials at that level or above —
      // ours and any other issuer's EU learning credential alike; ECTS ≥ N is the policy's to judge.
      return {
        dcqlQuery: eitherFormat(formats, [
          { name: 'level_of_learning_experience', values: eqfLevelsFrom(template.minEqfLevel) },
          'ects_credits',
          'awarding_bodies',
        ]),
        policy: { minEqfLevel: template.minEqfLevel, minEcts: template.minEcts },
        notes: [],
      }
    case 'alliance-member':
      return {
        dcqlQuery: eitherFormat(formats, ['achievement_title', 'issuing_authority', 'awarding_bodies']),
        policy: {
          allianceDid: template.allianceDid,
          ...(template.allianceRegistryJwt ? { allianceRegistryJwt: template.allianceRegistryJwt } : {}),
        },
        notes: [],
      }
    case 'course':
    case 'esco-skill': {
      // The SD-JWT claims carry no course id and no ESCO URIs (credentials' SD_JWT_CLAIMS): only
      // the EDC inside a jwt_vc_json can show them.
      const notes = formats.includes('dc+sd-jwt')
        ? [`${template.type}: asked as jwt_vc_json only; dc+sd-jwt claims carry no course id or ESCO skill`]
        : []
      return {
        dcqlQuery: { credentials: [jwtVcQuery()] },
        policy: template.type === 'course' ? { courseId: template.courseId } : { escoSkill: template.escoSkill },
        notes,
      }
    }
  }
}
