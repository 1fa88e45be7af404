// Test-only: a real verifier over HTTP on loopback with an embedded store, its own development CA,
// and a provisioned relying party with an API key (style.md, practice 8: real app, real database).
import { randomBytes } from 'node:crypto'
import { openStore, type Store } from '@alma/store'
import { createDevCa, type DevCa, parseKek } from '@alma/trust'
import { freePort, quietLog } from '../../../issuer/src/testing/issuer-harness.ts'
import type { VerifierConfigInput } from '../config.ts'
import { provisionRelyingParty } from '../provision-relying-party.ts'
import { createRelyingPartyKey } from '../relying-party-keys.ts'
import { type RunningVerifier, type StartVerifierOptions, startVerifier } from '../verifier-server.ts'

export const RELYING_PARTY = 'employer'

export interface TestVerifier extends RunningVerifier {
  readonly store: Store
  /** The CA of the relying party's request-signing certificate: what a wallet must trust. */
  readonly ca: DevCa
  readonly rpId: string
  /** An API key of the relying party with every scope. */
  readonly apiKey: string
  /** Calls the relying-party API with the key; returns status and JSON body. */
  api(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: any }>
}

export interface StartTestVerifierOptions {
  /** Issuers' trust anchors (PEM): the test issuer's dev CA. */
  readonly trustAnchors: readonly string[]
  /** The verifier's store of EU trusted lists (issue 13 §5). */
  readonly trustedListsDir?: string
  /** Issuer origins on loopback whose DIDs and status lists may be fetched. */
  readonly devAllowList?: readonly string[]
  readonly config?: Partial<VerifierConfigInput>
  readonly store?: Store
  readonly now?: StartVerifierOptions['now']
  readonly routes?: StartVerifierOptions['routes']
  readonly webhookIntervalMs?: number
  readonly webhookUrl?: string
  /** `localhost` by default, so x509_san_dns: has a DNS name to name. */
  readonly host?: string
  readonly elmWorkers?: StartVerifierOptions['elmWorkers']
  readonly rateLimits?: StartVerifierOptions['rateLimits']
}

export async function startTestVerifier(options: StartTestVerifierOptions): Promise<TestVerifier> {
  const store = options.store ?? (await openStore({}))
  const port = await freePort()
  const host = options.host ?? 'localhost'
  const baseUrl = `http://${host}:${port}`
  const verifier = await startVerifier({
    config: { baseUrl, ...options.config },
    store,
    kek: parseKek(randomBytes(32).toString('base64url')),
    port,
    host: host === 'localhost' ? '127.0.0.1' : host,
    log: quietLog,
    trustAnchors: options.trustAnchors,
    ...(options.trustedListsDir ? { trustedListsDir: options.trustedListsDir } : {}),
    ...(options.devAllowList ? { devAllowList: options.devAllowList } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.routes ? { routes: options.routes } : {}),
    ...(options.webhookIntervalMs !== undefined ? { webhookIntervalMs: options.webhookIntervalMs } : {}),
    ...(options.elmWorkers ? { elmWorkers: options.elmWorkers } : {}),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
  })
  const now = new Date()
  const ca = await createDevCa({ name: 'Alma Verifier Test CA', country: 'DE', now })
  await provisionRelyingParty(
    { store, keyring: verifier.ctx.keyring, baseUrl, ca, now },
    {
      id: RELYING_PARTY,
      name: 'Example Employer GmbH',
      ...(options.webhookUrl ? { webhookUrl: options.webhookUrl } : {}),
    },
  )
  const { key: apiKey } = await createRelyingPartyKey(store, RELYING_PARTY)
  return {
    ...verifier,
    url: baseUrl,
    store,
    ca,
    rpId: RELYING_PARTY,
    apiKey,
    async close() {
      await verifier.close()
      if (!options.store) await store.close()
    },
    async api(method, path, body, key = apiKey) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      })
      const text = await response.text()
      return { status: response.status, body: text ? JSON.parse(text) : undefined }
    },
  }
}
