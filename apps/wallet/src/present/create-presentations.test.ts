// The two presentation builders, checked by independent verifiers: @alma/credentials'
// verifySdJwtVc (RFC 9901 §7.3 rules) for SD-JWT presentations, jose for VP JWTs.
import { verifySdJwtVc } from '@alma/credentials'
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { generateHolderKey, type HolderKey, holderDidOf } from '../holder-keys.ts'
import { issueTestSdJwt, issueTestVcJwt, testIssuerKey } from '../testing/test-credentials.ts'
import { createSdJwtPresentation, readSdJwt } from './create-sd-jwt-presentation.ts'
import { createVpJwt } from './create-vp-jwt.ts'

const NOW = new Date()
const AUDIENCE = 'x509_san_dns:verifier.example'
const NONCE = 'n-0S6_WzA2Mj'

let holderKey: HolderKey
let issuer: Awaited<ReturnType<typeof testIssuerKey>>
let sdJwt: string
beforeAll(async () => {
  holderKey = await generateHolderKey()
  issuer = await testIssuerKey()
  sdJwt = await issueTestSdJwt(
    holderKey,
    {
      family_name: 'Andromeda',
      given_name: 'Ana',
      birth_date: '2001-02-03',
      address: { street_address: 'Sternweg 1', locality: 'Adlerstadt' },
      nationalities: ['DE', 'FR'],
    },
    {
      _sd: ['family_name', 'given_name', 'birth_date', 'address'],
      address: { _sd: ['street_address', 'locality'] },
      nationalities: { _sd: [1] },
    },
    issuer,
  )
})

/** Verifies like a verifier does, and returns the disclosures' claim names as sent. */
async function verify(presentation: string) {
  const verified = await verifySdJwtVc(presentation, {
    resolveIssuerKey: async () => issuer.publicJwk,
    now: NOW,
    requireKeyBinding: true,
    expectedNonce: NONCE,
    expectedAud: AUDIENCE,
  })
  const sent = presentation
    .split('~')
    .slice(1, -1)
    .map((d) => JSON.parse(Buffer.from(d, 'base64url').toString('utf8')) as unknown[])
    .map((d) => (d.length === 3 ? d[1] : `[${JSON.stringify(d[1])}]`))
  return { verified, sent }
}

describe('SD-JWT presentations (RFC 9901)', () => {
  it('lists every claim the holder can withhold', async () => {
    const { claims, disclosable } = await readSdJwt(sdJwt)
    expect(claims).toMatchObject({
      family_name: 'Andromeda',
      address: { locality: 'Adlerstadt' },
      nationalities: ['DE', 'FR'],
    })
    expect(disclosable).toEqual(
      expect.arrayContaining([
        ['family_name'],
        ['given_name'],
        ['birth_date'],
        ['address'],
        ['address', 'street_address'],
        ['address', 'locality'],
        ['nationalities', 1],
      ]),
    )
    expect(disclosable).toHaveLength(7)
  })

  it('discloses exactly the chosen claims, with a KB-JWT the verifier accepts', async () => {
    const { presentation, disclosed } = await createSdJwtPresentation({
      sdJwt,
      holderKey,
      disclose: [['family_name'], ['birth_date']],
      audience: AUDIENCE,
      nonce: NONCE,
      now: NOW,
    })
    expect(disclosed).toEqual([['family_name'], ['birth_date']])
    const { verified, sent } = await verify(presentation)
    expect(sent.sort()).toEqual(['birth_date', 'family_name'])
    expect(verified.disclosed).toEqual({ family_name: 'Andromeda', birth_date: '2001-02-03' })
    expect(verified.keyBinding?.payload).toMatchObject({
      aud: AUDIENCE,
      nonce: NONCE,
      iat: Math.floor(NOW.getTime() / 1000),
    })
    expect(decodeProtectedHeader(presentation.split('~').at(-1)!)).toEqual({ typ: 'kb+jwt', alg: 'ES256' })
  })

  it('discloses a nested claim with its ancestors, and a whole object with what is under it', async () => {
    const street = await createSdJwtPresentation({
      sdJwt,
      holderKey,
      disclose: [
        ['address', 'street_address'],
        ['nationalities', 1],
      ],
      audience: AUDIENCE,
      nonce: NONCE,
      now: NOW,
    })
    expect(street.disclosed).toEqual([['address'], ['address', 'street_address'], ['nationalities', 1]])
    const checked = await verify(street.presentation)
    expect(checked.verified.payload).toMatchObject({
      address: { street_address: 'Sternweg 1' },
      nationalities: ['DE', 'FR'],
    })
    expect(checked.verified.payload.address).not.toHaveProperty('locality')

    const address = await createSdJwtPresentation({
      sdJwt,
      holderKey,
      disclose: [['address']],
      audience: AUDIENCE,
      nonce: NONCE,
      now: NOW,
    })
    expect(address.disclosed).toEqual([['address'], ['address', 'locality'], ['address', 'street_address']])
  })

  it('discloses nothing selectively when nothing is chosen (claims not asked for stay hidden)', async () => {
    const { presentation, disclosed } = await createSdJwtPresentation({
      sdJwt,
      holderKey,
      disclose: [],
      audience: AUDIENCE,
      nonce: NONCE,
      now: NOW,
    })
    expect(disclosed).toEqual([])
    const { verified, sent } = await verify(presentation)
    expect(sent).toEqual([])
    expect(verified.payload).not.toHaveProperty('family_name')
    expect(verified.payload.nationalities).toEqual(['DE'])
  })

  it('refuses claims the credential does not have, and a credential bound to another key', async () => {
    await expect(
      createSdJwtPresentation({ sdJwt, holderKey, disclose: [['email']], audience: AUDIENCE, nonce: NONCE, now: NOW }),
    ).rejects.toMatchObject({ code: 'disclosure_invalid' })
    await expect(
      createSdJwtPresentation({
        sdJwt,
        holderKey: await generateHolderKey(),
        disclose: [],
        audience: AUDIENCE,
        nonce: NONCE,
        now: NOW,
      }),
    ).rejects.toMatchObject({ code: 'credential_invalid' })
  })
})

describe('VP JWT (jwt_vc_json)', () => {
  it('wraps the VC-JWT for the audience and nonce, signed with the key in cnf.jwk', async () => {
    const vcJwt = await issueTestVcJwt(holderKey, { familyName: 'Andromeda' })
    const vp = await createVpJwt({ vcJwt, holderKey, audience: AUDIENCE, nonce: NONCE, now: NOW })
    const { payload, protectedHeader } = await jwtVerify(vp, await importJWK(holderKey.publicJwk, 'ES256'), {
      audience: AUDIENCE,
      currentDate: NOW,
    })
    const holder = holderDidOf(holderKey)
    expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'JWT', kid: holder.kid })
    expect(payload).toMatchObject({
      iss: holder.did,
      nonce: NONCE,
      vp: { type: ['VerifiablePresentation'], holder: holder.did, verifiableCredential: [vcJwt] },
    })
    await expect(
      createVpJwt({ vcJwt, holderKey: await generateHolderKey(), audience: AUDIENCE, nonce: NONCE, now: NOW }),
    ).rejects.toMatchObject({ code: 'credential_invalid' })
  })
})
