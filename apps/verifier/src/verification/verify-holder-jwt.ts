import { type KeyObject, X509Certificate } from 'node:crypto'
import { verifyJwsSignature } from '@alma/credentials'
import { hasPrivateJwkMembers, parseStrictJson } from '@alma/trust'
import { importJWK, type JWK } from 'jose'

/** Holder (wallet) signatures we accept: HAIP's ES256 and the other asymmetric ones we issue to. */
export const HOLDER_JWS_ALGORITHMS: readonly string[] = ['ES256', 'ES384', 'EdDSA']

export type Json = Record<string, unknown>

/** Decodes a compact JWS's header and payload strictly (no duplicate members, bounded depth), unverified. */
export function decodeJws(compact: string): { header: Json; payload: Json } {
  const parts = compact.split('.')
  if (parts.length === 5) throw new Error('a JWE was given where a JWS is expected')
  if (parts.length !== 3) throw new Error('not a compact JWS')
  const decode = (segment: string, what: string): Json => {
    if (!/^[A-Za-z0-9_-]+$/.test(segment)) throw new Error(`the ${what} is not base64url`)
    let value: unknown
    try {
      value = parseStrictJson(Buffer.from(segment, 'base64url').toString('utf8'), { maxDepth: 64 })
    } catch (cause) {
      // One kind of failure whatever the parser found (malformed, a duplicate member, too deep):
      // its reason reads the same in a check, the detail stays in the cause.
      throw new Error(`the ${what} is not JSON we accept`, { cause })
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error(`the ${what} is not a JSON object`)
    return value as Json
  }
  return { header: decode(parts[0]!, 'JOSE header'), payload: decode(parts[1]!, 'JWS payload') }
}

/**
 * Verifies a JWS signed by the holder with a key the verifier already trusts (the credential's
 * `cnf.jwk` or the key of its subject DID), never a key the token names about itself (RFC 8725
 * §3.10): allowed `alg` only (no `none`/HMAC, §3.1–3.2), the expected `typ`, no `crit`, `b64`,
 * `jku` or `x5u`.
 */
export async function verifyHolderJws(
  compact: string,
  key: JWK | KeyObject,
  options: {
    typ: readonly (string | undefined)[]
    /** `compact` already decoded by {@link decodeJws}, to spare decoding a large VP twice. */
    decoded?: { header: Json; payload: Json }
  },
): Promise<{ header: Json; payload: Json }> {
  const { header, payload } = options.decoded ?? decodeJws(compact)
  const alg = header.alg
  if (typeof alg !== 'string' || !HOLDER_JWS_ALGORITHMS.includes(alg)) {
    throw new Error(`alg ${JSON.stringify(alg)} is not one of ${HOLDER_JWS_ALGORITHMS.join(', ')}`)
  }
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : header.typ
  if (!options.typ.includes(typ as string | undefined)) {
    throw new Error(`typ ${JSON.stringify(header.typ)} is not ${options.typ.filter(Boolean).join(' or ')}`)
  }
  for (const name of ['crit', 'b64', 'jku', 'x5u']) {
    if (name in header) throw new Error(`the header member ${name} is not accepted`)
  }
  let verificationKey: KeyObject | CryptoKey
  if ('kty' in key && typeof (key as JWK).kty === 'string') {
    const jwk = key as JWK
    if (hasPrivateJwkMembers(jwk)) throw new Error('the holder key has private members')
    verificationKey = (await importJWK(jwk, alg)) as KeyObject | CryptoKey
  } else {
    verificationKey = key as KeyObject
  }
  let verified = false
  try {
    verified = verifyJwsSignature(compact, verificationKey, alg)
  } catch (e) {
    throw new Error(`the holder key cannot verify this signature: ${(e as Error).message}`)
  }
  if (!verified) throw new Error('the signature does not verify with the holder key')
  return { header, payload }
}

/** The public key of the first certificate of a JOSE `x5c` (base64 DER, RFC 7515 §4.1.6). */
export function x5cLeafKey(x5c: unknown): KeyObject {
  if (!Array.isArray(x5c) || typeof x5c[0] !== 'string') throw new Error('the header has no x5c')
  const leaf = x5c[0]
  let key = leafKeys.get(leaf)
  if (!key) {
    key = new X509Certificate(Buffer.from(leaf, 'base64')).publicKey
    // Bounded: issuers and their status lists are few; parsing a certificate per check is not free.
    if (leafKeys.size >= 256) leafKeys.delete(leafKeys.keys().next().value as string)
    leafKeys.set(leaf, key)
  }
  return key
}

const leafKeys = new Map<string, KeyObject>()
