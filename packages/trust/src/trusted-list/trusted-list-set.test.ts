// The EU chain of trusted lists (LOTL pinned → national lists by the LOTL's pointers) and the seal
// anchors taken from it at a time, with lists made by test CAs; and the real EU LOTL read.
import { webcrypto, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { isTrustError } from '../errors.ts'
import { SEAL_FIELDS } from '../test-fixtures.ts'
import { createDevCa, type DevCa, issueSealCertificate } from '../x509/dev-ca.ts'
import { combineTrustAnchors } from '../x509/trust-anchor-source.ts'
import { loadTrustAnchorsFromPem } from '../x509/trust-anchors.ts'
import { validateCertificateChain } from '../x509/validate-certificate-chain.ts'
import { compareTrustedListSets, describeTrustedListChange } from './compare-trusted-list-sets.ts'
import {
  ADDITIONAL_SERVICE_INFO_FOR_ESEALS,
  ADDITIONAL_SERVICE_INFO_FOR_ESIGNATURES,
  SERVICE_STATUS_GRANTED,
  SERVICE_STATUS_WITHDRAWN,
  SERVICE_TYPE_CA_QC,
  SERVICE_TYPE_TSA_QTST,
  TSL_MIME_TYPE_XML,
  TSL_TYPE_EU_LOTL,
} from './etsi.ts'
import { parseTrustedList } from './parse-trusted-list.ts'
import { serviceStatusAt, serviceTimeline } from './service-status-at.ts'
import { describeTrustedListAnchor, sealQualification, trustedListAnchorSource } from './trusted-list-anchors.ts'
import { createTrustedListKit, type KitBuildInput, type TrustedListKit } from './trusted-list-test-kit.ts'
import { signersForTerritory, type TrustedListSet, verifyTrustedListSet } from './verify-trusted-list-set.ts'

const GRANTED = new Date('2026-01-01T00:00:00Z')
const WITHDRAWN = new Date('2026-06-01T00:00:00Z')
const ISSUED = new Date('2026-09-01T00:00:00Z')
const NEXT_UPDATE = new Date('2027-03-01T00:00:00Z')
const NOW = new Date('2026-10-01T00:00:00Z')

let kit: TrustedListKit
let sealCa: DevCa
let oldCa: DevCa
let signatureCa: DevCa
let plainCa: DevCa
let tsa: DevCa
let input: KitBuildInput

async function sealUnder(ca: DevCa, options: { sscd?: boolean; notBefore?: Date } = {}) {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair
  return issueSealCertificate(ca, {
    publicKey: keys.publicKey,
    ...SEAL_FIELDS,
    notBefore: options.notBefore ?? new Date('2026-02-01T00:00:00Z'),
    notAfter: new Date('2028-01-01T00:00:00Z'),
    ...(options.sscd !== undefined ? { sscd: options.sscd } : {}),
  })
}

function verify(files: Awaited<ReturnType<TrustedListKit['build']>>, refuseStale = true, now = NOW): TrustedListSet {
  return verifyTrustedListSet(files, { lotlSigners: [kit.lotlSigner.certificatePem], now, refuseStale })
}

function failureOf(run: () => unknown) {
  try {
    run()
  } catch (error) {
    if (!isTrustError(error)) throw error
    return { code: error.code, message: error.message }
  }
  throw new Error('expected a TrustError')
}

beforeAll(async () => {
  kit = await createTrustedListKit(NOW)
  const start = new Date('2025-06-01T00:00:00Z')
  sealCa = await createDevCa({ name: 'Example QTSP Seal CA', country: 'DE', now: start })
  oldCa = await createDevCa({ name: 'Old QTSP Seal CA', country: 'DE', now: start })
  signatureCa = await createDevCa({ name: 'QTSP Signature CA', country: 'DE', now: start })
  plainCa = await createDevCa({ name: 'QTSP Any QC CA', country: 'DE', now: start })
  tsa = await createDevCa({ name: 'QTSP TSA', country: 'DE', now: start })
  input = {
    lotlSequenceNumber: 386,
    issueDate: ISSUED,
    nextUpdate: NEXT_UPDATE,
    lists: [
      {
        territory: 'DE',
        sequenceNumber: 42,
        providers: [
          {
            name: 'Example QTSP GmbH',
            services: [
              {
                serviceType: SERVICE_TYPE_CA_QC,
                serviceName: 'Qualified seal CA',
                statusStartingTime: GRANTED,
                certificates: [sealCa.certificateDer],
                additionalServiceInformation: [ADDITIONAL_SERVICE_INFO_FOR_ESEALS],
              },
              {
                serviceType: SERVICE_TYPE_CA_QC,
                serviceName: 'Old seal CA',
                status: SERVICE_STATUS_WITHDRAWN,
                statusStartingTime: WITHDRAWN,
                certificates: [oldCa.certificateDer],
                additionalServiceInformation: [ADDITIONAL_SERVICE_INFO_FOR_ESEALS],
                history: [{ status: SERVICE_STATUS_GRANTED, statusStartingTime: GRANTED }],
              },
              {
                serviceType: SERVICE_TYPE_CA_QC,
                serviceName: 'Qualified signature CA',
                statusStartingTime: GRANTED,
                certificates: [signatureCa.certificateDer],
                additionalServiceInformation: [ADDITIONAL_SERVICE_INFO_FOR_ESIGNATURES],
              },
              {
                serviceType: SERVICE_TYPE_CA_QC,
                serviceName: 'Qualified CA without ASi',
                statusStartingTime: GRANTED,
                certificates: [plainCa.certificateDer],
              },
              { serviceType: SERVICE_TYPE_TSA_QTST, serviceName: 'Qualified TSA', certificates: [tsa.certificateDer] },
            ],
          },
        ],
      },
    ],
  }
})

describe('parseTrustedList: history and pointers', () => {
  it('reads the status history (clause 5.5.10) and the LOTL pointers with their signers (clause 5.3.13)', async () => {
    const files = await kit.build(input)
    const de = await kit.signerOf('DE')
    const lotl = parseTrustedList(files.lotl, { signerCertificates: [kit.lotlSigner.certificateDer], now: NOW })
    expect(lotl.tslType).toBe(TSL_TYPE_EU_LOTL)
    expect(lotl.pointers).toEqual([
      {
        location: 'https://tl.example/DE.xml',
        territory: 'DE',
        tslType: 'http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric',
        mimeType: TSL_MIME_TYPE_XML,
        schemeOperatorName: 'DE',
        signerCertificates: [de.certificateDer],
      },
    ])
    const list = parseTrustedList(files.lists[0]!.xml, { signerCertificates: [de.certificateDer], now: NOW })
    const old = list.services.find((s) => s.serviceName === 'Old seal CA')!
    expect(old.history).toEqual([
      {
        serviceType: SERVICE_TYPE_CA_QC,
        serviceName: 'Old seal CA',
        status: SERVICE_STATUS_GRANTED,
        statusStartingTime: GRANTED,
        additionalServiceInformation: [ADDITIONAL_SERVICE_INFO_FOR_ESEALS],
      },
    ])
    const timeline = serviceTimeline(old)
    expect(timeline.map((p) => [p.status, p.from.toISOString(), p.until?.toISOString()])).toEqual([
      [SERVICE_STATUS_GRANTED, GRANTED.toISOString(), WITHDRAWN.toISOString()],
      [SERVICE_STATUS_WITHDRAWN, WITHDRAWN.toISOString(), undefined],
    ])
    expect(serviceStatusAt(timeline, new Date('2025-12-31T00:00:00Z'))).toBeUndefined()
    expect(serviceStatusAt(timeline, new Date('2026-03-01T00:00:00Z'))?.status).toBe(SERVICE_STATUS_GRANTED)
    expect(serviceStatusAt(timeline, WITHDRAWN)?.status).toBe(SERVICE_STATUS_WITHDRAWN)
  })

  it('reads a stale list only when the caller judges NextUpdate itself', async () => {
    const files = await kit.build(input)
    const later = new Date('2027-04-01T00:00:00Z')
    expect(
      failureOf(() => parseTrustedList(files.lotl, { signerCertificates: [kit.lotlSigner.certificateDer], now: later }))
        .code,
    ).toBe('trusted_list_expired')
    expect(
      parseTrustedList(files.lotl, {
        signerCertificates: [kit.lotlSigner.certificateDer],
        now: later,
        checkNextUpdate: false,
      }).sequenceNumber,
    ).toBe(386)
  })
})

describe('verifyTrustedListSet', () => {
  it('verifies the LOTL against the pinned signer and each national list against the signers the LOTL names', async () => {
    const set = verify(await kit.build(input))
    expect(set.problems).toEqual([])
    expect(set.lotl.sequenceNumber).toBe(386)
    expect(set.lists.map((l) => [l.schemeTerritory, l.sequenceNumber])).toEqual([['DE', 42]])
    expect(
      Buffer.from(set.lists[0]!.signerCertificate).equals(Buffer.from((await kit.signerOf('DE')).certificateDer)),
    ).toBe(true)
  })

  it('refuses a LOTL not signed by the pinned signer: nothing of the set is read', async () => {
    const impostor = await createDevCa({ name: 'Not the Commission', country: 'BE', now: new Date('2026-01-01Z') })
    const files = await kit.build({ ...input, lotlSignedBy: impostor })
    expect(failureOf(() => verify(files))).toEqual({
      code: 'trusted_list_signer_not_pinned',
      message:
        "the EU list of trusted lists: the list's signer certificate (C=BE, O=Not the Commission, CN=Not the Commission) is not one of the pinned signer certificates",
    })
    // Also when the impostor copies the pinned certificate into KeyInfo: the signature does not verify.
    const copied = await kit.build(input)
    const tampered = copied.lotl.replace('<TSLSequenceNumber>386<', '<TSLSequenceNumber>387<')
    expect(failureOf(() => verify({ ...copied, lotl: tampered })).code).toBe('trusted_list_signature_invalid')
  })

  it('refuses a national list signed by a key the LOTL does not name for its country', async () => {
    const rogue = await createDevCa({ name: 'Rogue DE Signer', country: 'DE', now: new Date('2026-01-01Z') })
    const fr = await kit.signerOf('FR')
    const files = await kit.build({
      ...input,
      lists: [
        { ...input.lists[0]!, signedBy: rogue },
        // Signed by the signer of another country, which the LOTL does name — for FR only.
        { ...input.lists[0]!, territory: 'AT', signedBy: fr },
        { ...input.lists[0]!, territory: 'FR', sequenceNumber: 7 },
      ],
    })
    const set = verify(files)
    expect(set.lists.map((l) => l.schemeTerritory)).toEqual(['FR'])
    expect(set.problems).toEqual([
      {
        territory: 'DE',
        code: 'trusted_list_signer_not_pinned',
        reason:
          "the list of DE is not signed by a certificate the LOTL names for DE: the list's signer certificate (C=DE, O=Rogue DE Signer, CN=Rogue DE Signer) is not one of the pinned signer certificates",
      },
      {
        territory: 'AT',
        code: 'trusted_list_signer_not_pinned',
        reason:
          "the list of AT is not signed by a certificate the LOTL names for AT: the list's signer certificate (C=FR, O=Test FR Trusted List Signer, CN=Test FR Trusted List Signer) is not one of the pinned signer certificates",
      },
    ])
  })

  it('refuses a list the LOTL does not point at, a list stored under another country, and a stale list', async () => {
    const de = input.lists[0]!
    const files = await kit.build({
      ...input,
      lists: [de, { ...de, territory: 'FR', sequenceNumber: 3, nextUpdate: new Date('2026-09-15T00:00:00Z') }],
      pointers: [
        { territory: 'DE', signerCertificates: [(await kit.signerOf('DE')).certificateDer] },
        // Only a PDF pointer for FR: its certificates do not sign the XML list (clause 5.3.13).
        {
          territory: 'FR',
          mimeType: 'application/pdf',
          signerCertificates: [(await kit.signerOf('FR')).certificateDer],
        },
      ],
    })
    const renamed = { ...files, lists: [{ territory: 'AT', xml: files.lists[0]!.xml }] }
    expect(verify(renamed).problems).toEqual([
      {
        territory: 'AT',
        code: 'trusted_list_not_pointed',
        reason:
          'the EU list of trusted lists (seq 386, issued 2026-09-01T00:00:00Z) has no pointer to an XML trusted list of AT with signer certificates (TS 119 612 clause 5.3.13), so no signer is allowed for it',
      },
    ])
    expect(verify(files).problems.map((p) => [p.territory, p.code])).toEqual([['FR', 'trusted_list_not_pointed']])
    const withFr = await kit.build({
      ...input,
      lists: [de, { ...de, territory: 'FR', sequenceNumber: 3, nextUpdate: new Date('2026-09-15T00:00:00Z') }],
    })
    expect(verify(withFr).problems).toEqual([
      {
        territory: 'FR',
        code: 'trusted_list_expired',
        reason:
          'the trusted list of FR (seq 3, issued 2026-09-01T00:00:00Z) is stale: its NextUpdate 2026-09-15T00:00:00Z has passed (now 2026-10-01T00:00:00Z); its anchors are not used (fail closed)',
      },
    ])
    // Kept (for judging at each use) when the caller does not refuse stale lists.
    expect(verify(withFr, false).lists.map((l) => l.schemeTerritory)).toEqual(['DE', 'FR'])
    const swapped = { ...withFr, lists: [{ territory: 'FR', xml: withFr.lists[0]!.xml }] }
    expect(verify(swapped).problems[0]).toMatchObject({ territory: 'FR', code: 'trusted_list_signer_not_pinned' })
  })

  it('refuses DTDs and entities in the LOTL and in national lists (XXE) before parsing', async () => {
    const files = await kit.build(input)
    const xxe = (xml: string) =>
      xml.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>',
      )
    expect(failureOf(() => verify({ ...files, lotl: xxe(files.lotl) })).code).toBe('trusted_list_external_entity')
    const set = verify({ ...files, lists: [{ territory: 'DE', xml: xxe(files.lists[0]!.xml) }] })
    expect(set.problems.map((p) => p.code)).toEqual(['trusted_list_external_entity'])
  })
})

