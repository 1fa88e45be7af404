// The negative tests of issue 5 over HTTP (security.md "Presentation", the JOSE / SD-JWT lines that
// reach the response endpoint, the status lines, and the relying-party API). Real credentials from
// the running test issuer, a wallet written out by hand. Every refused response is asserted three
// ways: the wallet's exact answer, the relying party's view of the session (state `failed`, the
// verdict, which step failed and why) and that nothing was accepted (no satisfied credential set,
// no claims of an unverified credential, a `presentation.failed` audit entry).
import { createHash, createHmac, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto'
import { EU_LEARNING_CREDENTIAL_VCT } from '@alma/credentials'
import { type AllianceMember, createAllianceRegistry, createDevCa, jwkToDidJwk } from '@alma/trust'
import { CompactEncrypt, decodeProtectedHeader, exportJWK, importJWK, type JWK, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CredentialStatusAction, changeCredentialStatus } from '../../issuer/src/admin/credential-status.ts'
import { createAward } from '../../issuer/src/issuance/awards.ts'
import { createOffer } from '../../issuer/src/issuance/offers.ts'
import { COURSE_ID, readExample, startTestIssuer, type TestIssuer } from '../../issuer/src/testing/issuer-harness.ts'
import { JWT_VC_QUERY_ID, SD_JWT_QUERY_ID } from './presentation/templates.ts'
import { provisionRelyingParty } from './provision-relying-party.ts'
import { createRelyingPartyKey } from './relying-party-keys.ts'
import {
  type HolderProofTarget,
  type IssuedCredentials,
  issueBoth,
  openRequest,
  presentSdJwt,
  redeemBoth,
  submitResponse,
  vpJwt,
  type WalletKey,
} from './testing/hand-wallet.ts'
import { startTestVerifier, type TestVerifier } from './testing/verifier-harness.ts'

const DAY_MS = 24 * 3600 * 1000
/** The specification's `validity` is P5Y (config/examples/specification.json). */
const FIVE_YEARS_MS = (5 * 365 + 2) * DAY_MS

// Movable clocks (style.md, practice 8): the verifier's and the issuer's, shifted from real time.
let verifierShiftMs = 0
let issuerShiftMs = 0
/** While true the issuer answers every status list request with 503. */
let statusListsDown = false

let issuer: TestIssuer
let verifier: TestVerifier
let issued: IssuedCredentials

beforeAll(async () => {
  issuer = await startTestIssuer({
    now: () => new Date(Date.now() + issuerShiftMs),
    routes: [
      (app) => {
        app.use((req, res, next) => {
          if (statusListsDown && /^\/[^/]+\/status\//.test(req.path)) res.status(503).send('down for maintenance')
          else next()
        })
      },
    ],
  })
  verifier = await startTestVerifier({
    trustAnchors: [String(issuer.ca?.certificatePem)],
    devAllowList: [issuer.url],
    now: () => new Date(Date.now() + verifierShiftMs),
    // Status lists are fetched on every check, so a revocation made by a test is seen at once.
    config: { statusListTtlSeconds: 0 },
  })
  issued = await issueBoth(issuer)
}, 120_000)
afterAll(async () => {
  await verifier?.close()
  await issuer?.close()
})

// ——— helpers ————————————————————————————————————————————————————————————————————————————

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const unb64 = (segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
const nowSeconds = () => Math.floor((Date.now() + verifierShiftMs) / 1000)
const iso = (seconds: number) => new Date(seconds * 1000).toISOString()
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
/** A status step's reason: what the list says, then when it was fetched (statusListTtlSeconds 0: now). */
const statusReason = (what: string) =>
  new RegExp(`^${escapeRegExp(what)}; status list fetched \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ, just now\\)$`)

interface OpenRequest {
  readonly id: string
  /** The verified request object payload, as the wallet sees it. */
  readonly request: Record<string, any>
  readonly queryId: string
  /** The SD-JWT claims the query asks for (empty for jwt_vc_json). */
  readonly claims: string[]
}

async function create(body: Record<string, unknown>, v: TestVerifier = verifier) {
  const created = await v.api('POST', `/api/${v.rpId}/presentation-requests`, body)
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  return created.body as { id: string; authorizationRequestUri: string; requestUri: string; clientId: string }
}

/** A request for one format (template any-micro-credential), fetched and verified as a wallet does. */
async function newRequest(
  format: 'dc+sd-jwt' | 'jwt_vc_json',
  extra: Record<string, unknown> = {},
  v: TestVerifier = verifier,
): Promise<OpenRequest> {
  const created = await create({ template: { type: 'any-micro-credential' }, formats: [format], ...extra }, v)
  const { payload } = await openRequest(created.authorizationRequestUri, { trustedCa: v.ca.certificatePem })
  const query = payload.dcql_query.credentials[0]
  return {
    id: created.id,
    request: payload,
    queryId: String(query.id),
    claims: (query.claims ?? []).map((c: { path: string[] }) => c.path[0]),
  }
}

const target = (r: OpenRequest, claims: Record<string, unknown> = {}): HolderProofTarget & Record<string, unknown> => ({
  aud: r.request.client_id,
  nonce: r.request.nonce,
  ...claims,
})

/** A correct SD-JWT presentation for `r`, optionally with KB-JWT overrides. */
function sdPresentation(
  r: OpenRequest,
  kb: { claims?: Record<string, unknown>; sdHash?: string; key?: WalletKey; credentials?: IssuedCredentials } = {},
) {
  const credentials = kb.credentials ?? issued
  return presentSdJwt(credentials.sdJwt, kb.key ?? credentials.keys[1]!, r.claims, target(r), {
    claims: { iat: nowSeconds(), ...kb.claims },
    ...(kb.sdHash ? { sdHash: kb.sdHash } : {}),
  })
}

/** A correct VP JWT for `r`, optionally with claim overrides. */
function vpPresentation(
  r: OpenRequest,
  claims: Record<string, unknown> = {},
  key?: WalletKey,
  credentials: IssuedCredentials = issued,
) {
  return vpJwt(credentials.vcJwt, key ?? credentials.keys[0]!, target(r), { iat: nowSeconds(), ...claims })
}

/** An SD-JWT presentation made of exactly these parts, with a KB-JWT over them (RFC 9901 §4.3). */
async function withKeyBinding(r: OpenRequest, issuerJwt: string, disclosures: readonly string[]) {
  const presented = `${[issuerJwt, ...disclosures].join('~')}~`
  const kbJwt = await new SignJWT({
    aud: r.request.client_id,
    nonce: r.request.nonce,
    iat: nowSeconds(),
    sd_hash: createHash('sha256').update(presented).digest('base64url'),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'kb+jwt' })
    .sign(await importJWK(issued.keys[1]!.privateJwk, 'ES256'))
  return presented + kbJwt
}

/** The issuer-signed JWT and the disclosures of the credential, for the claims `r` asks. */
function sdParts(r: OpenRequest) {
  const [jwt, ...disclosures] = issued.sdJwt.split('~').filter(Boolean)
  const asked = disclosures.filter((d) => r.claims.includes(unb64(d)[1]))
  return { jwt: jwt!, disclosures: asked }
}

/** A JWS with any header, signed with any HMAC secret or not at all. */
function handMadeJws(header: Record<string, unknown>, payload: Record<string, unknown>, hmacSecret?: string | Buffer) {
  const input = `${b64(header)}.${b64(payload)}`
  const signature = hmacSecret ? createHmac('sha256', hmacSecret).update(input).digest('base64url') : ''
  return `${input}.${signature}`
}

/** Flips one character in the middle of a compact JWS signature. */
function breakSignature(jws: string): string {
  const [h, p, s] = jws.split('.')
  const i = Math.floor(s!.length / 2)
  return `${h}.${p}.${s!.slice(0, i)}${s![i] === 'A' ? 'B' : 'A'}${s!.slice(i + 1)}`
}

function answer(r: OpenRequest, presentations: unknown, options: Parameters<typeof submitResponse>[2] = {}) {
  return submitResponse(
    r.request,
    {
      vp_token: { [r.queryId]: Array.isArray(presentations) ? presentations : [presentations] },
      state: r.request.state,
    },
    options,
  )
}

/** A POST to the request's response_uri with exactly this form. */
async function postForm(
  r: OpenRequest,
  form: Record<string, string>,
  contentType = 'application/x-www-form-urlencoded',
) {
  const response = await fetch(String(r.request.response_uri), {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: contentType.includes('json') ? JSON.stringify(form) : new URLSearchParams(form),
    redirect: 'manual',
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : undefined }
}

/** The encrypted response of `r` (ECDH-ES + A128GCM to the request's key), before any tampering. */
async function encryptedResponse(
  r: OpenRequest,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
  key?: JWK,
) {
  const jwk = (key ?? r.request.client_metadata.jwks.keys[0]) as JWK
  const alg = String(header.alg ?? 'ECDH-ES')
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg, enc: 'A128GCM', ...(key ? {} : { kid: jwk.kid }), ...header })
    .encrypt(await importJWK(jwk, alg))
}

/** Replaces members of a compact JWE's protected header (the ciphertext no longer authenticates). */
function rewriteJweHeader(jwe: string, change: Record<string, unknown>): string {
  const [h, ...rest] = jwe.split('.')
  return [b64({ ...unb64(h!), ...change }), ...rest].join('.')
}

const refusal = (description: unknown) => ({
  status: 400,
  body: { error: 'invalid_request', error_description: description },
})

async function readSession(id: string, v: TestVerifier = verifier) {
  const read = await v.api('GET', `/api/${v.rpId}/presentation-requests/${id}`)
  expect(read.status, JSON.stringify(read.body)).toBe(200)
  return read.body
}

interface FailedStep {
  readonly id: string
  readonly reason: unknown
}

/**
 * The session is `failed` with `reason`; the only failed check is `step` (or no presentation was
 * checked at all); nothing was accepted: no credential set satisfied, no credential verdict other
 * than failed, no claims of a credential whose signature, trust or binding failed; audited.
 */
async function expectFailedSession(
  r: OpenRequest,
  reason: unknown,
  step?: FailedStep,
  v: TestVerifier = verifier,
): Promise<Record<string, any>> {
  const session = await readSession(r.id, v)
  expect(session.state).toBe('failed')
  const result = session.result
  expect(result.verdict).toBe('failed')
  expect(result.reason).toEqual(reason)
  const errors = result.credentials.flatMap((c: any) =>
    c.steps
      .filter((s: any) => s.status === 'ERROR')
      .map((s: any) => ({ queryId: c.queryId, id: s.id, reason: s.reason })),
  )
  if (step) {
    expect(errors).toEqual([{ queryId: r.queryId, id: step.id, reason: step.reason }])
    for (const credential of result.credentials) {
      expect(credential.verdict).toBe('failed')
      if (['signature', 'issuer-trust', 'holder-binding'].includes(step.id)) {
        expect(credential.claims).toBeUndefined()
        const after = credential.steps.slice(credential.steps.findIndex((s: any) => s.id === step.id) + 1)
        expect(after.every((s: any) => s.status === 'SKIPPED')).toBe(true)
      }
    }
  } else {
    expect(result.credentials).toEqual([])
  }
  expect(result.credentialSets.filter((set: any) => set.satisfiedBy)).toEqual([])
  const audit = await v.store.auditLog.list(v.rpId, { limit: 1000 })
  expect(audit.filter((e) => e.subject === r.id && e.actor === 'wallet').map((e) => e.action)).toEqual([
    'presentation.failed',
  ])
  return session
}

/** A response refused because one check of the pipeline failed on a protocol step: 400 naming it. */
async function expectProtocolRefusal(
  r: OpenRequest,
  answered: { status: number; body: unknown },
  step: { id: string; reason: string | RegExp },
) {
  const prefix = `${r.queryId}: ${step.id} failed: `
  const description =
    typeof step.reason === 'string'
      ? `${prefix}${step.reason}`
      : expect.stringMatching(new RegExp(`^${escapeRegExp(prefix)}${step.reason.source.replace(/^\^/, '')}`))
  expect(answered).toEqual(refusal(description))
  await expectFailedSession(r, description, {
    id: step.id,
    reason: typeof step.reason === 'string' ? step.reason : expect.stringMatching(step.reason),
  })
}

/**
 * A well-formed response whose credential fails a non-protocol check (issuer trust, validity,
 * status): the wallet's message was processed (200), the session is failed and says which check.
 */
async function expectCheckFailure(
  r: OpenRequest,
  answered: { status: number; body: unknown },
  step: { id: string; reason: string | RegExp },
  v: TestVerifier = verifier,
) {
  expect(answered).toEqual({ status: 200, body: {} })
  const reason = typeof step.reason === 'string' ? step.reason : expect.stringMatching(step.reason)
  // The session's reason names the failing check first, then what is therefore missing.
  await expectFailedSession(
    r,
    expect.stringMatching(
      new RegExp(`^${r.queryId}: ${step.id} failed: .+; no verified credential answers ${r.queryId}$`),
    ),
    { id: step.id, reason },
    v,
  )
}

/** A refusal before any presentation is checked (transport, state, replay): 400, failed, nothing checked. */
async function expectRefusedBeforeChecks(
  r: OpenRequest,
  answered: { status: number; body: unknown },
  description: string,
) {
  expect(answered).toEqual(refusal(description))
  await expectFailedSession(r, description)
}

/**
 * A response that cannot be bound to the request (its `state` cannot be read or is not the
 * request's): 400, and the session is left as it was — a stranger who saw the QR code cannot end
 * it (OpenID4VP 1.0 §14.3.2); the real wallet can still answer.
 */
async function expectRefusedUntouched(
  r: OpenRequest,
  answered: { status: number; body: unknown },
  description: string,
) {
  expect(answered).toEqual(refusal(description))
  const session = await readSession(r.id)
  expect(session.state).toBe('retrieved')
  expect(session.result).toBeUndefined()
  const audit = await verifier.store.auditLog.list(verifier.rpId, { limit: 1000 })
  expect(audit.filter((e) => e.subject === r.id && e.action === 'presentation.failed')).toEqual([])
}

/** The credentials of one fresh award, with the issuer's clock shifted while the award is made. */
async function issueAt(shiftMs: number): Promise<IssuedCredentials> {
  const tenant = await issuer.ctx.tenant('uni-a')
  issuerShiftMs = shiftMs
  let awardId: string
  try {
    awardId = (
      await createAward(issuer.ctx, tenant, {
        specificationId: COURSE_ID,
        award: readExample('awards/ana-andromeda.json'),
      })
    ).id
  } finally {
    issuerShiftMs = 0
  }
  const offer = await createOffer(issuer.ctx, tenant, { awardId, txCode: false })
  return redeemBoth(offer.offerUri, awardId)
}

/** Revokes or suspends every credential of an award through the issuer's admin function. */
async function changeStatus(credentials: IssuedCredentials, action: CredentialStatusAction, format?: string) {
  const records = await issuer.store.issuedCredentials.listByAward('uni-a', credentials.awardId)
  for (const record of records.filter((c) => !format || c.format === format)) {
    const change = await changeCredentialStatus(issuer.ctx, 'uni-a', { credentialId: record.id, action, actor: 'test' })
    expect(change.changed).toBe(true)
  }
}

const sdPayload = (credentials: IssuedCredentials) => unb64(credentials.sdJwt.split('~')[0]!.split('.')[1]!)
const vcPayload = (credentials: IssuedCredentials) => unb64(credentials.vcJwt.split('.')[1]!)

// ——— Presentation (OpenID4VP): holder binding and freshness ————————————————————————————————

describe('dc+sd-jwt: the KB-JWT is refused → 400 naming holder-binding, session failed', () => {
  const cases: { name: string; make: (r: OpenRequest) => Promise<string>; reason: (r: OpenRequest) => string }[] = [
    {
      name: 'wrong nonce',
      make: (r) => sdPresentation(r, { claims: { nonce: 'not-the-nonce-of-this-request' } }),
      reason: () => 'the KB-JWT nonce is not the nonce of this request',
    },
    {
      name: 'wrong aud',
      make: (r) => sdPresentation(r, { claims: { aud: 'x509_san_dns:evil.example' } }),
      reason: (r) => `the KB-JWT is for x509_san_dns:evil.example, not ${r.request.client_id}`,
    },
    {
      name: 'aud as an array holding our client_id',
      make: (r) => sdPresentation(r, { claims: { aud: [r.request.client_id] } }),
      reason: () => 'the KB-JWT claims: aud: aud must be a single string (our client_id)',
    },
    {
      name: 'bad KB-JWT signature',
      make: async (r) => {
        const presentation = await sdPresentation(r)
        const cut = presentation.lastIndexOf('~') + 1
        return presentation.slice(0, cut) + breakSignature(presentation.slice(cut))
      },
      reason: () =>
        "the KB-JWT is not signed by the credential's cnf key: the signature does not verify with the holder key",
    },
    {
      name: 'wrong sd_hash',
      make: (r) => sdPresentation(r, { sdHash: createHash('sha256').update('another SD-JWT~').digest('base64url') }),
      reason: () => 'the KB-JWT sd_hash does not match the presented SD-JWT',
    },
    {
      name: 'missing KB-JWT while binding is required',
      make: async (r) => (await sdPresentation(r)).replace(/~[^~]+$/, '~'),
      reason: () => 'a Key Binding JWT is required and none was presented',
    },
    {
      name: "KB-JWT signed by another key than the credential's cnf",
      make: (r) => sdPresentation(r, { key: issued.keys[2]! }),
      reason: () =>
        "the KB-JWT is not signed by the credential's cnf key: the signature does not verify with the holder key",
    },
    {
      name: 'KB-JWT with alg none',
      make: async (r) => {
        const { jwt, disclosures } = sdParts(r)
        const presented = `${[jwt, ...disclosures].join('~')}~`
        const kb = handMadeJws(
          { alg: 'none', typ: 'kb+jwt' },
          {
            ...target(r),
            iat: nowSeconds(),
            sd_hash: createHash('sha256').update(presented).digest('base64url'),
          },
        )
        return presented + kb
      },
      reason: () =>
        `the KB-JWT is not signed by the credential's cnf key: alg "none" is not one of ES256, ES384, EdDSA`,
    },
    {
      name: 'KB-JWT HS256 with the cnf public key as the HMAC secret (alg confusion)',
      make: async (r) => {
        const { jwt, disclosures } = sdParts(r)
        const presented = `${[jwt, ...disclosures].join('~')}~`
        const cnf = sdPayload(issued).cnf.jwk
        const pem = createPublicKey({ key: cnf, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
        const kb = handMadeJws(
          { alg: 'HS256', typ: 'kb+jwt' },
          { ...target(r), iat: nowSeconds(), sd_hash: createHash('sha256').update(presented).digest('base64url') },
          pem,
        )
        return presented + kb
      },
      reason: () =>
        `the KB-JWT is not signed by the credential's cnf key: alg "HS256" is not one of ES256, ES384, EdDSA`,
    },
  ]
  for (const c of cases) {
    it(c.name, async () => {
      const r = await newRequest('dc+sd-jwt')
      const answered = await answer(r, await c.make(r))
      await expectProtocolRefusal(r, answered, { id: 'holder-binding', reason: c.reason(r) })
    })
  }

  for (const [when, offset] of [
    ['an hour in the past', -3600],
    ['an hour in the future', 3600],
  ] as const) {
    it(`iat ${when}`, async () => {
      const r = await newRequest('dc+sd-jwt')
      const iat = nowSeconds() + offset
      const answered = await answer(r, await sdPresentation(r, { claims: { iat } }))
      await expectProtocolRefusal(r, answered, {
        id: 'holder-binding',
        reason: `the KB-JWT iat ${iso(iat)} is outside the accepted window (300 s)`,
      })
    })
  }
})

describe('jwt_vc_json: the VP JWT is refused → 400 naming holder-binding, session failed', () => {
  const notSigned = "the VP JWT is not signed by the credential's holder key"
  const cases: { name: string; make: (r: OpenRequest) => Promise<string>; reason: (r: OpenRequest) => string }[] = [
    {
      name: 'wrong nonce',
      make: (r) => vpPresentation(r, { nonce: 'not-the-nonce-of-this-request' }),
      reason: () => 'the VP JWT nonce is not the nonce of this request',
    },
    {
      name: 'wrong aud',
      make: (r) => vpPresentation(r, { aud: 'x509_san_dns:evil.example' }),
      reason: (r) => `the VP JWT is for x509_san_dns:evil.example, not ${r.request.client_id}`,
    },
    {
      name: 'aud as an array holding our client_id',
      make: (r) => vpPresentation(r, { aud: [r.request.client_id] }),
      reason: () => 'the VP JWT claims: aud: aud must be a single string (our client_id), not an array',
    },
    {
      name: 'bad VP JWT signature',
      make: async (r) => breakSignature(await vpPresentation(r)),
      reason: () => `${notSigned}: the signature does not verify with the holder key`,
    },
    {
      name: "VP JWT signed by another key than the credential's cnf",
      make: (r) => vpPresentation(r, {}, issued.keys[2]!),
      reason: () => `${notSigned}: the signature does not verify with the holder key`,
    },
    {
      name: 'VP JWT with alg none',
      make: async (r) =>
        handMadeJws(
          { alg: 'none', typ: 'JWT' },
          unb64((await vpPresentation(r)).split('.')[1]!) as Record<string, unknown>,
        ),
      reason: () => `${notSigned}: alg "none" is not one of ES256, ES384, EdDSA`,
    },
    {
      name: 'VP JWT HS256 signed with the holder public key bytes (alg confusion)',
      make: async (r) => {
        const cnf = vcPayload(issued).cnf.jwk
        const pem = createPublicKey({ key: cnf, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
        return handMadeJws(
          { alg: 'HS256', typ: 'JWT' },
          unb64((await vpPresentation(r)).split('.')[1]!) as Record<string, unknown>,
          pem,
        )
      },
      reason: () => `${notSigned}: alg "HS256" is not one of ES256, ES384, EdDSA`,
    },
  ]
  for (const c of cases) {
    it(c.name, async () => {
      const r = await newRequest('jwt_vc_json')
      const answered = await answer(r, await c.make(r))
      await expectProtocolRefusal(r, answered, { id: 'holder-binding', reason: c.reason(r) })
    })
  }

  for (const [when, offset] of [
    ['an hour in the past', -3600],
    ['an hour in the future', 3600],
  ] as const) {
    it(`iat ${when}`, async () => {
      const r = await newRequest('jwt_vc_json')
      const iat = nowSeconds() + offset
      const answered = await answer(r, await vpPresentation(r, { iat }))
      await expectProtocolRefusal(r, answered, {
        id: 'holder-binding',
        reason: `the VP JWT iat ${iso(iat)} is outside the accepted window (300 s)`,
      })
    })
  }
})

describe('the presentation itself is refused → 400 naming signature or format-and-query', () => {
  const UNREFERENCED = 'a disclosure is not referenced by the issuer-signed JWT (disclosure_unreferenced)'

  it('a bare VC-JWT without a VP JWT around it (no holder proof)', async () => {
    const r = await newRequest('jwt_vc_json')
    const answered = await answer(r, issued.vcJwt)
    await expectProtocolRefusal(r, answered, {
      id: 'signature',
      reason: 'the VP JWT does not carry exactly one VC-JWT in vp.verifiableCredential',
    })
  })

  it('a JWE where the VP JWS is expected', async () => {
    const r = await newRequest('jwt_vc_json')
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwe = await new CompactEncrypt(new TextEncoder().encode(await vpPresentation(r)))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A128GCM' })
      .encrypt(publicKey)
    const answered = await answer(r, jwe)
    await expectProtocolRefusal(r, answered, { id: 'signature', reason: 'a JWE was given where a JWS is expected' })
  })

  it('a VC-JWT whose issuer signature is broken', async () => {
    const r = await newRequest('jwt_vc_json')
    const answered = await answer(r, await vpJwt(breakSignature(issued.vcJwt), issued.keys[0]!, target(r)))
    await expectProtocolRefusal(r, answered, {
      id: 'signature',
      reason: 'the signature does not verify (jws_signature_invalid)',
    })
  })

  it('an SD-JWT with a tampered disclosure (same salt and name, another value)', async () => {
    const r = await newRequest('dc+sd-jwt')
    const { jwt, disclosures } = sdParts(r)
    const i = disclosures.findIndex((d) => unb64(d)[1] === 'level_of_learning_experience')
    const [salt, name] = unb64(disclosures[i]!)
    const forged = disclosures.map((d, j) => (j === i ? b64([salt, name, 8]) : d))
    const answered = await answer(r, await withKeyBinding(r, jwt, forged))
    // RFC 9901 §7.1: its digest is in no _sd array.
    await expectProtocolRefusal(r, answered, { id: 'signature', reason: UNREFERENCED })
  })

  it('an SD-JWT with a disclosure no digest references', async () => {
    const r = await newRequest('dc+sd-jwt')
    const { jwt, disclosures } = sdParts(r)
    const extra = b64([randomBytes(16).toString('base64url'), 'is_admin', true])
    const answered = await answer(r, await withKeyBinding(r, jwt, [...disclosures, extra]))
    await expectProtocolRefusal(r, answered, { id: 'signature', reason: UNREFERENCED })
  })

  it('an SD-JWT with a disclosure sent twice', async () => {
    const r = await newRequest('dc+sd-jwt')
    const { jwt, disclosures } = sdParts(r)
    const answered = await answer(r, await withKeyBinding(r, jwt, [...disclosures, disclosures[0]!]))
    await expectProtocolRefusal(r, answered, {
      id: 'signature',
      reason: 'the same disclosure is sent twice (digest_duplicate)',
    })
  })

  it('a jwt_vc_json VP answering the dc+sd-jwt query id', async () => {
    const r = await newRequest('dc+sd-jwt')
    const answered = await answer(r, await vpPresentation(r))
    await expectProtocolRefusal(r, answered, {
      id: 'format-and-query',
      reason: 'a jwt_vc_json credential answers a query for dc+sd-jwt',
    })
  })

  it('a dc+sd-jwt presentation answering the jwt_vc_json query id', async () => {
    const r = await newRequest('jwt_vc_json')
    const answered = await answer(
      r,
      await presentSdJwt(issued.sdJwt, issued.keys[1]!, ['eqf_level'], target(r), { claims: { iat: nowSeconds() } }),
    )
    await expectProtocolRefusal(r, answered, {
      id: 'format-and-query',
      reason: 'a dc+sd-jwt credential answers a query for jwt_vc_json',
    })
  })

  it('an SD-JWT that leaves out a claim the DCQL query requires', async () => {
    const r = await newRequest('dc+sd-jwt')
    // family_name is in every claim set the template offers (§6.4.1): our Annex I facts, or the
    // EU learning credential's mandatory claims.
    const withoutFamilyName = { ...r, claims: r.claims.filter((c) => c !== 'family_name') }
    expect(withoutFamilyName.claims).toHaveLength(r.claims.length - 1)
    const answered = await answer(r, await sdPresentation(withoutFamilyName))
    await expectProtocolRefusal(r, answered, {
      id: 'format-and-query',
      reason: new RegExp(
        `^the verified credential does not match the query "${SD_JWT_QUERY_ID}": .*"family_name":\\["Expected claim 'family_name' to be defined"\\]`,
      ),
    })
  })

  it('a vp_token keyed by a credential query id that was not asked', async () => {
    const r = await newRequest('dc+sd-jwt')
    const answered = await submitResponse(r.request, {
      vp_token: { [JWT_VC_QUERY_ID]: [await sdPresentation(r)] },
      state: r.request.state,
    })
    await expectRefusedBeforeChecks(
      r,
      answered,
      `the vp_token answers a credential query "${JWT_VC_QUERY_ID}" that was not asked`,
    )
  })

  it('two presentations for a credential query that allows one', async () => {
    const r = await newRequest('dc+sd-jwt')
    const answered = await answer(r, [
      await sdPresentation(r),
      await sdPresentation(r, { claims: { iat: nowSeconds() - 1 } }),
    ])
    await expectRefusedBeforeChecks(r, answered, `credential query "${SD_JWT_QUERY_ID}" allows one presentation, got 2`)
  })
})

// ——— Presentation (OpenID4VP): the session ————————————————————————————————————————————————

describe('the session: replay, second POST, unknown or wrong state, response mode', () => {
  it('a replayed vp_token: the presentation accepted for one request is refused at another', async () => {
    const first = await newRequest('dc+sd-jwt')
    const presentation = await sdPresentation(first)
    expect(await answer(first, presentation)).toEqual({ status: 200, body: {} })
    expect((await readSession(first.id)).state).toBe('succeeded')

    const second = await newRequest('dc+sd-jwt')
    const replayed = await answer(second, presentation)
    await expectRefusedBeforeChecks(second, replayed, 'this presentation was already submitted (replay)')
    // The first session keeps its result.
    expect((await readSession(first.id)).result.verdict).toBe('verified')
  })

  it('a second POST after a successful one is refused and changes nothing', async () => {
    const r = await newRequest('dc+sd-jwt')
    expect(await answer(r, await sdPresentation(r))).toEqual({ status: 200, body: {} })
    const before = await readSession(r.id)
    expect(before.state).toBe('succeeded')
    const again = await answer(r, await sdPresentation(r, { claims: { iat: nowSeconds() - 1 } }))
    expect(again).toEqual(refusal('this presentation request was already answered; a second response is refused'))
    expect(await readSession(r.id)).toEqual(before)
  })

  it('a second POST cannot turn a failed session into a success', async () => {
    const r = await newRequest('dc+sd-jwt')
    const wrongNonce = await answer(r, await sdPresentation(r, { claims: { nonce: 'stolen-elsewhere' } }))
    const reason = `${SD_JWT_QUERY_ID}: holder-binding failed: the KB-JWT nonce is not the nonce of this request`
    expect(wrongNonce).toEqual(refusal(reason))
    const again = await answer(r, await sdPresentation(r))
    expect(again).toEqual(refusal('this presentation request was already answered; a second response is refused'))
    await expectFailedSession(r, reason, {
      id: 'holder-binding',
      reason: 'the KB-JWT nonce is not the nonce of this request',
    })
  })

  it('an unknown request id (unknown state) → 400, and nothing changes', async () => {
    const r = await newRequest('dc+sd-jwt')
    const list = async () => (await verifier.api('GET', `/api/${verifier.rpId}/presentation-requests?limit=200`)).body
    const before = await list()
    const presentation = await sdPresentation(r)
    const unknownId = randomBytes(18).toString('base64url')
    for (const url of [
      `${verifier.url}/${verifier.rpId}/oid4vp/responses/${unknownId}`,
      `${verifier.url}/no-such-relying-party/oid4vp/responses/${r.id}`,
    ]) {
      const answered = await submitResponse(
        { ...r.request, response_uri: url },
        { vp_token: { [r.queryId]: [presentation] }, state: r.request.state },
      )
      expect(answered).toEqual(refusal('there is no such presentation request (unknown state)'))
    }
    expect(await list()).toEqual(before)
    expect((await readSession(r.id)).state).toBe('retrieved')
    // The presentation was not spent: it still answers its own request.
    expect(await answer(r, presentation)).toEqual({ status: 200, body: {} })
  })

  it('a wrong state value → 400, the session untouched; the wallet can still answer', async () => {
    const r = await newRequest('dc+sd-jwt')
    const answered = await submitResponse(r.request, {
      vp_token: { [r.queryId]: [await sdPresentation(r)] },
      state: randomBytes(16).toString('base64url'),
    })
    await expectRefusedUntouched(r, answered, 'the response state does not match the request (§5.2 state)')
    const real = await submitResponse(r.request, {
      vp_token: { [r.queryId]: [await sdPresentation(r)] },
      state: r.request.state,
    })
    expect(real.status).toBe(200)
    expect((await readSession(r.id)).state).toBe('succeeded')
  })

  it('a wallet’s plain error response under direct_post.jwt (§8.3.1) → 200, session failed with its error', async () => {
    const r = await newRequest('dc+sd-jwt')
    const answered = await postForm(r, {
      error: 'access_denied',
      error_description: 'the user declined',
      state: r.request.state,
    })
    expect(answered).toEqual({ status: 200, body: {} })
    const session = await readSession(r.id)
    expect(session.state).toBe('failed')
    expect(session.result.walletError).toEqual({ error: 'access_denied', description: 'the user declined' })
  })

  it('an error response from a stranger (no state) → 400, the session untouched', async () => {
    const r = await newRequest('dc+sd-jwt')
    const answered = await postForm(r, { error: 'access_denied' })
    await expectRefusedUntouched(r, answered, 'the response state does not match the request (§5.2 state)')
  })

  it('a plain response when direct_post.jwt was requested → 400, session failed', async () => {
    const r = await newRequest('dc+sd-jwt')
    expect(r.request.response_mode).toBe('direct_post.jwt')
    const answered = await answer(r, await sdPresentation(r), { encrypt: false })
    await expectRefusedBeforeChecks(
      r,
      answered,
      'direct_post.jwt was requested: send the encrypted response parameter only, not a plain vp_token',
    )
  })

  it('a response that is not form-encoded → 400 before the session is touched', async () => {
    const r = await newRequest('dc+sd-jwt')
    const answered = await postForm(r, { response: 'x' }, 'application/json')
    expect(answered).toEqual(refusal('the response must be application/x-www-form-urlencoded (§8.2)'))
    expect((await readSession(r.id)).state).toBe('retrieved')
  })

  it('a response body over the size limit → 413, and the session is untouched', async () => {
    const r = await newRequest('dc+sd-jwt')
    const answered = await postForm(r, { response: 'x'.repeat(verifier.ctx.config.bodyLimitBytes + 1) })
    expect(answered).toEqual({
      status: 413,
      body: { error: 'payload_too_large', error_description: 'the request body is too large' },
    })
    expect((await readSession(r.id)).state).toBe('retrieved')
  })
})

// ——— JOSE: the encrypted response (direct_post.jwt) ———————————————————————————————————————————

describe('direct_post.jwt: a JWE the verifier must not decrypt → 400 naming it, session untouched', () => {
  const payloadOf = async (r: OpenRequest) => ({
    vp_token: { [r.queryId]: [await sdPresentation(r)] },
    state: r.request.state,
  })
  const cases: { name: string; make: (r: OpenRequest) => Promise<string>; description: string }[] = [
    {
      name: 'a zip (compression) header',
      make: async (r) => rewriteJweHeader(await encryptedResponse(r, await payloadOf(r)), { zip: 'DEF' }),
      description: 'compressed (zip) response JWEs are refused',
    },
    {
      name: 'an enc that was not offered (A256CBC-HS512)',
      make: async (r) => encryptedResponse(r, await payloadOf(r), { enc: 'A256CBC-HS512' }),
      description: 'response JWE enc must be one of A128GCM, A256GCM, not A256CBC-HS512',
    },
    {
      name: 'alg ECDH-ES+A128KW instead of ECDH-ES',
      make: async (r) => encryptedResponse(r, await payloadOf(r), { alg: 'ECDH-ES+A128KW' }),
      description: 'response JWE alg must be ECDH-ES, not ECDH-ES+A128KW',
    },
    {
      name: 'alg PBES2 with a huge p2c',
      make: async (r) =>
        rewriteJweHeader(await encryptedResponse(r, await payloadOf(r)), {
          alg: 'PBES2-HS256+A128KW',
          p2s: 'c2FsdHNhbHRzYWx0',
          p2c: 2_000_000_000,
        }),
      description: 'response JWE alg must be ECDH-ES, not PBES2-HS256+A128KW',
    },
    {
      name: 'ECDH-ES with a PBES2 p2c member',
      make: async (r) => rewriteJweHeader(await encryptedResponse(r, await payloadOf(r)), { p2c: 2_000_000_000 }),
      description: 'PBES2 parameters are refused',
    },
    {
      name: 'a kid that is not this request’s key',
      make: async (r) => encryptedResponse(r, await payloadOf(r), { kid: 'enc-someone-else' }),
      description: 'the response JWE names a key (kid) that is not this request’s',
    },
    {
      name: 'encrypted to another key',
      make: async (r) => {
        const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
        return encryptedResponse(r, await payloadOf(r), {}, await exportJWK(publicKey))
      },
      description: 'the response JWE could not be decrypted with this request’s key',
    },
    {
      name: 'not a compact JWE (a bare JWS)',
      make: async (r) => vpPresentation(r),
      description: 'response must be a compact JWE (five parts), RFC 7516 §7.1',
    },
  ]
  for (const c of cases) {
    it(c.name, async () => {
      const r = await newRequest('dc+sd-jwt')
      const response = await c.make(r)
      const answered = await postForm(r, { response })
      await expectRefusedUntouched(r, answered, c.description)
    })
  }

  it('control: the same JWE, untampered, is accepted — each refusal above is its header check', async () => {
    const r = await newRequest('dc+sd-jwt')
    const jwe = await encryptedResponse(r, await payloadOf(r))
    expect(decodeProtectedHeader(jwe)).toMatchObject({ alg: 'ECDH-ES', enc: 'A128GCM' })
    expect(await postForm(r, { response: jwe })).toEqual({ status: 200, body: {} })
    expect((await readSession(r.id)).result.verdict).toBe('verified')
  })
})

// ——— Presentation (OpenID4VP): the request side ———————————————————————————————————————————

describe('request_uri and expiry', () => {
  it('the request object is served again on a second GET, never with a 3xx; refused once answered', async () => {
    const created = await create({ template: { type: 'any-micro-credential' }, formats: ['dc+sd-jwt'] })
    const bodies: string[] = []
    for (let i = 0; i < 2; i++) {
      const response = await fetch(created.requestUri, { redirect: 'manual' })
      expect(response.status).toBe(200)
      expect(response.headers.get('location')).toBeNull()
      expect(response.headers.get('content-type')).toContain('application/oauth-authz-req+jwt')
      bodies.push(await response.text())
    }
    // The same request both times: a wallet that fetches twice (interop traps) gets what it got first.
    const [first, second] = bodies.map((jwt) => unb64(jwt.split('.')[1]!))
    expect(second.nonce).toBe(first.nonce)
    expect(second.state).toBe(first.state)
    const { payload } = await openRequest(created.authorizationRequestUri, { trustedCa: verifier.ca.certificatePem })
    const r: OpenRequest = {
      id: created.id,
      request: payload,
      queryId: SD_JWT_QUERY_ID,
      claims: payload.dcql_query.credentials[0].claims.map((c: { path: string[] }) => c.path[0]),
    }
    expect(await answer(r, await sdPresentation(r))).toEqual({ status: 200, body: {} })
    const after = await fetch(created.requestUri, { redirect: 'manual' })
    expect(after.status).toBe(400)
    expect(await after.json()).toEqual({
      error: 'invalid_request',
      error_description: 'this presentation request was answered or has expired',
    })
  })

  it('every request has a fresh ≥128-bit nonce, its own state and its own response-encryption key', async () => {
    const [a, b] = [await newRequest('dc+sd-jwt'), await newRequest('dc+sd-jwt')]
    for (const r of [a, b]) expect(Buffer.from(r.request.nonce, 'base64url').length).toBeGreaterThanOrEqual(16)
    expect(a.request.nonce).not.toBe(b.request.nonce)
    expect(a.request.state).not.toBe(b.request.state)
    const [keyA, keyB] = [a, b].map((r) => r.request.client_metadata.jwks.keys[0])
    expect(keyA).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'enc', alg: 'ECDH-ES' })
    expect(keyA.d).toBeUndefined()
    expect([keyA.kid, keyA.x]).not.toEqual([keyB.kid, keyB.x])
    expect(keyA.x).not.toBe(keyB.x)
    // A response encrypted to one request's key is not readable at the other.
    const crossed = await encryptedResponse(b, { vp_token: {}, state: b.request.state }, {}, keyA)
    await expectRefusedUntouched(
      b,
      await postForm(b, { response: crossed }),
      'the response JWE could not be decrypted with this request’s key',
    )
  })

  it('an expired request: request_uri and response_uri refuse, the session reads expired', async () => {
    const r = await newRequest('dc+sd-jwt')
    const presentation = await sdPresentation(r)
    verifierShiftMs = (verifier.ctx.config.requestTtlSeconds + 1) * 1000
    try {
      const fetched = await fetch(String(`${verifier.url}/${verifier.rpId}/oid4vp/requests/${r.id}`), {
        redirect: 'manual',
      })
      expect(fetched.status).toBe(400)
      expect(await fetched.json()).toEqual({
        error: 'invalid_request',
        error_description: 'this presentation request was answered or has expired',
      })
      expect(await answer(r, presentation)).toEqual(refusal('this presentation request has expired'))
      const session = await readSession(r.id)
      expect(session.state).toBe('expired')
      expect(session.result).toBeUndefined()
    } finally {
      verifierShiftMs = 0
    }
  })
})

// ——— Issuer trust, validity and status (fail closed, say which check) ——————————————————————————

describe('issuer trust, validity and status: the session fails and names the check', () => {
  it('a revoked dc+sd-jwt credential', async () => {
    const fresh = await issueBoth(issuer)
    await changeStatus(fresh, 'revoke', 'dc+sd-jwt')
    const { uri, idx } = sdPayload(fresh).status.status_list
    const r = await newRequest('dc+sd-jwt')
    const answered = await answer(r, await sdPresentation(r, { credentials: fresh }))
    await expectCheckFailure(r, answered, {
      id: 'status',
      reason: statusReason(`revoked (status 1 on ${uri} index ${idx}`),
    })
    // §8.6: a failed presentation is discarded: none of its claims reach the relying party.
    const [credential] = (await readSession(r.id)).result.credentials
    expect(credential.claims).toBeUndefined()
    expect(credential.annexI).toBeUndefined()
  })

  it('a revoked jwt_vc_json credential', async () => {
    const fresh = await issueBoth(issuer)
    await changeStatus(fresh, 'revoke', 'jwt_vc_json')
    // The JWT status claim (draft-ietf-oauth-status-list §6.1), not vc.credentialStatus (issue 12 §6).
    const { uri, idx } = vcPayload(fresh).status.status_list
    expect(vcPayload(fresh).vc.credentialStatus).toBeUndefined()
    const r = await newRequest('jwt_vc_json')
    const answered = await answer(r, await vpPresentation(r, {}, undefined, fresh))
    await expectCheckFailure(r, answered, {
      id: 'status',
      reason: statusReason(`revoked (status 1 on ${uri} index ${idx}`),
    })
  })

  it('a suspended dc+sd-jwt credential', async () => {
    const fresh = await issueBoth(issuer)
    await changeStatus(fresh, 'suspend', 'dc+sd-jwt')
    const { uri, idx } = sdPayload(fresh).status.status_list
    const r = await newRequest('dc+sd-jwt')
    const answered = await answer(r, await sdPresentation(r, { credentials: fresh }))
    await expectCheckFailure(r, answered, {
      id: 'status',
      reason: statusReason(`suspended (status 2 on ${uri} index ${idx}`),
    })
  })

  it('the status list is unreachable: fail closed', async () => {
    const { uri } = sdPayload(issued).status.status_list
    const r = await newRequest('dc+sd-jwt')
    const presentation = await sdPresentation(r)
    statusListsDown = true
    let answered: Awaited<ReturnType<typeof answer>>
    try {
      answered = await answer(r, presentation)
    } finally {
      statusListsDown = false
    }
    await expectCheckFailure(r, answered, {
      id: 'status',
      reason: `the status list ${uri} is unreachable, failing closed: ${uri} answered HTTP 503`,
    })
  })

  it('an expired credential (issued with the issuer clock five years back)', async () => {
    const old = await issueAt(-FIVE_YEARS_MS)
    const { exp } = sdPayload(old)
    expect(exp * 1000).toBeLessThan(Date.now())
    for (const format of ['dc+sd-jwt', 'jwt_vc_json'] as const) {
      const r = await newRequest(format)
      const presentation =
        format === 'dc+sd-jwt'
          ? await sdPresentation(r, { credentials: old })
          : await vpPresentation(r, {}, undefined, old)
      const answered = await answer(r, presentation)
      const payloadExp = format === 'dc+sd-jwt' ? exp : vcPayload(old).exp
      await expectCheckFailure(r, answered, {
        id: 'validity',
        reason: `expired at ${iso(payloadExp)} (credential_expired)`,
      })
    }
  })

  it('a credential not yet valid (issued with the issuer clock two days ahead)', async () => {
    const early = await issueAt(2 * DAY_MS)
    const { nbf } = sdPayload(early)
    expect(nbf * 1000).toBeGreaterThan(Date.now())
    const r = await newRequest('dc+sd-jwt')
    const answered = await answer(r, await sdPresentation(r, { credentials: early }))
    await expectCheckFailure(r, answered, {
      id: 'validity',
      reason: `not valid before ${iso(nbf)} (credential_not_yet_valid)`,
    })
  })

  it('an untrusted issuer: a verifier whose trust anchor is another CA', async () => {
    const other = await createDevCa({ name: 'Some Other CA', country: 'FR', now: new Date() })
    const strict = await startTestVerifier({
      trustAnchors: [other.certificatePem],
      devAllowList: [issuer.url],
    })
    try {
      for (const format of ['dc+sd-jwt', 'jwt_vc_json'] as const) {
        const r = await newRequest(format, {}, strict)
        const presentation = format === 'dc+sd-jwt' ? await sdPresentation(r) : await vpPresentation(r)
        const answered = await answer(r, presentation)
        const iss = format === 'dc+sd-jwt' ? sdPayload(issued).iss : vcPayload(issued).iss
        await expectCheckFailure(
          r,
          answered,
          {
            id: 'issuer-trust',
            // x5c is the seal certificate alone (HAIP 1.0 §6.1.1: the anchor is not sent).
            reason: `${iss} is not trusted: certificate-chain-trusted: no configured trust anchor or x5c certificate issued 'University of Adlerstadt' (issuer 'C=DE, O=Alma Test CA, CN=Alma Test CA')`,
          },
          strict,
        )
      }
    } finally {
      await strict.close()
    }
  })
})

// ——— Credential sets: a failing credential that was not needed (OpenID4VP 1.0 §6.4.2, §8.6) ———————

describe('credential sets: a credential failing where it was not needed is discarded, not fatal', () => {
  const DIPLOMA = 'diploma'
  const EDC = 'edc'
  const SHOWN = ['eqf_level', 'ects_credits']
  const diplomaQuery = {
    id: DIPLOMA,
    format: 'dc+sd-jwt',
    meta: { vct_values: [EU_LEARNING_CREDENTIAL_VCT] },
    claims: SHOWN.map((name) => ({ path: [name] })),
  }
  const edcQuery = {
    id: EDC,
    format: 'jwt_vc_json',
    meta: { type_values: [['VerifiableCredential', 'EuropeanDigitalCredential']] },
  }

  /** Creates a request for `dcqlQuery` and fetches it as a wallet does. */
  async function requestFor(body: Record<string, unknown>) {
    const created = await create({ responseMode: 'direct_post', ...body })
    const { payload } = await openRequest(created.authorizationRequestUri, { trustedCa: verifier.ca.certificatePem })
    return { id: created.id, request: payload }
  }

  const stepStatus = (credential: { steps: { id: string; status: string }[] }) =>
    Object.fromEntries(credential.steps.map((s) => [s.id, s.status]))

  /** Asks for a diploma (SD-JWT) and an EDC (VC-JWT) under `sets`; the wallet answers both, the EDC revoked. */
  async function answerWithRevokedEdc(sets: { options: string[][]; required: boolean }[]) {
    const fresh = await issueBoth(issuer)
    await changeStatus(fresh, 'revoke', 'jwt_vc_json')
    const { id, request } = await requestFor({
      dcqlQuery: { credentials: [diplomaQuery, edcQuery], credential_sets: sets },
    })
    const target = { aud: request.client_id, nonce: request.nonce }
    const answered = await submitResponse(request, {
      vp_token: {
        [DIPLOMA]: [await presentSdJwt(fresh.sdJwt, fresh.keys[1]!, SHOWN, target)],
        [EDC]: [await vpJwt(fresh.vcJwt, fresh.keys[0]!, target)],
      },
      state: request.state,
    })
    expect(answered).toEqual({ status: 200, body: {} })
    return { id, fresh }
  }

  it('an optional set answered by a revoked credential: succeeded, its status step failed, its claims withheld', async () => {
    const { id, fresh } = await answerWithRevokedEdc([
      { options: [[DIPLOMA]], required: true },
      { options: [[EDC]], required: false },
    ])
    const { uri, idx } = vcPayload(fresh).status.status_list
    const revoked = `revoked (status 1 on ${uri} index ${idx}`

    const session = await readSession(id)
    expect(session.state).toBe('succeeded')
    expect(session.result.verdict).toBe('verified')
    // security.md: the failed check is named, also when the query is satisfied without it.
    expect(session.result.reason).toMatch(
      new RegExp(
        `^${escapeRegExp(`satisfied without what failed: ${EDC}: status failed: ${revoked}; status list fetched `)}`,
      ),
    )
    expect(session.result.credentialSets).toEqual([
      { required: true, options: [[DIPLOMA]], satisfiedBy: [DIPLOMA] },
      { required: false, options: [[EDC]] },
    ])
    const diploma = session.result.credentials.find((c: any) => c.queryId === DIPLOMA)
    const edc = session.result.credentials.find((c: any) => c.queryId === EDC)
    expect(diploma.verdict).toBe('verified')
    expect(diploma.claims).toMatchObject({ eqf_level: expect.anything(), ects_credits: expect.anything() })
    // The revoked credential is reported with the check that failed, and nothing of it is released.
    expect(edc.verdict).toBe('failed')
    expect(edc.steps.filter((s: any) => s.status === 'ERROR')).toEqual([
      { id: 'status', status: 'ERROR', reason: expect.stringMatching(statusReason(revoked)) },
    ])
    expect(stepStatus(edc)).toMatchObject({ signature: 'OK', 'issuer-trust': 'OK', 'holder-binding': 'OK' })
    expect(edc.claims).toBeUndefined()
    expect(edc.annexI).toBeUndefined()
    const audit = await verifier.store.auditLog.list(verifier.rpId, { limit: 1000 })
    expect(audit.filter((e) => e.subject === id && e.actor === 'wallet').map((e) => e.action)).toEqual([
      'presentation.verified',
    ])
  })

  it('a required set satisfied by its second option while the first option’s credential is revoked: succeeded', async () => {
    const fresh = await issueBoth(issuer)
    await changeStatus(fresh, 'revoke', 'dc+sd-jwt')
    // any-micro-credential in both formats: one required set, either format (templates.ts).
    const { id, request } = await requestFor({ template: { type: 'any-micro-credential' } })
    expect(request.dcql_query.credential_sets).toEqual([
      { options: [[SD_JWT_QUERY_ID], [JWT_VC_QUERY_ID]], required: true },
    ])
    const sdClaims = request.dcql_query.credentials
      .find((c: any) => c.id === SD_JWT_QUERY_ID)
      .claims.map((c: { path: string[] }) => c.path[0])
    const target = { aud: request.client_id, nonce: request.nonce }
    const answered = await submitResponse(request, {
      vp_token: {
        [SD_JWT_QUERY_ID]: [await presentSdJwt(fresh.sdJwt, fresh.keys[1]!, sdClaims, target)],
        [JWT_VC_QUERY_ID]: [await vpJwt(fresh.vcJwt, fresh.keys[0]!, target)],
      },
      state: request.state,
    })
    expect(answered).toEqual({ status: 200, body: {} })

    const session = await readSession(id)
    expect(session.state).toBe('succeeded')
    expect(session.result.verdict).toBe('verified')
    expect(session.result.credentialSets).toEqual([
      { required: true, options: [[SD_JWT_QUERY_ID], [JWT_VC_QUERY_ID]], satisfiedBy: [JWT_VC_QUERY_ID] },
    ])
    const sd = session.result.credentials.find((c: any) => c.queryId === SD_JWT_QUERY_ID)
    const vc = session.result.credentials.find((c: any) => c.queryId === JWT_VC_QUERY_ID)
    expect(sd.verdict).toBe('failed')
    expect(sd.steps.find((s: any) => s.id === 'status')).toMatchObject({
      status: 'ERROR',
      reason: expect.stringMatching(/^revoked \(status 1 on /),
    })
    expect(sd.claims).toBeUndefined()
    expect(vc.verdict).toBe('verified')
    expect(vc.claims).toBeDefined()
    expect(session.result.reason).toMatch(
      new RegExp(`^satisfied without what failed: ${SD_JWT_QUERY_ID}: status failed: revoked \\(status 1 on `),
    )
  })

  it('control: the same optional set, but the required credential is the revoked one → failed, naming both', async () => {
    const { id } = await answerWithRevokedEdc([
      { options: [[EDC]], required: true },
      { options: [[DIPLOMA]], required: false },
    ])
    const session = await readSession(id)
    expect(session.state).toBe('failed')
    expect(session.result.verdict).toBe('failed')
    expect(session.result.reason).toMatch(
      new RegExp(`^${EDC}: status failed: revoked \\(status 1 on .+\\); no verified credential answers ${EDC}$`),
    )
    expect(session.result.credentialSets).toEqual([
      { required: true, options: [[EDC]] },
      { required: false, options: [[DIPLOMA]], satisfiedBy: [DIPLOMA] },
    ])
  })
})

describe('alliance-member template: only active members of the alliance', () => {
  const alliance = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  let allianceDid: string
  let uniA: string
  let uniB: string

  beforeAll(async () => {
    allianceDid = jwkToDidJwk((await exportJWK(alliance.publicKey)) as never)
    uniA = (await issuer.ctx.tenant('uni-a')).urls.did
    uniB = (await issuer.ctx.tenant('uni-b')).urls.did
  })

  const member = (did: string, extra: Partial<AllianceMember> = {}): AllianceMember => ({
    did,
    legalIdentifiers: ['VATDE-123456789'],
    names: { en: did.endsWith('uni-a') ? 'University of Adlerstadt' : 'Université de Belleville' },
    status: 'active',
    validFrom: '2020-01-01T00:00:00Z',
    ...extra,
  })

  async function registry(members: AllianceMember[]) {
    return createAllianceRegistry(
      {
        issuer: allianceDid,
        alliance: { id: 'https://alliance.example', name: 'Alliance X' },
        members,
        issuedAt: new Date(Date.now() - 60_000),
        expiresAt: new Date(Date.now() + DAY_MS),
      },
      { key: alliance.privateKey, alg: 'ES256', kid: `${allianceDid}#0` },
    )
  }

  async function present(members: AllianceMember[]) {
    const allianceRegistryJwt = await registry(members)
    const r = await newRequest('dc+sd-jwt', {
      template: { type: 'alliance-member', allianceDid, allianceRegistryJwt },
    })
    return { r, answered: await answer(r, await sdPresentation(r)) }
  }

  it('control: uni-a listed as active → verified', async () => {
    const { r, answered } = await present([member(uniA), member(uniB)])
    expect(answered).toEqual({ status: 200, body: {} })
    const session = await readSession(r.id)
    expect(session.result.verdict).toBe('verified')
    expect(session.result.credentials[0].steps[2].reason).toMatch(/; an active member of Alliance X$/)
  })

  it('a credential from a non-member (the registry lists only uni-b)', async () => {
    const { r, answered } = await present([member(uniB)])
    await expectCheckFailure(r, answered, { id: 'issuer-trust', reason: `${uniA} is not a member of Alliance X` })
  })

  it('a member marked suspended in the registry', async () => {
    const { r, answered } = await present([member(uniA, { status: 'suspended' }), member(uniB)])
    await expectCheckFailure(r, answered, { id: 'issuer-trust', reason: `${uniA} is suspended from Alliance X` })
  })

  it('a member whose membership ended (inactive)', async () => {
    const { r, answered } = await present([member(uniA, { validUntil: '2021-01-01T00:00:00Z' }), member(uniB)])
    await expectCheckFailure(r, answered, {
      id: 'issuer-trust',
      reason: `${uniA} was a member of Alliance X until 2021-01-01T00:00:00Z`,
    })
  })
})

// ——— The relying-party API ————————————————————————————————————————————————————————————————

describe('relying-party API: authentication, scope, input', () => {
  async function call(
    method: string,
    path: string,
    options: { authorization?: string; contentType?: string; body?: string } = {},
  ) {
    const response = await fetch(`${verifier.url}${path}`, {
      method,
      headers: {
        ...(options.authorization ? { authorization: options.authorization } : {}),
        ...(options.contentType ? { 'content-type': options.contentType } : {}),
      },
      ...(options.body !== undefined ? { body: options.body } : {}),
    })
    const text = await response.text()
    return {
      status: response.status,
      wwwAuthenticate: response.headers.get('www-authenticate'),
      body: text ? JSON.parse(text) : undefined,
    }
  }
  const requestsPath = () => `/api/${verifier.rpId}/presentation-requests`
  const validBody = JSON.stringify({ template: { type: 'any-micro-credential' } })
  const storedIds = async () =>
    (await verifier.store.presentationRequests.list(verifier.rpId, { limit: 1000 })).map((r) => r.id).sort()

  let otherKey: string
  let readOnlyKey: string
  beforeAll(async () => {
    await provisionRelyingParty(
      { store: verifier.store, keyring: verifier.ctx.keyring, baseUrl: verifier.url, ca: verifier.ca, now: new Date() },
      { id: 'school', name: 'Example School' },
    )
    otherKey = (await createRelyingPartyKey(verifier.store, 'school')).key
    readOnlyKey = (await createRelyingPartyKey(verifier.store, verifier.rpId, ['presentations:read'])).key
  })

  it('no API key → 401 with WWW-Authenticate', async () => {
    const before = await storedIds()
    const r = await call('POST', requestsPath(), { contentType: 'application/json', body: validBody })
    expect(r).toEqual({
      status: 401,
      wwwAuthenticate: 'Bearer realm="alma-verifier"',
      body: {
        error: 'unauthorized',
        error_description: 'send a relying-party API key as "Authorization: Bearer <key>"',
      },
    })
    expect(await storedIds()).toEqual(before)
  })

  it('a malformed or unknown API key → 401 invalid_token with WWW-Authenticate', async () => {
    const before = await storedIds()
    expect(
      await call('POST', requestsPath(), {
        authorization: 'Basic Zm9vOmJhcg==',
        contentType: 'application/json',
        body: validBody,
      }),
    ).toEqual({
      status: 401,
      wwwAuthenticate: 'Bearer realm="alma-verifier", error="invalid_token"',
      body: {
        error: 'unauthorized',
        error_description: 'send a relying-party API key as "Authorization: Bearer <key>"',
      },
    })
    const unknown = `alma_rp_${randomBytes(9).toString('base64url')}.${randomBytes(32).toString('base64url')}`
    expect(
      await call('POST', requestsPath(), {
        authorization: `Bearer ${unknown}`,
        contentType: 'application/json',
        body: validBody,
      }),
    ).toEqual({
      status: 401,
      wwwAuthenticate: 'Bearer realm="alma-verifier", error="invalid_token"',
      body: { error: 'unauthorized', error_description: 'the API key is unknown or revoked' },
    })
    expect(await storedIds()).toEqual(before)
  })

  it("another relying party's key → 403, and its own API does not see this relying party's requests", async () => {
    const before = await storedIds()
    const forbidden = {
      error: 'forbidden',
      error_description: `this API key is not valid for relying party ${verifier.rpId}`,
    }
    const created = await call('POST', requestsPath(), {
      authorization: `Bearer ${otherKey}`,
      contentType: 'application/json',
      body: validBody,
    })
    expect(created).toMatchObject({ status: 403, body: forbidden })
    expect(await storedIds()).toEqual(before)
    const someId = before[0]!
    const read = await call('GET', `${requestsPath()}/${someId}`, { authorization: `Bearer ${otherKey}` })
    expect(read).toMatchObject({ status: 403, body: forbidden })
    // Session fixation (VP §13.3): results go only to the relying party that created the request.
    const viaOwnPath = await call('GET', `/api/school/presentation-requests/${someId}`, {
      authorization: `Bearer ${otherKey}`,
    })
    expect(viaOwnPath).toMatchObject({
      status: 404,
      body: { error: 'not_found', error_description: 'there is no such presentation request' },
    })
  })

  it('a key without the scope → 403 insufficient_scope', async () => {
    const before = await storedIds()
    const r = await call('POST', requestsPath(), {
      authorization: `Bearer ${readOnlyKey}`,
      contentType: 'application/json',
      body: validBody,
    })
    expect(r).toMatchObject({
      status: 403,
      body: {
        error: 'insufficient_scope',
        error_description: 'this API key lacks the scope presentations:write',
        scope: 'presentations:write',
      },
      // RFC 6750 §3.1: the challenge names the error and the scope needed.
      wwwAuthenticate: 'Bearer realm="alma-verifier", error="insufficient_scope", scope="presentations:write"',
    })
    expect(await storedIds()).toEqual(before)
  })

  const invalidBodies: { name: string; body: Record<string, unknown>; description: unknown; issues: unknown[] }[] = [
    {
      name: 'an unknown field',
      body: { template: { type: 'any-micro-credential' }, callbackSecret: 'x' },
      description: expect.stringContaining('callbackSecret'),
      issues: [{ path: '(body)', message: expect.stringContaining('callbackSecret') }],
    },
    {
      name: 'both template and dcqlQuery',
      body: {
        template: { type: 'any-micro-credential' },
        dcqlQuery: { credentials: [{ id: 'a', format: 'dc+sd-jwt', meta: { vct_values: ['x'] } }] },
      },
      description: 'presentation request: template: give exactly one of template and dcqlQuery',
      issues: [{ path: 'template', message: 'give exactly one of template and dcqlQuery' }],
    },
    {
      name: 'a DCQL query that is not one',
      body: { dcqlQuery: { credentials: 'all of them' } },
      description: expect.stringMatching(/^dcqlQuery is not a valid DCQL query \(OpenID4VP 1\.0 §6\): /),
      issues: [{ path: 'dcqlQuery', message: expect.any(String) }],
    },
    {
      name: 'a format the verifier does not check (mso_mdoc)',
      body: {
        dcqlQuery: {
          credentials: [
            {
              id: 'mdl',
              format: 'mso_mdoc',
              meta: { doctype_value: 'org.iso.18013.5.1.mDL' },
              claims: [{ path: ['org.iso.18013.5.1', 'family_name'] }],
            },
          ],
        },
      },
      description: 'dcqlQuery asks for formats this verifier does not check: mso_mdoc',
      issues: [{ path: 'dcqlQuery.credentials', message: 'format must be dc+sd-jwt or jwt_vc_json' }],
    },
    {
      name: 'a template field of the wrong type',
      body: { template: { type: 'eqf-ects', minEqfLevel: 'six', minEcts: 5 } },
      description: expect.stringContaining('template.minEqfLevel'),
      issues: [{ path: 'template.minEqfLevel', message: expect.any(String) }],
    },
  ]
  for (const c of invalidBodies) {
    it(`invalid body: ${c.name} → 400 with issues naming the field, nothing stored`, async () => {
      const before = await storedIds()
      const r = await verifier.api('POST', requestsPath(), c.body)
      expect(r).toEqual({
        status: 400,
        body: { error: 'invalid_input', error_description: c.description, issues: c.issues },
      })
      expect(await storedIds()).toEqual(before)
    })
  }

  it('a body that is not JSON (text/plain) → 415, malformed JSON → 400', async () => {
    const before = await storedIds()
    const authorization = `Bearer ${verifier.apiKey}`
    expect(
      await call('POST', requestsPath(), { authorization, contentType: 'text/plain', body: validBody }),
    ).toMatchObject({
      status: 415,
      body: {
        error: 'unsupported_media_type',
        error_description: 'presentation request: send Content-Type: application/json',
      },
    })
    expect(
      await call('POST', requestsPath(), { authorization, contentType: 'application/json', body: '{"template":' }),
    ).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', error_description: 'the request body is not valid JSON' },
    })
    expect(await storedIds()).toEqual(before)
  })

  it('a body over the size limit → 413, nothing stored', async () => {
    const before = await storedIds()
    const r = await call('POST', requestsPath(), {
      authorization: `Bearer ${verifier.apiKey}`,
      contentType: 'application/json',
      body: JSON.stringify({
        template: { type: 'any-micro-credential' },
        label: 'x'.repeat(verifier.ctx.config.bodyLimitBytes),
      }),
    })
    expect(r).toMatchObject({
      status: 413,
      body: { error: 'payload_too_large', error_description: 'the request body is too large' },
    })
    expect(await storedIds()).toEqual(before)
  })
})
