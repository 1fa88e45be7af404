import { KeyObject, verify } from 'node:crypto'
import { CredentialError } from '../errors.ts'

/** What each JWS algorithm we accept needs of the key, and how node:crypto verifies it (RFC 7518 §3.4, RFC 8037 §3.1). */
const ALGORITHMS: Readonly<Record<string, { hash: string | null; keyType: string; curve?: string }>> = {
  ES256: { hash: 'sha256', keyType: 'ec', curve: 'prime256v1' },
  ES384: { hash: 'sha384', keyType: 'ec', curve: 'secp384r1' },
  EdDSA: { hash: null, keyType: 'ed25519' },
}

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
  const lastDot = compact.lastIndexOf('.')
  const signatureSegment = compact.slice(lastDot + 1)
  // Buffer.from skips characters outside the alphabet; a signature must not be malleable that way.
  if (!/^[A-Za-z0-9_-]+$/.test(signatureSegment)) return false
  try {
    // ECDSA signatures in JWS are R || S of fixed size (RFC 7518 §3.4), not DER.
    return verify(
      algorithm.hash,
      Buffer.from(compact.slice(0, lastDot), 'latin1'),
      algorithm.keyType === 'ec' ? { key: keyObject, dsaEncoding: 'ieee-p1363' } : keyObject,
      Buffer.from(signatureSegment, 'base64url'),
    )
  } catch {
    return false // a signature of the wrong length for the curve
  }
}
