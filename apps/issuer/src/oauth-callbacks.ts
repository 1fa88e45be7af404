// The callbacks @openid4vc/* needs (hashing, randomness, JWT signing and verification), bound to
// our keys: access tokens are signed with the tenant's active key through @alma/trust's signer;
// wallet JWTs (DPoP, key proofs) are verified against the key the JWT names.
import { createHash, createPublicKey, type JsonWebKey, type KeyObject, randomBytes, X509Certificate } from 'node:crypto'
import { verifyJwsSignature } from '@alma/credentials'
import { hasPrivateJwkMembers, resolveVerificationKey, type Signer } from '@alma/trust'
import {
  type CallbackContext,
  clientAuthenticationNone,
  HashAlgorithm,
  type Jwk,
  type SignJwtCallback,
  type VerifyJwtCallback,
} from '@openid4vc/oauth2'
import type { Resolvable } from 'did-resolver'

/** JWS algorithms we accept from wallets (HAIP 1.0 §7: ES256 mandatory). Never `none` or HMAC (RFC 8725 §3.1). */
export const WALLET_SIGNING_ALGS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const

function hash(data: Uint8Array, alg: HashAlgorithm): Uint8Array {
  const name = { [HashAlgorithm.Sha256]: 'sha256', [HashAlgorithm.Sha384]: 'sha384', [HashAlgorithm.Sha512]: 'sha512' }[
    alg
  ]
  return createHash(name).update(data).digest()
}

// Imported public keys, by JWK: the tenant's access-token keys come back on every request.
// Bounded; the oldest entry goes first.
const importedKeys = new Map<string, KeyObject>()
const IMPORTED_KEYS_MAX = 1024

/** A public JWK as a node:crypto key, imported once; whether it fits the JWS alg is checked when verifying. */
function importPublic(jwk: Jwk): KeyObject {
  if (hasPrivateJwkMembers(jwk)) throw new Error('a public key must not carry private members')
  const cacheKey = JSON.stringify(jwk)
  let imported = importedKeys.get(cacheKey)
  if (!imported) {
    imported = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
    importedKeys.set(cacheKey, imported)
    if (importedKeys.size > IMPORTED_KEYS_MAX) importedKeys.delete(importedKeys.keys().next().value as string)
  }
  return imported
}

function jwkOfX5c(x5c: readonly string[]): Jwk {
  const leaf = x5c[0]
  if (!leaf) throw new Error('empty x5c')
  const cert = new X509Certificate(Buffer.from(leaf, 'base64'))
  return cert.publicKey.export({ format: 'jwk' }) as Jwk
}

export interface IssuerCallbackOptions {
  readonly signer: Signer
  /** Resolves wallet `kid`s (did:key, did:jwk, allowed did:web). */
  readonly didResolver: Resolvable
  /** Our own JWKS documents, served without a network round trip (the access-token check fetches `jwks_uri`). */
  readonly localJwks: (url: string) => Promise<{ keys: Jwk[] } | undefined>
  readonly now: () => Date
}

/**
 * Callbacks for one tenant. `signJwt` ignores the key the library names and signs with the
 * tenant's active key, so access tokens carry the tenant's DID URL as `kid`.
 */
export function issuerCallbacks(tenantId: string, options: IssuerCallbackOptions): Omit<CallbackContext, 'decryptJwe'> {
  const signJwt: SignJwtCallback = async (_signer, { header, payload }) => {
    const { alg: _alg, kid: _kid, jwk: _jwk, ...rest } = header
    const jwt = await options.signer.signJwt(tenantId, payload, rest)
    const key = await options.signer.activeKey(tenantId)
    return { jwt, signerJwk: { kty: 'EC', kid: key.headerKid } as Jwk }
  }

  const verifyJwt: VerifyJwtCallback = async (signer, { compact, header }) => {
    try {
      if (!WALLET_SIGNING_ALGS.includes(signer.alg as (typeof WALLET_SIGNING_ALGS)[number])) {
        return { verified: false }
      }
      let jwk: Jwk
      if (signer.method === 'jwk') jwk = signer.publicJwk
      else if (signer.method === 'did') {
        const resolved = await resolveVerificationKey(options.didResolver, signer.didUrl, { purpose: 'authentication' })
        jwk = resolved.jwk as Jwk
      } else if (signer.method === 'x5c') jwk = jwkOfX5c(signer.x5c)
      else return { verified: false }
      if (header.alg !== signer.alg) return { verified: false }
      const key = importPublic(jwk)
      // Signature only, with node:crypto on this thread (jose's WebCrypto job cost four times as
      // much per check here): the library checks nbf and exp after this callback
      // (@openid4vc/oauth2 verifyJwt), and the endpoints check iat with their own windows.
      if (!verifyJwsSignature(compact, key, signer.alg)) return { verified: false }
      return { verified: true, signerJwk: jwk }
    } catch {
      return { verified: false }
    }
  }

  return {
    hash,
    generateRandom: (n) => randomBytes(n),
    clientAuthentication: clientAuthenticationNone({ clientId: 'alma-issuer' }),
    signJwt,
    verifyJwt,
    encryptJwe: async () => {
      throw new Error('credential response encryption is not offered')
    },
    fetch: async (input) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
      const jwks = await options.localJwks(url)
      if (!jwks) return new Response(null, { status: 404 })
      return new Response(JSON.stringify(jwks), { headers: { 'content-type': 'application/jwk-set+json' } })
    },
  }
}
