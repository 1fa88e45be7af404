// Unit tests with hand-built credentials (packages/credentials test fixtures: in-memory keyring,
// dev-CA seal certificate, local did:web resolver). No network.
import { createHash } from 'node:crypto'
import { createSdJwtVc, createTokenStatusListJwt, EU_LEARNING_CREDENTIAL_VCT } from '@alma/credentials'
import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { createHolder, createTestIssuer, minimalEdc } from '../../../../packages/credentials/src/test-fixtures.ts'
import { annexIOfDisclosedClaims } from './annex-i-of-claims.ts'
import { verdictOf } from './steps.ts'
import { verifyPresentedCredential } from './verify-presented-credential.ts'

const DID = 'did:web:uni-min.example'
const ISS = 'https://uni-min.example'
const STATUS_URI = 'https://uni-min.example/status/1'
const AUD = 'x509_san_dns:verifier.example'
const NONCE = 'unit-nonce-0123456789abcdef'
const query = {
  id: 'mc',
  format: 'dc+sd-jwt',
  meta: { vct_values: [EU_LEARNING_CREDENTIAL_VCT] },
  claims: [{ path: ['family_name'] }],
}

async function setup(status = 0) {
  // The seal certificate names the issuer URL and the EDC issuer's legal name (issue 12 §1).
  const issuer = await createTestIssuer(DID, 'uni-a', {
    organizationName: 'Universität Minimal',
    issuerIdentifier: ISS,
  })
  const holder = createHolder()
  const issuedAt = new Date('2026-07-20T10:00:00Z')
  const sdJwt = await createSdJwtVc({
    edc: minimalEdc(),
    vct: EU_LEARNING_CREDENTIAL_VCT,
    issuer: ISS,
    tenantId: issuer.tenantId,
    holderJwk: holder.publicJwk,
    status: { uri: STATUS_URI, idx: 7 },
    now: issuedAt,
    sign: issuer.signer,
  })
  const now = new Date('2026-07-21T12:00:00Z')
  const list = await createTokenStatusListJwt({
    size: 1024,
    entries: status ? [{ idx: 7, status }] : [],
    uri: STATUS_URI,
    issuer: { tenantId: issuer.tenantId, id: ISS },
    bits: 2,
    now,
    ttl: 300,
    sign: issuer.signer,
  })
  const present = async (claims: Record<string, unknown> = {}) => {
    const sdHash = createHash('sha256').update(sdJwt).digest('base64url')
    const kb = await new SignJWT({
      aud: AUD,
      nonce: NONCE,
      iat: Math.floor(now.getTime() / 1000),
      sd_hash: sdHash,
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'kb+jwt' })
      .sign(holder.privateKey)
    return sdJwt + kb
  }
  const deps = {
    didResolver: issuer.resolver,
    trustAnchors: [issuer.caCertificate.toString()],
    fetchStatusList: async (url: string) => {
      if (url !== STATUS_URI) throw new Error('404')
      return list
    },
    // uni-min.example publishes its key through its did:web only.
    jwtVcIssuerKeys: async () =>
      ({ outcome: 'not-published', url: `${ISS}/.well-known/jwt-vc-issuer`, reason: 'HTTP 404' }) as const,
  }
  return { issuer, present, deps, now }
}

const byId = (r: { steps: readonly { id: string; status: string }[] }) =>
  Object.fromEntries(r.steps.map((s) => [s.id, s.status]))

