// direct_post.jwt (OpenID4VP 1.0 §8.3): the wallet encrypts its response to a key we put in the
// request's client_metadata.jwks — a fresh ECDH-ES P-256 key per request (HAIP 1.0, security.md).
// The private half is kept with the request, wrapped under a key derived from the KEK.
import { createCipheriv, createDecipheriv, generateKeyPairSync, randomBytes } from 'node:crypto'
import { parseStrictJson, quoteForDescription } from '@alma/trust'
import { compactDecrypt, decodeProtectedHeader, importJWK, type JWK } from 'jose'
import { VerifierError } from '../errors.ts'

/** OpenID4VP 1.0 §8.3 / HAIP 1.0: the content encryption we accept (`encrypted_response_enc_values_supported`). */
export const RESPONSE_ENC_VALUES = ['A128GCM', 'A256GCM'] as const
/** Compact JWEs bigger than this are refused before any cryptography. */
const MAX_JWE_BYTES = 8 * 1024 * 1024

export interface ResponseEncryptionKey {
  /** Goes into `client_metadata.jwks` (§5.1). */
  readonly publicJwk: JWK
  readonly privateJwk: JWK
}

export async function createResponseEncryptionKey(kid: string): Promise<ResponseEncryptionKey> {
  // node:crypto on this thread: WebCrypto's key-generation job cost several times as much per
  // request here (pnpm bench:verifier).
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const meta = { kid, use: 'enc', alg: 'ECDH-ES' }
  return {
    publicJwk: { ...(publicKey.export({ format: 'jwk' }) as JWK), ...meta },
    privateJwk: { ...(privateKey.export({ format: 'jwk' }) as JWK), ...meta },
  }
}

export interface WrappedKey {
  readonly v: 1
  readonly iv: string
  readonly ciphertext: string
  readonly tag: string
}

/** AES-256-GCM with the request's identity as AAD, so a wrapped key cannot be moved to another request. */
export function wrapPrivateKey(wrappingKey: Buffer, aad: string, jwk: JWK): WrappedKey {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', wrappingKey, iv).setAAD(Buffer.from(aad))
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(jwk), 'utf8'), cipher.final()])
  return {
    v: 1,
    iv: iv.toString('base64url'),
    ciphertext: ciphertext.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
  }
}

export function unwrapPrivateKey(wrappingKey: Buffer, aad: string, wrapped: WrappedKey): JWK {
  const decipher = createDecipheriv('aes-256-gcm', wrappingKey, Buffer.from(wrapped.iv, 'base64url'))
  decipher.setAAD(Buffer.from(aad)).setAuthTag(Buffer.from(wrapped.tag, 'base64url'))
  const plain = Buffer.concat([decipher.update(Buffer.from(wrapped.ciphertext, 'base64url')), decipher.final()])
  return JSON.parse(plain.toString('utf8')) as JWK
}

/**
 * A header value the wallet sent, as an error description may show it: an algorithm name as it
 * is, anything else quoted with its odd characters escaped (RFC 6749 §5.2: no `"`, `\`, controls).
 */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
  return /^[A-Za-z0-9+._-]{1,40}$/.test(text) ? text : quoteForDescription(text)
}

/**
 * Decrypts a `response` JWE (§8.3.1) after checking its header: `alg` ECDH-ES, `enc` one we
 * offered, our `kid` if named, and no `zip` or PBES2 `p2c` — refused before heavy work (jose
 * CVE-2022-36083, CVE-2024-28176; security.md "JOSE and SD-JWT"). Returns the payload JSON object.
 */
export async function decryptResponse(jwe: string, privateJwk: JWK): Promise<Record<string, unknown>> {
  if (jwe.length > MAX_JWE_BYTES) throw new VerifierError('invalid_request', 'the response JWE is too large')
  if (jwe.split('.').length !== 5) {
    throw new VerifierError('invalid_request', 'response must be a compact JWE (five parts), RFC 7516 §7.1')
  }
  let header: Record<string, unknown>
  try {
    header = decodeProtectedHeader(jwe) as Record<string, unknown>
  } catch {
    throw new VerifierError('invalid_request', 'the response JWE header is not valid base64url JSON')
  }
  if (header.alg !== 'ECDH-ES') {
    throw new VerifierError('invalid_request', `response JWE alg must be ECDH-ES, not ${shown(header.alg)}`)
  }
  if (!RESPONSE_ENC_VALUES.includes(header.enc as (typeof RESPONSE_ENC_VALUES)[number])) {
    throw new VerifierError(
      'invalid_request',
      `response JWE enc must be one of ${RESPONSE_ENC_VALUES.join(', ')}, not ${shown(header.enc)}`,
    )
  }
  if (header.zip !== undefined) throw new VerifierError('invalid_request', 'compressed (zip) response JWEs are refused')
  if (header.p2c !== undefined) throw new VerifierError('invalid_request', 'PBES2 parameters are refused')
  if (header.kid !== undefined && header.kid !== privateJwk.kid) {
    throw new VerifierError('invalid_request', 'the response JWE names a key (kid) that is not this request’s')
  }
  try {
    const key = await importJWK(privateJwk, 'ECDH-ES')
    const { plaintext } = await compactDecrypt(jwe, key, {
      keyManagementAlgorithms: ['ECDH-ES'],
      contentEncryptionAlgorithms: [...RESPONSE_ENC_VALUES],
    })
    // security.md: duplicate JSON keys and deep nesting are refused, here as everywhere.
    const payload = parseStrictJson(new TextDecoder().decode(plaintext), { maxDepth: 64 })
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new Error('not an object')
    return payload as Record<string, unknown>
  } catch (e) {
    throw new VerifierError('invalid_request', 'the response JWE could not be decrypted with this request’s key', {
      cause: e,
      internal: e instanceof Error ? e.message : String(e),
    })
  }
}
