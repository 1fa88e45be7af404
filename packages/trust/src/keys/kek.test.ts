import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { TrustError } from '../errors.ts'
import { codeOfCall as codeOf } from '../test-fixtures.ts'
import { decryptPrivateKey, type EncryptedPrivateKey, encryptPrivateKey, keyRecordAad } from './envelope.ts'
import { KEK_ENV_VAR, parseKek, resolveKek } from './kek.ts'

const kekValue = () => randomBytes(32).toString('base64url')

describe('resolveKek', () => {
  it('stops production start-up without a KEK, with a message naming ALMA_KEK', () => {
    let error: unknown
    try {
      resolveKek({ mode: 'production', env: {} })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(TrustError)
    expect((error as TrustError).code).toBe('kek_missing')
    expect((error as TrustError).message).toMatch(/ALMA_KEK is not set/)
    expect((error as TrustError).message).toMatch(/production/)
  })

  it('treats an empty ALMA_KEK as missing in production', () => {
    expect(codeOf(() => resolveKek({ mode: 'production', env: { [KEK_ENV_VAR]: '  ' } }))).toBe('kek_missing')
  })

  it('generates and announces a KEK in development, without putting the key in the message', () => {
    const result = resolveKek({ mode: 'development', env: {} })
    expect(result.generated).toBe(true)
    expect(result.kek.key).toHaveLength(32)
    expect(result.message).toMatch(/generated a development key-encryption key/)
    expect(result.generatedValue).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(result.message).not.toContain(result.generatedValue)
    expect(parseKek(result.generatedValue!).id).toBe(result.kek.id)
  })

  it('reads ALMA_KEK from the environment and prefers the configured value', () => {
    const fromEnv = kekValue()
    const fromConfig = kekValue()
    const env = resolveKek({ mode: 'production', env: { ALMA_KEK: fromEnv } })
    expect(env.generated).toBe(false)
    expect(Buffer.from(env.kek.key).toString('base64url')).toBe(fromEnv)
    const config = resolveKek({ mode: 'production', value: fromConfig, env: { ALMA_KEK: fromEnv } })
    expect(Buffer.from(config.kek.key).toString('base64url')).toBe(fromConfig)
    expect(config.kek.id).not.toBe(env.kek.id)
  })

  it('rejects a KEK that is not 32 bytes of base64url', () => {
    expect(codeOf(() => resolveKek({ mode: 'production', env: { ALMA_KEK: 'short' } }))).toBe('kek_invalid')
    expect(codeOf(() => parseKek(randomBytes(32).toString('base64')))).toBe('kek_invalid')
    expect(codeOf(() => parseKek(randomBytes(31).toString('base64url')))).toBe('kek_invalid')
    expect(codeOf(() => parseKek(`${kekValue()}=`))).toBe('kek_invalid')
  })
})

describe('envelope encryption (AES-256-GCM, DEK wrapped by the KEK)', () => {
  const secret = new Uint8Array(randomBytes(138))
  const aad = keyRecordAad('uni-a', 'kid-1')

  it('round-trips, and the ciphertext does not contain the plaintext', () => {
    const kek = parseKek(kekValue())
    const envelope = encryptPrivateKey(secret, kek, aad)
    expect(envelope.kekId).toBe(kek.id)
    expect(Buffer.from(envelope.ciphertext, 'base64url').equals(Buffer.from(secret))).toBe(false)
    expect(Buffer.from(decryptPrivateKey(envelope, kek, aad)).equals(Buffer.from(secret))).toBe(true)
    // a fresh DEK and IV per record
    expect(encryptPrivateKey(secret, kek, aad).ciphertext).not.toBe(envelope.ciphertext)
  })

  it('fails with a wrong KEK, naming both KEK ids', () => {
    const envelope = encryptPrivateKey(secret, parseKek(kekValue()), aad)
    const wrong = parseKek(kekValue())
    expect(() => decryptPrivateKey(envelope, wrong, aad)).toThrowError(/configured KEK is/)
    expect(codeOf(() => decryptPrivateKey(envelope, wrong, aad))).toBe('key_decrypt_failed')
  })

  it('fails with a wrong KEK even when the stored KEK id was forged to match', () => {
    const wrong = parseKek(kekValue())
    const envelope = { ...encryptPrivateKey(secret, parseKek(kekValue()), aad), kekId: wrong.id }
    expect(codeOf(() => decryptPrivateKey(envelope, wrong, aad))).toBe('key_decrypt_failed')
  })

  it('fails on tampered ciphertext, tag, IV or wrapped DEK', () => {
    const kek = parseKek(kekValue())
    const envelope = encryptPrivateKey(secret, kek, aad)
    const flip = (b64u: string) => {
      const bytes = Buffer.from(b64u, 'base64url')
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1
      return bytes.toString('base64url')
    }
    const tampered: EncryptedPrivateKey[] = [
      { ...envelope, ciphertext: flip(envelope.ciphertext) },
      { ...envelope, tag: flip(envelope.tag) },
      { ...envelope, iv: flip(envelope.iv) },
      { ...envelope, wrappedDek: flip(envelope.wrappedDek) },
    ]
    for (const t of tampered) {
      expect(() => decryptPrivateKey(t, kek, aad)).toThrowError(/failed authentication/)
    }
  })

  it('fails when the record is moved to another tenant or key id (AAD binding)', () => {
    const kek = parseKek(kekValue())
    const envelope = encryptPrivateKey(secret, kek, aad)
    expect(codeOf(() => decryptPrivateKey(envelope, kek, keyRecordAad('uni-b', 'kid-1')))).toBe('key_decrypt_failed')
    expect(codeOf(() => decryptPrivateKey(envelope, kek, keyRecordAad('uni-a', 'kid-2')))).toBe('key_decrypt_failed')
  })
})
