// `alma demo`'s second half: the issuer's main job, end to end on one machine. An issuer for the
// demo alliance on loopback (embedded store in memory, dev CA, tenants uni-a and uni-b), an award
// and an offer with a transaction code, and a wallet redeeming it over HTTP in both formats; each
// step is printed so a person can follow it.
import { readFileSync } from 'node:fs'
import { verifySdJwtVc } from '@alma/credentials'
import { openStore } from '@alma/store'
import { checkIssuerLinkage, createDevCa, createDidResolver } from '@alma/trust'
import { decodeJwt, decodeProtectedHeader, importJWK } from 'jose'
import QRCode from 'qrcode'
import { createAward } from '../issuance/awards.ts'
import { createOffer } from '../issuance/offers.ts'
import { provisionTenant } from '../issuance/provision-tenant.ts'
import { startIssuer } from '../issuer-server.ts'
import { demoWallet, redeemOffer, requestCredential } from './demo-wallet.ts'

const quiet = { info() {}, warn() {}, error() {} }

export interface IssuanceDemoOptions {
  /** The folder with specification.json, organisations.json and awards/. */
  readonly examples: string
  readonly print?: (line: string) => void
}

export async function runIssuanceDemo(options: IssuanceDemoOptions): Promise<void> {
  const print = options.print ?? ((line: string) => console.log(line))
  const read = (name: string) =>
    JSON.parse(readFileSync(`${options.examples}/${name}`, 'utf8')) as Record<string, unknown>
  const store = await openStore({})
  // The base URL must carry the real port, so listen first on a free port, then start there.
  const { createServer } = await import('node:net')
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = s.address() as { port: number }
      s.close(() => resolve(p))
    })
  })
  const running = await startIssuer({ config: { baseUrl: `http://127.0.0.1:${port}` }, store, log: quiet, port })
  try {
    const { ctx } = running
    const now = new Date()
    const ca = await createDevCa({ name: 'Alma Demo CA', country: 'DE', now })
    for (const [id, name] of [
      ['uni-a', 'University of Adlerstadt'],
      ['uni-b', 'Université de Belleville'],
    ] as const) {
      await provisionTenant(
        { store, keyring: ctx.keyring, baseUrl: running.url, ca, now },
        { id, name, organisations: read('organisations.json') },
      )
      await store.specifications.create({
        tenantId: id,
        id: 'digital-learning-content',
        document: read('specification.json'),
        now,
      })
    }
    const tenant = await ctx.tenant('uni-a')
    print(`\nissuer running at ${running.url} (Credential Issuer ${tenant.urls.issuer}, ${tenant.urls.did})`)
    print(
      '  development setup for this run only: a generated KEK, an in-memory store, a dev CA for the seal certificates',
    )

    const award = await createAward(ctx, tenant, {
      specificationId: 'digital-learning-content',
      award: read('awards/ana-andromeda.json'),
      actor: 'demo',
    })
    const offer = await createOffer(ctx, tenant, { awardId: award.id, txCode: true, actor: 'demo' })
    print(`award ${award.id} for Ana Andromeda; credential offer (by reference):\n  ${offer.offerUri}`)
    print(`  transaction code (sent to the learner separately): ${offer.txCode}`)
    print(await QRCode.toString(offer.offerUri, { type: 'terminal', small: true }))

    const { client, keys } = await demoWallet()
    const { credentialOffer, issuerMetadata, accessToken } = await redeemOffer(client, offer.offerUri, offer.txCode)
    print(`wallet: metadata read (OpenID4VCI ${issuerMetadata.originalDraftVersion}), token received with the tx_code`)
    for (const [i, configurationId] of credentialOffer.credential_configuration_ids.entries()) {
      const body = await requestCredential(client, {
        issuerMetadata,
        accessToken,
        configurationId,
        key: keys[i] ?? keys[0]!,
      })
      const credential = body.credentials?.[0]?.credential ?? ''
      print(`wallet: received ${configurationId} (${credential.length.toLocaleString('en')} characters)`)
      if (configurationId.endsWith('_dc_sd_jwt')) {
        const header = decodeProtectedHeader(credential.split('~')[0]!)
        const { X509Certificate } = await import('node:crypto')
        const leaf = new X509Certificate(Buffer.from(String(header.x5c?.[0]), 'base64')).publicKey.export({
          format: 'jwk',
        })
        const verified = await verifySdJwtVc(credential, {
          resolveIssuerKey: async () => importJWK(leaf as never, 'ES256'),
          now: new Date(),
          requireKeyBinding: false,
        })
        const d = verified.disclosed as Record<string, unknown>
        print(
          `  SD-JWT VC verified: ${d.given_name} ${d.family_name}, "${d.achievement_title}", EQF ${d.eqf_level}, ${d.ects_credits} ECTS, by ${d.issuing_authority}`,
        )
      } else {
        const header = decodeProtectedHeader(credential)
        const vc = (decodeJwt(credential) as { vc: { issuer: unknown } }).vc
        const did = String(header.kid).split('#')[0]!
        const { didDocument } = await createDidResolver({ mode: 'development', devAllowList: [running.url] }).resolve(
          did,
        )
        const linkage = await checkIssuerLinkage({
          did,
          didDocument,
          x5c: header.x5c,
          elmIssuer: vc.issuer,
          at: new Date(),
          trustAnchors: [ca.certificatePem],
          kid: String(header.kid),
          requireQcSeal: true,
        })
        print(`  issuer linkage (did:web ↔ eIDAS seal ↔ ELM issuer): ${linkage.ok ? 'OK' : 'FAILED'}`)
        for (const check of linkage.checks) print(`    ${check.status.padEnd(7)} ${check.id}: ${check.reason}`)
      }
    }
    const audit = await store.auditLog.list('uni-a', { limit: 10 })
    print(
      `audit log: ${audit
        .map((e) => e.action)
        .reverse()
        .join(', ')}`,
    )
  } finally {
    await running.close()
    await store.close()
  }
}
