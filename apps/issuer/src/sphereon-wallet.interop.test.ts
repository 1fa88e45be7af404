// @sphereon/oid4vci-client 0.20.1 (an OpenID4VCI draft-15 wallet) against our 1.0 issuer over
// real HTTP: pre-authorized code with tx_code (issue 4, "Interop"; protocols.md: keep older
// wallet drafts working).
import { OpenID4VCIClient } from '@sphereon/oid4vci-client'
import type { Jwt } from '@sphereon/oid4vci-common'
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COURSE_ID, startTestIssuer, type TestIssuer } from './testing/issuer-harness.ts'

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await startTestIssuer()
})
afterAll(async () => {
  await issuer?.close()
})

describe('Sphereon OID4VCI client (draft 15)', () => {
  it('redeems a pre-authorized code with tx_code and receives a jwt_vc_json credential', async () => {
    // Sphereon's client takes the authorization code flow whenever an offer carries it.
    // It also requests the offer's single configuration (it does not pick among several).
    const offer = await issuer.offer({
      txCode: true,
      grants: 'pre-authorized_code',
      configurations: [`${COURSE_ID}_jwt_vc_json`],
    })
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
    const jwk = await exportJWK(publicKey)
    const client = await OpenID4VCIClient.fromURI({
      uri: offer.offerUri,
      retrieveServerMetadata: true,
      clientId: 'sphereon-test-wallet',
      createAuthorizationRequestURL: false,
    })
    await client.acquireAccessToken({ pin: offer.txCode })
    const signCallback = async (jwt: Jwt) =>
      new SignJWT(jwt.payload as Record<string, unknown>)
        .setProtectedHeader({
          ...(jwt.header as Record<string, unknown>),
          alg: 'ES256',
          typ: 'openid4vci-proof+jwt',
          jwk,
        } as never)
        .sign(privateKey)
    const response = await client.acquireCredentials({
      credentialTypes: `${COURSE_ID}_jwt_vc_json`,
      format: 'jwt_vc_json',
      proofCallbacks: { signCallback },
      jwk,
      alg: 'ES256',
    })
    const credential =
      (response as { credentials?: { credential: string }[]; credential?: string }).credentials?.[0]?.credential ??
      (response as { credential?: string }).credential
    expect(typeof credential).toBe('string')
    const claims = decodeJwt(String(credential)) as { vc: { type: string[] }; cnf?: { jwk: { x: string } } }
    expect(claims.vc.type).toContain('EuropeanDigitalCredential')
    expect(claims.cnf?.jwk.x).toBe(jwk.x)
  })
})
