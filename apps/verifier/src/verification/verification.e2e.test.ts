// Real credentials of both formats from a running test issuer (@openid4vc/openid4vci as the
// wallet), presented by hand as a wallet would (VP JWT; SD-JWT + KB-JWT), then verified.
import { generateKeyPairSync, type webcrypto } from 'node:crypto'
import { createTokenStatusListJwt, EU_LEARNING_CREDENTIAL_VCT, SD_JWT_CLAIMS } from '@alma/credentials'
import { createDevCa, createDidResolver, guardedFetch, issueSealCertificate, type Signer } from '@alma/trust'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestIssuer, type TestIssuer } from '../../../issuer/src/testing/issuer-harness.ts'
import { createJwtVcIssuerKeysLookup } from '../issuer-metadata-cache.ts'
import {
  presentSdJwt as handPresentSdJwt,
  vpJwt as handVpJwt,
  type IssuedCredentials,
  issueBoth as issueBothFrom,
  type WalletKey,
} from '../testing/hand-wallet.ts'
import { type VerificationDeps, verifyPresentedCredential } from './verify-presented-credential.ts'

const AUD = 'x509_san_dns:verifier.example'
const NONCE = 'n-0S6_WzA2Mj-e2e-nonce-128-bits'

let issuer: TestIssuer
let deps: VerificationDeps
let issued: IssuedCredentials

const TARGET = { aud: AUD, nonce: NONCE }
const issueBoth = () => issueBothFrom(issuer)
const nowSeconds = () => Math.floor(Date.now() / 1000)
const vpJwt = (vcJwt: string, key: WalletKey, claims: Record<string, unknown> = {}) =>
  handVpJwt(vcJwt, key, TARGET, claims)
const presentSdJwt = (
  sdJwt: string,
  key: WalletKey,
  names: string[],
  kb: { claims?: Record<string, unknown>; sdHash?: string } = {},
) => handPresentSdJwt(sdJwt, key, names, TARGET, kb)

const sdQuery = {
  id: 'micro_credential',
  format: 'dc+sd-jwt',
  meta: { vct_values: [EU_LEARNING_CREDENTIAL_VCT] },
  claims: [{ path: ['eqf_level'] }, { path: ['ects_credits'] }, { path: ['issuing_authority'] }],
}
const vcQuery = {
  id: 'edc',
  format: 'jwt_vc_json',
  meta: { type_values: [['VerifiableCredential']] },
  claims: [{ path: ['credentialSubject', 'familyName'] }],
}
const SHOWN = ['eqf_level', 'ects_credits', 'issuing_authority']

const statusOf = (result: { steps: readonly { id: string; status: string }[] }) =>
  Object.fromEntries(result.steps.map((s) => [s.id, s.status]))

beforeAll(async () => {
  issuer = await startTestIssuer()
  deps = {
    didResolver: createDidResolver({ mode: 'development', devAllowList: [issuer.url] }),
    trustAnchors: [String(issuer.ca?.certificatePem)],
    fetchStatusList: async (url) => {
      const response = await fetch(url)
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      return response.text()
    },
    // The issuer's JWT VC Issuer Metadata through the SSRF guard, as the verifier app looks it up.
    jwtVcIssuerKeys: createJwtVcIssuerKeysLookup({
      fetchDocument: async (url, accept) =>
        (await guardedFetch(url, { mode: 'development', devAllowList: [issuer.url], accept })).body.toString('utf8'),
    }),
    allowLoopbackHttpIssuers: true,
  }
  issued = await issueBoth()
})
afterAll(async () => {
  await issuer?.close()
})