describe('trustedListAnchorSource', () => {
  it('gives the granted seal CA as an anchor, saying which list and which service vouched, and the qualification', async () => {
    const set = verify(await kit.build(input))
    const anchors = trustedListAnchorSource(set, { now: () => NOW })
    const seal = await sealUnder(sealCa, { sscd: true })
    const result = await validateCertificateChain({ x5c: seal.x5c, trustAnchors: anchors, at: NOW })
    expect(result.ok).toBe(true)
    expect(result.checks.find((c) => c.id === 'certificate-chain-trusted')?.reason).toBe(
      "path of 2 certificate(s) from 'Uni A Seal' to the trust anchor 'Example QTSP Seal CA' of the trusted list of DE (seq 42, issued 2026-09-01T00:00:00Z), service 'Qualified seal CA' of 'Example QTSP GmbH' (CA/QC, granted since 2026-01-01T00:00:00Z), every signature verified",
    )
    expect(result.anchor?.provenance).toMatchObject({
      kind: 'trusted-list',
      list: { territory: 'DE', sequenceNumber: 42, issueDate: ISSUED, nextUpdate: NEXT_UPDATE },
      lotl: { sequenceNumber: 386, issueDate: ISSUED },
      service: {
        providerName: 'Example QTSP GmbH',
        serviceName: 'Qualified seal CA',
        serviceType: SERVICE_TYPE_CA_QC,
        status: SERVICE_STATUS_GRANTED,
        since: GRANTED,
      },
    })
    expect(describeTrustedListAnchor(result.anchor, result.leaf)).toBe(
      "chains to 'Example QTSP Seal CA' of the trusted list of DE (seq 42, issued 2026-09-01T00:00:00Z), service 'Qualified seal CA' of 'Example QTSP GmbH' (CA/QC, granted since 2026-01-01T00:00:00Z); qualified seal (QcCompliance, QcType eseal, QSCD)",
    )
    const noQscd = await sealUnder(sealCa)
    const second = await validateCertificateChain({ x5c: noQscd.x5c, trustAnchors: anchors, at: NOW })
    expect(sealQualification(second.anchor, second.leaf)).toMatchObject({
      qualified: false,
      qualifiedCertificate: true,
      qscd: false,
    })
    // A CA/QC service with no ASi leaves the type to the certificate's QcType: an anchor for seals.
    const plain = await validateCertificateChain({
      x5c: (await sealUnder(plainCa)).x5c,
      trustAnchors: anchors,
      at: NOW,
    })
    expect(plain.ok).toBe(true)
  })

  it('judges a withdrawn service at the validation time: an anchor before its withdrawal, none after, naming it', async () => {
    const set = verify(await kit.build(input))
    const anchors = trustedListAnchorSource(set, { now: () => NOW })
    const seal = await sealUnder(oldCa)
    const before = await validateCertificateChain({
      x5c: seal.x5c,
      trustAnchors: anchors,
      at: new Date('2026-05-01T00:00:00Z'),
    })
    expect(before.ok).toBe(true)
    expect(before.anchor?.vouchedBy).toContain("service 'Old seal CA' of 'Example QTSP GmbH' (CA/QC, granted since")
    const after = await validateCertificateChain({ x5c: seal.x5c, trustAnchors: anchors, at: NOW })
    expect(after.ok).toBe(false)
    expect(after.checks.find((c) => c.id === 'certificate-chain-trusted')).toEqual({
      id: 'certificate-chain-trusted',
      status: 'ERROR',
      reason:
        "'Uni A Seal' is issued by 'Old QTSP Seal CA', which is not a trust anchor at 2026-10-01T00:00:00.000Z: its service 'Old seal CA' of 'Example QTSP GmbH' on the trusted list of DE (seq 42, issued 2026-09-01T00:00:00Z) is withdrawn since 2026-06-01T00:00:00Z (TS 119 612 clause 5.5.4): it vouches for no certificate after its withdrawal",
    })
    // The same with the leaf alone in x5c (the path then ends at no certificate of x5c).
    const leafOnly = await validateCertificateChain({ x5c: [seal.x5c[0]!], trustAnchors: anchors, at: NOW })
    expect(leafOnly.checks.find((c) => c.id === 'certificate-chain-trusted')?.reason).toContain(
      'is withdrawn since 2026-06-01T00:00:00Z',
    )
  })

  it('fails closed on a stale list and on a stale LOTL, saying so; refuses services that are not for seals', async () => {
    const set = verify(await kit.build(input), false)
    const seal = await sealUnder(sealCa)
    const staleNow = new Date('2027-03-02T00:00:00Z')
    const stale = await validateCertificateChain({
      x5c: seal.x5c,
      trustAnchors: trustedListAnchorSource(set, { now: () => staleNow }),
      at: staleNow,
    })
    expect(stale.checks.find((c) => c.id === 'certificate-chain-trusted')?.reason).toBe(
      "'Uni A Seal' is issued by 'Example QTSP Seal CA', which is not a trust anchor at 2027-03-02T00:00:00.000Z: it is the service 'Qualified seal CA' of 'Example QTSP GmbH' on the trusted list of DE (seq 42, issued 2026-09-01T00:00:00Z), but the EU list of trusted lists (seq 386, issued 2026-09-01T00:00:00Z) is stale: its NextUpdate 2027-03-01T00:00:00Z has passed (now 2027-03-02T00:00:00Z); its anchors are not used (fail closed)",
    )
    // Only the national list stale (the LOTL still current), judged by the clock of use.
    const files = await kit.build({
      ...input,
      nextUpdate: new Date('2027-09-01T00:00:00Z'),
      lists: [{ ...input.lists[0]!, nextUpdate: new Date('2026-12-01T00:00:00Z') }],
    })
    const laterSet = verify(files)
    const listStale = await validateCertificateChain({
      x5c: seal.x5c,
      trustAnchors: trustedListAnchorSource(laterSet, { now: () => new Date('2026-12-02T00:00:00Z') }),
      at: NOW,
    })
    expect(listStale.checks.find((c) => c.id === 'certificate-chain-trusted')?.reason).toContain(
      'and the trusted list of DE (seq 42, issued 2026-09-01T00:00:00Z) is stale: its NextUpdate 2026-12-01T00:00:00Z has passed (now 2026-12-02T00:00:00Z); its anchors are not used (fail closed)',
    )
    const anchors = trustedListAnchorSource(set, { now: () => NOW })
    const signature = await validateCertificateChain({
      x5c: (await sealUnder(signatureCa)).x5c,
      trustAnchors: anchors,
      at: NOW,
    })
    expect(signature.checks.find((c) => c.id === 'certificate-chain-trusted')?.reason).toContain(
      "its service 'Qualified signature CA' of 'Example QTSP GmbH' on the trusted list of DE (seq 42, issued 2026-09-01T00:00:00Z) issues qualified certificates for electronic signatures only, not for electronic seals",
    )
    const underTsa = await validateCertificateChain({ x5c: (await sealUnder(tsa)).x5c, trustAnchors: anchors, at: NOW })
    expect(underTsa.checks.find((c) => c.id === 'certificate-chain-trusted')?.reason).toContain(
      "the path ends at 'QTSP TSA', a self-signed certificate inside x5c that is not a configured trust anchor",
    )
  })

  it('is not qualified when the service was not granted at the certificate’s issuance', async () => {
    const set = verify(await kit.build(input))
    const anchors = trustedListAnchorSource(set, { now: () => NOW })
    const early = await sealUnder(sealCa, { sscd: true, notBefore: new Date('2025-12-01T00:00:00Z') })
    const result = await validateCertificateChain({ x5c: early.x5c, trustAnchors: anchors, at: NOW })
    expect(result.ok).toBe(true)
    expect(sealQualification(result.anchor, result.leaf)).toEqual({
      qualified: false,
      qualifiedCertificate: false,
      qscd: true,
      text: 'not a qualified seal: when the certificate was issued (2025-12-01T00:00:00Z) the service was not yet on the list at 2025-12-01T00:00:00Z (listed from 2026-01-01T00:00:00Z)',
    })
  })

  it('combines with PEM anchors: either vouches; a PEM anchor is named without a list', async () => {
    const set = verify(await kit.build(input))
    const pemCa = await createDevCa({ name: 'Configured PEM CA', country: 'DE', now: new Date('2025-06-01Z') })
    const anchors = combineTrustAnchors(
      loadTrustAnchorsFromPem(pemCa.certificatePem),
      trustedListAnchorSource(set, { now: () => NOW }),
    )
    const viaPem = await validateCertificateChain({ x5c: (await sealUnder(pemCa)).x5c, trustAnchors: anchors, at: NOW })
    expect(viaPem.checks.find((c) => c.id === 'certificate-chain-trusted')?.reason).toBe(
      "path of 2 certificate(s) from 'Uni A Seal' to the trust anchor 'Configured PEM CA', every signature verified",
    )
    expect(describeTrustedListAnchor(viaPem.anchor, viaPem.leaf)).toBeUndefined()
    expect(sealQualification(viaPem.anchor, viaPem.leaf)).toBeUndefined()
    const viaList = await validateCertificateChain({
      x5c: (await sealUnder(sealCa)).x5c,
      trustAnchors: anchors,
      at: NOW,
    })
    expect(viaList.anchor?.vouchedBy).toContain('of the trusted list of DE (seq 42')
    const empty = await validateCertificateChain({
      x5c: (await sealUnder(pemCa)).x5c,
      trustAnchors: combineTrustAnchors([]),
      at: NOW,
    })
    expect(empty.checks.find((c) => c.id === 'certificate-chain-trusted')?.reason).toBe(
      'the trust store is empty: no trust anchor is configured, so nothing is trusted (fail closed)',
    )
  })
})

