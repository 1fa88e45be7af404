// EU trusted lists as the verifier's trust anchors (issue 13 §5), end to end: credentials of both
// formats from the running test issuer, whose seal CA is a CA/QC service for seals on a national
// list (made and signed by test CAs, pointed at by a LOTL signed by the pinned signer). Granted →
// verified, the reason naming the list, the service and the qualification; withdrawn → failed
// naming the withdrawal; a stale list → failed closed saying so. Then the same through a running
// verifier whose trusted-list store is updated while it runs.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EU_LEARNING_CREDENTIAL_VCT } from '@alma/credentials'
import {
  ADDITIONAL_SERVICE_INFO_FOR_ESEALS,
  createDidResolver,
  guardedFetch,
  SERVICE_STATUS_GRANTED,
  SERVICE_STATUS_WITHDRAWN,
  SERVICE_TYPE_CA_QC,
  type TrustAnchors,
  trustedListAnchorSource,
  verifyTrustedListSet,
} from '@alma/trust'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTrustedListKit,
  type KitBuildInput,
  type TrustedListKit,
  writeTrustedListFolder,
} from '../../../../packages/trust/src/trusted-list/trusted-list-test-kit.ts'
import { startTestIssuer, type TestIssuer } from '../../../issuer/src/testing/issuer-harness.ts'
import { createJwtVcIssuerKeysLookup } from '../issuer-metadata-cache.ts'
import {
  type IssuedCredentials,
  issueBoth,
  openRequest,
  presentSdJwt,
  submitResponse,
  vpJwt,
} from '../testing/hand-wallet.ts'
import { startTestVerifier, type TestVerifier } from '../testing/verifier-harness.ts'
import {
  type PresentedCredentialVerification,
  type VerificationDeps,
  verifyPresentedCredential,
} from '../verification/verify-presented-credential.ts'
import { updateTrustedListStore } from './trusted-list-store.ts'

const AUD = 'x509_san_dns:verifier.example'
const NONCE = 'n-0S6_WzA2Mj-tl-e2e-nonce-128-bits'
const HOUR = 3600 * 1000
const DAY = 24 * HOUR

const sdQuery = {
  id: 'micro_credential',
  format: 'dc+sd-jwt',
  meta: { vct_values: [EU_LEARNING_CREDENTIAL_VCT] },
  // In the clear in the EU learning credential: nothing personal needs disclosing here.
  claims: [{ path: ['issuing_authority'] }],
}
const vcQuery = {
  id: 'edc',
  format: 'jwt_vc_json',
  meta: { type_values: [['VerifiableCredential']] },
  claims: [{ path: ['credentialSubject', 'familyName'] }],
}

let issuer: TestIssuer
let issued: IssuedCredentials
let kit: TrustedListKit
let root: string
let started: Date
let grantedSince: Date
let baseDeps: Omit<VerificationDeps, 'trustAnchors'>

/** The national list of DE with the test issuer's CA as a CA/QC seal service in the given state. */
function lists(options: { sequence?: number; withdrawnAt?: Date; nextUpdate?: Date } = {}): KitBuildInput {
  return {
    lotlSequenceNumber: 386 + (options.sequence ?? 0),
    issueDate: new Date(started.getTime() - DAY),
    nextUpdate: new Date(started.getTime() + 180 * DAY),
    lists: [
      {
        territory: 'DE',
        sequenceNumber: 42 + (options.sequence ?? 0),
        ...(options.nextUpdate ? { nextUpdate: options.nextUpdate } : {}),
        providers: [
          {
            name: 'Alma Test QTSP',
            services: [
              {
                serviceType: SERVICE_TYPE_CA_QC,
                serviceName: 'Qualified seal CA',
                certificates: [issuer.ca!.certificateDer],
                additionalServiceInformation: [ADDITIONAL_SERVICE_INFO_FOR_ESEALS],
                ...(options.withdrawnAt
                  ? {
                      status: SERVICE_STATUS_WITHDRAWN,
                      statusStartingTime: options.withdrawnAt,
                      history: [{ status: SERVICE_STATUS_GRANTED, statusStartingTime: grantedSince }],
                    }
                  : { status: SERVICE_STATUS_GRANTED, statusStartingTime: grantedSince }),
              },
            ],
          },
        ],
      },
    ],
  }
}

