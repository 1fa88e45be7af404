// The holder's keys: P-256 / ES256, the one algorithm HAIP 1.0 makes mandatory for wallets. Every
// credential gets its own key (so two presentations of two credentials cannot be linked by key),
// and every issuance session its own short-lived DPoP key (RFC 9449), which is never stored.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose'
import { z } from 'zod'
import { WalletError } from './errors.ts'

/** The signature algorithm of every holder key (HAIP 1.0: ES256 on P-256). */
export const HOLDER_KEY_ALG = 'ES256'

/** RFC 7518 §6.2.1: the public members of a P-256 key, and nothing else. */
export const zPublicHolderJwk = z.strictObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  y: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
})
export type PublicHolderJwk = z.infer<typeof zPublicHolderJwk>

/** RFC 7518 §6.2.2: the private key adds `d`. */
export const zPrivateHolderJwk = zPublicHolderJwk.extend({ d: z.string().regex(/^[A-Za-z0-9_-]{43}$/) })
export type PrivateHolderJwk = z.infer<typeof zPrivateHolderJwk>

/** A holder key as the credential store keeps it. */
export const zHolderKey = z.strictObject({
  /** RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key. */
  id: z.string().min(1),
  alg: z.literal(HOLDER_KEY_ALG),
  publicJwk: zPublicHolderJwk,
  privateJwk: zPrivateHolderJwk,
  createdAt: z.iso.datetime(),
})
export type HolderKey = z.infer<typeof zHolderKey>

/**
 * A fresh P-256 holder key.
 *
 * @example
 * ```ts
 * const key = await generateHolderKey()
 * key.publicJwk // { kty: 'EC', crv: 'P-256', x, y } — goes into a proof, a DPoP header or cnf.jwk
 * ```
 */
export async function generateHolderKey(now: Date = new Date()): Promise<HolderKey> {
  const { publicKey, privateKey } = await generateKeyPair(HOLDER_KEY_ALG, { extractable: true })
  const publicJwk = zPublicHolderJwk.parse(pickEcMembers(await exportJWK(publicKey)))
  const privateJwk = zPrivateHolderJwk.parse({ ...publicJwk, d: (await exportJWK(privateKey)).d })
  return {
    id: await jwkThumbprint(publicJwk),
    alg: HOLDER_KEY_ALG,
    publicJwk,
    privateJwk,
    createdAt: now.toISOString(),
  }
}

/** RFC 7638 SHA-256 thumbprint: how keys are compared (member order and extra members do not matter). */
export async function jwkThumbprint(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint(pickEcMembers(jwk), 'sha256')
}

/** Whether `jwk` is the public half of `key` (by RFC 7638 thumbprint). */
export async function isKeyOf(key: HolderKey, jwk: unknown): Promise<boolean> {
  if (typeof jwk !== 'object' || jwk === null || (jwk as JWK).kty !== 'EC') return false
  try {
    return (await jwkThumbprint(jwk as JWK)) === key.id
  } catch {
    return false
  }
}

/**
 * Signs a JWT with a holder key: `alg` is always ES256, whatever the header says.
 *
 * @example
 * ```ts
 * const jwt = await signWithHolderKey(key, { typ: 'kb+jwt' }, { nonce, aud, iat })
 * ```
 */
export async function signWithHolderKey(
  key: HolderKey,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): Promise<string> {
  const privateKey = await importJWK(key.privateJwk, HOLDER_KEY_ALG)
  return new SignJWT(payload).setProtectedHeader({ ...header, alg: HOLDER_KEY_ALG }).sign(privateKey)
}

/**
 * The holder identifier of a key-bound credential in a VP JWT (`iss`, `vp.holder`): the key's
 * did:jwk, which names exactly that public key and needs no resolver.
 */
export function holderDidOf(key: HolderKey): { did: string; kid: string } {
  // did:jwk §2: `did:jwk:` + base64url of the JWK's UTF-8 JSON (public members only).
  const did = `did:jwk:${Buffer.from(JSON.stringify(key.publicJwk), 'utf8').toString('base64url')}`
  // did:jwk §2: the one verification method of a did:jwk document is `#0`.
  return { did, kid: `${did}#0` }
}

/** Finds the key whose public half is `jwk` among `keys`; a `WalletError` when none is. */
export async function findHolderKey(keys: readonly HolderKey[], jwk: unknown): Promise<HolderKey> {
  for (const key of keys) if (await isKeyOf(key, jwk)) return key
  throw new WalletError('input_invalid', 'the wallet holds no private key for this public key')
}

function pickEcMembers(jwk: JWK): JWK {
  if (jwk.kty !== 'EC') throw new WalletError('input_invalid', `holder keys are EC keys, not ${jwk.kty}`)
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }
}
