// The wallet asks its issuer's status list whether a credential is still valid (issue 12 §6): for
// credentials received from the running issuer (both formats carry the JWT `status` claim), as the
// issuer revokes, suspends and reinstates them through its own revocation; and for credentials
// built by hand, against lists served by a real HTTP server on loopback — a jwt_vc_json issued
// before the status claim (W3C Bitstring entry), and a list signed by someone else.
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  BITSTRING_STATUS_CONTEXT,
  createBitstringStatusListCredential,
  createJwtVcJson,
  createTokenStatusListJwt,
} from '@alma/credentials'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import {
  createTestIssuer,
  decodeJws,
  exampleEdc,
  type TestIssuer as TestSigner,
} from '../../../../packages/credentials/src/test-fixtures.ts'
import { changeCredentialStatus } from '../../../issuer/src/admin/credential-status.ts'
import { startTestIssuer, type TestIssuer } from '../../../issuer/src/testing/issuer-harness.ts'
import { createWalletProgram } from '../cli.ts'
import { CredentialStore, type StoredCredential } from '../credential-store.ts'
import { generateHolderKey } from '../holder-keys.ts'
import { acceptCredentialOffer } from '../receive/accept-offer.ts'
import { checkCredentialStatus } from './check-credential-status.ts'

let issuer: TestIssuer
let server: Server
let origin: string
const served = new Map<string, string>()

