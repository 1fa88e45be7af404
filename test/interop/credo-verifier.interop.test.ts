// Credo 0.6.3 as the wallet, over real HTTP against our verifier (issue 13 §1): Credo resolves
// and checks our signed request (its X.509 chain to the verifier's CA, or our did:web), matches
// DCQL against its own store, builds the presentations (KB-JWT, VP JWT) and answers by
// direct_post or direct_post.jwt; our verifier must verify every answer. The credentials come
// from our issuer over OpenID4VCI, received and verified by Credo with every check on.
import { generateKeyPairSync } from 'node:crypto'
import { type AllianceMember, createAllianceRegistry, jwkToDidJwk } from '@alma/trust'
import type { DcqlCredentialsForRequest, SdJwtVcRecord, W3cCredentialRecord } from '@credo-ts/core'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COURSE_ID, startTestIssuer, type TestIssuer } from '../../apps/issuer/src/testing/issuer-harness.ts'
import { JWT_VC_QUERY_ID, SD_JWT_QUERY_ID } from '../../apps/verifier/src/presentation/templates.ts'
import { startTestVerifier, type TestVerifier } from '../../apps/verifier/src/testing/verifier-harness.ts'
import { bindingResolver, type CredoHolder, createCredoHolder } from './credo/credo-holder.ts'

const JWT_VC = `${COURSE_ID}_jwt_vc_json`
const SD_JWT = `${COURSE_ID}_dc_sd_jwt`
type Format = 'jwt_vc_json' | 'dc+sd-jwt'

let issuer: TestIssuer
let verifier: TestVerifier
let holder: CredoHolder

beforeAll(async () => {
  issuer = await startTestIssuer()
  verifier = await startTestVerifier({ trustAnchors: [String(issuer.ca?.certificatePem)], devAllowList: [issuer.url] })
  holder = await createCredoHolder({
    issuerTrustAnchors: [String(issuer.ca?.certificatePem)],
    verifierTrustAnchors: [verifier.ca.certificatePem],
    loopbackOrigins: [issuer.url, verifier.url],
  })
}, 120_000)
afterAll(async () => {
  await holder?.shutdown()
  await verifier?.close()
  await issuer?.close()
})

/**
 * The holder's credential of a format, received once from our issuer (pre-authorized code with
 * tx_code) and stored in Credo; Credo verified it on receipt. One per format, so a failure of
 * one format does not take the other's tests down.
 */
const received = new Map<Format, Promise<void>>()
function holds(format: Format): Promise<void> {
  let pending = received.get(format)
  if (!pending) {
    pending = (async () => {
      const configurationId = format === 'jwt_vc_json' ? JWT_VC : SD_JWT
      const offer = await issuer.offer({ txCode: true, configurations: [configurationId] })
      const resolved = await holder.openid4vc.holder.resolveCredentialOffer(offer.offerUri)
      const token = await holder.openid4vc.holder.requestToken({
        resolvedCredentialOffer: resolved,
        txCode: String(offer.txCode),
      })
      const { credentials } = await holder.openid4vc.holder.requestCredentials({
        resolvedCredentialOffer: resolved,
        ...token,
        credentialBindingResolver: bindingResolver(holder),
      })
      for (const { record } of credentials) {
        if (format === 'dc+sd-jwt') await holder.sdJwtVc.store({ record: record as SdJwtVcRecord })
        else await holder.w3cCredentials.store({ record: record as W3cCredentialRecord })
      }
    })()
    received.set(format, pending)
  }
  return pending
}

async function createRequest(body: Record<string, unknown>) {
  const created = await verifier.api('POST', `/api/${verifier.rpId}/presentation-requests`, body)
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  return created.body as { id: string; authorizationRequestUri: string }
}

async function resultOf(id: string) {
  return (await verifier.api('GET', `/api/${verifier.rpId}/presentation-requests/${id}`)).body
}

