import { KeyObject, verify } from 'node:crypto'
import { CredentialError } from '../errors.ts'

/** What each JWS algorithm we accept needs of the key, and how node:crypto verifies it (RFC 7518 §3.4, RFC 8037 §3.1, RFC 9864). */
const ALGORITHMS: Readonly<
  Record<string, { hash: string | null; keyType: string; curve?: string; signatureBytes: number }>
> = {
  ES256: { hash: 'sha256', keyType: 'ec', curve: 'prime256v1', signatureBytes: 64 },
  ES384: { hash: 'sha384', keyType: 'ec', curve: 'secp384r1', signatureBytes: 96 },
  ES512: { hash: 'sha512', keyType: 'ec', curve: 'secp521r1', signatureBytes: 132 },
  EdDSA: { hash: null, keyType: 'ed25519', signatureBytes: 64 },
  // RFC 9864 §2.2: the fully-specified name of EdDSA over Ed25519.
  Ed25519: { hash: null, keyType: 'ed25519', signatureBytes: 64 },
}

/** A compact JWS: three base64url segments (RFC 7515 §7.1), the payload possibly empty. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/

/**
 * Verifies the signature of a compact JWS over its signing input (RFC 7515 §5.2 steps 7–8) with
 * node:crypto, without decoding the payload.
 *
 * Why not jose's `compactVerify`: it decodes the payload (with `atob`) although we have already
 * decoded it once, strictly; for a VP carrying a 220 KB EDC that second decode was a third of a
 * whole presentation check (`pnpm bench:verifier`). The header has been checked by the caller
 * (`alg` allowed, `typ`, no `crit`); here the key must fit `alg` (type and curve), so a key of
 * one kind is never used with another algorithm (RFC 8725 §3.1).
 */
export function verifyJwsSignature(compact: string, key: KeyObject | CryptoKey, alg: string): boolean {
  const algorithm = ALGORITHMS[alg]
  if (!algorithm) throw new CredentialError('jws_alg_not_allowed', `alg ${JSON.stringify(alg)} is not supported`)
  const keyObject = key instanceof KeyObject ? key : KeyObject.from(key)
  if (keyObject.type !== 'public') {
    throw new CredentialError('issuer_key_unresolved', 'a public key is needed to verify a signature')
  }
  const curve = keyObject.asymmetricKeyDetails?.namedCurve
  if (keyObject.asymmetricKeyType !== algorithm.keyType || (algorithm.curve && curve !== algorithm.curve)) {
    throw new CredentialError(
      'issuer_key_unresolved',
      `the key (${keyObject.asymmetricKeyType}${curve ? ` ${curve}` : ''}) cannot verify ${alg}`,
    )
  }
  // Every character checked, not only the signature's: the signing input is hashed as bytes, and
  // a character outside base64url would otherwise be folded into one that verifies.
  if (!COMPACT_JWS.test(compact)) return false
  const lastDot = compact.lastIndexOf('.')
  const signatureSegment = compact.slice(lastDot + 1)
  const signature = Buffer.from(signatureSegment, 'base64url')
  // Exactly one encoding of exactly the algorithm's length (RFC 7518 §3.4: R || S of fixed size,
  // not DER): Buffer.from ignores stray trailing characters and bits, which would let the same
  // signature travel under many spellings (and pass a replay guard keyed on the text).
  if (signature.length !== algorithm.signatureBytes || signature.toString('base64url') !== signatureSegment) {
    return false
  }
  return verify(
    algorithm.hash,
    Buffer.from(compact.slice(0, lastDot), 'latin1'),
    algorithm.keyType === 'ec' ? { key: keyObject, dsaEncoding: 'ieee-p1363' } : keyObject,
    signature,
  )
}
