// @openid4vc/openid4vci as the wallet, over real HTTP against our issuer (issue 4, "Interop").
import { edcOfJwtVc, verifySdJwtVc } from '@alma/credentials'
import { validateEdcShacl } from '@alma/elm/shacl'
import { preAuthorizedCodeGrantIdentifier } from '@openid4vc/oauth2'
import { decodeJwt, decodeProtectedHeader, importJWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COURSE_ID, startTestIssuer, type TestIssuer } from './testing/issuer-harness.ts'
import { testWallet } from './testing/test-wallet.ts'

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await startTestIssuer()
})
afterAll(async () => {
  await issuer?.close()
})

describe('pre-authorized code flow with @openid4vc/openid4vci', () => {
  it('issues both formats with tx_code, nonce endpoint, jwt proofs, and notification', async () => {
    const offer = await issuer.offer({ txCode: true })
    const { client, keys } = await testWallet()
    const credentialOffer = await client.resolveCredentialOffer(offer.offerUri)
    expect(credentialOffer.credential_configuration_ids).toEqual([`${COURSE_ID}_jwt_vc_json`, `${COURSE_ID}_dc_sd_jwt`])
    expect(credentialOffer.grants?.[preAuthorizedCodeGrantIdentifier]?.tx_code).toMatchObject({ length: 6 })
    const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
    expect(issuerMetadata.originalDraftVersion).toBe('V1')

    const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
      credentialOffer,
      issuerMetadata,
      txCode: offer.txCode,
    })
    expect(accessTokenResponse.token_type).toBe('Bearer')

    const issued: string[] = []
    for (const [i, configurationId] of credentialOffer.credential_configuration_ids.entries()) {
      const { c_nonce } = await client.requestNonce({ issuerMetadata })
      const key = keys[i]!
      const { jwt } = await client.createCredentialRequestJwtProof({
        issuerMetadata,
        credentialConfigurationId: configurationId,
        signer: { method: 'jwk', alg: 'ES256', publicJwk: key.publicJwk },
        nonce: c_nonce,
      })
      const response = await client.retrieveCredentials({
        issuerMetadata,
        accessToken: accessTokenResponse.access_token,
        credentialConfigurationId: configurationId,
        proofs: { jwt: [jwt] },
      })
      const body = response.credentialResponse as { credentials: { credential: string }[]; notification_id: string }
      expect(body.credentials).toHaveLength(1)
      issued.push(body.credentials[0]!.credential)
      await client.sendNotification({
        issuerMetadata,
        accessToken: accessTokenResponse.access_token,
        notification: { notificationId: body.notification_id, event: 'credential_accepted' },
      })
    }

    // jwt_vc_json: header kid = tenant DID URL + x5c; cnf bound to the proof key; EDC conforms.
    const [vcJwt, sdJwt] = issued as [string, string]
    const header = decodeProtectedHeader(vcJwt)
    expect(header.kid).toMatch(/^did:web:127\.0\.0\.1%3A\d+:uni-a#/)
    expect(header.x5c).toHaveLength(2)
    const claims = decodeJwt(vcJwt) as { vc: Record<string, unknown>; cnf?: { jwk: unknown } }
    expect(claims.cnf?.jwk).toMatchObject({ x: keys[0]!.publicJwk.x })
    const shacl = await validateEdcShacl(edcOfJwtVc(claims.vc as never))
    expect(shacl.violations).toEqual([])

    // dc+sd-jwt verifies with the issuer key from the x5c leaf.
    const sdHeader = decodeProtectedHeader(sdJwt.split('~')[0]!)
    expect(sdHeader.typ).toBe('dc+sd-jwt')
    const verified = await verifySdJwtVc(sdJwt, {
      resolveIssuerKey: async () => {
        const { X509Certificate } = await import('node:crypto')
        const leaf = new X509Certificate(Buffer.from(String(sdHeader.x5c?.[0]), 'base64'))
        return importJWK(leaf.publicKey.export({ format: 'jwk' }) as never, 'ES256')
      },
      now: new Date(),
      requireKeyBinding: false,
    })
    expect(verified.disclosed).toMatchObject({ family_name: 'Andromeda', ects_credits: expect.anything() })

    const records = await issuer.store.issuedCredentials.listByAward('uni-a', offer.awardId)
    expect(records.map((r) => r.format).sort()).toEqual(['dc+sd-jwt', 'jwt_vc_json'])
    expect(records.some((r) => r.notificationEvent === 'credential_accepted')).toBe(true)
  })
})