async function anchorsOf(input: KitBuildInput): Promise<TrustAnchors> {
  const set = verifyTrustedListSet(await kit.build(input), {
    lotlSigners: [kit.lotlSignersPem],
    now: new Date(),
    // Loaded as the verifier loads its store: a stale list is kept, and judged at each use.
    refuseStale: false,
  })
  expect(set.problems).toEqual([])
  return trustedListAnchorSource(set, { now: () => new Date() })
}

async function verifyBoth(trustAnchors: TrustAnchors): Promise<PresentedCredentialVerification[]> {
  const target = { aud: AUD, nonce: NONCE }
  const deps = { ...baseDeps, trustAnchors }
  return [
    await verifyPresentedCredential(
      {
        credential: {
          format: 'dc+sd-jwt',
          presentation: await presentSdJwt(issued.sdJwt, issued.keys[1]!, [], target),
        },
        nonce: NONCE,
        audience: AUD,
        credentialQuery: sdQuery,
      },
      deps,
    ),
    await verifyPresentedCredential(
      {
        credential: { format: 'jwt_vc_json', vp: await vpJwt(issued.vcJwt, issued.keys[0]!, target) },
        nonce: NONCE,
        audience: AUD,
        credentialQuery: vcQuery,
      },
      deps,
    ),
  ]
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')
const trustStep = (r: { steps: readonly { id: string; status: string; reason: string }[] }) =>
  r.steps.find((s) => s.id === 'issuer-trust')!

beforeAll(async () => {
  started = new Date()
  grantedSince = new Date(started.getTime() - 30 * DAY)
  root = mkdtempSync(join(tmpdir(), 'alma-tl-e2e-'))
  issuer = await startTestIssuer()
  kit = await createTrustedListKit(started)
  issued = await issueBoth(issuer)
  baseDeps = {
    didResolver: createDidResolver({ mode: 'development', devAllowList: [issuer.url] }),
    fetchStatusList: async (url) => {
      const response = await fetch(url)
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      return response.text()
    },
    jwtVcIssuerKeys: createJwtVcIssuerKeysLookup({
      fetchDocument: async (url, accept) =>
        (await guardedFetch(url, { mode: 'development', devAllowList: [issuer.url], accept })).body.toString('utf8'),
    }),
    allowLoopbackHttpIssuers: true,
  }
}, 120_000)
afterAll(async () => {
  await issuer?.close()
  rmSync(root, { recursive: true, force: true })
})

describe('issuer trust from EU trusted lists', () => {
  it('verifies both formats of our issuer under a granted CA/QC seal service, naming list, service and qualification', async () => {
    const results = await verifyBoth(await anchorsOf(lists()))
    const vouched = `chains to 'Alma Test CA' of the trusted list of DE (seq 42, issued ${iso(new Date(started.getTime() - DAY))}), service 'Qualified seal CA' of 'Alma Test QTSP' (CA/QC, granted since ${iso(grantedSince)})`
    // Our development seal keys are not in a QSCD, and the certificate says so (no QcSSCD).
    const qualification =
      'advanced seal with a qualified certificate, not a qualified seal (QcCompliance, QcType eseal; no QcSSCD: the key is not stated to be in a QSCD)'
    for (const result of results) {
      expect(result.steps.filter((s) => s.status === 'ERROR')).toEqual([])
      expect(result.verdict).toBe('verified')
      const { reason } = trustStep(result)
      expect(reason).toContain(`the certificate ${vouched} (`)
      expect(reason).toContain(`; ${qualification}`)
    }
    expect(results.map((r) => r.format)).toEqual(['dc+sd-jwt', 'jwt_vc_json'])
  })

  it('fails both formats once the service is withdrawn, naming the withdrawal; no claims are released', async () => {
    const withdrawnAt = new Date(started.getTime() - HOUR)
    const results = await verifyBoth(await anchorsOf(lists({ withdrawnAt })))
    for (const result of results) {
      expect(result.verdict).toBe('failed')
      expect(result.claims).toBeUndefined()
      const step = trustStep(result)
      expect(step.status).toBe('ERROR')
      expect(step.reason).toContain("is issued by 'Alma Test CA', which is not a trust anchor at ")
      expect(step.reason).toContain(
        `its service 'Qualified seal CA' of 'Alma Test QTSP' on the trusted list of DE (seq 42, issued ${iso(new Date(started.getTime() - DAY))}) is withdrawn since ${iso(withdrawnAt)} (TS 119 612 clause 5.5.4): it vouches for no certificate after its withdrawal`,
      )
    }
  })

  it('fails closed when the national list is past its NextUpdate, saying so', async () => {
    const nextUpdate = new Date(started.getTime() - HOUR)
    const results = await verifyBoth(await anchorsOf(lists({ nextUpdate })))
    for (const result of results) {
      expect(result.verdict).toBe('failed')
      const step = trustStep(result)
      expect(step.status).toBe('ERROR')
      expect(step.reason).toContain(
        `and the trusted list of DE (seq 42, issued ${iso(new Date(started.getTime() - DAY))}) is stale: its NextUpdate ${iso(nextUpdate)} has passed`,
      )
      expect(step.reason).toContain('its anchors are not used (fail closed)')
    }
  })
})

describe('a running verifier with a trusted-list store', () => {
  let verifier: TestVerifier
  let store: string

  beforeAll(async () => {
    store = join(root, 'store')
    updateTrustedListStore(
      store,
      writeTrustedListFolder(join(root, 'in-1'), await kit.build(lists()), kit.lotlSignersPem),
      {
        now: new Date(),
      },
    )
    // No PEM anchor at all: the trusted lists are the only trust.
    verifier = await startTestVerifier({ trustAnchors: [], trustedListsDir: store, devAllowList: [issuer.url] })
  }, 120_000)
  afterAll(async () => {
    await verifier?.close()
  })

  async function presentOverHttp() {
    const created = await verifier.api('POST', `/api/${verifier.rpId}/presentation-requests`, {
      template: { type: 'any-micro-credential' },
      responseMode: 'direct_post',
    })
    expect(created.status).toBe(201)
    const { payload } = await openRequest(created.body.authorizationRequestUri, {
      trustedCa: verifier.ca.certificatePem,
    })
    const query = payload.dcql_query.credentials.find((c: { format: string }) => c.format === 'dc+sd-jwt')
    // Disclosed: what the query asks for.
    const asked = (query.claims ?? []).map((c: { path: string[] }) => c.path[0])
    const presentation = await presentSdJwt(issued.sdJwt, issued.keys[1]!, asked, {
      aud: payload.client_id,
      nonce: payload.nonce,
    })
    const answer = await submitResponse(payload, { vp_token: { [query.id]: [presentation] }, state: payload.state })
    expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    const read = await verifier.api('GET', `/api/${verifier.rpId}/presentation-requests/${created.body.id}`)
    return read.body.result as {
      verdict: string
      credentials: { steps: { id: string; status: string; reason: string }[] }[]
    }
  }

  it('trusts the issuer through the installed lists, and stops once an update withdraws its CA', async () => {
    const before = await presentOverHttp()
    expect(before.verdict).toBe('verified')
    expect(trustStep(before.credentials[0]!).reason).toContain(
      "chains to 'Alma Test CA' of the trusted list of DE (seq 42",
    )

    const withdrawnAt = new Date(Date.now() - 60_000)
    const update = updateTrustedListStore(
      store,
      writeTrustedListFolder(join(root, 'in-2'), await kit.build(lists({ sequence: 1, withdrawnAt }))),
      { now: new Date() },
    )
    expect(update.changes.map((c) => c.kind)).toEqual(['lotl-sequence', 'list-sequence', 'service-status'])
    // What the store's timer does within 10 s, now.
    verifier.ctx.trustedLists?.refresh()
    expect(verifier.ctx.trustedLists?.installed()?.set.lotl.sequenceNumber).toBe(387)

    const after = await presentOverHttp()
    expect(after.verdict).toBe('failed')
    const step = trustStep(after.credentials[0]!)
    expect(step.status).toBe('ERROR')
    expect(step.reason).toContain(`on the trusted list of DE (seq 43,`)
    expect(step.reason).toContain(`is withdrawn since ${iso(withdrawnAt)}`)
  })
})
