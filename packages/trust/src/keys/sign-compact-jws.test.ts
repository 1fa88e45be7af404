import { generateKeyPairSync } from 'node:crypto'
import { compactVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { signCompactJws } from './sign-compact-jws.ts'

describe('signCompactJws', () => {
  const payload = new TextEncoder().encode(JSON.stringify({ iss: 'did:web:uni-a.example', claim: 'Grüße' }))

  it.each([
    ['ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['EdDSA', generateKeyPairSync('ed25519')],
    ['RS256', generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ] as const)('%s: jose verifies it, with the header and payload given', async (alg, { privateKey, publicKey }) => {
    const jws = signCompactJws({ alg, kid: 'did:web:uni-a.example#k1', typ: 'JWT' }, payload, privateKey, alg)
    const verified = await compactVerify(jws, publicKey, { algorithms: [alg] })
    expect(verified.protectedHeader).toEqual({ alg, kid: 'did:web:uni-a.example#k1', typ: 'JWT' })
    expect(new TextDecoder().decode(verified.payload)).toBe(new TextDecoder().decode(payload))
    if (alg === 'ES256') expect(Buffer.from(jws.split('.')[2]!, 'base64url')).toHaveLength(64) // R || S, not DER
  })
})
