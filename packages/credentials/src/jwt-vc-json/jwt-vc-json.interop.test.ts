// Cross-checks with independent libraries: Veramo 7 (@veramo/credential-w3c + @veramo/credential-jwt,
// i.e. did-jwt-vc) resolves our issuer's did:web locally (no network) and verifies the jwt_vc_json
// credential; @sd-jwt/jwt-status-list, a generic IETF Token Status List reader, finds the `status`
// claim on the VC-JWT and reads the credential's status from our Status List Token.
import { getListFromStatusListJWT, getStatusListFromJWT } from '@sd-jwt/jwt-status-list'
import { createAgent, type ICredentialVerifier, type IResolver } from '@veramo/core'
import { CredentialProviderJWT } from '@veramo/credential-jwt'
import { CredentialPlugin } from '@veramo/credential-w3c'
import { DIDResolverPlugin } from '@veramo/did-resolver'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTokenStatusListJwt } from '../status/create-token-status-list-jwt.ts'
import { createHolder, createTestIssuer, FIXED_NOW, minimalEdc, type TestIssuer } from '../test-fixtures.ts'
import { createJwtVcJson } from './create-jwt-vc-json.ts'

const ISSUER_DID = 'did:web:uni-min.example'
const LIST_URL = 'https://issuer.example/uni-min/status/1'
const NOW_S = Math.floor(FIXED_NOW.getTime() / 1000) + 7200

describe('jwt_vc_json with Veramo', () => {
  let issuer: TestIssuer
  let listJwt: string
  const holder = createHolder()

  beforeAll(async () => {
    issuer = await createTestIssuer(ISSUER_DID)
    listJwt = await createTokenStatusListJwt({
      uri: LIST_URL,
      issuer: { tenantId: issuer.tenantId, id: 'https://issuer.example/uni-min' },
      bits: 2,
      size: 1024,
      entries: [{ idx: 13, status: 1 }],
      now: FIXED_NOW,
      ttl: 300,
      sign: issuer.signer,
    })
  })

  function agent() {
    return createAgent<IResolver & ICredentialVerifier>({
      plugins: [
        new DIDResolverPlugin({ resolver: issuer.resolver }),
        new CredentialPlugin([new CredentialProviderJWT()]),
      ],
    })
  }

  const issue = (idx: number) =>
    createJwtVcJson({
      edc: minimalEdc(),
      issuer: { tenantId: issuer.tenantId, did: ISSUER_DID },
      holder: { did: holder.did },
      status: { uri: LIST_URL, idx },
      now: FIXED_NOW,
      sign: issuer.signer,
    })

  it('verifies our credential and reads the EDC from it', async () => {
    const result = await agent().verifyCredential({ credential: await issue(12), policies: { now: NOW_S } })
    expect(result.error).toBeUndefined()
    expect(result.verified).toBe(true)
    const vc = result.verifiableCredential as Record<string, any>
    expect(vc.issuer.id).toBe(ISSUER_DID)
    expect(vc.credentialSubject.id).toBe(holder.did)
    expect(vc.type).toEqual(['VerifiableCredential', 'EuropeanDigitalCredential'])
    // The EDC carries no credentialStatus (the EC shape wants a URI literal there): nothing for
    // Veramo's credentialStatus plugins to misread.
    expect(vc.credentialStatus).toBeUndefined()
  })

  it('a generic Token Status List reader finds the status claim on the VC-JWT and sees a revoked one', async () => {
    const list = getListFromStatusListJWT(listJwt)
    for (const [idx, expected] of [
      [12, 0],
      [13, 1],
    ] as const) {
      const reference = getStatusListFromJWT(await issue(idx))
      expect(reference).toEqual({ idx, uri: LIST_URL })
      expect(list.getStatus(reference.idx)).toBe(expected)
    }
  })

  it('refuses a credential signed by another key', async () => {
    const other = await createTestIssuer(ISSUER_DID, 'mallory')
    const forged = await createJwtVcJson({
      edc: minimalEdc(),
      issuer: { tenantId: other.tenantId, did: ISSUER_DID },
      holder: { did: holder.did },
      now: FIXED_NOW,
      sign: other.signer,
    })
    const result = await agent().verifyCredential({ credential: forged, policies: { now: NOW_S } })
    expect(result.verified).toBe(false)
  })
})
