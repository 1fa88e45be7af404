import { generateKeyPairSync } from 'node:crypto'
import { Resolver } from 'did-resolver'
import { getResolver as keyDidResolver } from 'key-did-resolver'
import { describe, expect, it } from 'vitest'
import { publicJwkOf } from '../keys/algorithms.ts'
import { didJwkDocument, jwkToDidJwk } from './did-jwk.ts'
import { didKeyToJwk, jwkToDidKey } from './did-key.ts'
import { createDidResolver } from './resolver.ts'

const resolver = createDidResolver({ mode: 'development' })

describe('did:key', () => {
  it('resolves the did:key test vectors (P-256 and Ed25519) to JWKs', async () => {
    // W3C CCG did:key test vectors (P-256: key-did-resolver documentation; Ed25519: did:key spec example).
    expect(didKeyToJwk('did:key:zDnaeUKTWUXc1HDpGfKbEK31nKLN19yX5aunFd7VK1CUMeyJu')).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: 'OcPddBMXKURtwbPaZ9SfwEb8vwcvzFufpRwFuXQwf5Y',
      y: 'nEA7FjXwRJ8CvUInUeMxIaRDTxUvKysqP2dSGcXZJfY',
    })
    const ed = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'
    const { didDocument } = await resolver.resolve(ed)
    expect(didDocument?.id).toBe(ed)
    expect(didDocument?.assertionMethod).toEqual([`${ed}#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK`])
    expect(didDocument?.verificationMethod?.[0]?.publicKeyJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' })
  })

  it('round-trips generated keys and agrees with key-did-resolver', async () => {
    const independent = new Resolver(keyDidResolver())
    for (const type of ['ec', 'ed25519'] as const) {
      const { publicKey } =
        type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519')
      const jwk = publicJwkOf(publicKey)
      const did = jwkToDidKey(jwk)
      expect(didKeyToJwk(did)).toEqual(jwk)
      const theirs = await independent.resolve(did)
      expect(theirs.didDocument?.id).toBe(did)
      if (type === 'ec')
        expect(theirs.didDocument?.verificationMethod?.[0]?.publicKeyJwk).toMatchObject({ x: jwk.x, y: jwk.y })
    }
  })

  it('fails with invalidDid for bad encodings, unsupported codecs and off-curve points', async () => {
    for (const did of [
      'did:key:z0OIl', // not base58btc
      'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme', // secp256k1: not supported
      `did:key:z${'1'.repeat(10)}`,
      'did:key:mAbCd', // not base58btc multibase
    ]) {
      const result = await resolver.resolve(did)
      expect(result.didDocument, did).toBeNull()
      expect(result.didResolutionMetadata.error, did).toBe('invalidDid')
      expect(result.didResolutionMetadata.message, did).toMatch(/did:key/)
    }
  })
})

describe('did:jwk', () => {
  it('resolves a did:jwk to its key as #0 and honours `use`', async () => {
    const jwk = publicJwkOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)
    const did = jwkToDidJwk(jwk)
    const { didDocument } = await resolver.resolve(`${did}#0`)
    expect(didDocument?.verificationMethod).toEqual([
      { id: `${did}#0`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: jwk },
    ])
    expect(didDocument?.assertionMethod).toEqual([`${did}#0`])
    expect(didDocument?.keyAgreement).toEqual([`${did}#0`])
    const sigOnly = didJwkDocument(jwkToDidJwk({ ...jwk, use: 'sig' }))
    expect(sigOnly.keyAgreement).toBeUndefined()
    expect(sigOnly.assertionMethod).toHaveLength(1)
    const encOnly = didJwkDocument(jwkToDidJwk({ ...jwk, use: 'enc' }))
    expect(encOnly.assertionMethod).toBeUndefined()
  })

  it('refuses private keys, non-JSON and invalid keys', async () => {
    const priv = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })
    const b64 = (s: string) => Buffer.from(s).toString('base64url')
    for (const [did, why] of [
      [`did:jwk:${b64(JSON.stringify(priv))}`, /private members/],
      [`did:jwk:${b64('{not json')}`, /not base64url JSON/],
      [`did:jwk:${b64('[1,2]')}`, /not a JWK object/],
      [`did:jwk:${b64(JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }))}`, /not a valid public key/],
    ] as const) {
      const result = await resolver.resolve(did)
      expect(result.didResolutionMetadata.error).toBe('invalidDid')
      expect(result.didResolutionMetadata.message).toMatch(why)
    }
  })
})
