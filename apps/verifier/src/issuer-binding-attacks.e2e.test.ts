// Issue 12 §1 over HTTP: an SD-JWT VC is believed only from the issuer its key is bound to. Each
// forgery is signed with a certificate the relying party's own trust anchor issued, sent by a wallet
// written out by hand, and must leave the session failed at issuer-trust with a reason naming the
// mismatch and no claims released. Our own credentials — one awarding body, a joint award, one
// issued by an alliance on mandate — keep verifying, and none of them carries the trust anchor.
import { createPublicKey, generateKeyPairSync, type KeyObject, type webcrypto, X509Certificate } from 'node:crypto'
import { createSdJwtVc, EU_LEARNING_CREDENTIAL_VCT } from '@alma/credentials'
import { buildEdc, type EdcDocument } from '@alma/elm'
import {
  type AllianceMember,
  createAllianceRegistry,
  createDevCa,
  importKeyMaterial,
  issueSealCertificate,
  jwkToDidJwk,
  type Signer,
  withCertificateChain,
} from '@alma/trust'
import { decodeProtectedHeader, exportJWK, type JWK, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ONE_PIXEL_PNG } from '../../../packages/elm/src/test-fixtures.ts'
import { provisionTenant } from '../../issuer/src/issuance/provision-tenant.ts'
import { ensureSealCertificatesNameIssuers } from '../../issuer/src/issuance/seal-certificates.ts'
import { COURSE_ID, readExample, startTestIssuer, type TestIssuer } from '../../issuer/src/testing/issuer-harness.ts'
import {
  type IssuedCredentials,
  issueBoth,
  openRequest,
  presentSdJwt,
  redeemBoth,
  submitResponse,
  vpJwt,
} from './testing/hand-wallet.ts'
import { startTestVerifier, type TestVerifier } from './testing/verifier-harness.ts'

let issuer: TestIssuer
let verifier: TestVerifier
let issued: IssuedCredentials
/** The verifier's clock, moved forward where a test needs its caches to age. */
let verifierShiftMs = 0
/** uni-a's Credential Issuer Identifier and what its genuine SD-JWT VC says. */
let iss: string
let metadataUrl: string
let genuine: { status: { uri: string; idx: number }; header: Record<string, any> }