describe('compareTrustedListSets', () => {
  it('names services added, withdrawn, removed and status changes, and sequence numbers that moved', async () => {
    const before = verify(await kit.build(input))
    const de = input.lists[0]!
    const services = de.providers[0]!.services
    const newCa = await createDevCa({ name: 'New Seal CA', country: 'DE', now: new Date('2026-01-01Z') })
    const after = verify(
      await kit.build({
        ...input,
        lotlSequenceNumber: 387,
        lists: [
          {
            ...de,
            sequenceNumber: 43,
            providers: [
              {
                name: 'Example QTSP GmbH',
                services: [
                  {
                    ...services[0]!,
                    status: SERVICE_STATUS_WITHDRAWN,
                    statusStartingTime: new Date('2026-09-15T00:00:00Z'),
                  },
                  services[1]!,
                  services[3]!,
                  {
                    serviceType: SERVICE_TYPE_CA_QC,
                    serviceName: 'New seal CA',
                    certificates: [newCa.certificateDer],
                    additionalServiceInformation: [ADDITIONAL_SERVICE_INFO_FOR_ESEALS],
                  },
                ],
              },
            ],
          },
          { ...de, territory: 'FR', sequenceNumber: 5 },
        ],
      }),
    )
    expect(compareTrustedListSets(before, after).map(describeTrustedListChange)).toEqual([
      'EU LOTL: sequence number 386 → 387',
      'DE: sequence number 42 → 43',
      "DE: service withdrawn: 'Qualified seal CA' of 'Example QTSP GmbH' (CA/QC), granted → withdrawn since 2026-09-15T00:00:00Z",
      "DE: service added: 'New seal CA' of 'Example QTSP GmbH' (CA/QC), granted",
      "DE: service removed: 'Qualified signature CA' of 'Example QTSP GmbH' (CA/QC), was granted",
      "DE: service removed: 'Qualified TSA' of 'Example QTSP GmbH' (TSA/QTST), was granted",
      'FR: list added (seq 5, 5 service(s))',
    ])
    expect(compareTrustedListSets(before, before)).toEqual([])
  })
})

