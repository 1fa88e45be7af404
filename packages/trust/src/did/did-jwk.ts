import { createPublicKey, type JsonWebKey as NodeJwk } from 'node:crypto'
import type { DIDDocument, DIDResolutionResult, JsonWebKey as DidJwk } from 'did-resolver'
import type { JWK } from 'jose'
import { TrustError } from '../errors.ts'
import { hasPrivateJwkMembers, PRIVATE_JWK_MEMBERS } from '../keys/algorithms.ts'
import { DID_V1_CONTEXT, JWS_2020_CONTEXT } from './did-web.ts'
import { failedResolution } from './fetch-did-web.ts'

// did:jwk (did:jwk Method Specification, §2 "Create", §3 "Read"): `did:jwk:` + base64url(UTF-8 JSON
// of a public JWK); the single verification method is `#0`.
const MAX_ENCODED = 4096
const BASE64URL = /^[A-Za-z0-9_-]+$/

/** The public JWK inside a did:jwk, checked to be a usable public key. */
export function didJwkToJwk(did: string): JWK {
  if (!did.startsWith('did:jwk:')) throw new TrustError('did_invalid', `${did.slice(0, 40)}: not did:jwk`)
  const encoded = did.slice('did:jwk:'.length)
  if (encoded.length === 0 || encoded.length > MAX_ENCODED || !BASE64URL.test(encoded)) {
    throw new TrustError('did_invalid', `${did.slice(0, 40)}…: the identifier is not base64url (or too long)`)
  }
  let jwk: unknown
  try {
    jwk = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'))
  } catch (cause) {
    throw new TrustError('did_invalid', `${did.slice(0, 40)}…: the identifier is not base64url JSON`, { cause })
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new TrustError('did_invalid', `${did.slice(0, 40)}…: the identifier is not a JWK object`)
  }
  const leaked = PRIVATE_JWK_MEMBERS.filter((m) => m in jwk)
  if (leaked.length > 0) {
    // did:jwk §2: "The JWK MUST NOT contain any private key material".
    throw new TrustError('did_invalid', `${did.slice(0, 40)}…: the JWK has private members (${leaked.join(', ')})`)
  }
  try {
    createPublicKey({ key: jwk as NodeJwk, format: 'jwk' })
  } catch (cause) {
    throw new TrustError('did_invalid', `${did.slice(0, 40)}…: the JWK is not a valid public key`, { cause })
  }
  return jwk as JWK
}

/** The did:jwk of a public JWK. */
export function jwkToDidJwk(jwk: JWK): string {
  if (hasPrivateJwkMembers(jwk)) throw new TrustError('key_unsupported', 'did:jwk takes public keys only')
  return `did:jwk:${Buffer.from(JSON.stringify(jwk), 'utf8').toString('base64url')}`
}

/** The DID document of a did:jwk (did:jwk §3: relationships follow the JWK's `use`). */
export function didJwkDocument(did: string): DIDDocument {
  const publicKeyJwk = didJwkToJwk(did)
  const id = `${did}#0`
  const signing = publicKeyJwk.use !== 'enc'
  const encryption = publicKeyJwk.use !== 'sig'
  return {
    '@context': [DID_V1_CONTEXT, JWS_2020_CONTEXT],
    id: did,
    verificationMethod: [{ id, type: 'JsonWebKey2020', controller: did, publicKeyJwk: publicKeyJwk as DidJwk }],
    ...(signing
      ? { assertionMethod: [id], authentication: [id], capabilityInvocation: [id], capabilityDelegation: [id] }
      : {}),
    ...(encryption ? { keyAgreement: [id] } : {}),
  }
}

/** A did-resolver method resolver for did:jwk. */
export async function resolveDidJwk(did: string): Promise<DIDResolutionResult> {
  try {
    return {
      didResolutionMetadata: { contentType: 'application/did+json' },
      didDocument: didJwkDocument(did),
      didDocumentMetadata: {},
    }
  } catch (e) {
    return failedResolution('invalidDid', 'invalid_did', (e as Error).message)
  }
}
