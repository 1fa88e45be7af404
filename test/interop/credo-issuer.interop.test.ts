// Credo 0.6.3 as the wallet, over real HTTP against our issuer (issue 13 §1). Every credential
// passes Credo's own verification twice: when it is received (Credo's OpenId4VciHolderService
// verifies each one and throws otherwise) and again through Credo's verification APIs, with
// every check at its default (on): signature, x5c chain to the trusted CA, `iss` against the
// certificate's SAN, validity, holder binding, the Token Status List, and for the VC-JWT the
// tenant's did:web, issuer = signer and the data model.
import type { SdJwtVcRecord, W3cCredentialRecord } from '@credo-ts/core'
import {
  OpenId4VciAuthorizationFlow,
  type OpenId4VciCredentialResponse,
  type OpenId4VciResolvedCredentialOffer,
} from '@credo-ts/openid4vc'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { changeCredentialStatus } from '../../apps/issuer/src/admin/credential-status.ts'
import { COURSE_ID, startTestIssuer, type TestIssuer } from '../../apps/issuer/src/testing/issuer-harness.ts'
import { answerConsentPage } from '../../apps/wallet/src/testing/consent-page.ts'
import { bindingResolver, type CredoHolder, createCredoHolder } from './credo/credo-holder.ts'

const JWT_VC = `${COURSE_ID}_jwt_vc_json`
const SD_JWT = `${COURSE_ID}_dc_sd_jwt`

let issuer: TestIssuer
let holder: CredoHolder

beforeAll(async () => {
  issuer = await startTestIssuer()
  holder = await createCredoHolder({
    issuerTrustAnchors: [String(issuer.ca?.certificatePem)],
    loopbackOrigins: [issuer.url],
  })
})
afterAll(async () => {
  await holder?.shutdown()
  await issuer?.close()
})

/** Credo's SdJwtVcApi.verify of each instance, from scratch, every check at its default. */
async function expectSdJwtVerifiedByCredo(agent: CredoHolder, record: SdJwtVcRecord) {
  for (const instance of record.credentialInstances) {
    const result = await agent.sdJwtVc.verify({ compactSdJwtVc: instance.compactSdJwtVc, fetchTypeMetadata: true })
    expect(result.isValid, result.isValid ? '' : String(result.error)).toBe(true)
  }
}

/** Credo's W3cCredentialsApi.verifyCredential of each instance, every check at its default. */
async function expectJwtVcVerifiedByCredo(agent: CredoHolder, record: W3cCredentialRecord) {
  for (const instance of record.credentialInstances) {
    const result = await agent.w3cCredentials.verifyCredential({ credential: String(instance.credential) })
    expect(result.error, String(result.error)).toBeUndefined()
    expect(result.validations, JSON.stringify(result.validations)).not.toHaveProperty('credentialStatus.isValid', false)
    expect(result.isValid).toBe(true)
  }
}

/**
 * Requests one configuration per call. Credo 0.6.3 takes the next proof's nonce from the last
 * credential response's `c_nonce`, which OpenID4VCI 1.0 removed (§7: nonces come from the
 * nonce endpoint only): a second configuration in the same call goes out without a nonce and
 * is refused (see the test below). Each call fetches a fresh c_nonce from the nonce endpoint.
 */
async function requestEach(
  agent: CredoHolder,
  resolved: OpenId4VciResolvedCredentialOffer,
  token: Awaited<ReturnType<CredoHolder['openid4vc']['holder']['requestToken']>>,
  configurationIds: readonly string[],
  batchSize = 1,
): Promise<OpenId4VciCredentialResponse[]> {
  const received: OpenId4VciCredentialResponse[] = []
  for (const id of configurationIds) {
    const response = await agent.openid4vc.holder.requestCredentials({
      resolvedCredentialOffer: resolved,
      ...token,
      credentialConfigurationIds: [id],
      credentialBindingResolver: bindingResolver(agent, batchSize),
    })
    expect(response.deferredCredentials).toEqual([])
    received.push(...response.credentials)
  }
  return received
}

function one<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1)
  return items[0] as T
}

/** Stores what Credo received (it keeps nothing before the user accepts) and verifies it again. */
async function storeAndVerify(agent: CredoHolder, responses: readonly OpenId4VciCredentialResponse[]) {
  for (const response of responses) {
    if (response.credentialConfiguration.format === 'dc+sd-jwt') {
      const record = response.record as SdJwtVcRecord
      await agent.sdJwtVc.store({ record })
      await expectSdJwtVerifiedByCredo(agent, record)
    } else {
      const record = response.record as W3cCredentialRecord
      await agent.w3cCredentials.store({ record })
      await expectJwtVcVerifiedByCredo(agent, record)
    }
  }
}

