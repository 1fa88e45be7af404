// Test-only: credentials issued on the spot (no issuer server) for the unit tests — an SD-JWT VC
// made with @sd-jwt/sd-jwt-vc, a VC-JWT made with jose — each bound to a holder key.
import { digest, ES256, generateSalt } from '@sd-jwt/crypto-nodejs'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import type { CredentialFormat, NewCredential } from '../credential-store.ts'
import type { HolderKey } from '../holder-keys.ts'

export const TEST_VCT = 'https://credentials.example/micro-credential'

/** A throw-away issuer key pair (ES256). */
export async function testIssuerKey(): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
  return { privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) }
}

/**
 * An SD-JWT VC bound to `holderKey`: `claims` are made selectively disclosable per `frame`
 * (@sd-jwt's disclosure frame, e.g. `{ _sd: ['family_name'], degree: { _sd: ['type'] } }`).
 */
export async function issueTestSdJwt(
  holderKey: HolderKey,
  claims: Record<string, unknown>,
  frame: Record<string, unknown>,
  issuer?: { privateJwk: JWK },
): Promise<string> {
  const { privateJwk } = issuer ?? (await testIssuerKey())
  const library = new SDJwtVcInstance({
    hasher: digest,
    hashAlg: 'sha-256',
    saltGenerator: generateSalt,
    signer: await ES256.getSigner(privateJwk),
    signAlg: 'ES256',
  })
  return library.issue(
    {
      iss: 'https://issuer.example',
      vct: TEST_VCT,
      iat: Math.floor(Date.now() / 1000),
      cnf: { jwk: holderKey.publicJwk },
      ...claims,
    },
    frame as never,
  )
}

/** A VC-JWT (VC 1.1 §6.3.1) bound to `holderKey` by `cnf.jwk`. */
export async function issueTestVcJwt(
  holderKey: HolderKey,
  credentialSubject: Record<string, unknown>,
): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256')
  return new SignJWT({
    iss: 'did:example:issuer',
    cnf: { jwk: holderKey.publicJwk },
    vc: {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential', 'EuropeanDigitalCredential'],
      issuer: 'did:example:issuer',
      credentialSubject,
    },
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .setIssuedAt()
    .sign(privateKey)
}

/** What the store needs to keep `credential`. */
export function newCredential(format: CredentialFormat, credential: string, holderKey: HolderKey): NewCredential {
  return {
    format,
    credential,
    issuer: 'https://issuer.example',
    configurationId: format === 'dc+sd-jwt' ? 'course_dc_sd_jwt' : 'course_jwt_vc_json',
    receivedAt: new Date().toISOString(),
    holderKey,
  }
}