/** Credo resolves the request (checking its signature and trust), and we read what it saw. */
async function resolve(uri: string) {
  const resolved = await holder.openid4vc.holder.resolveOpenId4VpAuthorizationRequest(uri)
  expect(resolved.dcql, 'a DCQL request').toBeDefined()
  expect(resolved.dcql?.queryResult.can_be_satisfied, JSON.stringify(resolved.dcql?.queryResult)).toBe(true)
  return resolved
}

/** Credo answers with its own choice of credentials (DCQL credential sets: the first option it can fill). */
async function answer(
  resolved: Awaited<ReturnType<typeof resolve>>,
  credentials: DcqlCredentialsForRequest = holder.openid4vc.holder.selectCredentialsForDcqlRequest(
    resolved.dcql?.queryResult as never,
  ),
) {
  const accepted = await holder.openid4vc.holder.acceptOpenId4VpAuthorizationRequest({
    authorizationRequestPayload: resolved.authorizationRequestPayload,
    dcql: { credentials },
  })
  expect(accepted.serverResponse?.status, JSON.stringify(accepted.serverResponse?.body)).toBe(200)
  return accepted
}

/** The verifier's verdict: verified, and no step of any presented credential in error. */
async function expectVerified(id: string) {
  const read = await resultOf(id)
  expect(read.state, JSON.stringify(read)).toBe('succeeded')
  const errors = (read.result.credentials as { steps: { status: string; name: string; reason?: string }[] }[])
    .flatMap((c) => c.steps)
    .filter((s) => s.status === 'ERROR')
  expect(errors).toEqual([])
  expect(read.result.verdict).toBe('verified')
  return read.result as { credentials: { queryId: string; format: string; claims: Record<string, unknown> }[] }
}

describe('Credo → our verifier: both formats, both response modes (x509_hash:, HAIP 1.0)', () => {
  for (const format of ['dc+sd-jwt', 'jwt_vc_json'] as const) {
    for (const responseMode of ['direct_post', 'direct_post.jwt'] as const) {
      it(`${format}, ${responseMode}`, async () => {
        await holds(format)
        const created = await createRequest({
          template: { type: 'any-micro-credential' },
          formats: [format],
          responseMode,
        })
        const resolved = await resolve(created.authorizationRequestUri)
        expect(resolved.verifier.clientIdPrefix).toBe('x509_hash')
        expect(resolved.signedAuthorizationRequest?.signer.method).toBe('x5c')
        expect(resolved.authorizationRequestPayload.response_mode).toBe(responseMode)
        const accepted = await answer(resolved)
        const result = await expectVerified(created.id)
        expect(result.credentials.map((c) => c.format)).toEqual([format])
        if (format === 'jwt_vc_json') {
          // Credo's VP JWT has the nonce and aud OpenID4VP 1.0 Appendix B.1.3.1 asks for, and no
          // iat (optional there and in RFC 7519 §4.1.6): our verifier must not require it.
          const vpToken = accepted.authorizationResponsePayload.vp_token as Record<string, string[]>
          const vp = decodeJwt(String(vpToken[JWT_VC_QUERY_ID]?.[0]))
          expect(vp).toMatchObject({ nonce: resolved.authorizationRequestPayload.nonce, aud: expect.any(String) })
          expect(vp.iat).toBeUndefined()
        }
      })
    }
  }
})