describe('the real EU LOTL (/work/shared/reference/trusted-lists/eu-lotl.xml)', () => {
  const xml = readFileSync(
    new URL('../../../../../shared/reference/trusted-lists/eu-lotl.xml', import.meta.url),
    'utf8',
  )
  const WHEN = new Date('2026-05-01T00:00:00Z')

  it('reads its pointers and their signer certificates, and checks its XAdES-signed XMLDSig signature', () => {
    // The pin the Official Journal publishes is not in this repository; the LOTL names its own
    // signer certificates in its pointer to itself, which stands in for it here: the signature
    // checked is the real one, over the real bytes (enveloped reference and the XAdES
    // SignedProperties reference, RSA-SHA512), not a chain to an anchor we cannot have.
    const selfPointer = xml.slice(xml.indexOf('<OtherTSLPointer>'), xml.indexOf('</OtherTSLPointer>'))
    const pinned = [...selfPointer.matchAll(/<X509Certificate>([^<]+)<\/X509Certificate>/g)].map((m) => m[1]!)
    expect(pinned).toHaveLength(6)
    const lotl = parseTrustedList(xml, { signerCertificates: pinned, now: WHEN })
    expect([lotl.schemeTerritory, lotl.sequenceNumber, lotl.tslType, lotl.schemeOperatorName]).toEqual([
      'EU',
      386,
      TSL_TYPE_EU_LOTL,
      'European Commission',
    ])
    expect(lotl.issueDate.toISOString()).toBe('2026-04-28T21:59:59.000Z')
    expect(lotl.nextUpdate.toISOString()).toBe('2026-10-21T13:10:30.000Z')
    expect(lotl.warnings).toEqual([])
    expect(lotl.services).toEqual([])
    expect(lotl.pointers).toHaveLength(43)
    const xmlPointers = lotl.pointers.filter((p) => p.mimeType === TSL_MIME_TYPE_XML && p.territory !== 'EU')
    expect(xmlPointers.map((p) => p.territory)).toEqual(
      'AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IS IT LI LT LU LV MT NL NO PL PT RO SE SI SK UK'.split(' '),
    )
    expect(lotl.pointers.find((p) => p.territory === 'DE')).toMatchObject({
      location: 'https://tl.bundesnetzagentur.de/TL-DE.XML',
      schemeOperatorName: 'Federal Network Agency',
      tslType: 'http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric',
    })
    const deSigners = signersForTerritory(lotl, 'DE').map((der) => new X509Certificate(der).subject)
    expect(deSigners).toEqual([
      'CN=German Trusted List Signer 14\nO=Federal Network Agency\nC=DE',
      'CN=German Trusted List Signer 15\nO=Federal Network Agency\nC=DE',
    ])
    // BG, CZ: a PDF pointer and an XML pointer; only the XML pointer's certificates count, once each.
    expect(signersForTerritory(lotl, 'CZ')).toHaveLength(5)
    expect(signersForTerritory(lotl, 'AT')).toHaveLength(5)
    expect(new X509Certificate(lotl.signerCertificate).subject).toContain('O=EUROPEAN COMMISSION')
  })

  it('is refused under any other pin, when changed, and when stale', () => {
    const pinned = [...xml.slice(0, xml.indexOf('</OtherTSLPointer>')).matchAll(/<X509Certificate>([^<]+)</g)].map(
      (m) => m[1]!,
    )
    // The signer certificates of the Austrian list are real certificates, and not the LOTL's signer.
    const austrian = signersForTerritory(parseTrustedList(xml, { signerCertificates: pinned, now: WHEN }), 'AT')
    expect(failureOf(() => parseTrustedList(xml, { signerCertificates: austrian, now: WHEN })).code).toBe(
      'trusted_list_signer_not_pinned',
    )
    const tampered = xml.replace(
      '<TSLLocation>https://tl.bundesnetzagentur.de/TL-DE.XML<',
      '<TSLLocation>https://evil.example/TL-DE.XML<',
    )
    expect(tampered).not.toBe(xml)
    expect(failureOf(() => parseTrustedList(tampered, { signerCertificates: pinned, now: WHEN })).code).toBe(
      'trusted_list_signature_invalid',
    )
    expect(
      failureOf(() => parseTrustedList(xml, { signerCertificates: pinned, now: new Date('2026-12-01Z') })).code,
    ).toBe('trusted_list_expired')
  })
})
