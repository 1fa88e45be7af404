import type { DIDDocument, DIDResolutionResult, Resolvable } from 'did-resolver'
import { describe, expect, it } from 'vitest'
import { isTrustError } from '../errors.ts'
import { createDidWebDocument } from './did-web.ts'
import { resolveVerificationKey } from './resolve-key.ts'

const jwkA = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
}
const jwkB = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }

/** Test fixture: a resolver over fixed documents. */
function staticResolver(docs: DIDDocument[]): Resolvable {
  return {
    async resolve(didUrl: string): Promise<DIDResolutionResult> {
      const did = didUrl.split('#')[0]
      const doc = docs.find((d) => d.id === did || (did === 'did:web:liar.example' && d.id === 'did:web:uni-a.example'))
      return doc
        ? { didResolutionMetadata: {}, didDocument: doc, didDocumentMetadata: {} }
        : {
            didResolutionMetadata: { error: 'notFound', message: `${did} is unknown` },
            didDocument: null,
            didDocumentMetadata: {},
          }
    },
  }
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (e) {
    return isTrustError(e) ? e.code : `not a TrustError: ${String(e)}`
  }
  return undefined
}

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
const resolver = staticResolver([uniA, uniB])

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
