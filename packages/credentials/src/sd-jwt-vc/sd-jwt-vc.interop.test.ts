// Cross-checks with @sd-jwt/sd-jwt-vc 0.19 (OpenWallet Foundation), an independent implementation:
// it verifies what we issue (signature, digests, status via our Token Status List), and we verify
// the selective presentation + KB-JWT it makes as a wallet would.
import { digest, ES256 } from '@sd-jwt/crypto-nodejs'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import type { JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTokenStatusListJwt } from '../status/create-token-status-list-jwt.ts'
import { createHolder, createTestIssuer, exampleEdc, FIXED_NOW, type TestIssuer } from '../test-fixtures.ts'
import { EU_LEARNING_CREDENTIAL_VCT } from './claims.ts'
import { createSdJwtVc } from './create-sd-jwt-vc.ts'
import { verifySdJwtVc } from './verify-sd-jwt-vc.ts'

const ISSUER_URL = 'https://issuer.example/uni-a'
const LIST_URI = 'https://issuer.example/uni-a/status/token/1'
const NONCE = 'a-fresh-nonce-of-128-bits-or-more'
const AUD = 'x509_hash:verifier.example'
const NOW_S = Math.floor(FIXED_NOW.getTime() / 1000)

describe('dc+sd-jwt with @sd-jwt/sd-jwt-vc', () => {
  let issuer: TestIssuer
  const holder = createHolder()
  let statusListJwt: string

  beforeAll(async () => {
    issuer = await createTestIssuer('did:web:alliance.example:members:uni-a')
    statusListJwt = await createTokenStatusListJwt({
      uri: LIST_URI,
      issuer: { tenantId: issuer.tenantId, id: ISSUER_URL },
      bits: 2,
      size: 131_072,
      entries: [{ idx: 666, status: 1 }],
      now: FIXED_NOW,
      ttl: 600,
      sign: issuer.signer,
    })
  })

  const issue = (idx: number) =>
    createSdJwtVc({
      edc: exampleEdc(),
      vct: EU_LEARNING_CREDENTIAL_VCT,
      issuer: ISSUER_URL,
      tenantId: issuer.tenantId,
      holderJwk: holder.publicJwk,
      status: { uri: LIST_URI, idx },
      now: FIXED_NOW,
      sign: issuer.signer,
    })

  async function library() {
    const issuerVerifier = await ES256.getVerifier(issuer.publicJwk)
    return new SDJwtVcInstance({
      hasher: digest,
      hashAlg: 'sha-256',
      verifier: issuerVerifier,
      kbSigner: await ES256.getSigner(holder.privateKey.export({ format: 'jwk' })),
      kbSignAlg: 'ES256',
      kbVerifier: async (data, signature, payload) => {
        const jwk = (payload as { cnf?: { jwk?: JWK } }).cnf?.jwk
        return jwk ? (await ES256.getVerifier(jwk))(data, signature) : false
      },
      statusListFetcher: async (uri) => {
        expect(uri).toBe(LIST_URI)
        return statusListJwt
      },
    })
  }

  it('the library verifies our SD-JWT VC, its status, and sees every claim', async () => {
    const sdJwt = await issue(7)
    const verified = await (await library()).verify(sdJwt, { currentDate: NOW_S })
    expect(verified.payload).toMatchObject({
      iss: ISSUER_URL,
      vct: EU_LEARNING_CREDENTIAL_VCT,
      eqf_level: 6,
      ects_credits: 5,
      issuing_authority: 'University of Adlerstadt',
      birth_date: '1999-10-01',
    })
    expect(verified.header).toMatchObject({ typ: 'dc+sd-jwt' })
  })

  it('the library refuses it once the status list marks it invalid', async () => {
    await expect((await library()).verify(await issue(666), { currentDate: NOW_S })).rejects.toThrow(/[Ss]tatus/)
  })

  it('a library-made presentation of EQF level, ECTS and issuing authority with KB-JWT verifies with both', async () => {
    const sd = await library()
    const presentation = await sd.present(
      await issue(8),
      { eqf_level: true, ects_credits: true, issuing_authority: true },
      { kb: { payload: { iat: NOW_S, aud: AUD, nonce: NONCE } } },
    )
    const ours = await verifySdJwtVc(presentation, {
      resolveIssuerKey: issuer.resolveByX5c,
      now: FIXED_NOW,
      requireKeyBinding: true,
      expectedNonce: NONCE,
      expectedAud: AUD,
    })
    expect(ours.disclosed).toEqual({ eqf_level: 6, ects_credits: 5 })
    expect(ours.claims).toMatchObject({ eqf_level: 6, ects_credits: 5, issuing_authority: 'University of Adlerstadt' })
    const theirs = await sd.verify(presentation, { currentDate: NOW_S, keyBindingNonce: NONCE })
    expect(theirs.kb?.payload.aud).toBe(AUD)
    expect(Object.keys(theirs.payload)).not.toContain('assessment_grade')
  })
})
