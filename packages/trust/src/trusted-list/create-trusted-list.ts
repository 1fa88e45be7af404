import { createPrivateKey, KeyObject, type webcrypto } from 'node:crypto'
import { SignedXml } from 'xml-crypto'
import { type CertificateInput, certificateToDer, encodeCertificatePem, encodePrivateKeyPem } from '../x509/pem.ts'
import {
  DS_NAMESPACE,
  SERVICE_STATUS_GRANTED,
  STATUS_DETERMINATION_EU_APPROPRIATE,
  STATUS_DETERMINATION_EU_LOTL,
  TSL_ADDITIONAL_TYPES_NAMESPACE,
  TSL_MIME_TYPE_XML,
  TSL_NAMESPACE,
  TSL_TAG,
  TSL_TYPE_EU_GENERIC,
  TSL_TYPE_EU_LOTL,
} from './etsi.ts'
import {
  EcdsaSha256,
  EcdsaSha384,
  EcdsaSha512,
  XML_EXC_C14N,
  XMLDSIG_ECDSA_SHA256,
  XMLDSIG_ECDSA_SHA384,
  XMLDSIG_ECDSA_SHA512,
  XMLDSIG_ENVELOPED,
  XMLDSIG_RSA_SHA256,
  XMLDSIG_SHA256,
} from './xmldsig-algorithms.ts'

export interface CreateTrustedListService {
  /** Clause 5.5.1 service type identifier, e.g. `http://uri.etsi.org/TrstSvc/Svctype/CA/QC`. */
  serviceType: string
  /** Clause 5.5.2. */
  serviceName: string
  /** Clause 5.5.4 current status; `…/Svcstatus/granted` when absent. */
  status?: string
  /** Clause 5.5.5; the list's issue date when absent. */
  statusStartingTime?: Date
  /** Clause 5.5.3 service digital identity: the service's certificates. */
  certificates: CertificateInput[]
  /** Clause 5.5.9.4 additionalServiceInformation URIs, e.g. `…/SvcInfoExt/ForeSeals`. */
  additionalServiceInformation?: string[]
  /** Clause 5.5.10 service history: earlier states, written newest first as published lists do. */
  history?: Array<{
    status: string
    statusStartingTime: Date
    /** The current type and name when absent. */
    serviceType?: string
    serviceName?: string
    additionalServiceInformation?: string[]
  }>
}

/** Clause 5.3.13: a pointer to another trusted list, as the EU LOTL has one per member state list. */
export interface CreateTrustedListPointer {
  /** SchemeTerritory of the list pointed at. */
  territory: string
  /** TSLLocation; `https://tl.example/<territory>.xml` when absent. */
  location?: string
  /** MimeType; the XML one when absent. */
  mimeType?: string
  /** TSLType; EUgeneric when absent. */
  tslType?: string
  /** SchemeOperatorName of the list pointed at; the territory when absent. */
  schemeOperatorName?: string
  /** ServiceDigitalIdentities: the certificates allowed to sign that list. */
  signerCertificates: CertificateInput[]
}

