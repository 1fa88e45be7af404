// The demo deployment of the README's start command (issue 6, "The main job"): an issuer for the
// demo alliance (the alliance tenant and two member universities with the example course) and a
// verifier with one relying party, on the embedded store, in one folder. Each part is made only
// when missing (dev keys, the dev CA, tenants, certificates), so a second start reuses them.
import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import {
  createAward,
  createOffer,
  initIssuer,
  loadCliConfig,
  mountAdminApi,
  mountIssuerWebApp,
  provisionTenant,
  publishAllianceRegistry,
  type RunningIssuer,
  startIssuer,
  tenantUrls,
} from '@alma/issuer'
import { openStore } from '@alma/store'
import { readDevCaDir } from '@alma/trust'
import {
  createRelyingPartyKey,
  mountVerifierWebApp,
  provisionRelyingParty,
  type RunningVerifier,
  startVerifier,
  type MountRoutes as VerifierRoutes,
} from '@alma/verifier'

export const ALLIANCE_TENANT = 'alliance'
export const RELYING_PARTY = 'employer'
export const MEMBER_TENANTS = ['uni-a', 'uni-b'] as const

const silent = { info() {}, warn() {}, error() {} }
const examples = new URL('../../../../config/examples/', import.meta.url)

export interface DemoDeploymentOptions {
  /** The folder everything is kept in (created on first run). */
  readonly dir: string
  readonly issuerPort: number
  readonly verifierPort: number
  /** One line per step. */
  readonly out: (line: string) => void
  /** Extra routes: the web apps (issue 6). */
  readonly issuerRoutes?: readonly import('@alma/issuer').MountRoutes[]
  readonly verifierRoutes?: readonly VerifierRoutes[]
}

export interface DemoDeployment {
  readonly issuer: RunningIssuer
  readonly verifier: RunningVerifier
  /** The relying party's API key (development: kept in the folder, mode 600). */
  readonly relyingPartyKey: string
  /** Admin API keys made in this run (shown once; later runs cannot show them). */
  readonly newAdminKeys: Record<string, string>
  readonly allianceDid: string
  readonly allianceRegistryUrl: string
  close(): Promise<void>
}

async function readOrCreateSecret(
  file: string,
  make: () => Promise<string>,
): Promise<{ value: string; created: boolean }> {
  if (existsSync(file)) return { value: (await readFile(file, 'utf8')).trim(), created: false }
  const value = await make()
  await writeFile(file, `${value}\n`, { mode: 0o600 })
  await chmod(file, 0o600)
  return { value, created: true }
}