describe('Credo → our issuer: pre-authorized code with tx_code (§6.1)', () => {
  it('issues both formats on one token, each verified by Credo, and hears credential_accepted', async () => {
    const offer = await issuer.offer({ txCode: true })
    const resolved = await holder.openid4vc.holder.resolveCredentialOffer(offer.offerUri)
    expect(Object.keys(resolved.offeredCredentialConfigurations)).toEqual([JWT_VC, SD_JWT])
    expect(resolved.metadata.originalDraftVersion).toBe('V1')
    const token = await holder.openid4vc.holder.requestToken({
      resolvedCredentialOffer: resolved,
      txCode: String(offer.txCode),
    })
    // Credo binds the token with DPoP whenever the server lists dpop_signing_alg_values_supported
    // (RFC 9449 §5.1), as ours always does; this tenant would also take a Bearer token.
    expect(token.accessTokenResponse.token_type).toBe('DPoP')
    expect(token.dpop).toBeDefined()

    // jwt_vc_json: bound to Credo's did:key (credentialSubject.id), verified by Credo.
    const jwtVc = one(await requestEach(holder, resolved, token, [JWT_VC]))
    await storeAndVerify(holder, [jwtVc])
    const vc = (jwtVc.record as W3cCredentialRecord).firstCredential
    expect(String(vc.credentialSubjectIds[0])).toMatch(/^did:key:z/)

    // dc+sd-jwt: bound to the key Credo generated (cnf.jwk, its kmsKeyId recorded), verified by Credo.
    const sdJwtResponse = one(await requestEach(holder, resolved, token, [SD_JWT]))
    await storeAndVerify(holder, [sdJwtResponse])
    const sdJwt = (sdJwtResponse.record as SdJwtVcRecord).firstCredential
    expect(sdJwt.holder?.method).toBe('jwk')
    expect(sdJwt.kmsKeyId).toEqual(expect.any(String))
    expect(sdJwt.payload.vct).toBe('urn:eu.europa.ec.eudi:learning:credential:1')

    for (const response of [jwtVc, sdJwtResponse]) {
      await holder.openid4vc.holder.sendNotification({
        metadata: resolved.metadata,
        notificationId: String(response.notificationId),
        accessToken: token.accessToken,
        notificationEvent: 'credential_accepted',
        ...(token.dpop ? { dpop: token.dpop } : {}),
      })
    }
    const records = await issuer.store.issuedCredentials.listByAward('uni-a', offer.awardId)
    expect(records.map((r) => r.format).sort()).toEqual(['dc+sd-jwt', 'jwt_vc_json'])
    expect(records.map((r) => r.notificationEvent)).toEqual(['credential_accepted', 'credential_accepted'])
  })

  it('refuses a wrong tx_code with invalid_grant (§6.3) and issues nothing', async () => {
    const offer = await issuer.offer({ txCode: true })
    const resolved = await holder.openid4vc.holder.resolveCredentialOffer(offer.offerUri)
    const wrong = String(offer.txCode) === '000000' ? '111111' : '000000'
    await expect(
      holder.openid4vc.holder.requestToken({ resolvedCredentialOffer: resolved, txCode: wrong }),
    ).rejects.toThrow(/invalid_grant/)
    expect(await issuer.store.issuedCredentials.listByAward('uni-a', offer.awardId)).toEqual([])
  })

  it('a second configuration in one Credo call carries no nonce: invalid_proof (§8.3.1.2), only the first is issued', async () => {
    const offer = await issuer.offer({ txCode: true })
    const resolved = await holder.openid4vc.holder.resolveCredentialOffer(offer.offerUri)
    const token = await holder.openid4vc.holder.requestToken({
      resolvedCredentialOffer: resolved,
      txCode: String(offer.txCode),
    })
    await expect(
      holder.openid4vc.holder.requestCredentials({
        resolvedCredentialOffer: resolved,
        ...token,
        credentialConfigurationIds: [JWT_VC, SD_JWT],
        credentialBindingResolver: bindingResolver(holder),
      }),
    ).rejects.toThrow(/"error": "invalid_proof",\s+"error_description": "nonce is missing/)
    const records = await issuer.store.issuedCredentials.listByAward('uni-a', offer.awardId)
    expect(records.map((r) => r.format)).toEqual(['jwt_vc_json'])
  })

  it('sees a revocation in the Token Status List (Credo fetches and checks it)', async () => {
    const offer = await issuer.offer({ txCode: true, configurations: [SD_JWT] })
    const resolved = await holder.openid4vc.holder.resolveCredentialOffer(offer.offerUri)
    const token = await holder.openid4vc.holder.requestToken({
      resolvedCredentialOffer: resolved,
      txCode: String(offer.txCode),
    })
    const record = one(await requestEach(holder, resolved, token, [SD_JWT])).record as SdJwtVcRecord
    await expectSdJwtVerifiedByCredo(holder, record)
    const [issued] = await issuer.store.issuedCredentials.listByAward('uni-a', offer.awardId)
    await changeCredentialStatus(issuer.ctx, 'uni-a', {
      credentialId: String(issued?.id),
      action: 'revoke',
      actor: 'test',
    })
    const result = await holder.sdJwtVc.verify({ compactSdJwtVc: record.firstCredential.compact })
    expect(result.isValid).toBe(false)
    expect(String(!result.isValid && result.error)).toMatch(/Status is not valid/)
  })
})

describe('Credo → our issuer with DPoP required (HAIP 1.0)', () => {
  let strict: TestIssuer
  let strictHolder: CredoHolder
  beforeAll(async () => {
    strict = await startTestIssuer({ dpopRequired: true })
    strictHolder = await createCredoHolder({
      issuerTrustAnchors: [String(strict.ca?.certificatePem)],
      loopbackOrigins: [strict.url],
    })
  })
  afterAll(async () => {
    await strictHolder?.shutdown()
    await strict?.close()
  })

  it('issues both formats over a DPoP-bound token and DPoP-signed credential requests', async () => {
    const offer = await strict.offer({ txCode: true })
    const resolved = await strictHolder.openid4vc.holder.resolveCredentialOffer(offer.offerUri)
    const token = await strictHolder.openid4vc.holder.requestToken({
      resolvedCredentialOffer: resolved,
      txCode: String(offer.txCode),
    })
    expect(token.accessTokenResponse.token_type).toBe('DPoP')
    const jkt = (decodeJwt(token.accessToken).cnf as { jkt?: string } | undefined)?.jkt
    expect(jkt).toEqual(expect.any(String))
    const responses = await requestEach(strictHolder, resolved, token, [JWT_VC, SD_JWT])
    await storeAndVerify(strictHolder, responses)
    // The same token without its DPoP proof is refused (RFC 9449 §7.1).
    const bare = await fetch(`${strict.url}/uni-a/credential`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token.accessToken}` },
      body: JSON.stringify({ credential_configuration_id: SD_JWT }),
    })
    expect(bare.status).toBe(401)
    expect(bare.headers.get('www-authenticate')).toMatch(/^DPoP /)
  })
})

describe('Credo → our issuer: authorization code flow (§5: PAR, PKCE S256, DPoP)', () => {
  const clientId = 'credo-wallet'
  // PAR refuses plain http off loopback (RFC 9700 §4.1); the learner's browser is played by the
  // test, so this address is never visited.
  const redirectUri = 'https://credo-wallet.example/callback'

  async function authorize(resolved: OpenId4VciResolvedCredentialOffer, scope: string[]) {
    const authorization = await holder.openid4vc.holder.resolveOpenId4VciAuthorizationRequest(resolved, {
      clientId,
      redirectUri,
      scope,
    })
    if (authorization.authorizationFlow !== OpenId4VciAuthorizationFlow.Oauth2Redirect) {
      throw new Error(`expected a browser redirect flow, got ${authorization.authorizationFlow}`)
    }
    // Credo pushed the request (RFC 9126): the browser gets only client_id and request_uri.
    const url = new URL(authorization.authorizationRequestUrl)
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri'])
    expect(authorization.codeVerifier).toEqual(expect.any(String))
    expect(authorization.dpop).toBeDefined()
    return authorization
  }

  it('issues both formats after the learner authenticates with the transaction code and approves', async () => {
    const offer = await issuer.offer({ txCode: true })
    const resolved = await holder.openid4vc.holder.resolveCredentialOffer(offer.offerUri)
    const authorization = await authorize(resolved, [JWT_VC, SD_JWT])
    // The learner's browser: the page asks for the offer's transaction code before it shows
    // anything personal, then the consent form (issue 12 §2).
    const redirect = await answerConsentPage(authorization.authorizationRequestUrl, 'approve', {
      txCode: String(offer.txCode),
    })
    expect(redirect.startsWith(`${redirectUri}?`)).toBe(true)
    // RFC 9207: Credo checks `iss` in the redirect before it takes the code.
    const { authorizationCode } = holder.openid4vc.holder.parseAuthorizationCodeFromAuthorizationResponse({
      authorizationResponseRedirectUrl: redirect,
      resolvedCredentialOffer: resolved,
    })
    const token = await holder.openid4vc.holder.requestToken({
      resolvedCredentialOffer: resolved,
      code: authorizationCode,
      clientId,
      redirectUri,
      codeVerifier: authorization.codeVerifier,
      ...(authorization.dpop ? { dpop: authorization.dpop } : {}),
    })
    expect(token.accessTokenResponse.token_type).toBe('DPoP')
    const responses: OpenId4VciCredentialResponse[] = []
    for (const id of [JWT_VC, SD_JWT]) {
      const response = await holder.openid4vc.holder.requestCredentials({
        resolvedCredentialOffer: resolved,
        ...token,
        clientId,
        credentialConfigurationIds: [id],
        credentialBindingResolver: bindingResolver(holder),
      })
      responses.push(...response.credentials)
    }
    expect(responses.map((r) => r.credentialConfigurationId)).toEqual([JWT_VC, SD_JWT])
    await storeAndVerify(holder, responses)
    const records = await issuer.store.issuedCredentials.listByAward('uni-a', offer.awardId)
    expect(records.map((r) => r.format).sort()).toEqual(['dc+sd-jwt', 'jwt_vc_json'])

    // The code was single-use (RFC 6749 §4.1.2).
    await expect(
      holder.openid4vc.holder.requestToken({
        resolvedCredentialOffer: resolved,
        code: authorizationCode,
        clientId,
        redirectUri,
        codeVerifier: authorization.codeVerifier,
        ...(authorization.dpop ? { dpop: authorization.dpop } : {}),
      }),
    ).rejects.toThrow(/invalid_grant/)
  })

  it('a declining learner sends Credo access_denied (RFC 6749 §4.1.2.1); nothing is issued', async () => {
    const offer = await issuer.offer({ txCode: true })
    const resolved = await holder.openid4vc.holder.resolveCredentialOffer(offer.offerUri)
    const authorization = await authorize(resolved, [SD_JWT])
    const redirect = await answerConsentPage(authorization.authorizationRequestUrl, 'deny')
    expect(new URL(redirect).searchParams.get('error')).toBe('access_denied')
    expect(() =>
      holder.openid4vc.holder.parseAuthorizationCodeFromAuthorizationResponse({
        authorizationResponseRedirectUrl: redirect,
        resolvedCredentialOffer: resolved,
      }),
    ).toThrow(/access_denied/)
    expect(await issuer.store.issuedCredentials.listByAward('uni-a', offer.awardId)).toEqual([])
  })
})

describe('Credo → our issuer: batch issuance (§8.2, batch_credential_issuance)', () => {
  for (const configurationId of [JWT_VC, SD_JWT]) {
    it(`issues one ${configurationId} per Credo key in one request`, async () => {
      const offer = await issuer.offer({ txCode: true, configurations: [configurationId] })
      const resolved = await holder.openid4vc.holder.resolveCredentialOffer(offer.offerUri)
      const batchSize = resolved.metadata.credentialIssuer.batch_credential_issuance?.batch_size ?? 1
      expect(batchSize).toBeGreaterThanOrEqual(3)
      const token = await holder.openid4vc.holder.requestToken({
        resolvedCredentialOffer: resolved,
        txCode: String(offer.txCode),
      })
      const responses = await requestEach(holder, resolved, token, [configurationId], 3)
      await storeAndVerify(holder, responses)
      const record = one(responses).record as W3cCredentialRecord | SdJwtVcRecord
      expect(record.credentialInstances).toHaveLength(3)
      // Three keys: three did:keys (VC-JWT) or three cnf keys in Credo's KMS (SD-JWT VC).
      const bound =
        configurationId === JWT_VC
          ? (record as W3cCredentialRecord).credentialInstances.map((i) => decodeJwt(String(i.credential)).sub)
          : (record as SdJwtVcRecord).credentialInstances.map((i) => i.kmsKeyId)
      expect(new Set(bound).size).toBe(3)
      // Each with its own status index.
      const records = await issuer.store.issuedCredentials.listByAward('uni-a', offer.awardId)
      expect(records).toHaveLength(3)
      expect(new Set(records.map((r) => r.statusIndex)).size).toBe(3)
    })
  }
})
