// Scale-out and restarts (architecture.md "Scale-out"; security.md "Status, persistence,
// operations"): two issuer processes on one PostgreSQL, and an issuer restarted mid-flow.
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readTokenStatus } from '@alma/credentials'
import { dropSchema, openStore, type Store } from '@alma/store'
import { importJWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mountAdminApi } from './admin/index.ts'
import { freePort, startTestIssuer, TEST_KEK, type TestIssuer } from './testing/issuer-harness.ts'
import { proofFor, redeemOffer, testWallet } from './testing/test-wallet.ts'

const databaseUrl = process.env.TEST_DATABASE_URL
if (!databaseUrl) console.warn('PostgreSQL tests skipped: set TEST_DATABASE_URL')
const describePg = databaseUrl ? describe : describe.skip

async function startChild(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const script = new URL('./testing/issuer-process.ts', import.meta.url).pathname
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /ready (\S+)/.exec(out)
      if (match?.[1]) resolve(match[1])
    })
    child.on('exit', (code) => reject(new Error(`issuer process exited with ${code}`)))
  })
  return { child, url }
}

describePg(
  databaseUrl ? 'two issuer processes on one PostgreSQL' : 'PostgreSQL tests skipped: set TEST_DATABASE_URL',
  () => {
    const schema = `issuer_scale_${process.pid}`
    let store: Store
    let issuer: TestIssuer
    let second: { child: ChildProcess; url: string }

    beforeAll(async () => {
      store = await openStore({ databaseUrl: String(databaseUrl), schema, maxConnections: 20 })
      issuer = await startTestIssuer({ store, routes: [mountAdminApi] })
      const port = await freePort()
      second = await startChild({
        DATABASE_URL: String(databaseUrl),
        STORE_SCHEMA: schema,
        ALMA_KEK: TEST_KEK,
        BASE_URL: issuer.url,
        PORT: String(port),
      })
    }, 60_000)

    afterAll(async () => {
      second?.child.kill('SIGTERM')
      await issuer?.close()
      await store?.close()
      await dropSchema(String(databaseUrl), schema)
    })

    it('mints exactly one token for 200 concurrent redemptions of one code spread over both processes', async () => {
      const offer = await issuer.offer({})
      const grants = offer.credentialOffer.grants as Record<string, { 'pre-authorized_code': string }>
      const preAuthorizedCode = grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']?.['pre-authorized_code']
      const body = new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
        'pre-authorized_code': String(preAuthorizedCode),
      })
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          fetch(`${i % 2 === 0 ? issuer.url : second.url}/uni-a/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body,
          }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: string } })),
        ),
      )
      const ok = results.filter((r) => r.status === 200)
      expect(ok).toHaveLength(1)
      expect(results.filter((r) => r.status === 400).every((r) => r.body.error === 'invalid_grant')).toBe(true)
    })

    it('issues on one process with a token and nonce from the other', async () => {
      const offer = await issuer.offer({})
      const { client, keys } = await testWallet()
      const { credentialOffer, issuerMetadata, accessToken } = await redeemOffer(client, offer.offerUri)
      const configurationId = credentialOffer.credential_configuration_ids[1]!
      const jwt = await proofFor(client, issuerMetadata, configurationId, keys[0]!)
      const response = await fetch(`${second.url}/uni-a/credential`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ credential_configuration_id: configurationId, proofs: { jwt: [jwt] } }),
      })
      expect(response.status).toBe(200)
      expect(((await response.json()) as { credentials: unknown[] }).credentials).toHaveLength(1)
    })

    it('loses none of 100 concurrent revocations on one Token Status List, spread over both processes', async () => {
      const now = new Date()
      const offer = await issuer.offer({})
      const list = await store.statusLists.ensureList('uni-a', 'revocation', 'token', now)
      // 100 issued credentials on one list (records as issuance writes them; signing is not the point here).
      const credentials: { id: string; idx: number }[] = []
      for (let i = 0; i < 100; i++) {
        const idx = await store.statusLists.allocateIndex('uni-a', list.id, undefined, list.size)
        const id = `urn:uuid:${randomUUID()}`
        await store.issuedCredentials.insert({
          tenantId: 'uni-a',
          id,
          awardId: offer.awardId,
          offerId: offer.offer.id,
          format: 'dc+sd-jwt',
          credentialConfigurationId: 'digital-learning-content_dc_sd_jwt',
          statusListId: list.id,
          statusIndex: idx,
          issuedAt: now,
        })
        credentials.push({ id, idx })
      }
      const apiKey = randomBytes(32).toString('base64url')
      await store.apiKeys.create({
        tenantId: 'uni-a',
        id: 'revoker',
        secretHash: createHash('sha256').update(apiKey).digest('hex'),
        scopes: ['credentials:revoke', 'read'],
        now,
      })
      const answers = await Promise.all(
        credentials.map((c, i) =>
          fetch(`${i % 2 === 0 ? issuer.url : second.url}/admin/uni-a/credentials/${encodeURIComponent(c.id)}/revoke`, {
            method: 'POST',
            headers: { authorization: `Bearer ${apiKey}` },
          }).then((r) => r.status),
        ),
      )
      expect(answers.every((status) => status === 200)).toBe(true)
      for (const c of credentials) expect(await store.statusLists.getStatus('uni-a', list.id, c.idx)).toBe(1)
      // The served Token Status List says so too.
      const uri = `${issuer.url}/uni-a/status/${list.id}`
      const listJwt = await (await fetch(uri)).text()
      const [header] = listJwt.split('.')
      const x5c = (JSON.parse(Buffer.from(String(header), 'base64url').toString()) as { x5c: string[] }).x5c
      const { X509Certificate } = await import('node:crypto')
      const leaf = new X509Certificate(Buffer.from(String(x5c[0]), 'base64')).publicKey.export({ format: 'jwk' })
      const verify = { resolveIssuerKey: async () => importJWK(leaf as never, 'ES256'), now: new Date() }
      for (const c of credentials) expect((await readTokenStatus(listJwt, { uri, idx: c.idx, verify })).status).toBe(1)
    })
  },
)

describe('an issuer restarted between token and credential request', () => {
  it('issues after the restart: sessions, nonces and keys live in the store', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'alma-restart-'))
    try {
      const port = await freePort()
      const first = await startTestIssuer({ store: await openStore({ dataDir }), port })
      const offer = await first.offer({})
      const { client, keys } = await testWallet()
      const { credentialOffer, issuerMetadata, accessToken } = await redeemOffer(client, offer.offerUri)
      const { c_nonce } = await client.requestNonce({ issuerMetadata })
      await first.close()
      await first.store.close()

      const second = await startTestIssuer({ store: await openStore({ dataDir }), port, provision: false })
      try {
        const configurationId = credentialOffer.credential_configuration_ids[0]!
        const jwt = await proofFor(client, issuerMetadata, configurationId, keys[0]!, c_nonce)
        const response = await client.retrieveCredentials({
          issuerMetadata,
          accessToken,
          credentialConfigurationId: configurationId,
          proofs: { jwt: [jwt] },
        })
        expect((response.credentialResponse as { credentials: unknown[] }).credentials).toHaveLength(1)
      } finally {
        await second.close()
        await second.store.close()
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