export async function startDemoDeployment(options: DemoDeploymentOptions): Promise<DemoDeployment> {
  const dir = resolve(options.dir)
  const issuerDir = join(dir, 'issuer')
  const verifierDir = join(dir, 'verifier')
  const issuerBase = `http://127.0.0.1:${options.issuerPort}`
  const verifierBase = `http://localhost:${options.verifierPort}`

  // The issuer: alma issuer init does the member universities, keys, dev CA and example course.
  const init = await initIssuer({
    dir: issuerDir,
    baseUrl: issuerBase,
    baseUrlGiven: false,
    // initIssuer's closing hint ("Start it: alma issuer serve …") does not apply here.
    out: (line) => {
      if (!line.startsWith('Start it:') && line !== '') options.out(`  ${line}`)
    },
    warn: () => {},
  })
  const { config, kek } = loadCliConfig(init.configFile)
  const caDir = join(issuerDir, 'ca')
  const ca = await readDevCaDir(caDir)
  const issuer = await startIssuer({
    config,
    kek,
    port: options.issuerPort,
    log: silent,
    routes: [mountAdminApi, mountIssuerWebApp, ...(options.issuerRoutes ?? [])],
  })
  const ctx = issuer.ctx
  const now = new Date()

  // The alliance tenant, and its signed registry of the two members (refreshed on every start).
  if (!(await ctx.store.tenants.get(ALLIANCE_TENANT))) {
    const organisations = JSON.parse(await readFile(new URL('organisations.json', examples), 'utf8')) as {
      alliance: { id: string; legalName?: Record<string, string>; [k: string]: unknown }
      issuer: Record<string, unknown>
    }
    const alliance = organisations.alliance
    await provisionTenant(
      { store: ctx.store, keyring: ctx.keyring, baseUrl: config.baseUrl, ca, now },
      {
        id: ALLIANCE_TENANT,
        name: alliance.legalName?.en ?? 'Demo Alliance',
        // The alliance issues nothing itself here; it seals its registry as an organisation.
        organisations: {
          ...organisations,
          issuer: {
            ...organisations.issuer,
            id: alliance.id,
            legalName: alliance.legalName ?? { en: 'Demo Alliance' },
            eidasIdentifier: { notation: 'VATBE-0000000097', country: 'BE' },
          },
        },
      },
    )
    options.out(`  tenant ${ALLIANCE_TENANT.padEnd(33)} created  ${tenantUrls(config.baseUrl, ALLIANCE_TENANT).did}`)
  }
  const allianceDid = tenantUrls(config.baseUrl, ALLIANCE_TENANT).did
  await publishAllianceRegistry(ctx, {
    allianceTenantId: ALLIANCE_TENANT,
    alliance: { id: allianceDid, name: 'Demo Alliance of European Universities' },
    members: MEMBER_TENANTS.map((tenantId) => ({ tenantId })),
  })

  // The verifier: its own database, the same development KEK and CA, one relying party.
  await mkdir(verifierDir, { recursive: true, mode: 0o700 })
  const verifierStore = await openStore({ dataDir: join(verifierDir, 'data') })
  const verifier = await startVerifier({
    config: { baseUrl: verifierBase, mode: 'development', dataDir: join(verifierDir, 'data') },
    kek,
    store: verifierStore,
    port: options.verifierPort,
    host: '127.0.0.1',
    log: silent,
    trustAnchors: [ca.certificatePem],
    devAllowList: [issuerBase],
    routes: [mountVerifierWebApp, ...(options.verifierRoutes ?? [])],
  })
  if (!(await verifierStore.tenants.get(RELYING_PARTY))) {
    await provisionRelyingParty(
      { store: verifierStore, keyring: verifier.ctx.keyring, baseUrl: verifierBase, ca, now },
      { id: RELYING_PARTY, name: 'Example Employer GmbH' },
    )
    options.out(`  relying party ${RELYING_PARTY.padEnd(26)} created  certificate for localhost from the dev CA`)
  }
  const { value: relyingPartyKey } = await readOrCreateSecret(
    join(verifierDir, 'relying-party-api-key'),
    async () => (await createRelyingPartyKey(verifierStore, RELYING_PARTY)).key,
  )
  return {
    issuer,
    verifier,
    relyingPartyKey,
    newAdminKeys: init.apiKeys,
    allianceDid,
    allianceRegistryUrl: `${config.baseUrl}/${ALLIANCE_TENANT}/alliance-registry`,
    async close() {
      await verifier.close()
      await verifierStore.close()
      await issuer.close()
    },
  }
}

/** Awards the example course to the example learner at `tenantId` and makes an offer with a tx_code. */
export async function awardAndOffer(deployment: DemoDeployment, tenantId: string, learnerFile = 'ana-andromeda.json') {
  const ctx = deployment.issuer.ctx
  const tenant = await ctx.tenant(tenantId)
  const award = await createAward(ctx, tenant, {
    specificationId: 'digital-learning-content',
    award: JSON.parse(await readFile(new URL(`awards/${learnerFile}`, examples), 'utf8')),
    actor: 'demo',
  })
  const offer = await createOffer(ctx, tenant, { awardId: award.id, txCode: true, actor: 'demo' })
  return { award, offer }
}
