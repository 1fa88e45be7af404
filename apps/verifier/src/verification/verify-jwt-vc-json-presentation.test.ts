// Unit tests of the jwt_vc_json path with hand-built credentials (packages/credentials test fixtures:
// in-memory keyring, dev-CA seal certificate, local did:web resolver; no network): the VP JWT's
// optional iat (OpenID4VP 1.0 Appendix B.1.3.1, issue 13 §1), the `status` claim read from an IETF
// Token Status List signed with the issuer DID's key, the W3C Bitstring entry of credentials issued
// before it, and a status reason that says when its list was fetched (issue 12 §5, §6).
import {
  BITSTRING_STATUS_CONTEXT,
  createBitstringStatusListCredential,
  createJwtVcJson,
  createTokenStatusListJwt,
} from '@alma/credentials'
import { SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  createHolder,
  createTestIssuer,
  decodeJws,
  exampleEdc,
  type TestIssuer,
} from '../../../../packages/credentials/src/test-fixtures.ts'
import {
  type FetchedStatusList,
  type PresentedCredentialVerification,
  type VerificationDeps,
  verifyPresentedCredential,
} from './verify-presented-credential.ts'

/** The example joint award's issuer: its eIDAS identifier is the test seal certificate's. */
const DID = 'did:web:alliance.example:members:uni-a'
const TOKEN_LIST = 'https://alliance.example/members/uni-a/status/tokens'
const BITSTRING_LIST = 'https://alliance.example/members/uni-a/status/bits'
const AUD = 'x509_hash:verifier-unit'
const NONCE = 'unit-nonce-jwt-vc-0123456789abcdef'
const ISSUED = new Date('2026-07-20T10:00:00Z')
/** Verification time; the lists below were fetched 4 min before it. */
const NOW = new Date('2026-07-21T12:00:00Z')
const FETCHED = new Date('2026-07-21T11:56:00Z')
const query = { id: 'edc', format: 'jwt_vc_json', meta: { type_values: [['VerifiableCredential']] } }

let issuer: TestIssuer
const holder = createHolder()

beforeAll(async () => {
  issuer = await createTestIssuer(DID)
})

/** A VC-JWT bound to the holder's key, on index `idx` of the token list. */
function credential(idx = 7) {
  return createJwtVcJson({
    edc: exampleEdc(),
    issuer: { tenantId: issuer.tenantId, did: DID },
    holder: { jwk: holder.publicJwk },
    status: { uri: TOKEN_LIST, idx },
    now: ISSUED,
    sign: issuer.signer,
  })
}

function tokenList(entries: { idx: number; status: number }[], signer = issuer) {
  return createTokenStatusListJwt({
    size: 1024,
    entries,
    uri: TOKEN_LIST,
    issuer: { tenantId: signer.tenantId, id: 'https://alliance.example/members/uni-a' },
    bits: 2,
    now: FETCHED,
    ttl: 300,
    sign: signer.signer,
  })
}

