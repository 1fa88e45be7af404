import { createHmac, sign as cryptoSign, generateKeyPairSync } from 'node:crypto'
import { CompactEncrypt, exportJWK, SignJWT, UnsecuredJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { jwkToDidJwk } from '../did/did-jwk.ts'
import { createDidResolver } from '../did/resolver.ts'
import { publicJwkOf } from '../keys/algorithms.ts'
import { codeOf, didWebKey } from '../test-fixtures.ts'
import { buildAllianceRegistryPayload, createAllianceRegistry } from './create-alliance-registry.ts'
import { isActiveMember } from './is-active-member.ts'
import { verifyAllianceRegistry } from './verify-alliance-registry.ts'
import type { AllianceMember } from './z-alliance-registry.ts'

const ALLIANCE = 'did:web:alliance.example'
const now = new Date('2026-03-01T12:00:00Z')
const days = (n: number) => new Date(now.getTime() + n * 86_400_000)

const uniA: AllianceMember = {
  did: 'did:web:alliance.example:members:uni-a',
  legalIdentifiers: ['VATDE-123456789'],
  names: { en: 'University A', de: 'Universität A' },
  status: 'active',
  validFrom: '2025-01-01T00:00:00Z',
}
const uniB: AllianceMember = {
  did: 'did:web:alliance.example:members:uni-b',
  legalIdentifiers: ['VATFR-12345678901', 'ERASMUS:F PARIS999'],
  names: { fr: 'Université B' },
  status: 'suspended',
  validFrom: '2025-01-01T00:00:00Z',
}
const uniC: AllianceMember = {
  did: 'did:web:uni-c.example',
  legalIdentifiers: ['VATIT-12345678901'],
  names: { it: 'Università C' },
  status: 'active',
  validFrom: '2026-06-01T00:00:00Z',
}
const uniD: AllianceMember = {
  did: 'did:web:uni-d.example',
  legalIdentifiers: ['VATES-A00000000'],
  names: { es: 'Universidad D' },
  status: 'active',
  validFrom: '2024-01-01T00:00:00Z',
  validUntil: '2026-01-01T00:00:00Z',
}

const input = {
  issuer: ALLIANCE,
  alliance: { id: 'https://alliance.example', name: 'Alliance X' },
  members: [uniA, uniB, uniC, uniD],
  issuedAt: now,
  expiresAt: days(30),
}

/** The alliance's key and its did:web document, as a resolver would return it. */
const setup = () => didWebKey('alliance.example')

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')

describe('alliance registry: create and verify', () => {
  it('round-trips with the alliance key, and with the key from the alliance DID document', async () => {
    const a = await setup()
    const jwt = await createAllianceRegistry(input, { key: a.privateKey, alg: 'ES256', kid: a.kid })
    const byKey = await verifyAllianceRegistry(jwt, { allianceKey: a.publicJwk, now })
    expect(byKey.header).toEqual({ alg: 'ES256', typ: 'alliance-registry+jwt', kid: a.kid })
    expect(byKey.registry.members).toEqual([uniA, uniB, uniC, uniD])
    expect(byKey.registry.iat).toBe(Math.floor(now.getTime() / 1000))
    const byDid = await verifyAllianceRegistry(jwt, { resolver: a.resolver, expectedIssuer: ALLIANCE, now })
    expect(byDid.registry.alliance).toEqual({ id: 'https://alliance.example', name: 'Alliance X' })
  })

  it('works with a did:jwk alliance through our resolver, and an Ed25519 key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const did = jwkToDidJwk(publicJwkOf(publicKey))
    const jwt = await createAllianceRegistry(
      { ...input, issuer: did },
      { key: privateKey, alg: 'EdDSA', kid: `${did}#0` },
    )
    const { registry } = await verifyAllianceRegistry(jwt, {
      resolver: createDidResolver({ mode: 'development' }),
      expectedIssuer: did,
      now,
    })
    expect(registry.iss).toBe(did)
  })

  it('rejects a bad signature: tampered payload, or signed by another key', async () => {
    const a = await setup()
    const jwt = await createAllianceRegistry(input, { key: a.privateKey, alg: 'ES256', kid: a.kid })
    const [h, p, s] = jwt.split('.')
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString())
    payload.members[1].status = 'active'
    const tampered = `${h}.${b64(payload)}.${s}`
    expect(await codeOf(verifyAllianceRegistry(tampered, { allianceKey: a.publicJwk, now }))).toBe(
      'registry_signature_invalid',
    )
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    const forged = await createAllianceRegistry(input, { key: other, alg: 'ES256', kid: a.kid })
    expect(await codeOf(verifyAllianceRegistry(forged, { resolver: a.resolver, expectedIssuer: ALLIANCE, now }))).toBe(
      'registry_signature_invalid',
    )
  })

  it('ignores an embedded jwk, jku and x5u: the key comes from the DID document only', async () => {
    const a = await setup()
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const payload = buildAllianceRegistryPayload({ ...input, members: [{ ...uniB, status: 'active' }] })
    const jwt = await new SignJWT(payload)
      .setProtectedHeader({
        alg: 'ES256',
        typ: 'alliance-registry+jwt',
        kid: a.kid,
        jwk: await exportJWK(attacker.publicKey),
        jku: 'https://attacker.example/jwks.json',
        x5u: 'https://attacker.example/cert.pem',
      })
      .sign(attacker.privateKey)
    expect(await codeOf(verifyAllianceRegistry(jwt, { resolver: a.resolver, expectedIssuer: ALLIANCE, now }))).toBe(
      'registry_signature_invalid',
    )
  })

  it('rejects a wrong or missing typ', async () => {
    const a = await setup()
    const payload = buildAllianceRegistryPayload(input)
    for (const typ of ['JWT', 'vc+jwt', undefined]) {
      const jwt = await new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', kid: a.kid, ...(typ ? { typ } : {}) })
        .sign(a.privateKey)
      expect(await codeOf(verifyAllianceRegistry(jwt, { allianceKey: a.publicJwk, now })), String(typ)).toBe(
        'registry_typ_invalid',
      )
    }
  })

  it('rejects alg none and HS256 signed with the public key (algorithm confusion)', async () => {
    const a = await setup()
    const payload = buildAllianceRegistryPayload(input)
    const unsecured = new UnsecuredJWT(payload).encode()
    const noneWithTyp = `${b64({ alg: 'none', typ: 'alliance-registry+jwt' })}.${unsecured.split('.')[1]}.`
    expect(await codeOf(verifyAllianceRegistry(noneWithTyp, { allianceKey: a.publicJwk, now }))).toBe(
      'registry_alg_not_allowed',
    )
    const header = b64({ alg: 'HS256', typ: 'alliance-registry+jwt', kid: a.kid })
    const body = b64(payload)
    const secret = a.publicKey.export({ format: 'pem', type: 'spki' })
    const mac = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url')
    for (const options of [
      { allianceKey: a.publicJwk, now },
      { resolver: a.resolver, now },
    ]) {
      expect(await codeOf(verifyAllianceRegistry(`${header}.${body}.${mac}`, options))).toBe('registry_alg_not_allowed')
    }
  })

  it('rejects a key that does not fit the header alg (RS256 header, EC key)', async () => {
    const a = await setup()
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    const jwt = await createAllianceRegistry(input, { key: rsa, alg: 'RS256', kid: a.kid })
    expect(await codeOf(verifyAllianceRegistry(jwt, { allianceKey: a.publicJwk, now }))).toBe(
      'registry_signature_invalid',
    )
    expect(await codeOf(verifyAllianceRegistry(jwt, { allianceKey: a.publicKey, now }))).toBe(
      'registry_signature_invalid',
    )
  })

  it('rejects an expired and a not-yet-valid registry', async () => {
    const a = await setup()
    const jwt = await createAllianceRegistry(input, { key: a.privateKey, alg: 'ES256', kid: a.kid })
    expect(await codeOf(verifyAllianceRegistry(jwt, { allianceKey: a.publicJwk, now: days(31) }))).toBe(
      'registry_expired',
    )
    const future = await createAllianceRegistry(
      { ...input, notBefore: days(2) },
      { key: a.privateKey, alg: 'ES256', kid: a.kid },
    )
    expect(await codeOf(verifyAllianceRegistry(future, { allianceKey: a.publicJwk, now }))).toBe(
      'registry_not_yet_valid',
    )
    expect(
      (await verifyAllianceRegistry(future, { allianceKey: a.publicJwk, now: days(3) })).registry.nbf,
    ).toBeDefined()
  })

  it("rejects a kid of another DID than the expected alliance, and an iss that is not the key's DID", async () => {
    const a = await setup()
    const evil = await createAllianceRegistry(
      { ...input, issuer: 'did:web:evil.example' },
      { key: a.privateKey, alg: 'ES256', kid: 'did:web:evil.example#k' },
    )
    await expect(
      verifyAllianceRegistry(evil, { resolver: a.resolver, expectedIssuer: ALLIANCE, now }),
    ).rejects.toThrowError(/belongs to did:web:evil\.example, not to did:web:alliance\.example/)
    // signed with the alliance key, but claiming to be another alliance's list
    const payload = { ...buildAllianceRegistryPayload(input), iss: 'did:web:other-alliance.example' }
    const mislabelled = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', typ: 'alliance-registry+jwt', kid: a.kid })
      .sign(a.privateKey)
    await expect(verifyAllianceRegistry(mislabelled, { resolver: a.resolver, now })).rejects.toThrowError(
      /signed with a key of did:web:alliance\.example, but iss is did:web:other-alliance\.example/,
    )
  })

  it('rejects JWEs, unknown crit, non-numeric exp and payloads outside the schema', async () => {
    const a = await setup()
    const jwe = await new CompactEncrypt(new TextEncoder().encode('{}'))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', typ: 'alliance-registry+jwt' })
      .encrypt(new Uint8Array(32))
    expect(await codeOf(verifyAllianceRegistry(jwe, { allianceKey: a.publicJwk, now }))).toBe('registry_invalid')

    const payload = buildAllianceRegistryPayload(input)
    const sign = (p: object, extra: object = {}) =>
      new SignJWT(p as never)
        .setProtectedHeader({ alg: 'ES256', typ: 'alliance-registry+jwt', kid: a.kid, ...extra })
        .sign(a.privateKey)
    // jose will not sign with an unknown crit, so this one is signed by hand (RFC 7515 §5.1, ES256 = P1363 r‖s)
    const critInput = `${b64({ alg: 'ES256', typ: 'alliance-registry+jwt', crit: ['urn:example:unknown'], 'urn:example:unknown': true })}.${b64(payload)}`
    const critSig = cryptoSign('sha256', Buffer.from(critInput), { key: a.privateKey, dsaEncoding: 'ieee-p1363' })
    const crit = `${critInput}.${critSig.toString('base64url')}`
    expect(await codeOf(verifyAllianceRegistry(crit, { allianceKey: a.publicJwk, now }))).toBe('registry_invalid')
    await expect(verifyAllianceRegistry(crit, { allianceKey: a.publicJwk, now })).rejects.toThrowError(/not recognized/)
    const stringExp = await sign({ ...payload, exp: 'next month' })
    expect(await codeOf(verifyAllianceRegistry(stringExp, { allianceKey: a.publicJwk, now }))).toBe('registry_invalid')
    await expect(verifyAllianceRegistry(stringExp, { allianceKey: a.publicJwk, now })).rejects.toThrowError(/claim exp/)
    const duplicate = await sign({ ...payload, members: [uniA, uniA] })
    await expect(verifyAllianceRegistry(duplicate, { allianceKey: a.publicJwk, now })).rejects.toThrowError(
      /members\.1\.did: did:web:alliance\.example:members:uni-a is listed twice/,
    )
    // duplicate members in the payload, signed correctly: jose would keep the last "iss"
    const dupInput = `${b64({ alg: 'ES256', typ: 'alliance-registry+jwt', kid: a.kid })}.${Buffer.from(
      `{"iss":"${ALLIANCE}",${JSON.stringify(payload).slice(1, -1)},"iss":"did:web:evil.example"}`,
    ).toString('base64url')}`
    const dupSig = cryptoSign('sha256', Buffer.from(dupInput), { key: a.privateKey, dsaEncoding: 'ieee-p1363' })
    await expect(
      verifyAllianceRegistry(`${dupInput}.${dupSig.toString('base64url')}`, { allianceKey: a.publicJwk, now }),
    ).rejects.toThrowError(/duplicate member "iss"/)
    const badStatus = await sign({ ...payload, members: [{ ...uniA, status: 'revoked' }] })
    await expect(verifyAllianceRegistry(badStatus, { allianceKey: a.publicJwk, now })).rejects.toThrowError(
      /members\.0\.status/,
    )
  })

  it('refuses to build a malformed registry, naming the field', () => {
    expect(() => buildAllianceRegistryPayload({ ...input, members: [{ ...uniA, legalIdentifiers: [] }] })).toThrowError(
      /members\.0\.legalIdentifiers: must list at least one legal identifier/,
    )
    expect(() => buildAllianceRegistryPayload({ ...input, expiresAt: days(-1) })).toThrowError(
      /exp: exp must be after iat/,
    )
    expect(() =>
      buildAllianceRegistryPayload({ ...input, members: [{ ...uniA, validUntil: '2024-01-01T00:00:00Z' }] }),
    ).toThrowError(/validUntil must be after validFrom/)
  })
})

describe('isActiveMember', () => {
  it('answers active for a listed, active member within its validity', () => {
    const registry = buildAllianceRegistryPayload(input)
    const result = isActiveMember(registry, uniA.did, now)
    expect(result).toEqual({ active: true, member: uniA })
  })

  it('says why not: suspended, unknown, not yet valid, expired', () => {
    const registry = buildAllianceRegistryPayload(input)
    expect(isActiveMember(registry, uniB.did, now)).toMatchObject({ active: false, reason: 'suspended' })
    expect(isActiveMember(registry, 'did:web:stranger.example', now)).toMatchObject({
      active: false,
      reason: 'unknown_member',
      message: 'did:web:stranger.example is not a member of Alliance X',
    })
    expect(isActiveMember(registry, uniC.did, now)).toMatchObject({ active: false, reason: 'not_yet_valid' })
    expect(isActiveMember(registry, uniC.did, new Date('2026-06-01T00:00:00Z')).active).toBe(true)
    expect(isActiveMember(registry, uniD.did, now)).toMatchObject({ active: false, reason: 'expired' })
    expect(isActiveMember(registry, uniD.did, new Date('2025-12-31T23:59:59Z')).active).toBe(true)
  })
})
