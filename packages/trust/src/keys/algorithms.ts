import { createPublicKey, type KeyObject } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { TrustError } from '../errors.ts'

/**
 * JWS algorithms a tenant signing key may use (RFC 7518 §3.1, RFC 8037 §3.1). ES256 is the default
 * (HAIP 1.0 requires it of wallets); EdDSA (Ed25519) and RS256 are accepted on import, RS256 because
 * eIDAS seal certificates are still mostly RSA.
 */
export const SIGNING_ALGORITHMS = ['ES256', 'EdDSA', 'RS256'] as const

/** A JWS algorithm of a tenant signing key. */
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number]

/** RSA keys shorter than this are refused (RFC 7518 §3.3: "2048 bits or larger MUST be used"). */
const MIN_RSA_BITS = 2048

/**
 * The JWS algorithm a private or public key signs with, or a `key_unsupported` error.
 *
 * @example
 * ```ts
 * algorithmForKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey) // 'ES256'
 * ```
 */
export function algorithmForKey(key: KeyObject): SigningAlgorithm {
  const details = key.asymmetricKeyDetails
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (details?.namedCurve === 'prime256v1') return 'ES256'
      throw new TrustError('key_unsupported', `EC keys must be on P-256 (ES256); got curve ${details?.namedCurve}`)
    case 'ed25519':
      return 'EdDSA'
    case 'rsa':
      if ((details?.modulusLength ?? 0) >= MIN_RSA_BITS) return 'RS256'
      throw new TrustError('key_unsupported', `RSA keys must have at least ${MIN_RSA_BITS} bits (RFC 7518 §3.3)`)
    default:
      throw new TrustError(
        'key_unsupported',
        `unsupported key type ${key.asymmetricKeyType ?? key.type}: use P-256 (ES256), Ed25519 (EdDSA) or RSA (RS256)`,
      )
  }
}

/** The public JWK (RFC 7517 §4) of a private or public key: no private members, no `kid`. */
export function publicJwkOf(key: KeyObject): JWK {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key
  return publicKey.export({ format: 'jwk' }) as JWK
}

/**
 * The key id we give a key: its RFC 7638 JWK thumbprint (SHA-256, base64url). Stable across
 * imports of the same key, and it names the verification method in the DID document
 * (`did:web:uni-a.example#<thumbprint>`).
 */
export async function keyIdOf(publicJwk: JWK): Promise<string> {
  return calculateJwkThumbprint(publicJwk, 'sha256')
}

/** RFC 7517 §4 / RFC 7518 §6: the members only private (or symmetric) keys have. */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

/** Whether a JWK carries private key material (it must not, wherever a public key is expected). */
export function hasPrivateJwkMembers(jwk: object): boolean {
  return PRIVATE_JWK_MEMBERS.some((member) => member in jwk)
}
