import { generateKeyPairSync } from 'node:crypto'
import { compactVerify, decodeProtectedHeader, importJWK, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { createDidWebDocument } from '../did/did-web.ts'
import {
  codeOf,
  createTestCa,
  memoryKeyRecordRepository,
  testKek,
  testKeyring,
  testSigner,
  tickingClock,
} from '../test-fixtures.ts'
import { generateKeyMaterial, withCertificateChain } from './import-key.ts'
import { createTenantKeyring } from './keyring.ts'
import { createSigner } from './signer.ts'

describe('tenant keyring', () => {
  it('stores private keys only encrypted', async () => {
    const repository = memoryKeyRecordRepository()
    const keyring = createTenantKeyring({ repository, kek: testKek(), now: tickingClock() })
    const record = await keyring.generate('uni-a')
    const d = keyring.privateKey(record).export({ format: 'jwk' }).d!
    const pkcs8 = keyring.privateKey(record).export({ format: 'der', type: 'pkcs8' }).toString('base64url')
    const stored = [...repository.rows.values()].join('\n')
    expect(stored).not.toContain(d)
    expect(stored).not.toContain(pkcs8)
    expect(stored).not.toContain(Buffer.from(d, 'base64url').toString('hex'))
    expect(record.publicJwk).not.toHaveProperty('d')
    expect(record.alg).toBe('ES256')
  })

  it('cannot open keys with another KEK', async () => {
    const repository = memoryKeyRecordRepository()
    const record = await createTenantKeyring({ repository, kek: testKek() }).generate('uni-a')
    const other = createTenantKeyring({ repository, kek: testKek() })
    expect(() => other.privateKey(record)).toThrowError(/wrong ALMA_KEK/)
  })

  it('cannot open a record moved to another tenant', async () => {
    const { keyring } = testKeyring()
    const record = await keyring.generate('uni-a')
    expect(() => keyring.privateKey({ ...record, tenantId: 'uni-b' })).toThrowError(/failed authentication/)
  })

  it('rotates: the new key is active, the old one stays published (and in the DID document) until retired', async () => {
    const { keyring } = testKeyring({ now: tickingClock() })
    const first = await keyring.generate('uni-a')
    expect(first.state).toBe('active')
    const { active, previous } = await keyring.rotate('uni-a')
    expect(previous.kid).toBe(first.kid)
    expect(previous.state).toBe('published')
    expect((await keyring.active('uni-a')).kid).toBe(active.kid)

    const didDocument = async () =>
      createDidWebDocument({
        host: 'alliance.example',
        path: 'members/uni-a',
        keys: (await keyring.verificationKeys('uni-a')).map((r) => ({ kid: r.kid, publicJwk: r.publicJwk })),
      })
    const afterRotation = await didDocument()
    expect(afterRotation.assertionMethod).toEqual([
      `did:web:alliance.example:members:uni-a#${active.kid}`,
      `did:web:alliance.example:members:uni-a#${first.kid}`,
    ])

    const retired = await keyring.retire('uni-a', first.kid)
    expect(retired.state).toBe('retired')
    expect((await didDocument()).assertionMethod).toEqual([`did:web:alliance.example:members:uni-a#${active.kid}`])
    expect((await keyring.list('uni-a')).map((r) => r.state)).toEqual(['active', 'retired'])
  })

  it('refuses illegal transitions, unknown keys, duplicates and rotation without a key', async () => {
    const { keyring } = testKeyring({ now: tickingClock() })
    expect(await codeOf(keyring.rotate('uni-a'))).toBe('key_not_found')
    expect(await codeOf(keyring.active('uni-a'))).toBe('key_not_found')
    const material = await generateKeyMaterial('EdDSA')
    const first = await keyring.add('uni-a', material)
    expect(await codeOf(keyring.retire('uni-a', first.kid))).toBe('key_state_invalid') // active → retired
    expect(await codeOf(keyring.add('uni-a', material))).toBe('key_exists')
    await keyring.rotate('uni-a')
    await keyring.retire('uni-a', first.kid)
    expect(await codeOf(keyring.retire('uni-a', first.kid))).toBe('key_state_invalid') // retired → retired
    expect(await codeOf(keyring.retire('uni-a', 'nope'))).toBe('key_not_found')
    // tenants do not see each other's keys
    expect(await keyring.list('uni-b')).toEqual([])
  })

  it('imports a key with its chain and keeps x5c on the record', async () => {
    const ca = await createTestCa()
    const { keyring } = testKeyring()
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const leaf = await ca.issueLeaf(privateKey, 'CN=Uni A Seal,O=Uni A,C=DE')
    const pem = `${privateKey.export({ format: 'pem', type: 'pkcs8' })}-----BEGIN CERTIFICATE-----\n${leaf}\n-----END CERTIFICATE-----\n`
    const record = await keyring.import('uni-a', { format: 'pem', pem })
    expect(record.alg).toBe('RS256')
    expect(record.x5c).toEqual([leaf])
  })
})

describe('signer (jose, cached keys)', () => {
  it('signs with the active key; signatures verify with the public JWK; alg and kid come from the key', async () => {
    const ca = await createTestCa()
    const { keyring } = testKeyring({ now: tickingClock() })
    const material = await generateKeyMaterial()
    const leaf = await ca.issueLeaf(material.privateKey, 'CN=Uni A Seal,O=Uni A,C=DE')
    const record = await keyring.add('uni-a', await withCertificateChain(material, [leaf, ca.certB64]))
    const did = 'did:web:uni-a.example'
    const signer = createSigner({ keyring, kidFor: (_t, kid) => `${did}#${kid}` })

    const jwt = await signer.signJwt('uni-a', { iss: did, sub: 'learner' }, { typ: 'JWT', includeX5c: true })
    const header = decodeProtectedHeader(jwt)
    // The record keeps the chain with its root; the header leaves the trust anchor out (HAIP 1.0 §6.1.1).
    expect(record.x5c).toEqual([leaf, ca.certB64])
    expect(header).toEqual({ typ: 'JWT', alg: 'ES256', kid: `${did}#${record.kid}`, x5c: [leaf] })
    const { payload } = await jwtVerify(jwt, await importJWK(record.publicJwk, 'ES256'))
    expect(payload).toEqual({ iss: did, sub: 'learner' })

    const jws = await signer.signJws('uni-a', 'hello')
    const verified = await compactVerify(jws, await importJWK(record.publicJwk, 'ES256'))
    expect(new TextDecoder().decode(verified.payload)).toBe('hello')

    await expect(signer.signJwt('uni-a', {}, { alg: 'HS256' } as never)).rejects.toThrowError(/alg and kid come from/)
  })

  it('after a rotation signs with the new key; the old signature still verifies against the published key', async () => {
    const { keyring } = testKeyring({ now: tickingClock() })
    const first = await keyring.generate('uni-a', 'EdDSA')
    let clock = 0
    const signer = createSigner({ keyring, activeKeyTtlMs: 10_000, now: () => clock })
    const before = await signer.signJwt('uni-a', { n: 1 })
    const { active } = await keyring.rotate('uni-a')

    // within the TTL another process's rotation is not seen yet; invalidate() or the TTL picks it up
    expect(decodeProtectedHeader(await signer.signJwt('uni-a', { n: 2 })).kid).toBe(first.kid)
    clock += 10_001
    const after = await signer.signJwt('uni-a', { n: 3 })
    expect(decodeProtectedHeader(after).kid).toBe(active.kid)
    expect(decodeProtectedHeader(after).alg).toBe('EdDSA')

    const published = await keyring.verificationKeys('uni-a')
    const keyFor = async (jwt: string) => {
      const kid = decodeProtectedHeader(jwt).kid
      const record = published.find((r) => r.kid === kid)!
      return importJWK(record.publicJwk, record.alg)
    }
    expect((await jwtVerify(before, await keyFor(before))).payload.n).toBe(1)
    expect((await jwtVerify(after, await keyFor(after))).payload.n).toBe(3)
  })

  it('fails clearly for a tenant without keys, and when x5c is asked of a key without a chain', async () => {
    const signer = testSigner()
    const { keyring } = signer
    expect(await codeOf(signer.signJws('nobody', 'x'))).toBe('key_not_found')
    await keyring.generate('uni-a')
    expect(await codeOf(signer.signJws('uni-a', 'x', { includeX5c: true }))).toBe('key_not_found')
  })
})
