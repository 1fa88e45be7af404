import { createHash, type KeyObject } from 'node:crypto'
import { SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { isCredentialError } from '../errors.ts'
import { createHolder, createTestIssuer, decodeJws, exampleEdc, FIXED_NOW, type TestIssuer } from '../test-fixtures.ts'
import { EU_LEARNING_CREDENTIAL_VCT, edcToSdJwtClaims, SD_JWT_CLAIMS, sdJwtClaimDisplay } from './claims.ts'
import { createSdJwtVc } from './create-sd-jwt-vc.ts'
import { type VerifySdJwtVcOptions, verifySdJwtVc } from './verify-sd-jwt-vc.ts'

const ISSUER_URL = 'https://issuer.example/uni-a'
const STATUS = { uri: 'https://issuer.example/uni-a/status/token/1', idx: 42 }
const NONCE = 'n-0S6_WzA2Mj'
const AUD = 'x509_hash:verifier.example'

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (e) {
    return isCredentialError(e) ? e.code : `not a CredentialError: ${String(e)}`
  }
  return undefined
}

const digest = (s: string) => createHash('sha256').update(s).digest('base64url')
const disclosure = (...items: unknown[]) => Buffer.from(JSON.stringify(items)).toString('base64url')

/** A KB-JWT over `presented` (which ends with "~"), as a wallet makes it (RFC 9901 §4.3). */
async function keyBinding(presented: string, key: KeyObject, overrides: Record<string, unknown> = {}) {
  return new SignJWT({
    iat: Math.floor(FIXED_NOW.getTime() / 1000),
    aud: AUD,
    nonce: NONCE,
    sd_hash: digest(presented),
    ...overrides,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'kb+jwt' })
    .sign(key)
}

