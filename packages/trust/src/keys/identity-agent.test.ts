import { flattenedVerify, importJWK } from 'jose'
import { describe, expect, it } from 'vitest'
import { jwkToDidJwk } from '../did/did-jwk.ts'
import { createDidResolver } from '../did/resolver.ts'
import { testKeyring } from '../test-fixtures.ts'
import { agentKeyId, createIdentityAgent, loadIdentityTenant } from './identity-agent.ts'
import { generateKeyMaterial } from './import-key.ts'

describe('createIdentityAgent (Veramo)', () => {
  it('holds imported tenant keys: keyManagerSign signatures verify with jose', async () => {
    const { keyring } = testKeyring()
    const es = await keyring.generate('uni-a', 'ES256')
    const ed = await keyring.add('uni-b', await generateKeyMaterial('EdDSA'))
    const didA = 'did:web:alliance.example:members:uni-a'
    const didB = 'did:web:alliance.example:members:uni-b'
    const { agent, skipped } = await createIdentityAgent({
      tenants: [await loadIdentityTenant(keyring, 'uni-a', didA), await loadIdentityTenant(keyring, 'uni-b', didB)],
      resolver: createDidResolver({ mode: 'development' }),
    })
    expect(skipped).toEqual([])

    const identifier = await agent.didManagerGet({ did: didA })
    expect(identifier.provider).toBe('did:web')
    expect(identifier.controllerKeyId).toBe(agentKeyId(didA, es.kid))
    expect((await agent.didManagerFind()).map((i) => i.did).sort()).toEqual([didA, didB])

    for (const [did, record] of [
      [didA, es],
      [didB, ed],
    ] as const) {
      // A JWS signing input signed by Veramo's KMS, verified by jose as a flattened JWS.
      const protectedHeader = Buffer.from(
        JSON.stringify({ alg: record.alg, kid: agentKeyId(did, record.kid) }),
      ).toString('base64url')
      const payload = Buffer.from('{"iss":"x"}').toString('base64url')
      const signature = await agent.keyManagerSign({
        keyRef: agentKeyId(did, record.kid),
        data: `${protectedHeader}.${payload}`,
        algorithm: record.alg,
      })
      const verified = await flattenedVerify(
        { protected: protectedHeader, payload, signature },
        await importJWK(record.publicJwk, record.alg),
      )
      expect(new TextDecoder().decode(verified.payload)).toBe('{"iss":"x"}')
    }
  })

  it('skips RS256 keys (not supported by the local KMS) and says why', async () => {
    const rsa = await generateKeyMaterial('RS256')
    const { agent, skipped } = await createIdentityAgent({
      tenants: [{ did: 'did:web:uni-c.example', keys: [{ kid: rsa.kid, privateKey: rsa.privateKey }] }],
      resolver: createDidResolver({ mode: 'development' }),
    })
    expect(skipped).toEqual([
      { did: 'did:web:uni-c.example', kid: rsa.kid, reason: expect.stringMatching(/cannot hold RS256/) },
    ])
    expect((await agent.didManagerGet({ did: 'did:web:uni-c.example' })).keys).toEqual([])
  })

  it('resolves DIDs through our resolver', async () => {
    const material = await generateKeyMaterial()
    const did = jwkToDidJwk(material.publicJwk)
    const { agent } = await createIdentityAgent({ tenants: [], resolver: createDidResolver({ mode: 'development' }) })
    const result = await agent.resolveDid({ didUrl: did })
    expect(result.didDocument?.verificationMethod?.[0]?.publicKeyJwk).toEqual(material.publicJwk)
    const refused = await agent.resolveDid({ didUrl: 'did:web:127.0.0.1' })
    expect(refused.didResolutionMetadata.reason).toBe('ip_literal')
  })
})
