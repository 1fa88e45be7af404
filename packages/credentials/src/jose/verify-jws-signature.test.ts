import { generateKeyPairSync } from 'node:crypto'
import { CompactSign } from 'jose'
import { describe, expect, it } from 'vitest'
import { isCredentialError } from '../errors.ts'
import { decodeCompactJws, verifyJws } from './verify-jws.ts'
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

  it('verifies the wallet algorithms beyond those: ES512 and Ed25519 (RFC 9864)', async () => {
    const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' })
    expect(verifyJwsSignature(await sign('ES512', p521.privateKey), p521.publicKey, 'ES512')).toBe(true)
    expect(verifyJwsSignature(await sign('Ed25519', ed25519.privateKey), ed25519.publicKey, 'Ed25519')).toBe(true)
    const es512 = await sign('ES512', p521.privateKey)
    expect(failure(() => verifyJwsSignature(es512, p256.publicKey, 'ES512'))).toBe(
      'issuer_key_unresolved: the key (ec prime256v1) cannot verify ES512',
    )
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

  it('accepts one spelling of a signature only, and base64url characters only in every segment', async () => {
    const es384 = await sign('ES384', p384.privateKey)
    expect(verifyJwsSignature(`${es384}A`, p384.publicKey, 'ES384')).toBe(false)
    const es256 = await sign('ES256', p256.privateKey)
    const [h, p, s] = es256.split('.') as [string, string, string]
    // The last of 86 characters carries 4 unused bits (so it is one of A, Q, g, w): the next
    // character decodes to the same 64 bytes.
    expect('AQgw').toContain(s.at(-1))
    const sibling = `${s.slice(0, -1)}${String.fromCharCode(s.charCodeAt(s.length - 1) + 1)}`
    expect(Buffer.from(sibling, 'base64url').equals(Buffer.from(s, 'base64url'))).toBe(true)
    expect(verifyJwsSignature(`${h}.${p}.${sibling}`, p256.publicKey, 'ES256')).toBe(false)
    // A payload character 0x100 above a base64url one has the same low byte.
    const shifted = String.fromCharCode(p.charCodeAt(5) + 0x100)
    expect(verifyJwsSignature(`${h}.${p.slice(0, 5)}${shifted}${p.slice(6)}.${s}`, p256.publicKey, 'ES256')).toBe(false)
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

describe('verifyJws with a JWS decoded beforehand', () => {
  const options = { typ: ['JWT'], resolveKey: async () => p256.publicKey }
  async function jwt(claims: Record<string, unknown>): Promise<string> {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
      .sign(p256.privateKey)
  }

  it('returns what decodeCompactJws decoded, frozen, once the signature verifies', async () => {
    const decoded = decodeCompactJws(await jwt({ sub: 'ana', nested: { level: 6 } }))
    const verified = await verifyJws(decoded, options)
    expect(verified.payload).toEqual({ sub: 'ana', nested: { level: 6 } })
    expect(Object.isFrozen(verified.payload) && Object.isFrozen(verified.payload.nested)).toBe(true)
  })

  it('refuses a decoding assembled elsewhere: one token’s signature with another’s payload', async () => {
    const good = decodeCompactJws(await jwt({ sub: 'ana' }))
    const other = decodeCompactJws(await jwt({ sub: 'mallory' }))
    const spliced = { ...good, payload: other.payload }
    await expect(verifyJws(spliced, options)).rejects.toMatchObject({
      code: 'jws_malformed',
      message: 'a decoded JWS must come from decodeCompactJws',
    })
    expect(() => {
      ;(good.payload as Record<string, unknown>).sub = 'mallory'
    }).toThrow(TypeError)
  })
})
