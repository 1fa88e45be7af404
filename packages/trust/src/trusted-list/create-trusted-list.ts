import { createPrivateKey, KeyObject, type webcrypto } from 'node:crypto'
import { SignedXml } from 'xml-crypto'
import { type CertificateInput, certificateToDer, encodeCertificatePem, encodePrivateKeyPem } from '../x509/pem.ts'
import {
  DS_NAMESPACE,
  SERVICE_STATUS_GRANTED,
  STATUS_DETERMINATION_EU_APPROPRIATE,
  TSL_NAMESPACE,
  TSL_TAG,
  TSL_TYPE_EU_GENERIC,
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
  /** Clause 5.4: trust service providers and their services. */
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

function serviceXml(service: CreateTrustedListService, issueDate: Date): string {
  const identities = service.certificates
    .map(
      (cert) =>
        `<DigitalId><X509Certificate>${Buffer.from(certificateToDer(cert)).toString('base64')}</X509Certificate></DigitalId>`,
    )
    .join('')
  const extensions = (service.additionalServiceInformation ?? [])
    .map(
      (uri) =>
        `<Extension Critical="false"><AdditionalServiceInformation><URI xml:lang="en">${escapeXml(uri)}</URI></AdditionalServiceInformation></Extension>`,
    )
    .join('')
  return [
    '<TSPService><ServiceInformation>',
    `<ServiceTypeIdentifier>${escapeXml(service.serviceType)}</ServiceTypeIdentifier>`,
    name('ServiceName', service.serviceName),
    `<ServiceDigitalIdentity>${identities}</ServiceDigitalIdentity>`,
    `<ServiceStatus>${escapeXml(service.status ?? SERVICE_STATUS_GRANTED)}</ServiceStatus>`,
    `<StatusStartingTime>${xmlDate(service.statusStartingTime ?? issueDate)}</StatusStartingTime>`,
    extensions ? `<ServiceInformationExtensions>${extensions}</ServiceInformationExtensions>` : '',
    '</ServiceInformation></TSPService>',
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
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<TrustServiceStatusList xmlns="${TSL_NAMESPACE}" xmlns:ds="${DS_NAMESPACE}" TSLTag="${TSL_TAG}" Id="${escapeXml(input.id ?? 'tsl')}">`,
    '<SchemeInformation>',
    '<TSLVersionIdentifier>5</TSLVersionIdentifier>',
    `<TSLSequenceNumber>${Math.trunc(input.sequenceNumber)}</TSLSequenceNumber>`,
    `<TSLType>${TSL_TYPE_EU_GENERIC}</TSLType>`,
    name('SchemeOperatorName', input.schemeOperatorName),
    name(
      'SchemeName',
      input.schemeName ??
        `${input.schemeTerritory}:Trusted list including information related to the qualified trust service providers`,
    ),
    `<StatusDeterminationApproach>${STATUS_DETERMINATION_EU_APPROPRIATE}</StatusDeterminationApproach>`,
    `<SchemeTerritory>${escapeXml(input.schemeTerritory)}</SchemeTerritory>`,
    '<HistoricalInformationPeriod>65535</HistoricalInformationPeriod>',
    `<ListIssueDateTime>${xmlDate(input.issueDate)}</ListIssueDateTime>`,
    `<NextUpdate><dateTime>${xmlDate(input.nextUpdate)}</dateTime></NextUpdate>`,
    '</SchemeInformation>',
    `<TrustServiceProviderList>${providers}</TrustServiceProviderList>`,
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