export interface CreateTrustedListInput {
  /** Clause 5.3.10 scheme territory: ISO 3166-1 alpha-2 (EL for Greece, UK) or `EU`. */
  schemeTerritory: string
  /** Clause 5.3.2 TSL sequence number. */
  sequenceNumber: number
  /** Clause 5.3.14 list issue date and time. */
  issueDate: Date
  /** Clause 5.3.15 next update. */
  nextUpdate: Date
  /** Clause 5.3.4 scheme operator name. */
  schemeOperatorName: string
  /** Clause 5.3.6 scheme name; derived from the territory when absent. */
  schemeName?: string
  /** `Id` of the root element; `tsl` when absent. */
  id?: string
  /** Clause 5.3.3; EUgeneric when absent, the LOTL type for territory `EU`. */
  tslType?: string
  /** Clause 5.3.13 pointers to other lists (an EU LOTL's pointers to the national lists). */
  pointers?: CreateTrustedListPointer[]
  /** Clause 5.4: trust service providers and their services (none in a LOTL). */
  providers: Array<{ name: string; services: CreateTrustedListService[] }>
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

// Clause 5.3.14 / 5.3.15: UTC dateTime without fractions, as the XSD's xsd:dateTime in real lists.
function xmlDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function name(element: string, text: string): string {
  return `<${element}><Name xml:lang="en">${escapeXml(text)}</Name></${element}>`
}

function digitalIds(certificates: CertificateInput[]): string {
  return certificates
    .map(
      (cert) =>
        `<DigitalId><X509Certificate>${Buffer.from(certificateToDer(cert)).toString('base64')}</X509Certificate></DigitalId>`,
    )
    .join('')
}

function extensionsXml(uris: string[] | undefined): string {
  const extensions = (uris ?? [])
    .map(
      (uri) =>
        `<Extension Critical="false"><AdditionalServiceInformation><URI xml:lang="en">${escapeXml(uri)}</URI></AdditionalServiceInformation></Extension>`,
    )
    .join('')
  return extensions ? `<ServiceInformationExtensions>${extensions}</ServiceInformationExtensions>` : ''
}

// Clause 5.5.10 / 5.6: ServiceHistory with one ServiceHistoryInstance per earlier state.
function historyXml(service: CreateTrustedListService): string {
  if (!service.history || service.history.length === 0) return ''
  const instances = service.history
    .map((entry) =>
      [
        '<ServiceHistoryInstance>',
        `<ServiceTypeIdentifier>${escapeXml(entry.serviceType ?? service.serviceType)}</ServiceTypeIdentifier>`,
        name('ServiceName', entry.serviceName ?? service.serviceName),
        `<ServiceDigitalIdentity>${digitalIds(service.certificates)}</ServiceDigitalIdentity>`,
        `<ServiceStatus>${escapeXml(entry.status)}</ServiceStatus>`,
        `<StatusStartingTime>${xmlDate(entry.statusStartingTime)}</StatusStartingTime>`,
        extensionsXml(entry.additionalServiceInformation ?? service.additionalServiceInformation),
        '</ServiceHistoryInstance>',
      ].join(''),
    )
    .join('')
  return `<ServiceHistory>${instances}</ServiceHistory>`
}

// Clause 5.3.13: one OtherTSLPointer.
function pointerXml(pointer: CreateTrustedListPointer): string {
  const identities = pointer.signerCertificates
    .map((cert) => `<ServiceDigitalIdentity>${digitalIds([cert])}</ServiceDigitalIdentity>`)
    .join('')
  return [
    '<OtherTSLPointer>',
    `<ServiceDigitalIdentities>${identities}</ServiceDigitalIdentities>`,
    `<TSLLocation>${escapeXml(pointer.location ?? `https://tl.example/${pointer.territory}.xml`)}</TSLLocation>`,
    '<AdditionalInformation>',
    `<OtherInformation><TSLType>${escapeXml(pointer.tslType ?? TSL_TYPE_EU_GENERIC)}</TSLType></OtherInformation>`,
    `<OtherInformation><SchemeTerritory>${escapeXml(pointer.territory)}</SchemeTerritory></OtherInformation>`,
    `<OtherInformation><ns3:MimeType>${escapeXml(pointer.mimeType ?? TSL_MIME_TYPE_XML)}</ns3:MimeType></OtherInformation>`,
    `<OtherInformation>${name('SchemeOperatorName', pointer.schemeOperatorName ?? pointer.territory)}</OtherInformation>`,
    '</AdditionalInformation>',
    '</OtherTSLPointer>',
  ].join('')
}

function serviceXml(service: CreateTrustedListService, issueDate: Date): string {
  const identities = digitalIds(service.certificates)
  return [
    '<TSPService><ServiceInformation>',
    `<ServiceTypeIdentifier>${escapeXml(service.serviceType)}</ServiceTypeIdentifier>`,
    name('ServiceName', service.serviceName),
    `<ServiceDigitalIdentity>${identities}</ServiceDigitalIdentity>`,
    `<ServiceStatus>${escapeXml(service.status ?? SERVICE_STATUS_GRANTED)}</ServiceStatus>`,
    `<StatusStartingTime>${xmlDate(service.statusStartingTime ?? issueDate)}</StatusStartingTime>`,
    extensionsXml(service.additionalServiceInformation),
    '</ServiceInformation>',
    historyXml(service),
    '</TSPService>',
  ].join('')
}

/**
 * Builds an unsigned ETSI TS 119 612 trusted list (clause 5: scheme information 5.3, providers
 * 5.4, services 5.5). It carries the elements Alma reads, not every element the schema makes
 * mandatory for a published EU list. For tests and development; sign it with {@link signTrustedList}.
 */
export function createTrustedList(input: CreateTrustedListInput): string {
  const providers = input.providers
    .map(
      (provider) =>
        `<TrustServiceProvider><TSPInformation>${name('TSPName', provider.name)}</TSPInformation><TSPServices>${provider.services
          .map((service) => serviceXml(service, input.issueDate))
          .join('')}</TSPServices></TrustServiceProvider>`,
    )
    .join('')
  const lotl = input.schemeTerritory === 'EU'
  const pointers = (input.pointers ?? []).map(pointerXml).join('')
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<TrustServiceStatusList xmlns="${TSL_NAMESPACE}" xmlns:ds="${DS_NAMESPACE}" xmlns:ns3="${TSL_ADDITIONAL_TYPES_NAMESPACE}" TSLTag="${TSL_TAG}" Id="${escapeXml(input.id ?? 'tsl')}">`,
    '<SchemeInformation>',
    '<TSLVersionIdentifier>5</TSLVersionIdentifier>',
    `<TSLSequenceNumber>${Math.trunc(input.sequenceNumber)}</TSLSequenceNumber>`,
    `<TSLType>${escapeXml(input.tslType ?? (lotl ? TSL_TYPE_EU_LOTL : TSL_TYPE_EU_GENERIC))}</TSLType>`,
    name('SchemeOperatorName', input.schemeOperatorName),
    name(
      'SchemeName',
      input.schemeName ??
        `${input.schemeTerritory}:Trusted list including information related to the qualified trust service providers`,
    ),
    `<StatusDeterminationApproach>${lotl ? STATUS_DETERMINATION_EU_LOTL : STATUS_DETERMINATION_EU_APPROPRIATE}</StatusDeterminationApproach>`,
    `<SchemeTerritory>${escapeXml(input.schemeTerritory)}</SchemeTerritory>`,
    '<HistoricalInformationPeriod>65535</HistoricalInformationPeriod>',
    pointers ? `<PointersToOtherTSL>${pointers}</PointersToOtherTSL>` : '',
    `<ListIssueDateTime>${xmlDate(input.issueDate)}</ListIssueDateTime>`,
    `<NextUpdate><dateTime>${xmlDate(input.nextUpdate)}</dateTime></NextUpdate>`,
    '</SchemeInformation>',
    providers ? `<TrustServiceProviderList>${providers}</TrustServiceProviderList>` : '',
    '</TrustServiceStatusList>',
  ].join('')
}

function toKeyObject(key: webcrypto.CryptoKey | KeyObject | string): KeyObject {
  if (typeof key === 'string') return createPrivateKey(key)
  if (key instanceof KeyObject) return key
  return KeyObject.from(key)
}

function signatureAlgorithmFor(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return XMLDSIG_RSA_SHA256
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve
    if (curve === 'secp384r1') return XMLDSIG_ECDSA_SHA384
    if (curve === 'secp521r1') return XMLDSIG_ECDSA_SHA512
    return XMLDSIG_ECDSA_SHA256
  }
  throw new TypeError(`a ${String(key.asymmetricKeyType)} key cannot sign a trusted list here (RSA or ECDSA)`)
}

/**
 * Signs a trusted list with an enveloped XML signature (TS 119 612 clause 5.7 and Annex B: the
 * ds:Signature is the last child of TrustServiceStatusList and covers the whole list): reference
 * URI "" (or `#<root Id>` with `reference: 'id'`), transforms enveloped-signature and exclusive C14N, SHA-256 digest, RSA-SHA256 or
 * ECDSA-SHA256/384/512 by key, the signer certificate in KeyInfo/X509Data. The XAdES properties
 * that published EU lists add are not produced.
 */
export async function signTrustedList(
  xml: string,
  signerKey: webcrypto.CryptoKey | KeyObject | string,
  signerCertificate: CertificateInput,
  options: { reference?: 'document' | 'id' } = {},
): Promise<string> {
  const key = toKeyObject(signerKey)
  if (key.type !== 'private') throw new TypeError('signTrustedList needs a private key')
  const signer = new SignedXml({
    privateKey: await encodePrivateKeyPem(key),
    publicCert: encodeCertificatePem(certificateToDer(signerCertificate)),
    signatureAlgorithm: signatureAlgorithmFor(key),
    canonicalizationAlgorithm: XML_EXC_C14N,
  })
  signer.SignatureAlgorithms[XMLDSIG_ECDSA_SHA256] = EcdsaSha256
  signer.SignatureAlgorithms[XMLDSIG_ECDSA_SHA384] = EcdsaSha384
  signer.SignatureAlgorithms[XMLDSIG_ECDSA_SHA512] = EcdsaSha512
  signer.addReference({
    xpath: '/*',
    transforms: [XMLDSIG_ENVELOPED, XML_EXC_C14N],
    digestAlgorithm: XMLDSIG_SHA256,
    // URI "" (the document) by default; `id` refers to the root's Id attribute, as many published lists do.
    isEmptyUri: options.reference !== 'id',
  })
  signer.computeSignature(xml, { prefix: 'ds', location: { reference: '/*', action: 'append' } })
  return signer.getSignedXml()
}
