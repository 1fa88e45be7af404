// Test-only: a real issuer over HTTP on loopback with an embedded store, dev CA, the example
// alliance's tenants, a course and awards (style.md, practice 8: real app, real database).

import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { openStore, type Store } from '@alma/store'
import { createDevCa, type DevCa, parseKek } from '@alma/trust'
import type { IssuerConfigInput } from '../config.ts'
import { createAward } from '../issuance/awards.ts'
import { type CreatedOffer, createOffer, type OfferGrants } from '../issuance/offers.ts'
import { provisionTenant } from '../issuance/provision-tenant.ts'
import { type RunningIssuer, type StartIssuerOptions, startIssuer } from '../issuer-server.ts'

const examples = new URL('../../../../config/examples/', import.meta.url)
export function readExample<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(new URL(path, examples), 'utf8')) as T
}

export const COURSE_ID = 'digital-learning-content'

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

/** A silent logger for tests (errors still print). */
export const quietLog = {
  info() {},
  warn() {},
  error(obj: { err?: unknown }, msg?: string) {
    const err = obj.err instanceof Error ? `${obj.err.name}: ${obj.err.message.slice(0, 300)}` : ''
    console.error(msg, err)
  },
}

export interface TestIssuer extends RunningIssuer {
  readonly store: Store
  /** The development CA that issued the tenants' seal certificates (when this harness provisioned them). */
  readonly ca?: DevCa
  /** Creates an award of the example course and an offer for it. */
  offer(options?: {
    tenant?: string
    txCode?: boolean
    hold?: boolean
    learner?: string
    configurations?: string[]
    grants?: OfferGrants
  }): Promise<CreatedOffer & { awardId: string }>
}

export interface StartTestIssuerOptions {
  readonly store?: Store
  readonly config?: Partial<IssuerConfigInput>
  readonly dpopRequired?: boolean
  readonly now?: StartIssuerOptions['now']
  readonly routes?: StartIssuerOptions['routes']
  /** Provision the tenants (false when a second process shares an already provisioned store). */
  readonly provision?: boolean
  readonly kek?: string
  readonly port?: number
  /** The cohort runner's options (hooks, clock), or false for none. */
  readonly cohortJobs?: StartIssuerOptions['cohortJobs']
  /** ELM worker threads of the test's own (size, deadline, queue); the issuer's own otherwise. */
  readonly elmWorkers?: StartIssuerOptions['elmWorkers']
}

export const TEST_KEK = randomBytes(32).toString('base64url')

export async function startTestIssuer(options: StartTestIssuerOptions = {}): Promise<TestIssuer> {
  const store = options.store ?? (await openStore({}))
  const port = options.port ?? (await freePort())
  const baseUrl = `http://127.0.0.1:${port}`
  const issuer = await startIssuer({
    config: { baseUrl, ...options.config },
    store,
    kek: parseKek(options.kek ?? TEST_KEK),
    port,
    log: quietLog,
    ...(options.now ? { now: options.now } : {}),
    ...(options.routes ? { routes: options.routes } : {}),
    ...(options.cohortJobs !== undefined ? { cohortJobs: options.cohortJobs } : {}),
    ...(options.elmWorkers ? { elmWorkers: options.elmWorkers } : {}),
  })
  const { ctx } = issuer
  let ca: DevCa | undefined
  if (options.provision !== false) {
    const now = new Date()
    ca = await createDevCa({ name: 'Alma Test CA', country: 'DE', now })
    const organisations = readExample('organisations.json')
    for (const [id, name] of [
      ['uni-a', 'University of Adlerstadt'],
      ['uni-b', 'Université de Belleville'],
    ] as const) {
      await provisionTenant(
        { store, keyring: ctx.keyring, baseUrl, ca, now },
        { id, name, organisations, dpopRequired: options.dpopRequired === true },
      )
      await store.specifications.create({
        tenantId: id,
        id: COURSE_ID,
        document: readExample('specification.json'),
        now,
      })
    }
  }
  return {
    ...issuer,
    store,
    ...(ca ? { ca } : {}),
    async close() {
      await issuer.close()
      if (!options.store) await store.close()
    },
    async offer(o = {}) {
      const tenant = await ctx.tenant(o.tenant ?? 'uni-a')
      const award = await createAward(ctx, tenant, {
        specificationId: COURSE_ID,
        award: readExample(`awards/${o.learner ?? 'ana-andromeda'}.json`),
        hold: o.hold === true,
      })
      const created = await createOffer(ctx, tenant, {
        awardId: award.id,
        txCode: o.txCode === true,
        ...(o.grants ? { grants: o.grants } : {}),
        ...(o.configurations ? { credentialConfigurationIds: o.configurations } : {}),
      })
      return { ...created, awardId: award.id }
    },
  }
}