describe('dc+sd-jwt', () => {
  let issuer: TestIssuer
  const holder = createHolder()
  const edc = exampleEdc()
  let sdJwt: string
  let options: VerifySdJwtVcOptions

  beforeAll(async () => {
    issuer = await createTestIssuer('did:web:alliance.example:members:uni-a')
    sdJwt = await createSdJwtVc({
      edc,
      vct: EU_LEARNING_CREDENTIAL_VCT,
      issuer: ISSUER_URL,
      tenantId: issuer.tenantId,
      holderJwk: holder.publicJwk,
      status: STATUS,
      now: new Date('2026-07-20T10:42:17Z'),
      sign: issuer.signer,
      decoys: 3,
    })
    options = { resolveIssuerKey: issuer.resolveByX5c, now: FIXED_NOW, requireKeyBinding: false }
  })

  it('maps the Annex I facts of the EDC to flat claims', () => {
    expect(edcToSdJwtClaims(edc)).toEqual({
      issuing_authority: 'University of Adlerstadt',
      issuing_country: 'DE',
      date_of_issuance: '2026-07-20',
      date_of_expiry: '2031-07-20',
      family_name: 'Andromeda',
      given_name: 'Ana',
      achievement_title: 'Creating Digital Learning Content',
      achievement_description: expect.stringMatching(/^A joint micro-credential/),
      learning_outcomes: [
        'Design and produce accessible digital learning content for a defined audience',
        'Communicate the learning offer to its target community',
        'Work creatively in an international, interdisciplinary team',
      ],
      assessment_grade: '1.3 (very good)',
      language_of_classes: ['en', 'de'],
      learner_identification: 'A-2025-0412',
      expected_study_time: 'PT125H',
      level_of_learning_experience: 6,
      types_of_quality_assurance: [
        'System accreditation of the internal quality management of the University of Adlerstadt',
      ],
      prerequisites_to_enroll: ['A completed first year of any bachelor programme, and English at level B2.'],
      integration_stackability_options: true,
      stackability_description: expect.stringMatching(/^part of a larger qualification; Counts as an elective/),
      birth_date: '1999-10-01',
      eqf_level: 6,
      ects_credits: 5,
      awarding_bodies: [
        { name: 'University of Adlerstadt', country: 'DE' },
        { name: 'University of Belvaux', country: 'FR' },
      ],
      assessment_type: ['project work'],
      mode_of_learning: ['Blended'],
      learning_setting: 'formal learning',
      supervision_and_id_verification: 'Supervised with ID Verification',
    })
    expect(edcToSdJwtClaims(edc, { language: 'de' }).achievement_title).toBe('Digitale Lerninhalte erstellen')
  })

  it('offers claim metadata with English and German names for every claim', () => {
    const metadata = sdJwtClaimDisplay()
    expect(metadata.map((c) => c.path[0])).toEqual(expect.arrayContaining(SD_JWT_CLAIMS.map((c) => c.name)))
    expect(metadata.find((c) => c.path[0] === 'eqf_level')?.display).toEqual([
      { name: 'EQF level', locale: 'en' },
      { name: 'EQR-Niveau', locale: 'de' },
    ])
    expect(sdJwtClaimDisplay('de').every((c) => c.display.length === 1 && c.display[0]!.locale === 'de')).toBe(true)
  })

  it('signs with typ dc+sd-jwt, kid and x5c; iss, vct, cnf, status and times are in the clear', () => {
    const [jwt, ...rest] = sdJwt.split('~')
    const { header, payload } = decodeJws(jwt!)
    expect(header).toMatchObject({ typ: 'dc+sd-jwt', alg: 'ES256', kid: expect.stringContaining('#') })
    expect(header.x5c).toHaveLength(1) // the seal certificate; the trust anchor is not sent (HAIP 1.0 §6.1.1)
    expect(payload).toMatchObject({
      iss: ISSUER_URL,
      vct: EU_LEARNING_CREDENTIAL_VCT,
      cnf: { jwk: holder.publicJwk },
      status: { status_list: STATUS },
      _sd_alg: 'sha-256',
      iat: Date.parse('2026-07-20T10:00:00Z') / 1000,
    })
    expect(payload.exp).toBe(Date.parse('2031-07-20T10:00:00Z') / 1000)
    // In the clear: the token's mechanics and the EU type's never-disclosable issuer facts; every
    // other claim is a disclosure.
    const inTheClear: string[] = SD_JWT_CLAIMS.filter((c) => c.sd === 'never').map((c) => c.name)
    expect(Object.keys(payload).sort()).toEqual(
      ['_sd', '_sd_alg', 'cnf', 'exp', 'iat', 'iss', 'jti', 'nbf', 'status', 'vct', ...inTheClear].sort(),
    )
    expect(payload.jti).toMatch(/^urn:uuid:[0-9a-f-]{36}$/)
    const disclosures = rest.filter(Boolean)
    expect(disclosures).toHaveLength(Object.keys(edcToSdJwtClaims(edc)).length - inTheClear.length)
    expect(payload._sd).toHaveLength(disclosures.length + 3) // + decoys
    expect(sdJwt.endsWith('~')).toBe(true)
  })

  it('verifies and returns the disclosed claims', async () => {
    const verified = await verifySdJwtVc(sdJwt, options)
    expect(verified.claims).toEqual(edcToSdJwtClaims(edc))
    expect(Object.keys(verified.disclosed)).not.toContain('issuing_authority')
    expect(verified.payload).toMatchObject({ iss: ISSUER_URL, eqf_level: 6, ects_credits: 5 })
    expect(verified.payload).not.toHaveProperty('_sd')
    expect(verified.keyBinding).toBeUndefined()
  })

  it('verifies a selective presentation with key binding', async () => {
    const [jwt, ...disclosures] = sdJwt.split('~').filter(Boolean)
    const wanted = disclosures.filter((d) => {
      const name = JSON.parse(Buffer.from(d, 'base64url').toString())[1]
      return ['eqf_level', 'ects_credits', 'issuing_authority'].includes(name)
    })
    const presented = `${jwt}~${wanted.join('~')}~`
    const kb = await keyBinding(presented, holder.privateKey)
    const verified = await verifySdJwtVc(`${presented}${kb}`, {
      ...options,
      requireKeyBinding: true,
      expectedNonce: NONCE,
      expectedAud: AUD,
    })
    expect(verified.disclosed).toEqual({ eqf_level: 6, ects_credits: 5 })
    expect(verified.claims).toMatchObject({
      eqf_level: 6,
      ects_credits: 5,
      issuing_authority: 'University of Adlerstadt',
    })
    expect(verified.claims).not.toHaveProperty('family_name')
    expect(verified.payload).not.toHaveProperty('assessment_grade')
    expect(verified.payload).not.toHaveProperty('birth_date')
    expect(verified.keyBinding?.payload.nonce).toBe(NONCE)
  })

  describe('rejects (RFC 9901 §7.1, §7.3; security.md "JOSE and SD-JWT")', () => {
    const sign = (payload: Record<string, unknown>, typ = 'dc+sd-jwt') =>
      issuer.signer.signJwt(issuer.tenantId, payload, { typ, includeX5c: true })
    const base = () => {
      const { payload } = decodeJws(sdJwt.split('~')[0]!)
      return { ...payload, _sd: [] as string[] }
    }

    it('a tampered disclosure, an unreferenced one, and the same disclosure twice', async () => {
      const [jwt, first, ...others] = sdJwt.split('~').filter(Boolean)
      const [salt, name] = JSON.parse(Buffer.from(first!, 'base64url').toString())
      const tampered = disclosure(salt, name, 'Mallory University')
      expect(await codeOf(verifySdJwtVc(`${jwt}~${tampered}~`, options))).toBe('disclosure_unreferenced')
      expect(await codeOf(verifySdJwtVc(`${jwt}~${first}~${disclosure('s', 'extra', 1)}~`, options))).toBe(
        'disclosure_unreferenced',
      )
      expect(await codeOf(verifySdJwtVc(`${jwt}~${first}~${first}~`, options))).toBe('digest_duplicate')
      expect(others.length).toBeGreaterThan(0)
    })

    it('duplicate digests in the payload, _sd and ... as claim names, wrong arity, misplaced disclosures', async () => {
      const d = disclosure('salt1', 'given_name', 'Ana')
      expect(
        await codeOf(verifySdJwtVc(`${await sign({ ...base(), _sd: [digest(d), digest(d)] })}~${d}~`, options)),
      ).toBe('digest_duplicate')
      for (const bad of [
        disclosure('s', '_sd', ['x']),
        disclosure('s', '...', 'x'),
        disclosure('s', 'a', 1, 2),
        disclosure('s'),
      ]) {
        const jwt = await sign({ ...base(), _sd: [digest(bad)] })
        expect(await codeOf(verifySdJwtVc(`${jwt}~${bad}~`, options))).toBe('disclosure_invalid')
      }
      const element = disclosure('s', 'an array element')
      const jwt = await sign({ ...base(), _sd: [digest(element)] })
      expect(await codeOf(verifySdJwtVc(`${jwt}~${element}~`, options))).toBe('disclosure_invalid')
      const clash = disclosure('s', 'vct', 'urn:other')
      const clashing = await sign({ ...base(), _sd: [digest(clash)] })
      expect(await codeOf(verifySdJwtVc(`${clashing}~${clash}~`, options))).toBe('claim_not_disclosable')
    })

    it('an unknown _sd_alg', async () => {
      const jwt = await sign({ ...base(), _sd_alg: 'md5' })
      expect(await codeOf(verifySdJwtVc(`${jwt}~`, options))).toBe('sd_alg_unsupported')
    })

    it('selectively disclosable iss, exp, cnf, vct', async () => {
      for (const name of ['iss', 'exp', 'cnf', 'vct']) {
        const payload: Record<string, unknown> = base()
        const value = payload[name]
        delete payload[name]
        const d = disclosure('salt', name, value)
        const jwt = await sign({ ...payload, _sd: [digest(d)] })
        expect(await codeOf(verifySdJwtVc(`${jwt}~${d}~`, options)), name).toBe('claim_not_disclosable')
      }
    })

    it('a wrong typ and a missing key binding when one is required', async () => {
      expect(await codeOf(verifySdJwtVc(`${await sign(base(), 'JWT')}~`, options))).toBe('jws_typ_invalid')
      const required = { ...options, requireKeyBinding: true, expectedNonce: NONCE, expectedAud: AUD }
      expect(await codeOf(verifySdJwtVc(sdJwt, required))).toBe('key_binding_missing')
    })

    it('KB-JWT problems: nonce, aud (also as an array), iat, sd_hash, signer, typ', async () => {
      const required = { ...options, requireKeyBinding: true, expectedNonce: NONCE, expectedAud: AUD }
      const withKb = async (overrides: Record<string, unknown>, key = holder.privateKey) =>
        codeOf(verifySdJwtVc(`${sdJwt}${await keyBinding(sdJwt, key, overrides)}`, required))
      expect(await withKb({})).toBeUndefined()
      expect(await withKb({ nonce: 'other' })).toBe('nonce_mismatch')
      expect(await withKb({ aud: 'x509_hash:evil.example' })).toBe('audience_mismatch')
      expect(await withKb({ aud: [AUD] })).toBe('key_binding_invalid')
      expect(await withKb({ iat: Math.floor(FIXED_NOW.getTime() / 1000) - 3600 })).toBe('key_binding_stale')
      expect(await withKb({ iat: Math.floor(FIXED_NOW.getTime() / 1000) + 3600 })).toBe('key_binding_stale')
      expect(await withKb({ sd_hash: digest(`${sdJwt}x`) })).toBe('sd_hash_mismatch')
      expect(await withKb({}, createHolder().privateKey)).toBe('key_binding_invalid')
      const wrongTyp = await new SignJWT({ iat: 1, aud: AUD, nonce: NONCE, sd_hash: digest(sdJwt) })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
        .sign(holder.privateKey)
      expect(await codeOf(verifySdJwtVc(`${sdJwt}${wrongTyp}`, required))).toBe('key_binding_invalid')
    })

    it('an issuer key it cannot trust', async () => {
      const other = await createTestIssuer('did:web:other.example', 'other')
      expect(await codeOf(verifySdJwtVc(sdJwt, { ...options, resolveIssuerKey: other.resolveByX5c }))).toBe(
        'issuer_key_unresolved',
      )
    })
  })
})