async function vp(vcJwt: string, claims: Record<string, unknown> = {}) {
  return new SignJWT({
    aud: AUD,
    nonce: NONCE,
    vp: {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiablePresentation'],
      verifiableCredential: [vcJwt],
    },
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .sign(holder.privateKey)
}

function deps(lists: Record<string, string>, fetchedAt = FETCHED): VerificationDeps {
  return {
    didResolver: issuer.resolver,
    trustAnchors: [issuer.caCertificate.toString()],
    fetchStatusList: async (url): Promise<FetchedStatusList> => {
      const body = lists[url]
      if (!body) throw new Error('404')
      return { body, fetchedAt }
    },
  }
}

const verify = async (presentation: string, d: VerificationDeps, extra: { statusMaxAgeSeconds?: number } = {}) =>
  verifyPresentedCredential(
    {
      credential: { format: 'jwt_vc_json', vp: presentation },
      nonce: NONCE,
      audience: AUD,
      credentialQuery: query,
      now: NOW,
      ...extra,
    },
    d,
  )
const step = (r: PresentedCredentialVerification, id: string) => r.steps.find((s) => s.id === id)

describe('VP JWT iat (OpenID4VP 1.0 Appendix B.1.3.1: nonce and aud required, iat optional)', () => {
  it('accepts a VP JWT without iat, as Credo sends it: freshness comes from the nonce', async () => {
    const r = await verify(await vp(await credential()), deps({ [TOKEN_LIST]: await tokenList([]) }))
    expect(step(r, 'holder-binding')).toEqual({
      id: 'holder-binding',
      status: 'OK',
      reason:
        'the VP JWT is signed with the cnf.jwk key; nonce and aud match this request (no iat: fresh by the nonce)',
    })
    expect(r.verdict).toBe('verified')
  })

  it('refuses an iat that is present but not a number, or far from now', async () => {
    const lists = deps({ [TOKEN_LIST]: await tokenList([]) })
    const vcJwt = await credential()
    const text = await verify(await vp(vcJwt, { iat: '2026-07-21T12:00:00Z' }), lists)
    expect(step(text, 'holder-binding')).toEqual({
      id: 'holder-binding',
      status: 'ERROR',
      reason: 'the VP JWT claims: iat: iat, when present, must be a NumericDate (seconds since the epoch)',
    })
    expect(text.verdict).toBe('failed')
    expect(text.claims).toBeUndefined()
    expect(step(text, 'status')).toMatchObject({ status: 'SKIPPED', reason: 'not checked: holder-binding failed' })
    const old = Math.floor(NOW.getTime() / 1000) - 3600
    const far = await verify(await vp(vcJwt, { iat: old }), lists)
    expect(step(far, 'holder-binding')).toEqual({
      id: 'holder-binding',
      status: 'ERROR',
      reason: `the VP JWT iat ${new Date(old * 1000).toISOString()} is outside the accepted window (300 s)`,
    })
    expect(far.verdict).toBe('failed')
    // An iat in the window is still accepted and said so.
    const fresh = await verify(await vp(vcJwt, { iat: Math.floor(NOW.getTime() / 1000) }), lists)
    expect(step(fresh, 'holder-binding')?.reason).toBe(
      'the VP JWT is signed with the cnf.jwk key; nonce, aud and iat match this request',
    )
  })
})

describe('status of a jwt_vc_json: the JWT status claim (Token Status List) and the legacy Bitstring entry', () => {
  it('reads the status claim from a list signed with the issuer DID key, naming when the list was fetched', async () => {
    const vcJwt = await credential(7)
    const valid = await verify(await vp(vcJwt), deps({ [TOKEN_LIST]: await tokenList([{ idx: 8, status: 1 }]) }))
    expect(step(valid, 'status')).toEqual({
      id: 'status',
      status: 'OK',
      reason: `not revoked or suspended (status 0 on ${TOKEN_LIST} index 7; status list fetched 2026-07-21T11:56:00Z, 4 min ago)`,
    })
    for (const [value, word] of [
      [1, 'revoked'],
      [2, 'suspended'],
    ] as const) {
      const r = await verify(await vp(vcJwt), deps({ [TOKEN_LIST]: await tokenList([{ idx: 7, status: value }]) }, NOW))
      expect(step(r, 'status')).toEqual({
        id: 'status',
        status: 'ERROR',
        reason: `${word} (status ${value} on ${TOKEN_LIST} index 7; status list fetched 2026-07-21T12:00:00Z, just now)`,
      })
      expect(r.verdict).toBe('failed')
    }
  })

  it('fails closed when the list is signed by another issuer DID, or is not at the referenced uri', async () => {
    const vcJwt = await credential(7)
    const mallory = await createTestIssuer('did:web:mallory.example', 'mallory')
    const forged = await verify(await vp(vcJwt), deps({ [TOKEN_LIST]: await tokenList([], mallory) }))
    const malloryKid = decodeJws(await tokenList([], mallory)).header.kid
    expect(step(forged, 'status')).toEqual({
      id: 'status',
      status: 'ERROR',
      reason: expect.stringMatching(
        new RegExp(
          `^the status list ${TOKEN_LIST} is not acceptable: no trusted key was found for the issuer \\(issuer_key_unresolved\\): its kid ${malloryKid} is not a key of the issuer ${DID}: `,
        ),
      ),
    })
    expect(forged.verdict).toBe('failed')
    const moved = await verify(await vp(vcJwt), deps({}))
    expect(step(moved, 'status')).toMatchObject({
      status: 'ERROR',
      reason: `the status list ${TOKEN_LIST} is unreachable, failing closed: 404`,
    })
  })

  it('refuses a cached list older than the request allows (statusMaxAgeSeconds)', async () => {
    const vcJwt = await credential(7)
    const r = await verify(await vp(vcJwt), deps({ [TOKEN_LIST]: await tokenList([]) }), { statusMaxAgeSeconds: 60 })
    expect(step(r, 'status')).toEqual({
      id: 'status',
      status: 'ERROR',
      reason: `the status list ${TOKEN_LIST} was fetched at 2026-07-21T11:56:00.000Z, earlier than the 60 s this request allows`,
    })
    expect(r.verdict).toBe('failed')
    const fresh = await verify(await vp(vcJwt), deps({ [TOKEN_LIST]: await tokenList([]) }, NOW), {
      statusMaxAgeSeconds: 0,
    })
    expect(step(fresh, 'status')?.status).toBe('OK')
  })

  it('still checks a credential issued before, with a BitstringStatusListEntry in vc.credentialStatus', async () => {
    const { payload } = decodeJws(await credential(7))
    const { status: _status, ...claims } = payload
    const entry = {
      id: `${BITSTRING_LIST}#12`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '12',
      statusListCredential: BITSTRING_LIST,
    }
    const legacy = await issuer.signer.signJwt(
      issuer.tenantId,
      {
        ...claims,
        vc: {
          ...payload.vc,
          '@context': [...payload.vc['@context'], BITSTRING_STATUS_CONTEXT],
          credentialStatus: entry,
        },
      },
      { typ: 'JWT', includeX5c: true },
    )
    const bits = (entries: { idx: number; status: number }[]) =>
      createBitstringStatusListCredential({
        url: BITSTRING_LIST,
        issuer: { tenantId: issuer.tenantId, did: DID },
        purpose: 'revocation',
        size: 131_072,
        entries,
        now: FETCHED,
        sign: issuer.signer,
      })
    const valid = await verify(await vp(legacy), deps({ [BITSTRING_LIST]: await bits([]) }))
    expect(step(valid, 'status')).toEqual({
      id: 'status',
      status: 'OK',
      reason: `not revoked (not set on ${BITSTRING_LIST} index 12 (revocation); status list fetched 2026-07-21T11:56:00Z, 4 min ago)`,
    })
    expect(valid.verdict).toBe('verified')
    const revoked = await verify(await vp(legacy), deps({ [BITSTRING_LIST]: await bits([{ idx: 12, status: 1 }]) }))
    expect(step(revoked, 'status')).toEqual({
      id: 'status',
      status: 'ERROR',
      reason: `revoked (set on ${BITSTRING_LIST} index 12 (revocation); status list fetched 2026-07-21T11:56:00Z, 4 min ago)`,
    })
    expect(revoked.verdict).toBe('failed')
  })
})
