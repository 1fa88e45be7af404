// The facts the verifier web app shows for a finished presentation: the Annex I facts of each
// credential, read from verified claims only, labelled in English and German with the SD-JWT claim
// labels (credentials' SD_JWT_CLAIMS). A dc+sd-jwt shows what the holder disclosed; a jwt_vc_json
// carries the whole EDC, read with parseEdc into the same flat claims plus each learning outcome's
// ESCO skills, which the SD-JWT claims cannot carry. A credential that failed a check shows no
// facts: a relying party must not read facts off a revoked or untrusted credential.
import { edcToSdJwtClaims, SD_JWT_CLAIMS, type SdJwtClaimName } from '@alma/credentials'
import { type ParsedEdc, parseEdc, pickText } from '@alma/elm'
import type { PresentationResult } from '../presentation/receive-response.ts'

export type FactsLanguage = 'en' | 'de'

export interface FactValue {
  readonly text: string
  /** ESCO skills of a learning outcome (jwt_vc_json only): the skill URI and its label. */
  readonly skills?: readonly { readonly uri: string; readonly label: string }[]
}

export interface Fact {
  /** The SD-JWT claim name (for a jwt_vc_json: the claim the EDC maps to). */
  readonly name: SdJwtClaimName
  readonly label: { readonly en: string; readonly de: string }
  readonly values: readonly FactValue[]
}

export interface CredentialFacts {
  readonly queryId: string
  readonly format?: string
  /** Present when the credential passed its checks (verdict verified or partially verified). */
  readonly facts?: readonly Fact[]
  /** Why no facts are shown: `failed` (a check failed), `unverified` (no verified claims), `unreadable` (not an EDC). */
  readonly withheld?: 'failed' | 'unverified' | 'unreadable'
  /** Whether `certificate.svg` renders this credential (the first verified jwt_vc_json). */
  readonly certificate: boolean
}

/** Facts in the order a reader looks for them: what, who, by whom, how much, what was learnt, how assessed. */
const FACT_ORDER = [
  'achievement_title',
  'given_name',
  'family_name',
  'birth_date',
  'learner_identification',
  'awarding_bodies',
  'issuing_authority',
  'issuing_country',
  'date_of_issuance',
  'date_of_expiry',
  'eqf_level',
  'level_of_learning_experience',
  'ects_credits',
  'expected_study_time',
  'learning_outcomes',
  'assessment_type',
  'assessment_grade',
  'supervision_and_id_verification',
  'mode_of_learning',
  'learning_setting',
  'language_of_classes',
  'types_of_quality_assurance',
  'prerequisites_to_enroll',
  'integration_stackability_options',
  'achievement_description',
] as const satisfies readonly SdJwtClaimName[]

const CLAIMS_IN_ORDER = [
  ...FACT_ORDER.map((name) => SD_JWT_CLAIMS.find((c) => c.name === name)!),
  ...SD_JWT_CLAIMS.filter((c) => !(FACT_ORDER as readonly string[]).includes(c.name)),
]

function textOf(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value && typeof value === 'object') {
    const { name, country } = value as { name?: unknown; country?: unknown }
    // awarding_bodies members: {name, country}
    if (typeof name === 'string') return typeof country === 'string' ? `${name} (${country})` : name
  }
  return JSON.stringify(value)
}

function valuesOf(value: unknown): FactValue[] {
  return (Array.isArray(value) ? value : [value]).map((v) => ({ text: textOf(v) }))
}

function factsOfClaims(claims: Readonly<Record<string, unknown>>, outcomes?: FactValue[]): Fact[] {
  const facts: Fact[] = []
  for (const claim of CLAIMS_IN_ORDER) {
    if (!Object.hasOwn(claims, claim.name)) continue
    const value = claims[claim.name]
    if (value === undefined || value === null) continue
    const values = claim.name === 'learning_outcomes' && outcomes?.length ? outcomes : valuesOf(value)
    facts.push({ name: claim.name, label: { en: claim.en, de: claim.de }, values })
  }
  return facts
}

/** Learning outcomes of the EDC's first achievement, each with its ESCO skills (ELM `relatedESCOSkill`). */
function outcomesOf(parsed: ParsedEdc, language: FactsLanguage): FactValue[] {
  const outcomes = parsed.achievements[0]?.specification?.learningOutcomes ?? []
  return outcomes
    .map((outcome) => ({
      text: pickText(outcome.title, language) ?? '',
      skills: outcome.escoSkills.map((skill) => ({
        uri: skill.id,
        label: pickText(skill.label, language) ?? skill.id,
      })),
    }))
    .filter((outcome) => outcome.text !== '')
}

/**
 * The facts of every presented credential, in the result's order.
 *
 * @example
 * ```ts
 * presentedFacts(record.result, 'de').credentials[0].facts
 * // [{ name: 'eqf_level', label: { en: 'EQF level', de: 'EQR-Niveau' }, values: [{ text: '6' }] }, …]
 * ```
 */
export function presentedFacts(
  result: PresentationResult,
  language: FactsLanguage,
): { credentials: readonly CredentialFacts[] } {
  // The same credential presented-certificate.ts renders: the first jwt_vc_json with verified claims.
  const rendered = result.credentials.find((c) => c.format === 'jwt_vc_json' && c.claims)
  return {
    credentials: result.credentials.map((credential): CredentialFacts => {
      const base = {
        queryId: credential.queryId,
        ...(credential.format ? { format: credential.format } : {}),
      }
      // A failed presentation keeps no claims (§8.6), so the verdict is asked first.
      if (credential.verdict === 'failed') return { ...base, withheld: 'failed', certificate: false }
      if (!credential.claims) return { ...base, withheld: 'unverified', certificate: false }
      if (credential.format !== 'jwt_vc_json') {
        return { ...base, facts: factsOfClaims(credential.claims), certificate: false }
      }
      let parsed: ParsedEdc
      try {
        parsed = parseEdc(credential.claims)
      } catch {
        return { ...base, withheld: 'unreadable', certificate: false }
      }
      const claims = edcToSdJwtClaims(parsed, { language }) as Record<string, unknown>
      return {
        ...base,
        facts: factsOfClaims(claims, outcomesOf(parsed, language)),
        certificate: credential === rendered,
      }
    }),
  }
}
