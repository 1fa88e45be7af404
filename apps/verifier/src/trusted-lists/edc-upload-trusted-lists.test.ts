// An uploaded EDC file judged against EU trusted lists (issue 13 §5): the EC's signed sample is
// sealed by 'TEST SEAL' under ANF's seal CA, with a signature time-stamp of 2023-09-27 from the DSS
// test TSA. With ANF's CA as a CA/QC seal service on a Spanish list (made by test CAs), the seal
// certificate is judged at the time-stamp's time against the service's status history: granted
// then → trusted, even if withdrawn since; withdrawn before → not trusted, naming the withdrawal.
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { ShaclReport } from '@alma/elm/shacl'
import {
  ADDITIONAL_SERVICE_INFO_FOR_ESEALS,
  combineTrustAnchors,
  SERVICE_STATUS_GRANTED,
  SERVICE_STATUS_WITHDRAWN,
  SERVICE_TYPE_CA_QC,
  trustedListAnchorSource,
  verifyTrustedListSet,
} from '@alma/trust'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  createTrustedListKit,
  type TrustedListKit,
} from '../../../../packages/trust/src/trusted-list/trusted-list-test-kit.ts'
import { type VerifyUploadedEdcDeps, verifyUploadedEdc } from '../edc-upload/index.ts'
import { parseTimestampToken } from '../edc-upload/parse-timestamp-token.ts'

const samples = new URL('../../../../../shared/reference/elm/samples/', import.meta.url)
const SIGNED = readFileSync(new URL('Sample-MC-Annex1-signed.jsonld', samples), 'utf8')
const NOW = new Date('2026-01-15T12:00:00Z')
const GRANTED = new Date('2022-11-11T13:01:36Z')

const noShacl: VerifyUploadedEdcDeps = {
  validateShacl: async (_document, profile): Promise<ShaclReport> => ({
    profile,
    conforms: true,
    violations: [],
    triples: 0,
    ignoredSchemaTriples: 0,
  }),
}

let kit: TrustedListKit
let anfSealCa: Uint8Array
let tsaRoot: string

/** The certificates the sample carries in etsiU: xVals (ANF's CA) and its sigTst (the DSS test PKI). */
function sampleCertificates() {
  const file = JSON.parse(SIGNED) as { signatures: { header: { etsiU: string[] } }[] }
  const etsiU = file.signatures[0]!.header.etsiU.map((e) => JSON.parse(Buffer.from(e, 'base64url').toString()))
  const xVals = etsiU.find((e) => e.xVals)!.xVals as { x509Cert: { val: string } | string }[]
  const ders = xVals.map(
    (v) => new Uint8Array(Buffer.from(typeof v.x509Cert === 'string' ? v.x509Cert : v.x509Cert.val, 'base64')),
  )
  // ANF's seal CA (the issuer of 'TEST SEAL'), not its OCSP responder.
  const anf = ders.find((der) =>
    new X509Certificate(der).subject.split('\n').includes('CN=ANF AC Qualified Certificates for eSeal'),
  )!
  const sigTst = etsiU.find((e) => e.sigTst)!.sigTst.tstTokens[0].val as string
  const root = parseTimestampToken(new Uint8Array(Buffer.from(sigTst, 'base64')))
    .certificates.map((der) => new X509Certificate(der))
    .find((c) => c.subject.includes('CN=root-ca'))!
  return { anf, root: root.toString() }
}

async function uploadUnder(service: {
  status: string
  since: Date
  history?: { status: string; statusStartingTime: Date }[]
}) {
  const files = await kit.build({
    issueDate: new Date('2025-12-01T00:00:00Z'),
    nextUpdate: new Date('2026-06-01T00:00:00Z'),
    lists: [
      {
        territory: 'ES',
        sequenceNumber: 120,
        providers: [
          {
            name: 'ANF Autoridad de Certificación',
            services: [
              {
                serviceType: SERVICE_TYPE_CA_QC,
                serviceName: 'ANF AC Qualified Certificates for eSeal',
                status: service.status,
                statusStartingTime: service.since,
                certificates: [anfSealCa],
                additionalServiceInformation: [ADDITIONAL_SERVICE_INFO_FOR_ESEALS],
                ...(service.history ? { history: service.history } : {}),
              },
            ],
          },
        ],
      },
    ],
  })
  const set = verifyTrustedListSet(files, { lotlSigners: [kit.lotlSignersPem], now: NOW, refuseStale: true })
  expect(set.problems).toEqual([])
  return verifyUploadedEdc(
    {
      file: SIGNED,
      trustAnchors: combineTrustAnchors([], trustedListAnchorSource(set, { now: () => NOW })),
      timestampTrustAnchors: [tsaRoot],
      now: NOW,
    },
    noShacl,
  )
}

const chainOf = (r: Awaited<ReturnType<typeof verifyUploadedEdc>>) =>
  r.checks.find((c) => c.id === 'certificate-chain-trusted')!

beforeAll(async () => {
  kit = await createTrustedListKit(NOW)
  const certificates = sampleCertificates()
  anfSealCa = certificates.anf
  tsaRoot = certificates.root
})

describe('an uploaded EDC seal against EU trusted lists, at the time-stamp’s time', () => {
  it('is trusted when the CA/QC seal service was granted at the time-stamp, naming list and service', async () => {
    const r = await uploadUnder({ status: SERVICE_STATUS_GRANTED, since: GRANTED })
    expect(r.seal?.validatedAtSource).toBe('trusted-timestamp')
    expect(r.seal?.validatedAt.toISOString()).toBe('2023-09-27T11:54:20.000Z')
    expect(chainOf(r)).toMatchObject({ status: 'OK' })
    expect(chainOf(r).reason).toContain(
      "to the trust anchor 'ANF AC Qualified Certificates for eSeal' of the trusted list of ES (seq 120, issued 2025-12-01T00:00:00Z), service 'ANF AC Qualified Certificates for eSeal' of 'ANF Autoridad de Certificación' (CA/QC, granted since 2022-11-11T13:01:36Z)",
    )
  })

  it('is still trusted when the service was withdrawn after the time-stamp (the status history is read)', async () => {
    const r = await uploadUnder({
      status: SERVICE_STATUS_WITHDRAWN,
      since: new Date('2024-06-01T00:00:00Z'),
      history: [{ status: SERVICE_STATUS_GRANTED, statusStartingTime: GRANTED }],
    })
    expect(chainOf(r)).toMatchObject({ status: 'OK' })
    expect(chainOf(r).reason).toContain('(CA/QC, granted since 2022-11-11T13:01:36Z)')
  })

  it('is not trusted when the service was withdrawn before the time-stamp, naming the withdrawal', async () => {
    const r = await uploadUnder({
      status: SERVICE_STATUS_WITHDRAWN,
      since: new Date('2023-06-01T00:00:00Z'),
      history: [{ status: SERVICE_STATUS_GRANTED, statusStartingTime: GRANTED }],
    })
    expect(r.verdict).toBe('failed')
    expect(chainOf(r)).toMatchObject({ status: 'ERROR' })
    expect(chainOf(r).reason).toContain(
      "'TEST SEAL' is issued by 'ANF AC Qualified Certificates for eSeal', which is not a trust anchor at 2023-09-27T11:54:20.000Z: its service 'ANF AC Qualified Certificates for eSeal' of 'ANF Autoridad de Certificación' on the trusted list of ES (seq 120, issued 2025-12-01T00:00:00Z) is withdrawn since 2023-06-01T00:00:00Z",
    )
  })
})
