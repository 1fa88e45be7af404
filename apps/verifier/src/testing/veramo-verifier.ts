// Test and benchmark only: Veramo's verifyCredential over our guarded DID resolver, as an
// independent check and the baseline of `pnpm bench:verifier`.
import { createDidResolver } from '@alma/trust'
import { createAgent, type ICredentialVerifier, type IResolver } from '@veramo/core'
import { CredentialProviderJWT } from '@veramo/credential-jwt'
import { CredentialPlugin } from '@veramo/credential-w3c'
import { DIDResolverPlugin } from '@veramo/did-resolver'

export function veramoVerifier(devAllowList: readonly string[]) {
  const agent = createAgent<IResolver & ICredentialVerifier>({
    plugins: [
      new DIDResolverPlugin({ resolver: createDidResolver({ mode: 'development', devAllowList: [...devAllowList] }) }),
      new CredentialPlugin([new CredentialProviderJWT()]),
    ],
  })
  return async (vcJwt: string): Promise<boolean> => {
    const result = await agent.verifyCredential({ credential: vcJwt, policies: { credentialStatus: false } })
    return result.verified === true
  }
}
