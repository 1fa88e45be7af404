import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { TrustError } from '../errors.ts'
import type { Kek } from './kek.ts'

/**
 * A private key at rest: envelope encryption. A fresh data-encryption key (DEK) encrypts the
 * PKCS#8 DER with AES-256-GCM; the KEK wraps the DEK with AES-256-GCM. Both use the record's
 * additional authenticated data (tenant and key id), so a record copied to another tenant or key
 * id fails to open. Every field is base64url.
 */
export interface EncryptedPrivateKey {
  readonly v: 1
  readonly alg: 'A256GCM'
  /** Which KEK wrapped the DEK ({@link Kek.id}). */
  readonly kekId: string
  /** The wrapped DEK: iv (12 bytes) ‖ ciphertext (32 bytes) ‖ tag (16 bytes). */
  readonly wrappedDek: string
  readonly iv: string
  readonly ciphertext: string
  readonly tag: string
}

const IV_BYTES = 12
const TAG_BYTES = 16

function gcmEncrypt(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(aad)
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return { iv, ciphertext, tag: cipher.getAuthTag() }
}

function gcmDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array) {
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
  decipher.setAAD(aad)
  decipher.setAuthTag(tag)
  return Buffer.concat([decipher.update(ciphertext), decipher.final()])
}

/** The additional authenticated data that binds an envelope to one tenant and key id. */
export function keyRecordAad(tenantId: string, kid: string): string {
  return `alma-key:v1:${JSON.stringify([tenantId, kid])}`
}

/**
 * Encrypts a private key (PKCS#8 DER) under `kek`, bound to `aad`.
 */
export function encryptPrivateKey(pkcs8Der: Uint8Array, kek: Kek, aad: string): EncryptedPrivateKey {
  const aadBytes = Buffer.from(aad, 'utf8')
  const dek = randomBytes(32)
  try {
    const wrapped = gcmEncrypt(kek.key, dek, aadBytes)
    const sealed = gcmEncrypt(dek, pkcs8Der, aadBytes)
    return {
      v: 1,
      alg: 'A256GCM',
      kekId: kek.id,
      wrappedDek: Buffer.concat([wrapped.iv, wrapped.ciphertext, wrapped.tag]).toString('base64url'),
      iv: sealed.iv.toString('base64url'),
      ciphertext: sealed.ciphertext.toString('base64url'),
      tag: sealed.tag.toString('base64url'),
    }
  } finally {
    dek.fill(0)
  }
}

/**
 * Decrypts an {@link EncryptedPrivateKey} to PKCS#8 DER, or throws `key_decrypt_failed` (wrong
 * KEK, tampered record, or a record moved to another tenant or key id).
 */
export function decryptPrivateKey(envelope: EncryptedPrivateKey, kek: Kek, aad: string): Uint8Array {
  if (envelope.v !== 1 || envelope.alg !== 'A256GCM') {
    throw new TrustError('key_decrypt_failed', `unknown key envelope version ${envelope.v}/${envelope.alg}`)
  }
  if (envelope.kekId !== kek.id) {
    throw new TrustError(
      'key_decrypt_failed',
      `the key was encrypted under KEK ${envelope.kekId}, but the configured KEK is ${kek.id}: wrong ALMA_KEK`,
    )
  }
  const aadBytes = Buffer.from(aad, 'utf8')
  let dek: Buffer | undefined
  try {
    const wrapped = Buffer.from(envelope.wrappedDek, 'base64url')
    if (wrapped.length !== IV_BYTES + 32 + TAG_BYTES) throw new Error('wrapped DEK has the wrong length')
    dek = gcmDecrypt(
      kek.key,
      wrapped.subarray(0, IV_BYTES),
      wrapped.subarray(IV_BYTES, IV_BYTES + 32),
      wrapped.subarray(IV_BYTES + 32),
      aadBytes,
    )
    return new Uint8Array(
      gcmDecrypt(
        dek,
        Buffer.from(envelope.iv, 'base64url'),
        Buffer.from(envelope.ciphertext, 'base64url'),
        Buffer.from(envelope.tag, 'base64url'),
        aadBytes,
      ),
    )
  } catch (cause) {
    throw new TrustError(
      'key_decrypt_failed',
      'the encrypted key failed authentication: wrong KEK, a tampered record, or a record moved to another tenant or key id',
      { cause },
    )
  } finally {
    dek?.fill(0)
  }
}