describe('verifyPresentedCredential (dc+sd-jwt, hand-built)', () => {
  it('verifies a presentation: eight steps in order, policy not asked', async () => {
    const { present, deps, now } = await setup()
    const r = await verifyPresentedCredential(
      {
        credential: { format: 'dc+sd-jwt', presentation: await present() },
        nonce: NONCE,
        audience: AUD,
        credentialQuery: query,
        now,
      },
      deps,
    )
    expect(byId(r)).toEqual({
      'format-and-query': 'OK',
      signature: 'OK',
      'issuer-trust': 'OK',
      'holder-binding': 'OK',
      validity: 'OK',
      status: 'OK',
      policy: 'SKIPPED',
      'annex-i': 'OK',
    })
    expect(r.verdict).toBe('verified')
  })

  it('reports suspended and revoked from the Token Status List', async () => {
    for (const [code, word] of [
      [1, 'revoked'],
      [2, 'suspended'],
    ] as const) {
      const { present, deps, now } = await setup(code)
      const r = await verifyPresentedCredential(
        {
          credential: { format: 'dc+sd-jwt', presentation: await present() },
          nonce: NONCE,
          audience: AUD,
          credentialQuery: query,
          now,
        },
        deps,
      )
      expect(r.steps.find((s) => s.id === 'status')?.reason).toMatch(new RegExp(`^${word}`))
      expect(r.verdict).toBe('failed')
    }
  })

  it('fails an expired credential whose seal certificate has also expired', async () => {
    const { present, deps } = await setup()
    const later = new Date('2040-01-01T00:00:00Z')
    const r = await verifyPresentedCredential(
      {
        credential: { format: 'dc+sd-jwt', presentation: await present({ iat: Math.floor(later.getTime() / 1000) }) },
        nonce: NONCE,
        audience: AUD,
        credentialQuery: query,
        now: later,
      },
      deps,
    )
    // The test CA's seal certificate ends in 2028, so issuer trust fails first at 2040.
    expect(r.verdict).toBe('failed')
    expect(byId(r)['issuer-trust']).toBe('ERROR')
  })

  it('refuses a format the query did not ask for, a malformed query, and malformed input', async () => {
    const { present, deps, now } = await setup()
    const presentation = await present()
    const wrongFormat = await verifyPresentedCredential(
      {
        credential: { format: 'dc+sd-jwt', presentation },
        nonce: NONCE,
        audience: AUD,
        credentialQuery: { ...query, format: 'jwt_vc_json', meta: { type_values: [['VerifiableCredential']] } },
        now,
      },
      deps,
    )
    expect(byId(wrongFormat)).toMatchObject({ 'format-and-query': 'ERROR', signature: 'SKIPPED' })
    const badQuery = await verifyPresentedCredential(
      {
        credential: { format: 'dc+sd-jwt', presentation },
        nonce: NONCE,
        audience: AUD,
        credentialQuery: { id: 'x' },
        now,
      },
      deps,
    )
    expect(badQuery.verdict).toBe('failed')
    const badInput = await verifyPresentedCredential(
      { credential: { format: 'ldp_vc', vp: 'x' } as never, nonce: NONCE, audience: AUD, credentialQuery: query, now },
      deps,
    )
    expect(badInput.steps[0]).toMatchObject({ id: 'format-and-query', status: 'ERROR' })
    expect(badInput.steps.slice(1).every((s) => s.status === 'SKIPPED')).toBe(true)
  })
})

describe('verdictOf', () => {
  it('verified with not-asked skips, partially-verified with unknown, failed with any error', () => {
    const okStep = { id: 'signature', status: 'OK', reason: '' } as const
    expect(verdictOf([okStep, { id: 'policy', status: 'SKIPPED', reason: '', skipped: 'not-asked' }])).toBe('verified')
    expect(verdictOf([okStep, { id: 'status', status: 'SKIPPED', reason: '', skipped: 'unknown' }])).toBe(
      'partially-verified',
    )
    expect(verdictOf([okStep, { id: 'status', status: 'ERROR', reason: '' }])).toBe('failed')
  })
})

describe('annexIOfDisclosedClaims', () => {
  it('maps disclosed claims to Annex I elements and lists undisclosed mandatory ones', () => {
    const report = annexIOfDisclosedClaims({ eqf_level: 6, ects_credits: 5, issuing_authority: 'Uni A' })
    expect(report.elements.find((e) => e.number === 8)).toMatchObject({ status: 'disclosed', claims: { eqf_level: 6 } })
    expect(report.elements.find((e) => e.number === 4)?.claims).toEqual({ issuing_authority: 'Uni A' })
    expect(report.notDisclosed).toEqual([1, 2, 3, 5, 6, 9, 10, 11])
  })
})