describe('Credo → our verifier: client identifier prefixes (OpenID4VP 1.0 §5.9.3)', () => {
  for (const format of ['dc+sd-jwt', 'jwt_vc_json'] as const) {
    it(`x509_san_dns: with request_uri_method=post (§5.10), ${format}`, async () => {
      await holds(format)
      const created = await createRequest({
        template: { type: 'any-micro-credential' },
        formats: [format],
        clientIdPrefix: 'x509_san_dns',
        requestUriMethod: 'post',
      })
      expect(new URL(created.authorizationRequestUri).searchParams.get('request_uri_method')).toBe('post')
      const resolved = await resolve(created.authorizationRequestUri)
      expect(resolved.verifier.clientIdPrefix).toBe('x509_san_dns')
      expect(resolved.verifier.effectiveClientId).toBe('x509_san_dns:localhost')
      await answer(resolved)
      await expectVerified(created.id)
    })
  }

  it('decentralized_identifier: the request signed with the key of our did:web, resolved by Credo', async () => {
    await holds('dc+sd-jwt')
    const created = await createRequest({
      template: { type: 'any-micro-credential' },
      formats: ['dc+sd-jwt'],
      clientIdPrefix: 'decentralized_identifier',
    })
    const resolved = await resolve(created.authorizationRequestUri)
    expect(resolved.verifier.clientIdPrefix).toBe('decentralized_identifier')
    expect(resolved.verifier.effectiveClientId).toMatch(/^decentralized_identifier:did:web:localhost%3A\d+:employer$/)
    expect(resolved.signedAuthorizationRequest?.signer.method).toBe('did')
    await answer(resolved)
    await expectVerified(created.id)
  })

  it('a Credo that does not trust the verifier’s CA refuses the request and sends nothing', async () => {
    const distrustful = await createCredoHolder({
      issuerTrustAnchors: [String(issuer.ca?.certificatePem)],
      verifierTrustAnchors: [String(issuer.ca?.certificatePem)],
      loopbackOrigins: [issuer.url, verifier.url],
    })
    try {
      const created = await createRequest({ template: { type: 'any-micro-credential' } })
      await expect(
        distrustful.openid4vc.holder.resolveOpenId4VpAuthorizationRequest(created.authorizationRequestUri),
      ).rejects.toThrow()
      expect((await resultOf(created.id)).state).toBe('retrieved')
    } finally {
      await distrustful.shutdown()
    }
  })
})

describe('Credo → our verifier: the templates', () => {
  it('eqf-ects: Credo discloses only the level, the ECTS and the awarding bodies', async () => {
    await holds('dc+sd-jwt')
    const created = await createRequest({
      template: { type: 'eqf-ects', minEqfLevel: 4, minEcts: 1 },
      formats: ['dc+sd-jwt'],
    })
    await answer(await resolve(created.authorizationRequestUri))
    const result = await expectVerified(created.id)
    const claims = result.credentials[0]?.claims ?? {}
    expect(claims.level_of_learning_experience).toBeDefined()
    expect(claims.ects_credits).toBeTypeOf('number')
    expect(claims.awarding_bodies).toBeDefined()
    // The learner's selectively disclosable claims stay in the wallet; the issuer facts the EU
    // learning credential never makes disclosable (achievement_title, …) travel anyway.
    for (const hidden of ['given_name', 'family_name', 'birth_date', 'learner_identification', 'assessment_grade']) {
      expect(claims[hidden], hidden).toBeUndefined()
    }
    expect(claims.achievement_title).toBe('Creating Digital Learning Content')
  })

  it('eqf-ects above the credential’s level: Credo finds no matching credential', async () => {
    await holds('dc+sd-jwt')
    const created = await createRequest({
      template: { type: 'eqf-ects', minEqfLevel: 8, minEcts: 1 },
      formats: ['dc+sd-jwt'],
    })
    const resolved = await holder.openid4vc.holder.resolveOpenId4VpAuthorizationRequest(created.authorizationRequestUri)
    expect(resolved.dcql?.queryResult.can_be_satisfied).toBe(false)
  })

  for (const template of [
    { type: 'course', courseId: COURSE_ID },
    { type: 'esco-skill', escoSkill: 'http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a' },
  ]) {
    it(`${template.type}: the whole EDC in a jwt_vc_json`, async () => {
      await holds('jwt_vc_json')
      const created = await createRequest({ template })
      await answer(await resolve(created.authorizationRequestUri))
      const result = await expectVerified(created.id)
      expect(result.credentials.map((c) => c.queryId)).toEqual([JWT_VC_QUERY_ID])
    })
  }

  it('alliance-member: an issuer listed as active in the alliance’s signed registry', async () => {
    await holds('dc+sd-jwt')
    const alliance = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const allianceDid = jwkToDidJwk(alliance.publicKey.export({ format: 'jwk' }) as never)
    const member = (did: string): AllianceMember => ({
      did,
      legalIdentifiers: ['VATDE-123456789'],
      names: { en: 'University of Adlerstadt' },
      status: 'active',
      validFrom: '2020-01-01T00:00:00Z',
    })
    const allianceRegistryJwt = await createAllianceRegistry(
      {
        issuer: allianceDid,
        alliance: { id: 'https://alliance.example', name: 'Alliance X' },
        members: [member((await issuer.ctx.tenant('uni-a')).urls.did)],
        issuedAt: new Date(Date.now() - 60_000),
        expiresAt: new Date(Date.now() + 86_400_000),
      },
      { key: alliance.privateKey, alg: 'ES256', kid: `${allianceDid}#0` },
    )
    const created = await createRequest({
      template: { type: 'alliance-member', allianceDid, allianceRegistryJwt },
      formats: ['dc+sd-jwt'],
    })
    await answer(await resolve(created.authorizationRequestUri))
    await expectVerified(created.id)
  })

  it('any-micro-credential in either format: Credo fills the first option of the credential set', async () => {
    await Promise.all([holds('dc+sd-jwt'), holds('jwt_vc_json')])
    const created = await createRequest({ template: { type: 'any-micro-credential' } })
    const resolved = await resolve(created.authorizationRequestUri)
    expect(resolved.dcql?.queryResult.credential_sets?.[0]?.matching_options).toEqual([
      [SD_JWT_QUERY_ID],
      [JWT_VC_QUERY_ID],
    ])
    await answer(resolved)
    const result = await expectVerified(created.id)
    expect(result.credentials.map((c) => c.queryId)).toEqual([SD_JWT_QUERY_ID])
  })
})