const unb64 = (segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
const b64 = (der: Uint8Array) => Buffer.from(der).toString('base64')

beforeAll(async () => {
  issuer = await startTestIssuer()
  verifier = await startTestVerifier({
    trustAnchors: [String(issuer.ca?.certificatePem)],
    devAllowList: [issuer.url],
    now: () => new Date(Date.now() + verifierShiftMs),
  })
  issued = await issueBoth(issuer)
  const [jwt] = issued.sdJwt.split('~')
  const payload = unb64(jwt!.split('.')[1]!)
  iss = payload.iss
  metadataUrl = `${issuer.url}/.well-known/jwt-vc-issuer/uni-a`
  genuine = { status: payload.status.status_list, header: decodeProtectedHeader(jwt!) as Record<string, any> }
}, 120_000)
afterAll(async () => {
  await verifier?.close()
  await issuer?.close()
})

// ——— helpers ————————————————————————————————————————————————————————————————————————————

interface OpenRequest {
  readonly id: string
  readonly request: Record<string, any>
  readonly queryId: string
  readonly claims: string[]
}

async function newRequest(
  format: 'dc+sd-jwt' | 'jwt_vc_json',
  template: Record<string, unknown>,
): Promise<OpenRequest> {
  const created = await verifier.api('POST', `/api/${verifier.rpId}/presentation-requests`, {
    template,
    formats: [format],
  })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  const { payload } = await openRequest(created.body.authorizationRequestUri, {
    trustedCa: verifier.ca.certificatePem,
  })
  const query = payload.dcql_query.credentials[0]
  return {
    id: created.body.id,
    request: payload,
    queryId: String(query.id),
    claims: (query.claims ?? []).map((c: { path: string[] }) => c.path[0]),
  }
}

const target = (r: OpenRequest) => ({ aud: r.request.client_id, nonce: r.request.nonce })

/** Presents an SD-JWT (every disclosure the query names) with a KB-JWT by the wallet key of `issued`. */
async function presentSd(r: OpenRequest, sdJwt: string, credentials: IssuedCredentials = issued) {
  const presentation = await presentSdJwt(sdJwt, credentials.keys[1]!, r.claims, target(r))
  return submitResponse(r.request, { vp_token: { [r.queryId]: [presentation] }, state: r.request.state })
}

async function readResult(r: OpenRequest) {
  const read = await verifier.api('GET', `/api/${verifier.rpId}/presentation-requests/${r.id}`)
  expect(read.status, JSON.stringify(read.body)).toBe(200)
  return read.body
}

/**
 * The session failed at issuer-trust: the wallet's message was taken (200), the verdict is failed,
 * issuer-trust is the only ERROR and its reason names each of `mismatches`, later steps were not
 * run, and no claim of the forged credential was released.
 */
async function expectIssuerTrustRefusal(
  r: OpenRequest,
  answered: { status: number; body: unknown },
  mismatches: readonly string[],
  prefix = `${iss} is not trusted: `,
) {
  expect(answered).toEqual({ status: 200, body: {} })
  const session = await readResult(r)
  expect(session.state).toBe('failed')
  expect(session.result.verdict).toBe('failed')
  const [credential] = session.result.credentials
  expect(credential.verdict).toBe('failed')
  expect(credential.claims).toBeUndefined()
  expect(credential.annexI).toBeUndefined()
  const errors = credential.steps.filter((s: any) => s.status === 'ERROR')
  expect(errors.map((s: any) => s.id)).toEqual(['issuer-trust'])
  const reason: string = errors[0].reason
  expect(reason.startsWith(prefix), reason).toBe(true)
  for (const mismatch of mismatches) expect(reason).toContain(mismatch)
  const after = credential.steps.slice(credential.steps.findIndex((s: any) => s.id === 'issuer-trust') + 1)
  expect(after.every((s: any) => s.status === 'SKIPPED' && s.reason === 'not checked: issuer-trust failed')).toBe(true)
  expect(session.result.reason).toMatch(new RegExp(`^${r.queryId}: issuer-trust failed: `))
  return reason
}

/** The example course as someone would like it to read: "Doctor of Medicine", EQF 8, 360 ECTS. */
function doctorOfMedicine(organisations: Record<string, unknown>): EdcDocument {
  const specification = {
    ...readExample('specification.json'),
    title: { en: 'Doctor of Medicine', de: 'Doktor der Medizin' },
    eqfLevel: 'http://data.europa.eu/snb/eqf/8',
    creditPoints: [{ framework: 'http://data.europa.eu/snb/education-credit/6fcec5c5af', points: 360 }],
  }
  return buildEdc(specification, readExample('awards/ana-andromeda.json'), organisations, {
    pages: { en: ONE_PIXEL_PNG, de: ONE_PIXEL_PNG },
  })
}

/**
 * An SD-JWT VC made with our own createSdJwtVc, but signed by `key` with exactly the JOSE header
 * `{alg, typ, x5c, kid?}` — no kid unless given: judged by its x5c.
 */
async function forgeSdJwt(options: {
  key: KeyObject | webcrypto.CryptoKey
  x5c: string[]
  kid?: string
  edc?: EdcDocument
}): Promise<string> {
  const sign = async (claims: Record<string, unknown>, typ: string | undefined) =>
    new SignJWT(claims)
      .setProtectedHeader({
        alg: 'ES256',
        ...(typ ? { typ } : {}),
        x5c: options.x5c,
        ...(options.kid ? { kid: options.kid } : {}),
      })
      .sign(options.key)
  const signer: Signer = {
    signJwt: (_tenant, claims, header) => sign(claims, typeof header?.typ === 'string' ? header.typ : undefined),
    signJws: async () => {
      throw new Error('not used')
    },
    activeKey: async () => ({ tenantId: 'forger', kid: 'forged', alg: 'ES256', headerKid: 'forged', x5c: options.x5c }),
    invalidate: () => {},
  }
  const organisations = (await issuer.store.tenants.get('uni-a'))!.config.organisations as Record<string, unknown>
  return createSdJwtVc({
    edc: options.edc ?? doctorOfMedicine(organisations),
    vct: EU_LEARNING_CREDENTIAL_VCT,
    issuer: iss,
    tenantId: 'forger',
    holderJwk: issued.keys[1]!.publicJwk as JWK,
    // uni-a's real status list and the real credential's place on it: valid, as far as it says.
    status: genuine.status,
    now: new Date(),
    sign: signer,
  })
}

/** A fresh P-256 key and a seal certificate for it from the deployment's own CA (the verifier's anchor). */
async function underTheAnchor(fields: {
  organizationName: string
  organizationIdentifier: string
  issuerIdentifier?: string
}) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const now = new Date()
  const seal = await issueSealCertificate(issuer.ca!, {
    publicKey: publicKey.export({ format: 'jwk' }) as webcrypto.JsonWebKey,
    organizationName: fields.organizationName,
    commonName: fields.organizationName,
    country: 'DE',
    organizationIdentifier: fields.organizationIdentifier,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 365 * 24 * 3600 * 1000),
    ...(fields.issuerIdentifier ? { issuerIdentifier: fields.issuerIdentifier } : {}),
  })
  return { key: privateKey, x5c: [seal.x5c[0]!] }
}