describe('verifyPresentedCredential against credentials from the running issuer', () => {
  it('verifies a jwt_vc_json VP JWT: every step OK, Annex I of the EDC', async () => {
    const result = await verifyPresentedCredential(
      {
        credential: { format: 'jwt_vc_json', vp: await vpJwt(issued.vcJwt, issued.keys[0]!) },
        nonce: NONCE,
        audience: AUD,
        credentialQuery: vcQuery,
        policy: { minEqfLevel: 4, minEcts: 1 },
      },
      deps,
    )
    expect(result.steps.filter((s) => s.status !== 'OK')).toEqual([])
    expect(result.verdict).toBe('verified')
    expect(result.steps.map((s) => s.id)).toEqual([
      'format-and-query',
      'signature',
      'issuer-trust',
      'holder-binding',
      'validity',
      'status',
      'policy',
      'annex-i',
    ])
    expect(result.annexI).toMatchObject({ isMicroCredential: true })
  })

  it('verifies a dc+sd-jwt presentation with only eqf_level, ects_credits, issuing_authority disclosed', async () => {
    const presentation = await presentSdJwt(issued.sdJwt, issued.keys[1]!, SHOWN)
    const result = await verifyPresentedCredential(
      {
        credential: { format: 'dc+sd-jwt', presentation },
        nonce: NONCE,
        audience: AUD,
        credentialQuery: sdQuery,
        policy: { minEqfLevel: 4 },
      },
      deps,
    )
    expect(result.steps.filter((s) => s.status !== 'OK')).toEqual([])
    expect(result.verdict).toBe('verified')
    // What the holder chose, and the EU type's issuer facts, which are never selectively disclosable.
    const inTheClear: string[] = SD_JWT_CLAIMS.filter((c) => c.sd === 'never').map((c) => c.name)
    const personal = Object.keys(result.claims ?? {}).filter((name) => !inTheClear.includes(name))
    expect(personal.sort()).toEqual(['ects_credits', 'eqf_level'])
    expect(result.claims).toMatchObject({ issuing_authority: expect.any(String) })
    expect(result.annexI).toMatchObject({ source: 'disclosed-claims' })
  })

  it('rejects holder-binding faults: nonce, aud, aud array, iat, sd_hash, missing KB-JWT, other key', async () => {
    const cases: [string, string][] = [
      ['wrong nonce', await presentSdJwt(issued.sdJwt, issued.keys[1]!, SHOWN, { claims: { nonce: 'other' } })],
      [
        'wrong aud',
        await presentSdJwt(issued.sdJwt, issued.keys[1]!, SHOWN, { claims: { aud: 'x509_san_dns:evil.example' } }),
      ],
      ['aud array', await presentSdJwt(issued.sdJwt, issued.keys[1]!, SHOWN, { claims: { aud: [AUD] } })],
      [
        'iat far off',
        await presentSdJwt(issued.sdJwt, issued.keys[1]!, SHOWN, { claims: { iat: nowSeconds() - 3600 } }),
      ],
      ['wrong sd_hash', await presentSdJwt(issued.sdJwt, issued.keys[1]!, SHOWN, { sdHash: 'AAAA' })],
      ['holder key not cnf', await presentSdJwt(issued.sdJwt, issued.keys[2]!, SHOWN)],
      ['missing KB-JWT', (await presentSdJwt(issued.sdJwt, issued.keys[1]!, SHOWN)).replace(/~[^~]+$/, '~')],
    ]
    for (const [name, presentation] of cases) {
      const result = await verifyPresentedCredential(
        { credential: { format: 'dc+sd-jwt', presentation }, nonce: NONCE, audience: AUD, credentialQuery: sdQuery },
        deps,
      )
      expect(result.verdict, name).toBe('failed')
      expect(statusOf(result), name).toMatchObject({ signature: 'OK', 'holder-binding': 'ERROR', validity: 'SKIPPED' })
      expect(result.steps.find((s) => s.id === 'policy')?.reason, name).toBe('not checked: holder-binding failed')
      expect(result.claims, name).toBeUndefined()
    }
    const vpCases: [string, string][] = [
      ['vp wrong nonce', await vpJwt(issued.vcJwt, issued.keys[0]!, { nonce: 'other' })],
      ['vp aud array', await vpJwt(issued.vcJwt, issued.keys[0]!, { aud: [AUD] })],
      ['vp other key', await vpJwt(issued.vcJwt, issued.keys[2]!)],
    ]
    for (const [name, vp] of vpCases) {
      const result = await verifyPresentedCredential(
        { credential: { format: 'jwt_vc_json', vp }, nonce: NONCE, audience: AUD, credentialQuery: vcQuery },
        deps,
      )
      expect(statusOf(result), name).toMatchObject({ signature: 'OK', 'holder-binding': 'ERROR', status: 'SKIPPED' })
    }
  })

  it('rejects a tampered disclosure and a bad signature at the signature step, claims unread', async () => {
    const presentation = await presentSdJwt(issued.sdJwt, issued.keys[1]!, SHOWN)
    const [jwt, first, ...rest] = presentation.split('~')
    const [salt, name] = JSON.parse(Buffer.from(first!, 'base64url').toString())
    const forged = Buffer.from(JSON.stringify([salt, name, 8])).toString('base64url')
    const tampered = [jwt, forged, ...rest].join('~')
    const [h, p, s] = issued.vcJwt.split('.')
    const badSig = `${h}.${p}.${s!.slice(0, -4)}AAAA`
    for (const credential of [
      { format: 'dc+sd-jwt' as const, presentation: tampered },
      { format: 'jwt_vc_json' as const, vp: await vpJwt(badSig, issued.keys[0]!) },
    ]) {
      const result = await verifyPresentedCredential(
        {
          credential,
          nonce: NONCE,
          audience: AUD,
          credentialQuery: credential.format === 'dc+sd-jwt' ? sdQuery : vcQuery,
        },
        deps,
      )
      expect(result.verdict).toBe('failed')
      expect(statusOf(result)).toMatchObject({
        'format-and-query': 'SKIPPED',
        signature: 'ERROR',
        'issuer-trust': 'SKIPPED',
      })
      expect(result.steps.find((s) => s.id === 'annex-i')?.reason).toBe('not checked: signature failed')
    }
  })

  it('rejects a credential that does not match the DCQL query, and a policy the claims do not meet', async () => {
    const presentation = await presentSdJwt(issued.sdJwt, issued.keys[1]!, ['eqf_level'])
    const result = await verifyPresentedCredential(
      {
        credential: { format: 'dc+sd-jwt', presentation },
        nonce: NONCE,
        audience: AUD,
        credentialQuery: sdQuery,
        policy: { minEqfLevel: 8 },
      },
      deps,
    )
    expect(statusOf(result)).toMatchObject({ 'format-and-query': 'ERROR', signature: 'OK', policy: 'ERROR' })
    expect(result.steps.find((s) => s.id === 'policy')?.reason).toMatch(/^not met: EQF \d < 8/)
  })

  it('fails closed on an untrusted issuer (empty anchors, another CA) and an unreachable status list', async () => {
    const presentation = await presentSdJwt(issued.sdJwt, issued.keys[1]!, SHOWN)
    const vp = await vpJwt(issued.vcJwt, issued.keys[0]!)
    const other = await createDevCa({ name: 'Other CA', country: 'DE', now: new Date() })
    for (const trustAnchors of [[], [other.certificatePem]]) {
      for (const credential of [
        { format: 'dc+sd-jwt' as const, presentation },
        { format: 'jwt_vc_json' as const, vp },
      ]) {
        const result = await verifyPresentedCredential(
          {
            credential,
            nonce: NONCE,
            audience: AUD,
            credentialQuery: credential.format === 'dc+sd-jwt' ? sdQuery : vcQuery,
          },
          { ...deps, trustAnchors },
        )
        expect(statusOf(result)).toMatchObject({
          signature: 'OK',
          'issuer-trust': 'ERROR',
          'holder-binding': 'SKIPPED',
        })
      }
    }
    const unreachable = await verifyPresentedCredential(
      { credential: { format: 'dc+sd-jwt', presentation }, nonce: NONCE, audience: AUD, credentialQuery: sdQuery },
      {
        ...deps,
        fetchStatusList: async () => {
          throw new Error('connect ECONNREFUSED')
        },
      },
    )
    expect(unreachable.verdict).toBe('failed')
    expect(unreachable.steps.find((s) => s.id === 'status')?.reason).toMatch(/unreachable, failing closed/)
  })

  it('rejects both formats once the issuer revokes them', async () => {
    const fresh = await issueBoth()
    const records = await issuer.store.issuedCredentials.listByAward('uni-a', fresh.awardId)
    expect(records).toHaveLength(2)
    for (const record of records) {
      await issuer.store.statusLists.setStatus(
        'uni-a',
        String(record.statusListId),
        Number(record.statusIndex),
        1,
        new Date(),
      )
    }
    const sd = await verifyPresentedCredential(
      {
        credential: { format: 'dc+sd-jwt', presentation: await presentSdJwt(fresh.sdJwt, fresh.keys[1]!, SHOWN) },
        nonce: NONCE,
        audience: AUD,
        credentialQuery: sdQuery,
      },
      deps,
    )
    expect(sd.steps.find((s) => s.id === 'status')).toMatchObject({
      status: 'ERROR',
      reason: expect.stringMatching(/^revoked/),
    })
    const vc = await verifyPresentedCredential(
      {
        credential: { format: 'jwt_vc_json', vp: await vpJwt(fresh.vcJwt, fresh.keys[0]!) },
        nonce: NONCE,
        audience: AUD,
        credentialQuery: vcQuery,
      },
      deps,
    )
    expect(vc.steps.find((s) => s.id === 'status')).toMatchObject({
      status: 'ERROR',
      reason: expect.stringMatching(/^revoked/),
    })
    expect(vc.verdict).toBe('failed')
  })
})