describe('Credo → our verifier: a raw DCQL query with credential_sets (§6.2)', () => {
  const dcqlQuery = {
    credentials: [
      {
        id: 'learning',
        format: 'dc+sd-jwt',
        meta: { vct_values: ['urn:eu.europa.ec.eudi:learning:credential:1'] },
        claims: [{ path: ['family_name'] }, { path: ['achievement_title'] }],
      },
      {
        id: 'edc',
        format: 'jwt_vc_json',
        meta: { type_values: [['VerifiableCredential', 'EuropeanDigitalCredential']] },
      },
    ],
    credential_sets: [{ options: [['learning'], ['edc']] }, { options: [['edc']], required: false }],
  }

  it('Credo answers the required set (its first option) and leaves the optional one out', async () => {
    await Promise.all([holds('dc+sd-jwt'), holds('jwt_vc_json')])
    const created = await createRequest({ dcqlQuery })
    const resolved = await resolve(created.authorizationRequestUri)
    await answer(resolved)
    const result = await expectVerified(created.id)
    expect(result.credentials.map((c) => c.queryId)).toEqual(['learning'])
    expect(result.credentials[0]?.claims).toMatchObject({ family_name: 'Andromeda' })
  })

  it('a holder who also answers the optional set: both presentations verified', async () => {
    await Promise.all([holds('dc+sd-jwt'), holds('jwt_vc_json')])
    const created = await createRequest({ dcqlQuery, responseMode: 'direct_post' })
    const resolved = await resolve(created.authorizationRequestUri)
    // The holder's own choice, from Credo's matches: one credential for each query.
    const auto = holder.openid4vc.holder.selectCredentialsForDcqlRequest(resolved.dcql?.queryResult as never)
    const both = holder.openid4vc.holder.selectCredentialsForDcqlRequest({
      ...(resolved.dcql?.queryResult as never as Record<string, unknown>),
      credential_sets: undefined,
    } as never)
    expect(Object.keys(auto)).toEqual(['learning'])
    await answer(resolved, both)
    const result = await expectVerified(created.id)
    expect(result.credentials.map((c) => c.queryId).sort()).toEqual(['edc', 'learning'])
  })
})
