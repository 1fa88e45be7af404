import { generateKeyPairSync, webcrypto } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { isTrustError } from '../errors.ts'
import { SEAL_FIELDS } from '../test-fixtures.ts'
import { createDevCa, type DevCa, issueSealCertificate } from '../x509/dev-ca.ts'
import { x509 } from '../x509/provider.ts'
import { validateCertificateChain } from '../x509/validate-certificate-chain.ts'
import { type CreateTrustedListInput, createTrustedList, signTrustedList } from './create-trusted-list.ts'
import {
  ADDITIONAL_SERVICE_INFO_FOR_ESEALS,
  SERVICE_STATUS_GRANTED,
  SERVICE_STATUS_WITHDRAWN,
  SERVICE_TYPE_CA_QC,
  SERVICE_TYPE_TSA_QTST,
} from './etsi.ts'
import { parseTrustedList } from './parse-trusted-list.ts'
import { trustAnchorsFromTrustedList } from './trust-anchors-from-trusted-list.ts'

const ISSUED = new Date('2025-01-10T00:00:00Z')
const NEXT_UPDATE = new Date('2025-07-10T00:00:00Z')
const NOW = new Date('2025-03-01T00:00:00Z')

let signer: DevCa
let grantedCa: DevCa
let withdrawnCa: DevCa
let tsa: DevCa
let input: CreateTrustedListInput
let signed: string

function b64(der: Uint8Array): string {
  return Buffer.from(der).toString('base64')
}

/** The code and message of the TrustError that refused the list. */
function failureOf(parse: () => unknown) {
  try {
    parse()
  } catch (error) {
    if (!isTrustError(error)) throw error
    return { code: error.code, message: error.message }
  }
  throw new Error('expected the list to be refused')
}

beforeAll(async () => {
  const start = new Date('2024-01-01T00:00:00Z')
  signer = await createDevCa({ name: 'DE Trusted List Signer', country: 'DE', now: start })
  grantedCa = await createDevCa({ name: 'QTSP Seal CA', country: 'DE', now: start })
  withdrawnCa = await createDevCa({ name: 'Old Seal CA', country: 'DE', now: start })
  tsa = await createDevCa({ name: 'QTSP TSA', country: 'DE', now: start })
  input = {
    schemeTerritory: 'DE',
    sequenceNumber: 42,
    issueDate: ISSUED,
    nextUpdate: NEXT_UPDATE,
    schemeOperatorName: 'Bundesnetzagentur & Co <test>',
    providers: [
      {
        name: 'Example QTSP GmbH',
        services: [
          {
            serviceType: SERVICE_TYPE_CA_QC,
            serviceName: 'Qualified seal CA',
            certificates: [grantedCa.certificateDer],
            additionalServiceInformation: [ADDITIONAL_SERVICE_INFO_FOR_ESEALS],
          },
          {
            serviceType: SERVICE_TYPE_CA_QC,
            serviceName: 'Old seal CA',
            status: SERVICE_STATUS_WITHDRAWN,
            certificates: [withdrawnCa.certificateDer],
          },
          { serviceType: SERVICE_TYPE_TSA_QTST, serviceName: 'Qualified TSA', certificates: [tsa.certificateDer] },
        ],
      },
    ],
  }
  signed = await signTrustedList(createTrustedList(input), signer.privateKey, signer.certificateDer)
})