const ANY = { type: 'any-micro-credential' }
/** What the forgeries claim to meet (EQF 8, 360 ECTS); the genuine course is EQF 6, 5 ECTS. */
const EQF_ECTS = { type: 'eqf-ects', minEqfLevel: 7, minEcts: 60 }

// ——— forgeries ————————————————————————————————————————————————————————————————————————————

describe('an SD-JWT VC signed under the trusted anchor, but not by its issuer → failed at issuer-trust', () => {
  it('control: the genuine uni-a credential is verified, and the reason says what bound its key', async () => {
    const r = await newRequest('dc+sd-jwt', { type: 'eqf-ects', minEqfLevel: 6, minEcts: 5 })
    expect(await presentSd(r, issued.sdJwt)).toEqual({ status: 200, body: {} })
    const session = await readResult(r)
    expect(session.result.verdict, JSON.stringify(session.result)).toBe('verified')
    const trust = session.result.credentials[0].steps.find((s: any) => s.id === 'issuer-trust')
    expect(trust.status).toBe('OK')
    expect(trust.reason).toBe(
      `${iss}: the seal certificate 'University of Adlerstadt' names the issuer: subjectAltName URI ${iss}; ` +
        `${String(genuine.header.kid)} is the seal certificate's key, and its x5c names the same certificate; ` +
        `the signing key is one the issuer publishes at ${metadataUrl}, with the same certificate; ` +
        "the seal certificate's organizationIdentifier 'VATDE-123456789' is the one of the certificates the issuer publishes; " +
        "the credential's issuing_authority is the seal certificate's organisation 'University of Adlerstadt' (VATDE-123456789); " +
        "the certificate chains to a trust anchor (9 checks OK (not checked: certificate-revocation: 'University of Adlerstadt' names no CRL distribution point))",
    )
  })

  it('the reproduction: "Mallory Corp" (no SAN), uni-a’s iss and status list, Doctor of Medicine EQF 8, 360 ECTS', async () => {
    const mallory = await underTheAnchor({ organizationName: 'Mallory Corp', organizationIdentifier: 'VATXX-666' })
    const forged = await forgeSdJwt(mallory)
    const r = await newRequest('dc+sd-jwt', EQF_ECTS)
    await expectIssuerTrustRefusal(r, await presentSd(r, forged), [
      `certificate-names-issuer: the seal certificate 'Mallory Corp' has no subjectAltName, so it does not identify the issuer ${iss}`,
      `issuer-metadata-key: the signing key of 'Mallory Corp' is not one of the 1 key(s) the issuer publishes at ${metadataUrl}`,
      "organization-identifier-matches: the seal certificate's organizationIdentifier 'VATXX-666' is not the issuer's 'VATDE-123456789'",
      "issuing-authority-matches: the credential's issuing_authority 'University of Adlerstadt' is not the seal certificate's organisation 'Mallory Corp' (VATXX-666)",
    ])
  })

  it('the same stranger’s credential carrying uni-a’s own DID kid', async () => {
    const mallory = await underTheAnchor({ organizationName: 'Mallory Corp', organizationIdentifier: 'VATXX-666' })
    const forged = await forgeSdJwt({ ...mallory, kid: String(genuine.header.kid) })
    const r = await newRequest('dc+sd-jwt', ANY)
    await expectIssuerTrustRefusal(r, await presentSd(r, forged), [
      'did-key-matches-certificate: no assertionMethod key of did:web:',
      "equals the public key of the seal certificate 'Mallory Corp'",
      'certificate-names-issuer: ',
    ])
  })

  it("another tenant's valid certificate and key (uni-b's) with uni-a's iss", async () => {
    const record = await issuer.ctx.keyring.active('uni-b')
    const forged = await forgeSdJwt({
      key: issuer.ctx.keyring.privateKey(record),
      x5c: [record.x5c![0]!],
      edc: doctorOfMedicine((await issuer.store.tenants.get('uni-b'))!.config.organisations as Record<string, unknown>),
    })
    const r = await newRequest('dc+sd-jwt', ANY)
    const reason = await expectIssuerTrustRefusal(r, await presentSd(r, forged), [
      `certificate-names-issuer: the seal certificate 'University of Adlerstadt' names URI ${issuer.url}/uni-b, iPAddress 127.0.0.1: no URI equal to it (a host name does not identify an issuer identifier with a path), so it does not identify the issuer ${iss}`,
      `issuer-metadata-key: the signing key of 'University of Adlerstadt' is not one of the 1 key(s) the issuer publishes at ${metadataUrl}`,
    ])
    // The example alliance's two tenants share one organisation: only the name and key tell them apart.
    expect(reason).not.toContain('organization-identifier-matches')
  })

  it('a certificate whose SAN names the same path on another host', async () => {
    const evil = await underTheAnchor({
      organizationName: 'University of Adlerstadt',
      organizationIdentifier: 'VATDE-123456789',
      issuerIdentifier: 'https://evil.example/uni-a',
    })
    const r = await newRequest('dc+sd-jwt', ANY)
    const reason = await expectIssuerTrustRefusal(r, await presentSd(r, await forgeSdJwt(evil)), [
      `certificate-names-issuer: the seal certificate 'University of Adlerstadt' names URI https://evil.example/uni-a, dNSName evil.example: no URI equal to it (a host name does not identify an issuer identifier with a path), so it does not identify the issuer ${iss}`,
      'issuer-metadata-key: ',
    ])
    expect(reason).not.toContain('issuing-authority-matches')
  })

  it('a certificate naming uni-a exactly, for another organizationIdentifier', async () => {
    const other = await underTheAnchor({
      organizationName: 'University of Adlerstadt',
      organizationIdentifier: 'VATFR-999999999',
      issuerIdentifier: iss,
    })
    const r = await newRequest('dc+sd-jwt', ANY)
    const reason = await expectIssuerTrustRefusal(r, await presentSd(r, await forgeSdJwt(other)), [
      `organization-identifier-matches: the seal certificate's organizationIdentifier 'VATFR-999999999' is not the issuer's 'VATDE-123456789' (the certificates it publishes at ${metadataUrl})`,
      `issuer-metadata-key: the signing key of 'University of Adlerstadt' is not one of the 1 key(s) the issuer publishes at ${metadataUrl}`,
    ])
    expect(reason).not.toContain('certificate-names-issuer')
  })

  it('the trust anchor itself in x5c, its key signing the credential', async () => {
    const r = await newRequest('dc+sd-jwt', ANY)
    const forged = await forgeSdJwt({ key: issuer.ca!.privateKey, x5c: [b64(issuer.ca!.certificateDer)] })
    await expectIssuerTrustRefusal(r, await presentSd(r, forged), [
      "certificate-chain-trusted: the leaf certificate 'Alma Test CA' is self-signed; a self-signed certificate is never trusted",
      `certificate-names-issuer: the seal certificate 'Alma Test CA' has no subjectAltName, so it does not identify the issuer ${iss}`,
    ])
  })
})

