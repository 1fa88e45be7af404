import { generateKeyPairSync } from 'node:crypto'
import { CompactSign } from 'jose'
import { describe, expect, it } from 'vitest'
import { isCredentialError } from '../errors.ts'
import { verifyJwsSignature } from './verify-jws-signature.ts'

const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
const ed25519 = generateKeyPairSync('ed25519')
const payload = new TextEncoder().encode(JSON.stringify({ iss: 'https://issuer.example', big: 'x'.repeat(50_000) }))

async function sign(alg: string, key: import('node:crypto').KeyObject): Promise<string> {
  return new CompactSign(payload).setProtectedHeader({ alg }).sign(key)
}

function failure(f: () => unknown): string {
  try {
    return String(f())
  } catch (e) {
    return isCredentialError(e) ? `${e.code}: ${e.message}` : String(e)
  }
}

describe('verifyJwsSignature', () => {
  it('verifies what jose signed with ES256, ES384 and EdDSA', async () => {
    expect(verifyJwsSignature(await sign('ES256', p256.privateKey), p256.publicKey, 'ES256')).toBe(true)
    expect(verifyJwsSignature(await sign('ES384', p384.privateKey), p384.publicKey, 'ES384')).toBe(true)
    expect(verifyJwsSignature(await sign('EdDSA', ed25519.privateKey), ed25519.publicKey, 'EdDSA')).toBe(true)
  })

  it('refuses a changed payload, another key, and a signature with characters outside base64url', async () => {
    const jws = await sign('ES256', p256.privateKey)
    const [h, p, s] = jws.split('.') as [string, string, string]
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    expect(verifyJwsSignature(`${h}.${p.slice(0, -2)}AA.${s}`, p256.publicKey, 'ES256')).toBe(false)
    expect(verifyJwsSignature(jws, other.publicKey, 'ES256')).toBe(false)
    expect(verifyJwsSignature(`${h}.${p}.${s.slice(0, 10)}!${s.slice(10)}`, p256.publicKey, 'ES256')).toBe(false)
    expect(verifyJwsSignature(`${h}.${p}.${s.slice(0, 40)}`, p256.publicKey, 'ES256')).toBe(false)
  })

  it('never uses a key with an algorithm it is not for (RFC 8725 §3.1)', async () => {
    const jws = await sign('ES256', p256.privateKey)
    expect(failure(() => verifyJwsSignature(jws, p384.publicKey, 'ES256'))).toBe(
      'issuer_key_unresolved: the key (ec secp384r1) cannot verify ES256',
    )
    expect(failure(() => verifyJwsSignature(jws, ed25519.publicKey, 'ES256'))).toBe(
      'issuer_key_unresolved: the key (ed25519) cannot verify ES256',
    )
    expect(failure(() => verifyJwsSignature(jws, p256.privateKey, 'ES256'))).toBe(
      'issuer_key_unresolved: a public key is needed to verify a signature',
    )
    expect(failure(() => verifyJwsSignature(jws, p256.publicKey, 'HS256'))).toBe(
      'jws_alg_not_allowed: alg "HS256" is not supported',
    )
  })
})
