import { describe, expect, it } from 'vitest'
import { codeOf, P256_JWK as jwkA, ED25519_JWK as jwkB, staticResolver } from '../test-fixtures.ts'
import { createDidWebDocument } from './did-web.ts'
import { resolveVerificationKey } from './resolve-key.ts'

const uniA = createDidWebDocument({ host: 'uni-a.example', keys: [{ kid: 'k1', publicJwk: jwkA, x5c: ['MIIleaf'] }] })
// k2 may authenticate but not assert (sign credentials)
uniA.verificationMethod!.push({ id: '#k2', type: 'JsonWebKey2020', controller: uniA.id, publicKeyJwk: jwkB })
uniA.authentication!.push('#k2')
// a method controlled by someone else, listed under assertionMethod
uniA.verificationMethod!.push({
  id: `${uniA.id}#k3`,
  type: 'JsonWebKey2020',
  controller: 'did:web:evil.example',
  publicKeyJwk: jwkB,
})
uniA.assertionMethod!.push(`${uniA.id}#k3`)
// a method of another DID smuggled into this document
uniA.verificationMethod!.push({
  id: 'did:web:uni-b.example#k1',
  type: 'JsonWebKey2020',
  controller: 'did:web:uni-b.example',
  publicKeyJwk: jwkB,
})
uniA.assertionMethod!.push('did:web:uni-b.example#k1')
const uniB = createDidWebDocument({ host: 'uni-b.example', keys: [{ kid: 'kb', publicJwk: jwkB }] })
// did:web:liar.example answers with uni-a's document
const resolver = staticResolver([uniA, uniB], { 'did:web:liar.example': 'did:web:uni-a.example' })

describe('resolveVerificationKey', () => {
  it('returns the JWK (with x5c) of an assertion method', async () => {
    const key = await resolveVerificationKey(resolver, 'did:web:uni-a.example#k1', {
      expectedDid: 'did:web:uni-a.example',
    })
    expect(key.jwk).toEqual({ ...jwkA, kid: 'k1', x5c: ['MIIleaf'] })
    expect(key.id).toBe('did:web:uni-a.example#k1')
  })

  it('accepts relative ids for authentication but refuses them for credential signing', async () => {
    const auth = await resolveVerificationKey(resolver, 'did:web:uni-a.example#k2', { purpose: 'authentication' })
    expect(auth.jwk).toEqual(jwkB)
    expect(await codeOf(resolveVerificationKey(resolver, 'did:web:uni-a.example#k2'))).toBe(
      'verification_method_not_authorized',
    )
  })

  it("rejects a kid from another DID than the issuer's (another tenant's key)", async () => {
    expect(
      await codeOf(
        resolveVerificationKey(resolver, 'did:web:uni-b.example#kb', { expectedDid: 'did:web:uni-a.example' }),
      ),
    ).toBe('did_mismatch')
  })

  it('rejects a document that is about another DID', async () => {
    await expect(resolveVerificationKey(resolver, 'did:web:liar.example#k1')).rejects.toThrowError(
      /is about did:web:uni-a\.example/,
    )
  })

  it('rejects methods controlled by another DID, and methods of another DID inside the document', async () => {
    expect(await codeOf(resolveVerificationKey(resolver, 'did:web:uni-a.example#k3'))).toBe('did_mismatch')
    // did:web:uni-b.example#k1 is in uni-a's document, but uni-b's own document has no k1
    expect(await codeOf(resolveVerificationKey(resolver, 'did:web:uni-b.example#k1'))).toBe(
      'verification_method_not_found',
    )
  })

  it('rejects unknown fragments, missing fragments and unresolvable DIDs', async () => {
    expect(await codeOf(resolveVerificationKey(resolver, 'did:web:uni-a.example#nope'))).toBe(
      'verification_method_not_found',
    )
    expect(await codeOf(resolveVerificationKey(resolver, 'did:web:uni-a.example'))).toBe('did_invalid')
    expect(await codeOf(resolveVerificationKey(resolver, 'not-a-did#x'))).toBe('did_invalid')
    await expect(resolveVerificationKey(resolver, 'did:web:gone.example#k')).rejects.toThrowError(
      /cannot resolve did:web:gone\.example: did:web:gone\.example is unknown/,
    )
  })

  it('refuses a verification method that publishes a private key', async () => {
    const leaky = createDidWebDocument({ host: 'leaky.example', keys: [{ kid: 'k', publicJwk: jwkA }] })
    leaky.verificationMethod![0]!.publicKeyJwk = { ...jwkA, d: 'c2VjcmV0' }
    expect(await codeOf(resolveVerificationKey(staticResolver([leaky]), 'did:web:leaky.example#k'))).toBe(
      'verification_method_not_found',
    )
  })
})