// ——— our own credentials ————————————————————————————————————————————————————————————————

describe('our own credentials keep verifying: one awarding body, a joint award, an alliance on mandate', () => {
  /** Provisions `tenant` with these organisations and the example course, then issues both formats. */
  async function tenantCredentials(tenant: string, organisations: Record<string, unknown>) {
    if (!(await issuer.store.tenants.get(tenant))) {
      await provisionTenant(
        { store: issuer.store, keyring: issuer.ctx.keyring, baseUrl: issuer.url, ca: issuer.ca!, now: new Date() },
        { id: tenant, name: tenant, organisations },
      )
      await issuer.store.specifications.create({
        tenantId: tenant,
        id: COURSE_ID,
        document: readExample('specification.json'),
        now: new Date(),
      })
    }
    const offer = await issuer.offer({ tenant })
    return redeemBoth(offer.offerUri, offer.awardId)
  }

  async function expectVerified(credentials: IssuedCredentials, tenant: string) {
    for (const format of ['dc+sd-jwt', 'jwt_vc_json'] as const) {
      const r = await newRequest(format, ANY)
      const answered =
        format === 'dc+sd-jwt'
          ? await presentSd(r, credentials.sdJwt, credentials)
          : await submitResponse(r.request, {
              vp_token: { [r.queryId]: [await vpJwt(credentials.vcJwt, credentials.keys[0]!, target(r))] },
              state: r.request.state,
            })
      expect(answered).toEqual({ status: 200, body: {} })
      const session = await readResult(r)
      expect(session.result.verdict, `${tenant} ${format}: ${JSON.stringify(session.result.credentials)}`).toBe(
        'verified',
      )
      expect(session.result.credentials[0].claims).toBeDefined()
    }
    // HAIP 1.0 §6.1.1: x5c is the seal certificate, never the trust anchor.
    for (const jwt of [credentials.sdJwt.split('~')[0]!, credentials.vcJwt]) {
      const x5c = decodeProtectedHeader(jwt).x5c as string[]
      expect(x5c).toHaveLength(1)
      const leaf = new X509Certificate(Buffer.from(x5c[0]!, 'base64'))
      expect(leaf.checkIssued(leaf)).toBe(false)
      expect(Buffer.from(x5c[0]!, 'base64').equals(Buffer.from(issuer.ca!.certificateDer))).toBe(false)
    }
  }

  it('a joint award of uni-a and uni-b, sealed by uni-a', async () => {
    await expectVerified(issued, 'uni-a')
  })

  it('a credential with one awarding body, the sealer', async () => {
    const organisations = readExample('organisations.json') as Record<string, any>
    const solo = { ...organisations, awardingBodies: [organisations.awardingBodies[0]] }
    await expectVerified(await tenantCredentials('solo', solo), 'solo')
  })

  it('a credential the alliance issues on mandate of its members', async () => {
    await expectVerified(await tenantCredentials('alliance', readExample('organisations-mandate.json')), 'alliance')
  })
})