beforeAll(async () => {
  issuer = await startTestIssuer()
  server = createServer((req, res) => {
    const body = served.get(String(req.url))
    if (body === undefined) res.writeHead(404).end()
    else res.writeHead(200, { 'content-type': 'application/statuslist+jwt' }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}, 60_000)
afterAll(async () => {
  await issuer?.close()
  await new Promise((resolve) => server?.close(resolve))
})

const loopback = { allowInsecureLoopback: true }

async function receiveBoth() {
  const store = CredentialStore.inMemory()
  const offer = await issuer.offer()
  await acceptCredentialOffer(offer.offerUri, { store, allowInsecureLoopback: true })
  const records = await issuer.store.issuedCredentials.listByAward('uni-a', offer.awardId)
  const recordOf = (format: string) => String(records.find((r) => r.format === format)?.id)
  const held = (format: string) => store.all().find((c) => c.format === format) as StoredCredential
  return { store, vc: held('jwt_vc_json'), sd: held('dc+sd-jwt'), recordOf }
}

const referenceOf = (credential: StoredCredential) =>
  decodeJws(credential.credential.split('~')[0] ?? '').payload.status.status_list as { uri: string; idx: number }

describe('checkCredentialStatus against the running issuer', () => {
  it('valid, then revoked, suspended and reinstated as the issuer changes them — both formats', async () => {
    const { vc, sd, recordOf } = await receiveBoth()
    for (const credential of [vc, sd]) {
      const { uri, idx } = referenceOf(credential)
      expect(await checkCredentialStatus(credential, loopback)).toMatchObject({
        status: 'valid',
        value: 0,
        list: uri,
        index: idx,
        reason: `status 0 on ${uri} index ${idx}`,
      })
    }
    const change = (credentialId: string, action: 'revoke' | 'suspend' | 'unsuspend') =>
      changeCredentialStatus(issuer.ctx, 'uni-a', { credentialId, action, actor: 'test' })
    await change(recordOf('jwt_vc_json'), 'revoke')
    await change(recordOf('dc+sd-jwt'), 'suspend')
    expect(await checkCredentialStatus(vc, loopback)).toMatchObject({ status: 'revoked', value: 1 })
    expect(await checkCredentialStatus(sd, loopback)).toMatchObject({ status: 'suspended', value: 2 })
    await change(recordOf('dc+sd-jwt'), 'unsuspend')
    expect(await checkCredentialStatus(sd, loopback)).toMatchObject({ status: 'valid', value: 0 })
  })

  it('alma-wallet status prints each credential and exits 1 unless all are valid', async () => {
    const { store, vc, recordOf } = await receiveBoth()
    const dir = await mkdtemp(join(tmpdir(), 'alma-wallet-status-'))
    onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const path = join(dir, 'status.wallet')
    const file = await CredentialStore.open({
      path,
      passphrase: 'p',
      create: true,
      scryptCost: { N: 2 ** 12, r: 8, p: 1 },
    })
    for (const { id: _id, ...credential } of store.all()) await file.add(credential)
    const run = async (...args: string[]) => {
      const out: string[] = []
      const program = createWalletProgram({
        out: (line) => out.push(line),
        err: (line) => out.push(line),
        env: { ALMA_WALLET_FILE: path, ALMA_WALLET_PASSPHRASE: 'p' },
        prompt: async (question) => {
          throw new Error(`unexpected prompt: ${question}`)
        },
      })
      process.exitCode = undefined
      await program.parseAsync(args, { from: 'user' })
      const code = process.exitCode ?? 0
      process.exitCode = undefined
      return { out, code }
    }
    const valid = await run('status', '--insecure-loopback')
    expect(valid.code).toBe(0)
    expect(valid.out).toHaveLength(2)
    expect(valid.out.every((line) => / (jwt_vc_json|dc\+sd-jwt): valid — status 0 on /.test(line))).toBe(true)
    await changeCredentialStatus(issuer.ctx, 'uni-a', {
      credentialId: recordOf('jwt_vc_json'),
      action: 'revoke',
      actor: 'test',
    })
    const revoked = await run('status', '--insecure-loopback')
    expect(revoked.code).toBe(1)
    const { uri, idx } = referenceOf(vc)
    expect(revoked.out).toContainEqual(
      expect.stringMatching(new RegExp(`jwt_vc_json: revoked — status 1 on ${uri} index ${idx}$`)),
    )
    // Plain http to loopback only when allowed: otherwise unknown, said so, and exit 1.
    const refused = await run('status')
    expect(refused.code).toBe(1)
    expect(
      refused.out.every((line) => line.includes(': unknown — the status list ') && line.includes('plain http')),
    ).toBe(true)
  })
})

describe('checkCredentialStatus with hand-built credentials and lists on loopback', () => {
  let signer: TestSigner
  beforeAll(async () => {
    signer = await createTestIssuer('did:web:alliance.example:members:uni-a')
  })

  async function held(claims: { status?: { uri: string; idx: number } }, legacy?: Record<string, unknown>) {
    const holderKey = await generateHolderKey()
    let credential = await createJwtVcJson({
      edc: exampleEdc(),
      issuer: { tenantId: signer.tenantId, did: signer.did },
      holder: { jwk: holderKey.publicJwk },
      ...(claims.status ? { status: claims.status } : {}),
      now: new Date(),
      sign: signer.signer,
    })
    if (legacy) {
      const { payload } = decodeJws(credential)
      credential = await signer.signer.signJwt(
        signer.tenantId,
        {
          ...payload,
          vc: {
            ...payload.vc,
            '@context': [...payload.vc['@context'], BITSTRING_STATUS_CONTEXT],
            credentialStatus: legacy,
          },
        },
        { typ: 'JWT', includeX5c: true },
      )
    }
    return CredentialStore.inMemory().add({
      format: 'jwt_vc_json',
      credential,
      issuer: 'https://alliance.example/members/uni-a',
      configurationId: 'course_jwt_vc_json',
      receivedAt: new Date().toISOString(),
      holderKey,
    })
  }

  it('reads the Bitstring entry of a jwt_vc_json issued before the status claim', async () => {
    const url = `${origin}/bits`
    const entry = {
      id: `${url}#12`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '12',
      statusListCredential: url,
    }
    const credential = await held({}, entry)
    const list = (entries: { idx: number; status: number }[]) =>
      createBitstringStatusListCredential({
        url,
        issuer: { tenantId: signer.tenantId, did: signer.did },
        purpose: 'revocation',
        size: 131_072,
        entries,
        now: new Date(),
        sign: signer.signer,
      })
    served.set('/bits', await list([]))
    expect(await checkCredentialStatus(credential, loopback)).toMatchObject({
      status: 'valid',
      value: 0,
      reason: `not set on ${url} index 12 (revocation)`,
    })
    served.set('/bits', await list([{ idx: 12, status: 1 }]))
    expect(await checkCredentialStatus(credential, loopback)).toMatchObject({
      status: 'revoked',
      value: 1,
      reason: `set on ${url} index 12 (revocation)`,
    })
  })

  it('answers unknown, saying why, for a list signed by another key, an unreachable list, and no list', async () => {
    const uri = `${origin}/tokens`
    const credential = await held({ status: { uri, idx: 3 } })
    const mallory = await createTestIssuer('did:web:alliance.example:members:uni-a', 'mallory')
    served.set(
      '/tokens',
      await createTokenStatusListJwt({
        size: 1024,
        entries: [],
        uri,
        issuer: { tenantId: mallory.tenantId, id: 'https://alliance.example/members/uni-a' },
        bits: 2,
        now: new Date(),
        ttl: 300,
        sign: mallory.signer,
      }),
    )
    expect(await checkCredentialStatus(credential, loopback)).toMatchObject({
      status: 'unknown',
      list: uri,
      index: 3,
      reason: `the status list ${uri} could not be read: no trusted key was found for the issuer: the status list is signed with another key than the credential (a key rotation?)`,
    })
    served.delete('/tokens')
    expect(await checkCredentialStatus(credential, loopback)).toMatchObject({
      status: 'unknown',
      reason: `the status list ${uri} could not be read: ${uri} answered HTTP 404`,
    })
    expect(await checkCredentialStatus(await held({}), loopback)).toMatchObject({
      status: 'unknown',
      reason: 'the credential names no status list',
    })
  })
})
