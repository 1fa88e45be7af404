import { describe, expect, it } from 'vitest'
import { codeOfCall as code, P256_JWK as jwk, ED25519_JWK as jwk2 } from '../test-fixtures.ts'
import {
  createDidWebDocument,
  DID_V1_CONTEXT,
  didWebFor,
  didWebToUrl,
  JWS_2020_CONTEXT,
  parseDidWeb,
} from './did-web.ts'

describe('didWebToUrl (did:web §3.2.2)', () => {
  it('maps the spec examples', () => {
    expect(didWebToUrl('did:web:w3c-ccg.github.io')).toBe('https://w3c-ccg.github.io/.well-known/did.json')
    expect(didWebToUrl('did:web:w3c-ccg.github.io:user:alice')).toBe('https://w3c-ccg.github.io/user/alice/did.json')
    expect(didWebToUrl('did:web:example.com%3A3000')).toBe('https://example.com:3000/.well-known/did.json')
    expect(didWebToUrl('did:web:example.com%3A3000:user:alice')).toBe('https://example.com:3000/user/alice/did.json')
    expect(didWebToUrl('did:web:alliance.example:members:uni-a')).toBe(
      'https://alliance.example/members/uni-a/did.json',
    )
  })

  it('refuses encoded separators, userinfo, traversal and non-DNS hosts', () => {
    for (const did of [
      'did:web:example.com%2Fevil',
      'did:web:evil.com%40good.example',
      'did:web:good.example@evil.com',
      'did:web:example.com:a%2Fb',
      'did:web:example.com:..:admin',
      'did:web:example.com::x',
      'did:web:example.com/path',
      'did:web:example.com#frag',
      'did:web:example.com?q=1',
      'did:web:%5B%3A%3A1%5D',
      'did:web:exa_mple.com',
      'did:web:example.com%3A0',
      'did:web:example.com%3A99999',
      'did:web:',
      'did:key:z6Mk',
    ]) {
      expect(
        code(() => didWebToUrl(did)),
        did,
      ).toBe('did_invalid')
    }
  })

  it('parses host, port and path', () => {
    expect(parseDidWeb('did:web:alliance.example%3A8443:members:uni-a')).toEqual({
      did: 'did:web:alliance.example%3A8443:members:uni-a',
      host: 'alliance.example',
      port: 8443,
      path: ['members', 'uni-a'],
    })
  })
})

describe('createDidWebDocument', () => {
  it('builds a host DID document with JsonWebKey2020 methods, x5c, assertionMethod and authentication', () => {
    const doc = createDidWebDocument({
      host: 'uni-a.example',
      keys: [
        { kid: 'new', publicJwk: jwk, x5c: ['MIIBleaf', 'MIIBca'] },
        { kid: 'old', publicJwk: jwk2 },
      ],
      services: [{ id: '#registry', type: 'AllianceRegistry', serviceEndpoint: 'https://uni-a.example/registry.jwt' }],
    })
    expect(doc).toEqual({
      '@context': [DID_V1_CONTEXT, JWS_2020_CONTEXT],
      id: 'did:web:uni-a.example',
      verificationMethod: [
        {
          id: 'did:web:uni-a.example#new',
          type: 'JsonWebKey2020',
          controller: 'did:web:uni-a.example',
          publicKeyJwk: { ...jwk, kid: 'new', x5c: ['MIIBleaf', 'MIIBca'] },
        },
        {
          id: 'did:web:uni-a.example#old',
          type: 'JsonWebKey2020',
          controller: 'did:web:uni-a.example',
          publicKeyJwk: { ...jwk2, kid: 'old' },
        },
      ],
      assertionMethod: ['did:web:uni-a.example#new', 'did:web:uni-a.example#old'],
      authentication: ['did:web:uni-a.example#new', 'did:web:uni-a.example#old'],
      service: [
        {
          id: 'did:web:uni-a.example#registry',
          type: 'AllianceRegistry',
          serviceEndpoint: 'https://uni-a.example/registry.jwt',
        },
      ],
    })
  })

  it('builds path-based alliance DIDs and percent-encodes the port colon', () => {
    expect(
      createDidWebDocument({ host: 'alliance.example', path: 'members/uni-a', keys: [{ kid: 'k', publicJwk: jwk }] })
        .id,
    ).toBe('did:web:alliance.example:members:uni-a')
    expect(didWebFor('localhost:8443', ['members', 'uni-b'])).toBe('did:web:localhost%3A8443:members:uni-b')
    expect(didWebToUrl(didWebFor('localhost:8443', ['members', 'uni-b']))).toBe(
      'https://localhost:8443/members/uni-b/did.json',
    )
  })

  it('refuses private key members, duplicate kids and an empty key list', () => {
    expect(
      code(() => createDidWebDocument({ host: 'a.example', keys: [{ kid: 'k', publicJwk: { ...jwk, d: 'secret' } }] })),
    ).toBe('config_invalid')
    expect(
      code(() =>
        createDidWebDocument({
          host: 'a.example',
          keys: [
            { kid: 'k', publicJwk: jwk },
            { kid: 'k', publicJwk: jwk2 },
          ],
        }),
      ),
    ).toBe('config_invalid')
    expect(code(() => createDidWebDocument({ host: 'a.example', keys: [] }))).toBe('config_invalid')
  })
})
