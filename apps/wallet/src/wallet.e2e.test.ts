// The wallet over real HTTP: against Alma's issuer (startTestIssuer: the real app on loopback with
// an embedded database) for OpenID4VCI 1.0, and against a verifier built in this test from
// @openid4vc/openid4vp's verifier-side functions for OpenID4VP 1.0.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { EU_LEARNING_CREDENTIAL_VCT } from '@alma/credentials'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COURSE_ID, startTestIssuer, type TestIssuer } from '../../issuer/src/testing/issuer-harness.ts'
import { createWalletProgram } from './cli.ts'
import { CredentialStore } from './credential-store.ts'
import { answerPresentationRequest } from './present/answer-request.ts'
import { acceptCredentialOffer } from './receive/accept-offer.ts'
import { answerConsentPage } from './testing/consent-page.ts'
import { startTestVerifier, type TestVerifier } from './testing/test-verifier.ts'

const FAST_SCRYPT = { N: 2 ** 12, r: 8, p: 1 }
const JWT_VC = `${COURSE_ID}_jwt_vc_json`
const SD_JWT = `${COURSE_ID}_dc_sd_jwt`

let issuer: TestIssuer
let verifier: TestVerifier
let dir: string
beforeAll(async () => {
  issuer = await startTestIssuer()
  verifier = await startTestVerifier()
  dir = await mkdtemp(join(tmpdir(), 'alma-wallet-'))
})
afterAll(async () => {
  await verifier?.close()
  await issuer?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('receiving credentials (OpenID4VCI 1.0)', () => {
  it('accepts a pre-authorized offer by reference with a tx_code, in both formats, into the encrypted file', async () => {
    const path = join(dir, 'pre-authorized.wallet')
    const store = await CredentialStore.open({
      path,
      passphrase: 'correct horse',
      create: true,
      scryptCost: FAST_SCRYPT,
    })
    const offer = await issuer.offer({ txCode: true })
    const asked: unknown[] = []
    const accepted = await acceptCredentialOffer(offer.offerUri, {
      store,
      allowInsecureLoopback: true,
      askTxCode: async (request) => {
        asked.push(request)
        return String(offer.txCode)
      },
    })
    expect(asked).toEqual([expect.objectContaining({ issuer: `${issuer.url}/uni-a`, inputMode: 'numeric', length: 6 })])
    expect(accepted.flow).toBe('pre-authorized_code')
    expect(accepted.warnings).toEqual([])
    expect(accepted.credentials.map((c) => [c.format, c.configurationId])).toEqual([
      ['jwt_vc_json', JWT_VC],
      ['dc+sd-jwt', SD_JWT],
    ])

    // The issuer recorded both, and our notification (§11).
    const records = await issuer.store.issuedCredentials.listByAward('uni-a', offer.awardId)
    expect(records.map((r) => r.format).sort()).toEqual(['dc+sd-jwt', 'jwt_vc_json'])
    expect(records.every((r) => r.notificationEvent === 'credential_accepted')).toBe(true)

    // On disk: nothing readable; reopened with the passphrase: everything, keys included.
    const file = await readFile(path, 'utf8')
    expect(file).not.toContain('Andromeda')
    expect(file).not.toContain(EU_LEARNING_CREDENTIAL_VCT)
    const reopened = await CredentialStore.open({ path, passphrase: 'correct horse' })
    expect(reopened.list()).toEqual(store.list())
    const sdJwt = reopened.all().find((c) => c.format === 'dc+sd-jwt')!
    expect(decodeJwt(sdJwt.credential.split('~')[0]!).cnf).toEqual({ jwk: sdJwt.holderKey.publicJwk })
    const vcJwt = reopened.all().find((c) => c.format === 'jwt_vc_json')!
    expect(decodeJwt(vcJwt.credential).cnf).toEqual({ jwk: vcJwt.holderKey.publicJwk })
    // One key per credential: two credentials are not linkable by their key.
    expect(sdJwt.holderKey.id).not.toBe(vcJwt.holderKey.id)
  })

  it('accepts an offer by value (§4.1.2)', async () => {
    const store = CredentialStore.inMemory()
    const offer = await issuer.offer({ configurations: [SD_JWT] })
    expect(offer.offerByValue).toMatch(/^openid-credential-offer:\/\/\?credential_offer=/)
    const accepted = await acceptCredentialOffer(offer.offerByValue, { store, allowInsecureLoopback: true })
    expect(accepted.credentials.map((c) => c.configurationId)).toEqual([SD_JWT])
    expect(store.list()).toHaveLength(1)
  })

  it('runs the authorization code flow with PAR, PKCE and DPoP through the consent page, typing the tx_code there', async () => {
    const store = CredentialStore.inMemory()
    const offer = await issuer.offer({ grants: 'authorization_code', txCode: true })
    const steps: { authorizationUrl: string; redirectUri: string; txCode?: string }[] = []
    const accepted = await acceptCredentialOffer(offer.offerUri, {
      store,
      allowInsecureLoopback: true,
      configurationIds: [SD_JWT],
      txCode: String(offer.txCode),
      authorize: async (step) => {
        steps.push(step)
        return answerConsentPage(step.authorizationUrl, 'approve', { txCode: step.txCode })
      },
    })
    expect(accepted.flow).toBe('authorization_code')
    expect(steps).toHaveLength(1)
    // The caller's code reaches the browser step (the learner types it on the issuer's page).
    expect(steps[0]!.txCode).toBe(offer.txCode)
    // RFC 9126: only the request_uri travels through the browser.
    const authorizationUrl = new URL(steps[0]!.authorizationUrl)
    expect([...authorizationUrl.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri'])
    expect(accepted.credentials.map((c) => c.configurationId)).toEqual([SD_JWT])
  })

  it('stops with authorization_denied when the learner declines, storing nothing', async () => {
    const store = CredentialStore.inMemory()
    const offer = await issuer.offer({ grants: 'authorization_code', txCode: true })
    await expect(
      acceptCredentialOffer(offer.offerUri, {
        store,
        allowInsecureLoopback: true,
        authorize: (step) => answerConsentPage(step.authorizationUrl, 'deny'),
      }),
    ).rejects.toMatchObject({ code: 'authorization_denied' })
    expect(store.list()).toEqual([])
  })

  it('refuses a wrong tx_code with the issuer’s invalid_grant, and plain http without the opt-in', async () => {
    const offer = await issuer.offer({ txCode: true })
    const wrong = String((Number(offer.txCode) + 1) % 1_000_000).padStart(6, '0')
    await expect(
      acceptCredentialOffer(offer.offerUri, {
        store: CredentialStore.inMemory(),
        allowInsecureLoopback: true,
        txCode: wrong,
      }),
    ).rejects.toMatchObject({ code: 'issuance_failed', message: expect.stringContaining('invalid_grant') })
    await expect(
      acceptCredentialOffer(offer.offerUri, { store: CredentialStore.inMemory(), txCode: String(offer.txCode) }),
    ).rejects.toMatchObject({ code: 'insecure_url' })
  })
})

/**
 * DCQL (OpenID4VP 1.0 §6) for the SD-JWT VC of a micro-credential: three of its selectively
 * disclosable claims (the EU learning credential keeps title and issuer in the clear).
 */
const SD_JWT_QUERY = {
  credentials: [
    {
      id: 'micro_credential',
      format: 'dc+sd-jwt',
      meta: { vct_values: [EU_LEARNING_CREDENTIAL_VCT] },
      claims: [{ path: ['family_name'] }, { path: ['assessment_grade'] }, { path: ['ects_credits'] }],
    },
  ],
}

/** DCQL for the W3C VC (VC-JWT) of a micro-credential. */
const VC_JWT_QUERY = {
  id: 'edc',
  format: 'jwt_vc_json',
  meta: { type_values: [['VerifiableCredential', 'EuropeanDigitalCredential']] },
  claims: [{ path: ['credentialSubject', 'familyName'] }],
}

describe('presenting credentials (OpenID4VP 1.0)', () => {
  let store: CredentialStore
  beforeAll(async () => {
    store = CredentialStore.inMemory()
    const offer = await issuer.offer({})
    await acceptCredentialOffer(offer.offerUri, { store, allowInsecureLoopback: true })
  })

  it('answers an x509_san_dns request by reference with exactly the requested claims (direct_post)', async () => {
    const session = await verifier.createRequest({
      client: 'x509_san_dns',
      responseMode: 'direct_post',
      dcqlQuery: SD_JWT_QUERY,
    })
    const answer = await answerPresentationRequest(session.uri, {
      store,
      allowInsecureLoopback: true,
      trustAnchors: [verifier.caPem],
    })
    expect(answer.verifier).toEqual({
      clientId: 'x509_san_dns:localhost',
      prefix: 'x509_san_dns',
      name: 'Test Verifier',
      authentication: 'x509-chain',
    })
    expect(answer.responseMode).toBe('direct_post')
    expect(answer.status).toBe(200)
    expect(answer.redirectUri).toMatch(/\/done#response_code=/)
    expect(answer.presented).toEqual([
      expect.objectContaining({
        queryId: 'micro_credential',
        format: 'dc+sd-jwt',
        disclosed: [['family_name'], ['assessment_grade'], ['ects_credits']],
      }),
    ])
    expect(session.error).toBeUndefined()
    const [presentation] = session.received!.verified.micro_credential!
    // The verifier decoded exactly three disclosures: the requested claims, nothing else.
    expect(presentation!.disclosedClaimNames!.sort()).toEqual(['assessment_grade', 'ects_credits', 'family_name'])
    expect(presentation!.claims).toMatchObject({ family_name: 'Andromeda', vct: EU_LEARNING_CREDENTIAL_VCT })
    expect(presentation!.claims).not.toHaveProperty('given_name')
    expect(presentation!.holderProof).toMatchObject({ aud: 'x509_san_dns:localhost', nonce: session.nonce })
  })

  it('answers an x509_hash request fetched by POST (wallet_metadata, wallet_nonce) with the chosen disclosures, encrypted (direct_post.jwt)', async () => {
    const session = await verifier.createRequest({
      client: 'x509_hash',
      responseMode: 'direct_post.jwt',
      transport: 'post',
      dcqlQuery: SD_JWT_QUERY,
    })
    const choices: unknown[] = []
    const answer = await answerPresentationRequest(session.uri, {
      store,
      allowInsecureLoopback: true,
      chooseDisclosures: (choice) => {
        choices.push(choice)
        return [['family_name']]
      },
    })
    expect(answer.verifier).toMatchObject({ prefix: 'x509_hash', authentication: 'x509-leaf' })
    expect(answer.responseMode).toBe('direct_post.jwt')
    // The holder was shown the request and the credential's disclosable claims.
    expect(choices).toEqual([
      expect.objectContaining({
        queryId: 'micro_credential',
        requested: [['family_name'], ['assessment_grade'], ['ects_credits']],
        disclosable: expect.arrayContaining([['family_name'], ['given_name'], ['birth_date']]),
      }),
    ])
    // §5.10.1: the request object was fetched with our metadata and a nonce the verifier signed back.
    expect(Object.keys(session.walletPost!).sort()).toEqual(['wallet_metadata', 'wallet_nonce'])
    expect(JSON.parse(session.walletPost!.wallet_metadata!)).toMatchObject({
      client_id_prefixes_supported: ['x509_san_dns', 'x509_hash', 'decentralized_identifier'],
    })
    expect(session.error).toBeUndefined()
    expect(session.received!.encrypted).toBe(true)
    expect(session.received!.jweHeader).toMatchObject({
      alg: 'ECDH-ES',
      enc: 'A256GCM',
      kid: expect.stringMatching(/^enc-/),
    })
    const [presentation] = session.received!.verified.micro_credential!
    expect(presentation!.disclosedClaimNames).toEqual(['family_name'])
    expect(presentation!.claims).not.toHaveProperty('ects_credits')
  })

  it('answers a decentralized_identifier request by value with both formats (VP JWT and SD-JWT)', async () => {
    const session = await verifier.createRequest({
      client: 'decentralized_identifier',
      responseMode: 'direct_post.jwt',
      transport: 'value',
      encValues: ['A128GCM'],
      dcqlQuery: { credentials: [VC_JWT_QUERY, ...SD_JWT_QUERY.credentials] },
    })
    const answer = await answerPresentationRequest(session.uri, { store, allowInsecureLoopback: true })
    expect(answer.verifier).toMatchObject({ prefix: 'decentralized_identifier', authentication: 'did' })
    expect(answer.presented.map((p) => [p.queryId, p.format, p.disclosed])).toEqual([
      ['edc', 'jwt_vc_json', 'all'],
      ['micro_credential', 'dc+sd-jwt', [['family_name'], ['assessment_grade'], ['ects_credits']]],
    ])
    expect(session.error).toBeUndefined()
    expect(session.received!.jweHeader).toMatchObject({ enc: 'A128GCM' })
    const [vp] = session.received!.verified.edc!
    expect(vp!.holderProof).toMatchObject({
      aud: session.clientId,
      nonce: session.nonce,
      iss: expect.stringMatching(/^did:jwk:/),
    })
    expect(vp!.claims).toMatchObject({ credentialSubject: expect.objectContaining({ familyName: expect.anything() }) })
  })

  it('answers an unsigned redirect_uri request only when allowed', async () => {
    const session = await verifier.createRequest({
      client: 'redirect_uri',
      responseMode: 'direct_post',
      dcqlQuery: SD_JWT_QUERY,
    })
    await expect(answerPresentationRequest(session.uri, { store, allowInsecureLoopback: true })).rejects.toMatchObject({
      code: 'verifier_not_accepted',
    })
    expect(session.received).toBeUndefined()
    const answer = await answerPresentationRequest(session.uri, {
      store,
      allowInsecureLoopback: true,
      allowUnsignedRedirectUri: true,
    })
    expect(answer.verifier).toMatchObject({ prefix: 'redirect_uri', authentication: 'unsigned' })
    expect(session.received!.verified.micro_credential).toHaveLength(1)
  })

  it('refuses a verifier whose certificate does not chain to the configured anchors', async () => {
    const other = await startTestVerifier()
    try {
      const session = await verifier.createRequest({
        client: 'x509_san_dns',
        responseMode: 'direct_post',
        dcqlQuery: SD_JWT_QUERY,
      })
      await expect(
        answerPresentationRequest(session.uri, { store, allowInsecureLoopback: true, trustAnchors: [other.caPem] }),
      ).rejects.toMatchObject({ code: 'verifier_not_accepted' })
      expect(session.received).toBeUndefined()
    } finally {
      await other.close()
    }
  })

  it('sends nothing when no stored credential answers the query', async () => {
    const session = await verifier.createRequest({
      client: 'x509_san_dns',
      responseMode: 'direct_post',
      dcqlQuery: { credentials: [{ id: 'pid', format: 'dc+sd-jwt', meta: { vct_values: ['urn:eudi:pid:1'] } }] },
    })
    await expect(answerPresentationRequest(session.uri, { store, allowInsecureLoopback: true })).rejects.toMatchObject({
      code: 'no_matching_credentials',
    })
    expect(session.received).toBeUndefined()
  })
})

describe('the alma-wallet command', () => {
  /** Runs one command in-process; returns what it printed and the exit code it set. */
  async function walletCommand(env: Record<string, string>, ...args: string[]) {
    const out: string[] = []
    const err: string[] = []
    const program = createWalletProgram({
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      env,
      prompt: async (question) => {
        throw new Error(`unexpected prompt: ${question}`)
      },
    })
    process.exitCode = undefined
    await program.parseAsync(args, { from: 'user' })
    const code = process.exitCode ?? 0
    process.exitCode = undefined
    return { out: out.join('\n'), err: err.join('\n'), code }
  }

  it('accepts, lists, shows and presents with --disclose, from the file and passphrase in the environment', async () => {
    const env = { ALMA_WALLET_FILE: join(dir, 'cli.wallet'), ALMA_WALLET_PASSPHRASE: 'cli passphrase' }
    const offer = await issuer.offer({ txCode: true })
    const accepted = await walletCommand(
      env,
      'accept',
      offer.offerUri,
      '--tx-code',
      String(offer.txCode),
      '--insecure-loopback',
    )
    expect(accepted.err).toBe('')
    expect(accepted.out).toMatch(
      /^Received 2 credential\(s\) from http:\/\/127\.0\.0\.1:\d+\/uni-a \(pre-authorized_code\):/,
    )

    const listed = await walletCommand(env, 'list')
    const ids = [...listed.out.matchAll(/^([0-9a-f-]{36}) {2}(\S+)/gm)].map((m) => [m[1]!, m[2]!])
    expect(ids.map(([, format]) => format)).toEqual(['jwt_vc_json', 'dc+sd-jwt'])
    const sdJwtId = ids.find(([, format]) => format === 'dc+sd-jwt')![0]!

    const shown = await walletCommand(env, 'show', sdJwtId.slice(0, 8))
    const record = JSON.parse(shown.out)
    expect(record).toMatchObject({ id: sdJwtId, format: 'dc+sd-jwt', claims: { family_name: 'Andromeda' } })
    expect(shown.out).not.toContain('"d"')
    expect(record).not.toHaveProperty('holderKey')

    const session = await verifier.createRequest({
      client: 'x509_san_dns',
      responseMode: 'direct_post.jwt',
      dcqlQuery: SD_JWT_QUERY,
    })
    const anchor = join(dir, 'verifier-ca.pem')
    await writeFile(anchor, verifier.caPem)
    const presented = await walletCommand(
      env,
      'present',
      session.uri,
      '--disclose',
      'family_name,given_name',
      '--trust-anchor',
      anchor,
      '--yes',
      '--insecure-loopback',
    )
    expect(presented.err).toBe('')
    expect(presented.out).toContain('requested:  family_name, assessment_grade, ects_credits')
    expect(presented.out).toContain('disclosing: family_name, given_name')
    expect(presented.out).toMatch(/Continue at: http:\/\/localhost:\d+\/done#response_code=/)
    expect(session.received!.verified.micro_credential![0]!.disclosedClaimNames!.sort()).toEqual([
      'family_name',
      'given_name',
    ])
  })

  it('says so, with exit code 2, when the passphrase is wrong', async () => {
    const env = { ALMA_WALLET_FILE: join(dir, 'cli.wallet'), ALMA_WALLET_PASSPHRASE: 'not the passphrase' }
    const listed = await walletCommand(env, 'list')
    expect(listed.code).toBe(2)
    expect(listed.err).toMatch(
      /^alma-wallet: the passphrase does not open the wallet at .*cli\.wallet \(wrong_passphrase\)$/,
    )
  })

  it('runs as a program of its own (tsx apps/wallet/src/cli.ts)', async () => {
    const tsx = new URL('../../../node_modules/.bin/tsx', import.meta.url).pathname
    const cli = new URL('./cli.ts', import.meta.url).pathname
    const { stdout } = await promisify(execFile)(tsx, [cli, 'list'], {
      env: { ...process.env, ALMA_WALLET_FILE: join(dir, 'cli.wallet'), ALMA_WALLET_PASSPHRASE: 'cli passphrase' },
    })
    expect(stdout.trim().split('\n')).toHaveLength(2)
  })
})
