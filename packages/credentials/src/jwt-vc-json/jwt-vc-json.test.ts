import { validateEdcShacl } from '@alma/elm/shacl'
import { SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { isCredentialError } from '../errors.ts'
import { BITSTRING_STATUS_CONTEXT } from '../status/z-bitstring-status-list.ts'
import { createHolder, createTestIssuer, decodeJws, FIXED_NOW, minimalEdc, type TestIssuer } from '../test-fixtures.ts'
import { createJwtVcJson, edcOfJwtVc } from './create-jwt-vc-json.ts'
import { verifyJwtVcJson } from './verify-jwt-vc-json.ts'

const ISSUER_DID = 'did:web:uni-min.example'
const LIST_URL = 'https://issuer.example/uni-min/status/1'

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (e) {
    return isCredentialError(e) ? e.code : `not a CredentialError: ${String(e)}`
  }
  return undefined
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

describe('jwt_vc_json', () => {
  let issuer: TestIssuer
  const holder = createHolder()
  const edc = minimalEdc()
  let jwt: string

  beforeAll(async () => {
    issuer = await createTestIssuer(ISSUER_DID)
    jwt = await createJwtVcJson({
      edc,
      issuer: { tenantId: issuer.tenantId, did: ISSUER_DID },
      holder: { did: holder.did },
      status: { uri: LIST_URL, idx: 4711 },
      now: new Date('2026-07-20T10:42:17Z'),
      sign: issuer.signer,
    })
  })

  it('is a VC-JWT (VC 1.1 §6.3.1) with kid, x5c, rounded iat/nbf, the status claim and the EDC as vc', () => {
    const { header, payload } = decodeJws(jwt)
    expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: expect.stringMatching(/^did:web:uni-min\.example#/) })
    expect(header.x5c).toHaveLength(1) // the seal certificate; the trust anchor is not sent (HAIP 1.0 §6.1.1)
    expect(payload).toMatchObject({ iss: ISSUER_DID, sub: holder.did, jti: edc.id })
    // security.md: the issuance second is not revealed; FIXED_NOW is 10:00:00, now 10:42:17.
    expect(payload.iat).toBe(Date.parse('2026-07-20T10:00:00Z') / 1000)
    expect(payload.nbf % 3600).toBe(0)
    expect(payload.exp).toBeUndefined() // the minimal credential has no validUntil
    expect(payload.vc.credentialSubject.id).toBe(holder.did)
    // draft-ietf-oauth-status-list §6.1: the reference is a JWT claim; the EDC carries none.
    expect(payload.status).toEqual({ status_list: { idx: 4711, uri: LIST_URL } })
    expect(payload.vc.credentialStatus).toBeUndefined()
    expect(payload.vc['@context']).toEqual(edc['@context'])
    expect(payload.vc.issuer.id).toBe(ISSUER_DID)
  })

  it('binds by cnf.jwk when the wallet proved a bare key (HAIP)', async () => {
    const bound = await createJwtVcJson({
      edc,
      issuer: { tenantId: issuer.tenantId, did: ISSUER_DID },
      holder: { jwk: holder.publicJwk },
      now: FIXED_NOW,
      sign: issuer.signer,
      granularity: 'day',
    })
    const { payload } = decodeJws(bound)
    expect(payload.sub).toBeUndefined()
    expect(payload.cnf).toEqual({ jwk: holder.publicJwk })
    expect(payload.iat % 86_400).toBe(0)
    const verified = await verifyJwtVcJson(bound, { resolveIssuerKey: issuer.resolveIssuerKey, now: FIXED_NOW })
    expect(verified.holder).toEqual({ jwk: holder.publicJwk })
    expect(verified.status).toBeUndefined()
    expect(verified.credentialStatus).toBeUndefined()
  })

  it('verifies, and returns the EDC document and the status reference', async () => {
    const verified = await verifyJwtVcJson(jwt, { resolveIssuerKey: issuer.resolveIssuerKey, now: FIXED_NOW })
    expect(verified.holder).toEqual({ did: holder.did })
    expect(verified.status).toEqual({ status_list: { idx: 4711, uri: LIST_URL } })
    expect(verified.credentialStatus).toBeUndefined()
    expect(verified.edc).toEqual({
      ...edc,
      credentialSubject: { ...(edc.credentialSubject as object), id: holder.did },
    })
  })

  it('issues a vc that is itself conformant to the EC SHACL shapes: no copy, nothing stripped', async () => {
    const { payload } = decodeJws(jwt)
    const report = await validateEdcShacl(payload.vc)
    expect(report.violations).toEqual([])
    expect(report.conforms).toBe(true)
    expect(edcOfJwtVc(payload.vc)).toEqual(payload.vc)
  })

  it('documents the EC shape: a credentialStatus entry in the vc would be one violation', async () => {
    // EDC-generic-no-cv.ttl, EuropeanDigitalCredential-cred_credentialStatus: sh:datatype xsd:anyURI,
    // sh:maxCount 1. The VC 1.1 context (protected) makes credentialStatus an @id, so neither a
    // status entry object nor a bare URL satisfies it: hence the JWT `status` claim. If the EC
    // relaxes the shape, this test fails.
    const { payload } = decodeJws(jwt)
    const entry = {
      id: `${LIST_URL}#4711`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '4711',
      statusListCredential: LIST_URL,
    }
    const shapeMessage = 'Value does not have datatype <http://www.w3.org/2001/XMLSchema#anyURI>'
    const withEntry = {
      ...payload.vc,
      '@context': [...edc['@context'], BITSTRING_STATUS_CONTEXT],
      credentialStatus: entry,
    }
    const asEntry = await validateEdcShacl(withEntry)
    expect(asEntry.violations.map((v) => [v.property, v.message])).toEqual([['credentialStatus', shapeMessage]])
    const asUrl = await validateEdcShacl({ ...payload.vc, credentialStatus: LIST_URL })
    expect(asUrl.violations.map((v) => [v.property, v.message])).toEqual([['credentialStatus', shapeMessage]])
    // Without the inline status context the JSON-LD itself is refused (safe mode: undefined terms).
    await expect(validateEdcShacl({ ...withEntry, '@context': edc['@context'] })).rejects.toMatchObject({
      code: 'invalid_json_ld',
    })
  })

  it('still reads the BitstringStatusListEntry of a credential issued before the status claim', async () => {
    const { payload } = decodeJws(jwt)
    const { status: _status, ...claims } = payload
    const entry = {
      id: `${LIST_URL}#12`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '12',
      statusListCredential: LIST_URL,
    }
    const legacy = await issuer.signer.signJwt(
      issuer.tenantId,
      {
        ...claims,
        vc: { ...payload.vc, '@context': [...edc['@context'], BITSTRING_STATUS_CONTEXT], credentialStatus: entry },
      },
      { typ: 'JWT', includeX5c: true },
    )
    const verified = await verifyJwtVcJson(legacy, { resolveIssuerKey: issuer.resolveIssuerKey, now: FIXED_NOW })
    expect(verified.status).toBeUndefined()
    expect(verified.credentialStatus).toEqual(entry)
    expect(verified.edc).toEqual(payload.vc)
  })

  it('refuses a malformed status claim (claims_invalid) and a bad status reference at issuance', async () => {
    const payload = decodeJws(jwt).payload
    const sign = (claims: Record<string, unknown>) => issuer.signer.signJwt(issuer.tenantId, claims, { typ: 'JWT' })
    const verify = (token: string) =>
      codeOf(verifyJwtVcJson(token, { resolveIssuerKey: issuer.resolveIssuerKey, now: FIXED_NOW }))
    expect(await verify(await sign({ ...payload, status: { status_list: { idx: '7', uri: LIST_URL } } }))).toBe(
      'claims_invalid',
    )
    expect(await verify(await sign({ ...payload, status: { status_list: { idx: 7, uri: 'not a uri' } } }))).toBe(
      'claims_invalid',
    )
    const issue = (status: { uri: string; idx: number }) =>
      codeOf(
        createJwtVcJson({
          edc,
          issuer: { tenantId: issuer.tenantId, did: ISSUER_DID },
          holder: { did: holder.did },
          status,
          now: FIXED_NOW,
          sign: issuer.signer,
        }),
      )
    expect(await issue({ uri: LIST_URL, idx: -1 })).toBe('invalid_input')
    expect(await issue({ uri: 'no uri', idx: 1 })).toBe('invalid_input')
  })

  it('refuses to sign an EDC whose issuer is another DID', async () => {
    const code = await codeOf(
      createJwtVcJson({
        edc,
        issuer: { tenantId: issuer.tenantId, did: 'did:web:other.example' },
        holder: { did: holder.did },
        now: FIXED_NOW,
        sign: issuer.signer,
      }),
    )
    expect(code).toBe('invalid_input')
  })

  describe('rejects (RFC 8725; security.md "JOSE and SD-JWT")', () => {
    const verify = (token: string, now = FIXED_NOW) =>
      codeOf(verifyJwtVcJson(token, { resolveIssuerKey: issuer.resolveIssuerKey, now }))

    it('alg none and HS256', async () => {
      const [, payload] = jwt.split('.')
      expect(await verify(`${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`)).toBe('jws_alg_not_allowed')
      const hs = await new SignJWT(decodeJws(jwt).payload)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .sign(new Uint8Array(32))
      expect(await verify(hs)).toBe('jws_alg_not_allowed')
    })

    it('a JWE, a wrong typ, crit, jku and x5u', async () => {
      expect(await verify('a.b.c.d.e')).toBe('jws_malformed')
      const signWith = (header: Record<string, unknown>) =>
        issuer.signer.signJwt(issuer.tenantId, decodeJws(jwt).payload, header)
      expect(await verify(await signWith({ typ: 'dc+sd-jwt', includeX5c: true }))).toBe('jws_typ_invalid')
      // jose signs only crit extensions it knows; b64 is one, and we understand none.
      expect(await verify(await signWith({ typ: 'JWT', crit: ['b64'], b64: true }))).toBe('jws_crit_unsupported')
      expect(await verify(await signWith({ typ: 'JWT', jku: 'https://evil.example/jwks' }))).toBe(
        'jws_header_forbidden',
      )
      expect(await verify(await signWith({ typ: 'JWT', x5u: 'https://evil.example/cert' }))).toBe(
        'jws_header_forbidden',
      )
    })

    it('a tampered payload and duplicate JSON members', async () => {
      const [header, , signature] = jwt.split('.')
      const payload = decodeJws(jwt).payload
      const tampered = b64({ ...payload, sub: 'did:web:mallory.example' })
      expect(await verify(`${header}.${tampered}.${signature}`)).toBe('jws_signature_invalid')
      const duplicate = Buffer.from(`{"iss":"${ISSUER_DID}","iss":"did:web:x"}`).toString('base64url')
      expect(await verify(`${header}.${duplicate}.${signature}`)).toBe('json_invalid')
    })

    it('iss other than the vc issuer, jti other than the id, non-numeric exp', async () => {
      const payload = decodeJws(jwt).payload
      const sign = (claims: Record<string, unknown>) => issuer.signer.signJwt(issuer.tenantId, claims, { typ: 'JWT' })
      const otherIssuer = {
        ...payload,
        vc: { ...payload.vc, issuer: { ...payload.vc.issuer, id: 'did:web:x.example' } },
      }
      expect(await verify(await sign(otherIssuer))).toBe('issuer_mismatch')
      expect(await verify(await sign({ ...payload, jti: 'urn:uuid:other' }))).toBe('claims_invalid')
      expect(await verify(await sign({ ...payload, exp: '2030-01-01' }))).toBe('claims_invalid')
    })

    it('expired and not yet valid', async () => {
      const payload = decodeJws(jwt).payload
      const expiring = await issuer.signer.signJwt(
        issuer.tenantId,
        { ...payload, exp: payload.nbf + 3600 },
        { typ: 'JWT' },
      )
      expect(await verify(expiring, new Date((payload.nbf + 7200) * 1000))).toBe('credential_expired')
      expect(await verify(jwt, new Date('2026-07-19T00:00:00Z'))).toBe('credential_not_yet_valid')
    })

    it('a kid from another DID than iss', async () => {
      const other = await createTestIssuer('did:web:other.example', 'other')
      const payload = decodeJws(jwt).payload
      const forged = await other.signer.signJwt(other.tenantId, payload, { typ: 'JWT' })
      const code = await codeOf(verifyJwtVcJson(forged, { resolveIssuerKey: issuer.resolveIssuerKey, now: FIXED_NOW }))
      expect(code).toBe('issuer_key_unresolved')
    })
  })
})