describe('the status list of an SD-JWT VC is its issuer’s', () => {
  it('a list at the credential’s URI signed by another seal under the same anchor → status ERROR, naming why', async () => {
    const [jwt] = issued.sdJwt.split('~')
    const payload = JSON.parse(Buffer.from(jwt!.split('.')[1]!, 'base64url').toString('utf8'))
    const ref = payload.status.status_list as { uri: string; idx: number }
    // Mallory's seal from the deployment's own CA (the verifier's anchor), naming no issuer.
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const seal = await issueSealCertificate(issuer.ca!, {
      publicKey: publicKey.export({ format: 'jwk' }) as webcrypto.JsonWebKey,
      organizationName: 'Mallory Corp',
      commonName: 'Mallory Corp',
      country: 'DE',
      organizationIdentifier: 'VATDE-999999999',
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
    })
    const mallory: Signer = {
      signJwt: (_tenant, claims, header) =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: 'ES256', typ: String(header?.typ), x5c: [seal.x5c[0]!] })
          .sign(privateKey),
      signJws: async () => {
        throw new Error('not used')
      },
      activeKey: async () => ({ tenantId: 'mallory', kid: 'm', alg: 'ES256', headerKid: 'm', x5c: [seal.x5c[0]!] }),
      invalidate: () => {},
    }
    // "Valid" for every index, with the credential's issuer as iss and its list URI as sub.
    const forged = await createTokenStatusListJwt({
      uri: ref.uri,
      issuer: { tenantId: 'mallory', id: payload.iss },
      bits: 1,
      size: 131072,
      entries: [],
      now: new Date(),
      ttl: 60,
      sign: mallory,
    })
    const presentation = await presentSdJwt(issued.sdJwt, issued.keys[1]!, SHOWN)
    const result = await verifyPresentedCredential(
      { credential: { format: 'dc+sd-jwt', presentation }, nonce: NONCE, audience: AUD, credentialQuery: sdQuery },
      { ...deps, fetchStatusList: async (url) => (url === ref.uri ? forged : deps.fetchStatusList(url, {})) },
    )
    expect(result.verdict).toBe('failed')
    expect(statusOf(result)).toMatchObject({ 'issuer-trust': 'OK', status: 'ERROR' })
    expect(result.steps.find((s) => s.id === 'status')?.reason).toMatch(
      /the status list's certificate is neither the credential's nor one naming http:\/\/127\.0\.0\.1:\d+\/uni-a/,
    )
  })
})