describe('parseTrustedList', () => {
  it('reads a list signed by the pinned signer', () => {
    const list = parseTrustedList(signed, { signerCertificates: [signer.certificatePem], now: NOW })
    expect(list.schemeTerritory).toBe('DE')
    expect(list.sequenceNumber).toBe(42)
    expect(list.issueDate.toISOString()).toBe(ISSUED.toISOString())
    expect(list.nextUpdate.toISOString()).toBe(NEXT_UPDATE.toISOString())
    expect(list.schemeOperatorName).toBe('Bundesnetzagentur & Co <test>')
    expect(b64(list.signerCertificate)).toBe(b64(signer.certificateDer))
    expect(list.warnings).toEqual([])
    expect(list.services.map((s) => [s.providerName, s.serviceName, s.serviceType, s.status])).toEqual([
      ['Example QTSP GmbH', 'Qualified seal CA', SERVICE_TYPE_CA_QC, SERVICE_STATUS_GRANTED],
      ['Example QTSP GmbH', 'Old seal CA', SERVICE_TYPE_CA_QC, SERVICE_STATUS_WITHDRAWN],
      ['Example QTSP GmbH', 'Qualified TSA', SERVICE_TYPE_TSA_QTST, SERVICE_STATUS_GRANTED],
    ])
    expect(list.services[0]?.certificates.map(b64)).toEqual([b64(grantedCa.certificateDer)])
    expect(list.services[0]?.additionalServiceInformation).toEqual([ADDITIONAL_SERVICE_INFO_FOR_ESEALS])
    expect(list.services[0]?.statusStartingTime?.toISOString()).toBe(ISSUED.toISOString())
  })

  it('yields the granted CA/QC certificates as anchors that validateCertificateChain uses', async () => {
    const list = parseTrustedList(signed, { signerCertificates: [signer.certificateDer], now: NOW })
    const anchors = trustAnchorsFromTrustedList(list)
    expect(anchors.map(b64)).toEqual([b64(grantedCa.certificateDer)])
    expect(
      trustAnchorsFromTrustedList(list, {
        additionalServiceInformation: ADDITIONAL_SERVICE_INFO_FOR_ESEALS,
      }).map(b64),
    ).toEqual([b64(grantedCa.certificateDer)])
    expect(
      trustAnchorsFromTrustedList(list, {
        serviceTypes: [SERVICE_TYPE_CA_QC, SERVICE_TYPE_TSA_QTST],
        statuses: [SERVICE_STATUS_GRANTED, SERVICE_STATUS_WITHDRAWN],
      }).map(b64),
    ).toEqual([b64(grantedCa.certificateDer), b64(withdrawnCa.certificateDer), b64(tsa.certificateDer)])

    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair
    const sealOptions = { publicKey: keys.publicKey, ...SEAL_FIELDS }
    const good = await issueSealCertificate(grantedCa, sealOptions)
    const goodResult = await validateCertificateChain({ x5c: [good.x5c[0] as string], trustAnchors: anchors, at: NOW })
    expect(goodResult.ok).toBe(true)
    expect(goodResult.checks.find((c) => c.id === 'certificate-chain-trusted')?.reason).toContain(
      "trust anchor 'QTSP Seal CA'",
    )
    const withdrawn = await issueSealCertificate(withdrawnCa, sealOptions)
    const withdrawnResult = await validateCertificateChain({
      x5c: [withdrawn.x5c[0] as string],
      trustAnchors: anchors,
      at: NOW,
    })
    expect(withdrawnResult.ok).toBe(false)
    expect(withdrawnResult.checks.find((c) => c.id === 'certificate-chain-trusted')).toMatchObject({
      status: 'ERROR',
      reason: expect.stringContaining("no configured trust anchor or x5c certificate issued 'Uni A Seal'"),
    })
  })

  it('accepts a signature whose reference is the root Id', async () => {
    const xml = await signTrustedList(createTrustedList(input), signer.privateKey, signer.certificateDer, {
      reference: 'id',
    })
    expect(xml).toContain('<ds:Reference URI="#tsl">')
    expect(parseTrustedList(xml, { signerCertificates: [signer.certificateDer], now: NOW }).sequenceNumber).toBe(42)
    const tampered = xml.replace('<TSLSequenceNumber>42<', '<TSLSequenceNumber>43<')
    expect(
      failureOf(() => parseTrustedList(tampered, { signerCertificates: [signer.certificateDer], now: NOW })).code,
    ).toBe('trusted_list_signature_invalid')
  })

  it('accepts an RSA-signed list', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const keys = {
      privateKey: await webcrypto.subtle.importKey(
        'pkcs8',
        privateKey.export({ type: 'pkcs8', format: 'der' }),
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        true,
        ['sign'],
      ),
      publicKey: await webcrypto.subtle.importKey(
        'spki',
        publicKey.export({ type: 'spki', format: 'der' }),
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        true,
        ['verify'],
      ),
    }
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=RSA TL Signer, C=FR',
      keys,
      notBefore: new Date('2024-01-01T00:00:00Z'),
      notAfter: new Date('2030-01-01T00:00:00Z'),
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' },
    })
    const der = new Uint8Array(certificate.rawData)
    const xml = await signTrustedList(createTrustedList({ ...input, schemeTerritory: 'FR' }), privateKey, der)
    expect(xml).toContain('Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"')
    expect(parseTrustedList(xml, { signerCertificates: [der], now: NOW }).schemeTerritory).toBe('FR')
  })

  it('refuses a list whose content was changed after signing', () => {
    const tampered = signed.replace(SERVICE_STATUS_WITHDRAWN, SERVICE_STATUS_GRANTED)
    expect(tampered).not.toBe(signed)
    const refused = failureOf(() =>
      parseTrustedList(tampered, { signerCertificates: [signer.certificateDer], now: NOW }),
    )
    expect(refused.code).toBe('trusted_list_signature_invalid')
    expect(refused.message).toContain(
      "the trusted list's XML signature does not verify with the pinned signer certificate",
    )
  })

  it('refuses a list whose signature value was changed', () => {
    const tampered = signed.replace(
      /<ds:SignatureValue>([A-Za-z0-9+/])/,
      (_m, c: string) => `<ds:SignatureValue>${c === 'A' ? 'B' : 'A'}`,
    )
    expect(tampered).not.toBe(signed)
    const refused = failureOf(() =>
      parseTrustedList(tampered, { signerCertificates: [signer.certificateDer], now: NOW }),
    )
    expect(refused.code).toBe('trusted_list_signature_invalid')
  })

  it('refuses a list signed by a certificate that is not pinned', async () => {
    const other = await createDevCa({ name: 'Someone Else', country: 'DE', now: new Date('2024-01-01T00:00:00Z') })
    const xml = await signTrustedList(createTrustedList(input), other.privateKey, other.certificateDer)
    expect(failureOf(() => parseTrustedList(xml, { signerCertificates: [signer.certificateDer], now: NOW }))).toEqual({
      code: 'trusted_list_signer_not_pinned',
      message:
        "the list's signer certificate (C=DE, O=Someone Else, CN=Someone Else) is not one of the pinned signer certificates",
    })
  })

  it('does not trust a pinned certificate copied into KeyInfo by another signer', async () => {
    const other = await createDevCa({ name: 'Someone Else', country: 'DE', now: new Date('2024-01-01T00:00:00Z') })
    // The attacker signs with their own key but names the pinned certificate in KeyInfo.
    const xml = await signTrustedList(createTrustedList(input), other.privateKey, signer.certificateDer)
    expect(failureOf(() => parseTrustedList(xml, { signerCertificates: [signer.certificateDer], now: NOW })).code).toBe(
      'trusted_list_signature_invalid',
    )
  })

  it('refuses DOCTYPE and ENTITY declarations (XXE) before parsing', () => {
    const xxe = signed
      .replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE TrustServiceStatusList [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
      )
      .replace('<SchemeTerritory>DE</SchemeTerritory>', '<SchemeTerritory>&xxe;</SchemeTerritory>')
    const expected = {
      code: 'trusted_list_external_entity',
      message: 'the trusted list contains a DOCTYPE or ENTITY declaration; DTDs and entities are refused (XXE)',
    }
    expect(failureOf(() => parseTrustedList(xxe, { signerCertificates: [signer.certificateDer], now: NOW }))).toEqual(
      expected,
    )
    const lowerCase = `<!doctype x>${signed.replace('<?xml version="1.0" encoding="UTF-8"?>', '')}`
    expect(
      failureOf(() => parseTrustedList(lowerCase, { signerCertificates: [signer.certificateDer], now: NOW })),
    ).toEqual(expected)
    const entityOnly = signed.replace('<SchemeInformation>', '<SchemeInformation><!-- <!ENTITY lol "lol"> -->')
    expect(
      failureOf(() => parseTrustedList(entityOnly, { signerCertificates: [signer.certificateDer], now: NOW })).code,
    ).toBe('trusted_list_external_entity')
  })

  it('refuses a list past its NextUpdate as stale, naming the date', () => {
    const later = new Date('2025-08-01T00:00:00Z')
    expect(
      failureOf(() => parseTrustedList(signed, { signerCertificates: [signer.certificateDer], now: later })),
    ).toEqual({
      code: 'trusted_list_expired',
      message:
        'the trusted list is stale: its NextUpdate 2025-07-10T00:00:00.000Z is before now (2025-08-01T00:00:00.000Z)',
    })
  })

  it('refuses a closed list (no NextUpdate), a list issued in the future and an unsigned list', async () => {
    const closedXml = createTrustedList(input).replace(/<NextUpdate>.*<\/NextUpdate>/, '<NextUpdate/>')
    const closed = await signTrustedList(closedXml, signer.privateKey, signer.certificateDer)
    expect(
      failureOf(() => parseTrustedList(closed, { signerCertificates: [signer.certificateDer], now: NOW })).code,
    ).toBe('trusted_list_closed')
    const early = new Date('2025-01-01T00:00:00Z')
    expect(
      failureOf(() => parseTrustedList(signed, { signerCertificates: [signer.certificateDer], now: early })),
    ).toEqual({
      code: 'trusted_list_not_yet_valid',
      message: "the trusted list's ListIssueDateTime 2025-01-10T00:00:00.000Z is after now (2025-01-01T00:00:00.000Z)",
    })
    expect(
      failureOf(() =>
        parseTrustedList(createTrustedList(input), { signerCertificates: [signer.certificateDer], now: NOW }),
      ),
    ).toEqual({
      code: 'trusted_list_signature_missing',
      message: 'the trusted list is not signed',
    })
  })

  it('fails closed without a pinned signer, and on what is not a trusted list', () => {
    expect(failureOf(() => parseTrustedList(signed, { signerCertificates: [], now: NOW })).code).toBe(
      'trusted_list_signer_not_configured',
    )
    expect(
      failureOf(() =>
        parseTrustedList(signed, { signerCertificates: [signer.certificateDer], now: NOW, maxBytes: 1024 }),
      ),
    ).toEqual({ code: 'trusted_list_too_large', message: 'the trusted list is larger than 1024 bytes' })
    expect(
      failureOf(() => parseTrustedList('<a><b></a>', { signerCertificates: [signer.certificateDer], now: NOW })).code,
    ).toBe('trusted_list_malformed')
    expect(
      failureOf(() =>
        parseTrustedList('<feed xmlns="http://www.w3.org/2005/Atom"/>', {
          signerCertificates: [signer.certificateDer],
          now: NOW,
        }),
      ),
    ).toEqual({
      code: 'trusted_list_malformed',
      message: 'the root element is {http://www.w3.org/2005/Atom}feed, not a TS 119 612 TrustServiceStatusList',
    })
  })

  it('refuses a signature that is not an enveloped child of the list', () => {
    const moved = signed
      .replace(/(<ds:Signature[\s\S]*<\/ds:Signature>)/, '')
      .replace(
        '<SchemeInformation>',
        `<SchemeInformation>${signed.match(/<ds:Signature[\s\S]*<\/ds:Signature>/)?.[0] ?? ''}`,
      )
    expect(
      failureOf(() => parseTrustedList(moved, { signerCertificates: [signer.certificateDer], now: NOW })).code,
    ).toBe('trusted_list_signature_scope')
  })
})
