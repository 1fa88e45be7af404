// The relying party's queries use the EU learning credential's names and types (issue 13 §2): a
// query for level_of_learning_experience with values [6, 7, 8] matches our credentials and one
// shaped as the EU reference issuer makes it (EncodeLearningCredential.kt at 7c8ac094) alike.
import { createSdJwtVc, EU_LEARNING_CREDENTIAL_VCT, verifySdJwtVc } from '@alma/credentials'
import { type DcqlCredential, DcqlQuery, runDcqlQuery } from 'dcql'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  createHolder,
  createTestIssuer,
  exampleEdc,
  FIXED_NOW,
} from '../../../../packages/credentials/src/test-fixtures.ts'
import { type DcqlQueryJson, SD_JWT_QUERY_ID, templateQuery } from './templates.ts'

/** The claims of a learning credential as the EU reference issuer writes them: its names, its types. */
function referenceShaped(level: number): Record<string, unknown> {
  return {
    jti: '6b1c2a40-7f43-4a4e-9d0b-2f3c9e1d5a77',
    iat: 1784541600,
    exp: 1942308000,
    vct: EU_LEARNING_CREDENTIAL_VCT,
    iss: 'https://issuer.other.example',
    cnf: { jwk: createHolder().publicJwk },
    issuing_authority: 'Another University',
    issuing_country: 'PT',
    date_of_issuance: '2026-07-20',
    family_name: 'Doe',
    achievement_title: 'Data Stewardship',
    language_of_classes: ['en'],
    learner_identification: 'PT-12345',
    expected_study_time: 'PT60H',
    level_of_learning_experience: level,
    types_of_quality_assurance: ['Accredited by A3ES'],
  }
}

function sdJwtCredential(claims: Record<string, unknown>): DcqlCredential {
  return {
    credential_format: 'dc+sd-jwt',
    vct: String(claims.vct),
    claims,
    cryptographic_holder_binding: true,
  } as DcqlCredential
}

function matches(query: DcqlQueryJson, credential: DcqlCredential): boolean {
  const parsed = DcqlQuery.parse(query as DcqlQuery.Input)
  DcqlQuery.validate(parsed)
  const result = runDcqlQuery(parsed, { credentials: [credential], presentation: true })
  return result.credential_matches[SD_JWT_QUERY_ID]?.success === true
}

describe('queries in the EU learning credential’s names and types', () => {
  let ours: Record<string, unknown>
  beforeAll(async () => {
    const issuer = await createTestIssuer('did:web:alliance.example:members:uni-a')
    const sdJwt = await createSdJwtVc({
      edc: exampleEdc(),
      vct: EU_LEARNING_CREDENTIAL_VCT,
      issuer: 'https://issuer.example/uni-a',
      tenantId: issuer.tenantId,
      holderJwk: createHolder().publicJwk,
      status: { uri: 'https://issuer.example/uni-a/status/token/1', idx: 3 },
      now: FIXED_NOW,
      sign: issuer.signer,
    })
    // Every disclosure presented: the processed payload is what a verifier matches against.
    ours = (
      await verifySdJwtVc(sdJwt, { resolveIssuerKey: issuer.resolveByX5c, now: FIXED_NOW, requireKeyBinding: false })
    ).payload
  })

  const levelQuery = (values: number[]): DcqlQueryJson => ({
    credentials: [
      {
        id: SD_JWT_QUERY_ID,
        format: 'dc+sd-jwt',
        meta: { vct_values: [EU_LEARNING_CREDENTIAL_VCT] },
        claims: [{ path: ['level_of_learning_experience'], values }],
      },
    ],
  })

  it('a raw query for levels 6, 7, 8 matches ours (EQF 6) and a reference-shaped one alike', () => {
    expect(ours.level_of_learning_experience).toBe(6)
    expect(matches(levelQuery([6, 7, 8]), sdJwtCredential(ours))).toBe(true)
    expect(matches(levelQuery([6, 7, 8]), sdJwtCredential(referenceShaped(7)))).toBe(true)
  })

  it('and neither below the level asked', () => {
    expect(matches(levelQuery([7, 8]), sdJwtCredential(ours))).toBe(false)
    expect(matches(levelQuery([6, 7, 8]), sdJwtCredential(referenceShaped(5)))).toBe(false)
    // The string our credentials carried before ("EQF 6") would match no integer value.
    expect(matches(levelQuery([6, 7, 8]), sdJwtCredential({ ...ours, level_of_learning_experience: 'EQF 6' }))).toBe(
      false,
    )
  })

  it('the eqf-ects template asks the level by value, so both shapes are offered by a wallet', () => {
    const { dcqlQuery, policy } = templateQuery({ type: 'eqf-ects', minEqfLevel: 6, minEcts: 5 }, ['dc+sd-jwt'])
    expect(dcqlQuery.credentials[0]).toMatchObject({
      claims: [
        { path: ['level_of_learning_experience'], values: [6, 7, 8] },
        { path: ['ects_credits'] },
        { path: ['awarding_bodies'] },
      ],
    })
    expect(policy).toEqual({ minEqfLevel: 6, minEcts: 5 })
    expect(matches(dcqlQuery, sdJwtCredential(ours))).toBe(true)
    // A reference-shaped credential states no ECTS: DCQL cannot offer it for ects_credits.
    expect(matches(dcqlQuery, sdJwtCredential(referenceShaped(8)))).toBe(false)
  })

  it('"any micro-credential" prefers our Annex I facts and accepts any EU learning credential', () => {
    const { dcqlQuery } = templateQuery({ type: 'any-micro-credential' }, ['dc+sd-jwt'])
    expect(matches(dcqlQuery, sdJwtCredential(ours))).toBe(true)
    expect(matches(dcqlQuery, sdJwtCredential(referenceShaped(4)))).toBe(true)
    const parsed = DcqlQuery.parse(dcqlQuery as DcqlQuery.Input)
    const result = runDcqlQuery(parsed, { credentials: [sdJwtCredential(ours)], presentation: true })
    // §6.4.1: the first satisfiable claim set is the one used — the richer one for ours.
    const match = result.credential_matches[SD_JWT_QUERY_ID]
    expect(match?.success && match.valid_credentials[0]?.claims.valid_claim_sets[0]?.claim_set_index).toBe(0)
  })
})