describe('alliance membership is checked against the seal certificate too', () => {
  const allianceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })

  async function presentWithRegistry(members: AllianceMember[]) {
    const allianceDid = jwkToDidJwk((await exportJWK(allianceKey.publicKey)) as never)
    const allianceRegistryJwt = await createAllianceRegistry(
      {
        issuer: allianceDid,
        alliance: { id: 'https://alliance.example', name: 'Alliance X' },
        members,
        issuedAt: new Date(Date.now() - 60_000),
        expiresAt: new Date(Date.now() + 24 * 3600 * 1000),
      },
      { key: allianceKey.privateKey, alg: 'ES256', kid: `${allianceDid}#0` },
    )
    const r = await newRequest('dc+sd-jwt', { type: 'alliance-member', allianceDid, allianceRegistryJwt })
    return { r, answered: await presentSd(r, issued.sdJwt) }
  }

  const member = (legalIdentifiers: string[]): AllianceMember => ({
    did: '',
    legalIdentifiers,
    names: { en: 'University of Adlerstadt' },
    status: 'active',
    validFrom: '2020-01-01T00:00:00Z',
  })

  it('uni-a listed under its organizationIdentifier → verified; under another one → failed, naming it', async () => {
    const uniA = (await issuer.ctx.tenant('uni-a')).urls.did
    const listed = await presentWithRegistry([{ ...member(['VATDE-123456789']), did: uniA }])
    expect(listed.answered).toEqual({ status: 200, body: {} })
    expect((await readResult(listed.r)).result.verdict).toBe('verified')

    const other = await presentWithRegistry([{ ...member(['VATFR-999999999']), did: uniA }])
    // A membership refusal is the registry's own sentence.
    const reason = await expectIssuerTrustRefusal(other.r, other.answered, [], `${uniA} is a member`)
    expect(reason).toBe(
      `${uniA} is a member of Alliance X as VATFR-999999999, not as the seal certificate's organizationIdentifier VATDE-123456789`,
    )
  })
})

