// Our dc+sd-jwt against the EU reference learning credential (issue 13 §2): the type metadata of
// `urn:eu.europa.ec.eudi:learning:credential:1` (the fixture, eudi-srv-pid-issuer at 7c8ac094, with
// `mandatory` and `sd` per claim) and the JSON types its encoder writes (EncodeLearningCredential.kt
// and LearningCredential.kt at the same commit). Every divergence is named, one per line.
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { createHolder, createTestIssuer, decodeJws, exampleEdc, minimalEdc, type TestIssuer } from '../test-fixtures.ts'
import { EU_LEARNING_CREDENTIAL_VCT, SD_JWT_CLAIMS } from './claims.ts'
import { createSdJwtVc, missingMandatoryClaims } from './create-sd-jwt-vc.ts'

interface TypeMetadataClaim {
  path: (string | null)[]
  mandatory?: boolean
  sd?: 'always' | 'never' | 'allowed'
}
const typeMetadata = JSON.parse(
  readFileSync(new URL('./fixtures/eu-learning-credential.type-metadata.json', import.meta.url), 'utf8'),
) as { vct: string; claims: TypeMetadataClaim[] }

/** The JSON type of each claim as the reference encoder writes it (not stated in the type metadata). */
const REFERENCE_TYPES: Record<string, (value: unknown) => boolean> = {
  jti: (v) => typeof v === 'string' && v.length > 0,
  iat: Number.isInteger,
  exp: Number.isInteger,
  vct: (v) => v === EU_LEARNING_CREDENTIAL_VCT,
  iss: (v) => typeof v === 'string' && v.startsWith('https://'),
  cnf: (v) => typeof v === 'object' && v !== null && 'jwk' in v,
  issuing_authority: isText,
  issuing_country: (v) => typeof v === 'string' && /^[A-Z]{2}$/.test(v),
  date_of_issuance: isDate,
  date_of_expiry: isDate,
  family_name: isText,
  given_name: isText,
  achievement_title: isText,
  achievement_description: isText,
  learning_outcomes: isTextArray,
  assessment_grade: isText,
  language_of_classes: isTextArray,
  learner_identification: isText,
  expected_study_time: isText,
  level_of_learning_experience: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 8,
  types_of_quality_assurance: isTextArray,
  prerequisites_to_enroll: isTextArray,
  integration_stackability_options: (v) => typeof v === 'boolean',
}
function isText(v: unknown): boolean {
  return typeof v === 'string' && v.trim() !== ''
}
function isDate(v: unknown): boolean {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)
}
function isTextArray(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0 && v.every(isText)
}

/** A credential issued as a wallet receives it: the clear payload, and each disclosure by name. */
async function issue(issuer: TestIssuer, edc: ReturnType<typeof exampleEdc>) {
  const sdJwt = await createSdJwtVc({
    edc,
    vct: EU_LEARNING_CREDENTIAL_VCT,
    issuer: 'https://issuer.example/uni-a',
    tenantId: issuer.tenantId,
    holderJwk: createHolder().publicJwk,
    status: { uri: 'https://issuer.example/uni-a/status/token/1', idx: 7 },
    now: new Date('2026-07-20T10:42:17Z'),
    sign: issuer.signer,
  })
  const [jwt, ...rest] = sdJwt.split('~').filter(Boolean)
  const clear = decodeJws(jwt!).payload as Record<string, unknown>
  const disclosed = new Map<string, unknown>(
    rest.map((d) => {
      const [, name, value] = JSON.parse(Buffer.from(d, 'base64url').toString()) as [string, string, unknown]
      return [name, value]
    }),
  )
  return { clear, disclosed }
}

/** Every way a credential differs from the reference type, in words; empty when it follows it exactly. */
function divergences(credential: { clear: Record<string, unknown>; disclosed: Map<string, unknown> }): string[] {
  const found: string[] = []
  for (const claim of typeMetadata.claims) {
    if (claim.path.length !== 1) continue // array members and cnf.jwk: checked through their parent
    const name = claim.path[0] as string
    const inClear = Object.hasOwn(credential.clear, name)
    const isDisclosure = credential.disclosed.has(name)
    const value = inClear ? credential.clear[name] : credential.disclosed.get(name)
    if (!inClear && !isDisclosure) {
      if (claim.mandatory) found.push(`${name}: mandatory, missing`)
      continue
    }
    if (claim.sd === 'never' && isDisclosure) found.push(`${name}: sd never, but selectively disclosable`)
    if (claim.sd === 'always' && inClear) found.push(`${name}: sd always, but in the clear`)
    const typeOk = REFERENCE_TYPES[name]
    if (!typeOk) found.push(`${name}: no reference type known to this test`)
    else if (!typeOk(value)) found.push(`${name}: ${JSON.stringify(value)} is not of the reference type`)
  }
  return found
}

describe(`our dc+sd-jwt follows ${EU_LEARNING_CREDENTIAL_VCT} exactly`, () => {
  let issuer: TestIssuer
  beforeAll(async () => {
    issuer = await createTestIssuer('did:web:alliance.example:members:uni-a')
  })

  it('the fixture is the type we name', () => {
    expect(typeMetadata.vct).toBe(EU_LEARNING_CREDENTIAL_VCT)
  })

  it('names, mandatory and sd of our EU claims are the reference type metadata’s, claim by claim', () => {
    const reference = new Map(
      typeMetadata.claims.filter((c) => c.path.length === 1).map((c) => [c.path[0] as string, c] as const),
    )
    const differences: string[] = []
    for (const ours of SD_JWT_CLAIMS.filter((c) => c.eu)) {
      const theirs = reference.get(ours.name)
      if (!theirs) differences.push(`${ours.name}: marked EU, not in the reference`)
      else {
        if ((theirs.mandatory ?? false) !== ours.mandatory) differences.push(`${ours.name}: mandatory differs`)
        if ((theirs.sd ?? 'allowed') !== ours.sd)
          differences.push(`${ours.name}: sd ${ours.sd}, reference ${theirs.sd}`)
      }
    }
    const technical = new Set(['jti', 'iat', 'exp', 'vct', 'iss', 'cnf'])
    for (const name of reference.keys()) {
      if (!technical.has(name) && !SD_JWT_CLAIMS.some((c) => c.eu && c.name === name))
        differences.push(`${name}: in the reference, not among our EU claims`)
    }
    expect(differences).toEqual([])
  })

  it('a credential with all 16 Annex I elements has no divergence', async () => {
    expect(divergences(await issue(issuer, exampleEdc()))).toEqual([])
  })

  it('a minimal award (no learner identifier, credit points but no volume) has no divergence', async () => {
    const credential = await issue(issuer, minimalEdc())
    expect(divergences(credential)).toEqual([])
    expect(credential.disclosed.get('expected_study_time')).toBe('1 ECTS credits')
    expect(credential.disclosed.get('learner_identification')).toEqual(expect.any(String))
  })

  it('an EDC that cannot state a mandatory claim is refused by name, not issued short', async () => {
    const edc = minimalEdc() as Record<string, unknown>
    const subject = edc.credentialSubject as Record<string, unknown>
    const claim = subject.hasClaim as Record<string, unknown>
    const spec = (Array.isArray(claim) ? claim[0] : claim).specifiedBy as Record<string, unknown>
    delete spec.eqfLevel
    spec.nqfLevel = ['http://data.europa.eu/snb/qdr/c_7e8b94f4']
    await expect(issue(issuer, edc as never)).rejects.toThrow(/requires level_of_learning_experience/)
    expect(missingMandatoryClaims({ family_name: 'X' })).toContain('issuing_authority')
  })
})
