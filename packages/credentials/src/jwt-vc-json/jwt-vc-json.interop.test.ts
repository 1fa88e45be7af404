// Cross-check with Veramo 7 (@veramo/credential-w3c + @veramo/credential-jwt, i.e. did-jwt-vc):
// an independent VC-JWT verifier resolves our issuer's did:web locally (no network), verifies the
// jwt_vc_json credential, and checks its Bitstring status through a status plugin built on ours.
import { createAgent, type IAgentPlugin, type ICredentialVerifier, type IResolver } from '@veramo/core'
import { CredentialProviderJWT } from '@veramo/credential-jwt'
import { CredentialPlugin } from '@veramo/credential-w3c'
import { DIDResolverPlugin } from '@veramo/did-resolver'
import { beforeAll, describe, expect, it } from 'vitest'
import { createBitstringStatusListCredential } from '../status/create-bitstring-status-list-credential.ts'
import { checkBitstringStatus } from '../status/verify-bitstring-status-list-credential.ts'
import { zBitstringStatusListEntry } from '../status/z-bitstring-status-list.ts'
import { createHolder, createTestIssuer, FIXED_NOW, minimalEdc, type TestIssuer } from '../test-fixtures.ts'
import { createJwtVcJson } from './create-jwt-vc-json.ts'

const ISSUER_DID = 'did:web:uni-min.example'
const LIST_URL = 'https://issuer.example/uni-min/status/revocation/1'
const NOW_S = Math.floor(FIXED_NOW.getTime() / 1000) + 7200

describe('jwt_vc_json with Veramo', () => {
  let issuer: TestIssuer
  let listJwt: string
  const holder = createHolder()

  beforeAll(async () => {
    issuer = await createTestIssuer(ISSUER_DID)
    listJwt = await createBitstringStatusListCredential({
      url: LIST_URL,
      issuer: { tenantId: issuer.tenantId, did: ISSUER_DID },
      purpose: 'revocation',
      size: 131_072,
      entries: [{ idx: 13, status: 1 }],
      now: FIXED_NOW,
      sign: issuer.signer,
    })
  })

  function agent() {
    // A Veramo status plugin (ICredentialStatusVerifier) that reads our Bitstring list.
    const statusPlugin: IAgentPlugin = {
      methods: {
        checkCredentialStatus: async ({ credential }: { credential: { credentialStatus: unknown } }) => {
          const entry = zBitstringStatusListEntry.parse(credential.credentialStatus)
          const status = await checkBitstringStatus(entry, listJwt, {
            resolveIssuerKey: issuer.resolveIssuerKey,
            now: FIXED_NOW,
          })
          return { revoked: status === 1 }
        },
      },
    }
    return createAgent<IResolver & ICredentialVerifier>({
      plugins: [
        new DIDResolverPlugin({ resolver: issuer.resolver }),
        new CredentialPlugin([new CredentialProviderJWT()]),
        statusPlugin,
      ],
    })
  }

  const issue = (index: number) =>
    createJwtVcJson({
      edc: minimalEdc(),
      issuer: { tenantId: issuer.tenantId, did: ISSUER_DID },
      holder: { did: holder.did },
      status: { listCredentialUrl: LIST_URL, index, purpose: 'revocation' },
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
    expect(vc.credentialStatus.statusListIndex).toBe('12')
  })

  it('runs the status check on the credential object and sees a revoked one', async () => {
    const verifier = agent()
    const valid = await verifier.verifyCredential({ credential: await issue(12), policies: { now: NOW_S } })
    const revoked = await verifier.verifyCredential({ credential: await issue(13), policies: { now: NOW_S } })
    // Veramo checks status only for credential objects (a JWT string has no credentialStatus member).
    const again = (vc: unknown) => verifier.verifyCredential({ credential: vc as never, policies: { now: NOW_S } })
    expect((await again(valid.verifiableCredential)).verified).toBe(true)
    const result = await again(revoked.verifiableCredential)
    expect(result.verified).toBe(false)
    expect(result.error?.errorCode).toBe('revoked')
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