// ——— the issuer's side ————————————————————————————————————————————————————————————————

describe('a deployment whose development seal certificates predate the SAN', () => {
  it('rotates such a tenant to a development key whose certificate names its issuer; the next SD-JWT VC verifies', async () => {
    // A seal certificate as provisioning made them before issue 12: no subjectAltName.
    const tenant = 'legacy'
    await tenantCredentials(tenant)
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const now = new Date()
    const old = await issueSealCertificate(issuer.ca!, {
      publicKey: createPublicKey(privateKey).export({ format: 'jwk' }) as webcrypto.JsonWebKey,
      organizationName: 'University of Adlerstadt',
      commonName: 'University of Adlerstadt',
      country: 'DE',
      organizationIdentifier: 'VATDE-123456789',
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + 365 * 24 * 3600 * 1000),
    })
    const material = await withCertificateChain(
      await importKeyMaterial({ format: 'pem', pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() }),
      old.x5c,
    )
    await issuer.ctx.keyring.rotate(tenant, material)
    forgetKeys(tenant)
    const before = await redeemOffer(tenant)
    const r = await newRequest('dc+sd-jwt', ANY)
    await presentSd(r, before.sdJwt, before)
    const refused = await readResult(r)
    expect(refused.result.credentials[0].steps.find((s: any) => s.id === 'issuer-trust').reason).toContain(
      `certificate-names-issuer: the seal certificate 'University of Adlerstadt' has no subjectAltName`,
    )

    const reports = await ensureSealCertificatesNameIssuers({
      store: issuer.store,
      keyring: issuer.ctx.keyring,
      baseUrl: issuer.url,
      ca: issuer.ca!,
      now: new Date(),
    })
    forgetKeys(tenant)
    expect(reports.find((x) => x.tenantId === tenant)).toMatchObject({
      status: 'replaced',
      message: expect.stringMatching(
        new RegExp(
          `^tenant legacy: .*has no subjectAltName.*; rotated to the development key \\S+, whose certificate names ${issuer.url}/legacy`,
        ),
      ),
    })
    expect(reports.filter((x) => x.tenantId !== tenant).every((x) => x.status === 'ok')).toBe(true)
    // A second run changes nothing.
    const again = await ensureSealCertificatesNameIssuers({
      store: issuer.store,
      keyring: issuer.ctx.keyring,
      baseUrl: issuer.url,
      ca: issuer.ca!,
      now: new Date(),
    })
    expect(again.every((x) => x.status === 'ok')).toBe(true)

    const after = await redeemOffer(tenant)
    // The verifier saw the old key set moments ago; it asks the issuer again for a key it does not
    // know, at most every 30 s — the clock moves past that.
    verifierShiftMs += 31_000
    const r2 = await newRequest('dc+sd-jwt', ANY)
    await presentSd(r2, after.sdJwt, after)
    const final = await readResult(r2)
    expect(final.result.verdict, JSON.stringify(final.result.credentials)).toBe('verified')
  })

  it('an institution certificate that does not name the issuer is reported, not replaced', async () => {
    const tenant = 'institution'
    await tenantCredentials(tenant)
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const now = new Date()
    // Another CA than the deployment's development CA: the institution's.
    const institutionCa = await createDevCa({ name: 'Institution QTSP', country: 'DE', now })
    const cert = await issueSealCertificate(institutionCa, {
      publicKey: createPublicKey(privateKey).export({ format: 'jwk' }) as webcrypto.JsonWebKey,
      organizationName: 'University of Adlerstadt',
      commonName: 'University of Adlerstadt',
      country: 'DE',
      organizationIdentifier: 'VATDE-123456789',
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + 365 * 24 * 3600 * 1000),
    })
    await issuer.ctx.keyring.rotate(
      tenant,
      await withCertificateChain(
        await importKeyMaterial({ format: 'pem', pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() }),
        cert.x5c,
      ),
    )
    const before = (await issuer.ctx.keyring.active(tenant)).kid
    const reports = await ensureSealCertificatesNameIssuers({
      store: issuer.store,
      keyring: issuer.ctx.keyring,
      baseUrl: issuer.url,
      ca: issuer.ca!,
      now: new Date(),
    })
    expect(reports.find((x) => x.tenantId === tenant)).toMatchObject({
      status: 'warned',
      message: expect.stringContaining(
        `SD-JWT VC verifiers (HAIP 1.0 §6.1.1) will refuse what it seals. Get a seal certificate whose subjectAltName names ${issuer.url}/${tenant} (organizationIdentifier VATDE-123456789) and install it: alma issuer rotate-key --tenant ${tenant} --pem <file>`,
      ),
    })
    expect((await issuer.ctx.keyring.active(tenant)).kid).toBe(before)
  })

  async function tenantCredentials(tenant: string) {
    if (await issuer.store.tenants.get(tenant)) return
    await provisionTenant(
      { store: issuer.store, keyring: issuer.ctx.keyring, baseUrl: issuer.url, ca: issuer.ca!, now: new Date() },
      { id: tenant, name: tenant, organisations: readExample('organisations.json') },
    )
    await issuer.store.specifications.create({
      tenantId: tenant,
      id: COURSE_ID,
      document: readExample('specification.json'),
      now: new Date(),
    })
  }

  /** What the running issuer remembers of a tenant's keys, dropped after a rotation behind its back. */
  function forgetKeys(tenant: string) {
    issuer.ctx.signer.invalidate(tenant)
    issuer.ctx.invalidateTenant(tenant)
  }

  async function redeemOffer(tenant: string) {
    const offer = await issuer.offer({ tenant })
    return redeemBoth(offer.offerUri, offer.awardId)
  }
})
