import { X509Certificate as NodeX509Certificate } from 'node:crypto'
import { DOMParser } from '@xmldom/xmldom'
import { SignedXml } from 'xml-crypto'
import { TrustError, type TrustErrorCode } from '../errors.ts'
import { type CertificateInput, certificateToDer, type Der, encodeCertificatePem } from '../x509/pem.ts'
import { DS_NAMESPACE, TSL_ADDITIONAL_TYPES_NAMESPACE, TSL_NAMESPACE } from './etsi.ts'
import {
  EcdsaSha256,
  EcdsaSha384,
  EcdsaSha512,
  XMLDSIG_ECDSA_SHA256,
  XMLDSIG_ECDSA_SHA384,
  XMLDSIG_ECDSA_SHA512,
  XMLDSIG_ENVELOPED,
  XMLDSIG_RSA_PSS_SHA256,
  XMLDSIG_RSA_SHA256,
  XMLDSIG_RSA_SHA512,
  XMLDSIG_SHA256,
  XMLDSIG_SHA512,
} from './xmldsig-algorithms.ts'

/**
 * An earlier state of a trust service (TS 119 612 clause 5.5.10 service history, its instances
 * per clause 5.6): what the service was, and from when, before the state that follows it.
 */
export interface TrustedListServiceHistoryEntry {
  /** Clause 5.6.1. */
  serviceType: string
  /** Clause 5.6.2. */
  serviceName: string
  /** Clause 5.6.4 status URI. */
  status: string
  /** Clause 5.6.5: from when this status held. */
  statusStartingTime: Date
  /** Clause 5.6.7 / 5.5.9.4 additionalServiceInformation URIs of that time. */
  additionalServiceInformation: string[]
}

/** One trust service of the list (TS 119 612 clause 5.5): its current status and its history. */
export interface TrustedListService {
  /** Clause 5.4.1 TSP name of the provider the service belongs to. */
  providerName: string
  /** Clause 5.5.2. */
  serviceName: string
  /** Clause 5.5.1 service type identifier URI. */
  serviceType: string
  /** Clause 5.5.4 current status URI. */
  status: string
  /** Clause 5.5.5. */
  statusStartingTime?: Date
  /** Clause 5.5.3: the X509Certificate values of the service digital identity, DER. */
  certificates: Der[]
  /** Clause 5.5.9.4 additionalServiceInformation URIs. */
  additionalServiceInformation: string[]
  /** Clause 5.5.10: the earlier states, as listed (newest first in published lists); empty when none. */
  history: TrustedListServiceHistoryEntry[]
}

/**
 * A pointer to another trusted list (clause 5.3.13, PointersToOtherTSL): in the EU list of trusted
 * lists, one per member state list (XML and PDF), with the certificates allowed to sign it.
 */
export interface TrustedListPointer {
  /** Clause 5.3.13 TSLLocation. */
  location?: string
  /** AdditionalInformation SchemeTerritory of the list pointed at. */
  territory?: string
  /** AdditionalInformation TSLType of the list pointed at. */
  tslType?: string
  /** AdditionalInformation MimeType (`application/vnd.etsi.tsl+xml` or `application/pdf`). */
  mimeType?: string
  /** AdditionalInformation SchemeOperatorName, English preferred. */
  schemeOperatorName?: string
  /** ServiceDigitalIdentities: the certificates that may sign the list pointed at, DER. */
  signerCertificates: Der[]
}

/** A trusted list whose signature verified against a pinned signer and that is current. */
export interface TrustedList {
  /** Clause 5.3.10. */
  schemeTerritory: string
  /** Clause 5.3.2. */
  sequenceNumber: number
  /** Clause 5.3.14 list issue date and time. */
  issueDate: Date
  /** Clause 5.3.15 next update. */
  nextUpdate: Date
  /** Clause 5.3.4, first name given. */
  schemeOperatorName?: string
  /** Clause 5.3.3 TSL type, e.g. `…/TSLType/EUgeneric` or `…/TSLType/EUlistofthelists`. */
  tslType?: string
  /** Clause 5.3.13 pointers to other trusted lists (the LOTL's pointers to national lists). */
  pointers: TrustedListPointer[]
  services: TrustedListService[]
  /** The pinned certificate that verified the list's signature. */
  signerCertificate: Der
  /** Things skipped while reading, e.g. a service certificate that is not DER. */
  warnings: string[]
}

/**
 * The {@link TrustError} codes {@link parseTrustedList} throws; each refusal names the failed
 * check, and the list is then not used (security.md, "Trusted lists (XML): … fail closed").
 */
export type TrustedListErrorCode = Extract<TrustErrorCode, `trusted_list_${string}`>

export interface ParseTrustedListOptions {
  /** The certificates allowed to sign this list (pinned from configuration, e.g. from the EU LOTL). */
  signerCertificates: readonly CertificateInput[]
  /** The caller's clock: a list past its NextUpdate is refused. */
  now: Date
  /** Size cap in bytes; 32 MiB when absent. */
  maxBytes?: number
  /** Tolerated clock skew for ListIssueDateTime in the future; 5 minutes when absent. */
  clockSkewMs?: number
  /**
   * `false`: a list past its NextUpdate is still read (signature and everything else checked),
   * for a caller that judges NextUpdate itself each time it uses the list — a verifier that keeps
   * lists loaded must refuse them once they go stale, not only when it loaded them. Default true.
   */
  checkNextUpdate?: boolean
}

const MAX_BYTES = 32 * 1024 * 1024

function refuse(code: TrustedListErrorCode, reason: string): TrustError {
  return new TrustError(code, reason)
}

/**
 * Parses XML with every xmldom diagnostic turned into an exception: xmldom 0.8 only logs them and
 * repairs the document (an unclosed element is a mere "warning"), and a repaired list is not the
 * list that was signed.
 */
function parseXml(xml: string): Document {
  const parser = new DOMParser({
    errorHandler: (level: string, message: unknown) => {
      throw new SyntaxError(`${level}: ${String(message).split('\n')[0]}`)
    },
  })
  const doc = parser.parseFromString(xml, 'text/xml')
  if (!doc?.documentElement) throw new SyntaxError('no document element')
  return doc
}

function children(parent: Element | undefined, localName: string, namespace = TSL_NAMESPACE): Element[] {
  if (!parent) return []
  const out: Element[] = []
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (
      node.nodeType === 1 &&
      (node as Element).localName === localName &&
      (node as Element).namespaceURI === namespace
    ) {
      out.push(node as Element)
    }
  }
  return out
}

function child(parent: Element | undefined, localName: string, namespace = TSL_NAMESPACE): Element | undefined {
  return children(parent, localName, namespace)[0]
}

function text(element: Element | undefined): string | undefined {
  const value = element?.textContent?.trim()
  return value ? value : undefined
}

/** The first `Name` of a multilingual name (clause 5.1.4), English preferred. */
function multilingualName(parent: Element | undefined): string | undefined {
  const names = children(parent, 'Name')
  const english = names.find((n) => n.getAttribute('xml:lang') === 'en')
  return text(english ?? names[0])
}

function parseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date
}

function base64Der(value: string): Uint8Array {
  return new Uint8Array(Buffer.from(value.replace(/\s+/g, ''), 'base64'))
}

/** XMLDSig algorithms accepted on a trusted list: no SHA-1, no HMAC (key confusion). */
function restrictAlgorithms(verifier: SignedXml): void {
  const signature = verifier.SignatureAlgorithms
  const hash = verifier.HashAlgorithms
  const pick = <T>(table: Record<string, T>, uris: string[]) =>
    Object.fromEntries(uris.flatMap((uri) => (table[uri] ? [[uri, table[uri] as T]] : [])))
  verifier.SignatureAlgorithms = {
    ...pick(signature, [XMLDSIG_RSA_SHA256, XMLDSIG_RSA_SHA512, XMLDSIG_RSA_PSS_SHA256]),
    [XMLDSIG_ECDSA_SHA256]: EcdsaSha256,
    [XMLDSIG_ECDSA_SHA384]: EcdsaSha384,
    [XMLDSIG_ECDSA_SHA512]: EcdsaSha512,
  }
  verifier.HashAlgorithms = pick(hash, [XMLDSIG_SHA256, XMLDSIG_SHA512])
}

function iso(date: Date): string {
  return date.toISOString()
}

/**
 * Reads an ETSI TS 119 612 trusted list after checking, in this order, and throwing a
 * {@link TrustError} with a `trusted_list_*` code otherwise (fail closed; nothing is fetched):
 *
 * 1. size, then no `<!DOCTYPE` or `<!ENTITY` anywhere: DTDs and entities are refused before the
 *    parser sees the text (XXE, entity expansion);
 * 2. the root is a TrustServiceStatusList (clause 5.1) with exactly one ds:Signature, its child
 *    (clause 5.7, Annex B: enveloped signature over the whole list);
 * 3. a certificate in the signature's KeyInfo equals a pinned signer certificate byte for byte,
 *    and the signature verifies with that pinned certificate's key (the embedded certificate is
 *    never trusted on its own); one reference covers the whole list (URI "" or the root's Id,
 *    with the enveloped-signature transform);
 * 4. the data is read from what the signature covers, not from the original text;
 * 5. the pinned signer certificate is valid at ListIssueDateTime (clause 5.3.14), the list is not
 *    issued in the future, has a NextUpdate (clause 5.3.15: none means a closed scheme) and
 *    `now` is not past it.
 *
 * Each service is read with its current status (clause 5.5.4) and its history (clause 5.5.10);
 * the pointers to other lists (clause 5.3.13) are read too, for the EU list of trusted lists.
 * With `checkNextUpdate: false` step 5 skips the NextUpdate test only (see the option).
 */
export function parseTrustedList(xml: string, options: ParseTrustedListOptions): TrustedList {
  if (typeof xml !== 'string' || xml.length === 0) throw refuse('trusted_list_malformed', 'the trusted list is empty')
  const maxBytes = options.maxBytes ?? MAX_BYTES
  if (Buffer.byteLength(xml, 'utf8') > maxBytes)
    throw refuse('trusted_list_too_large', `the trusted list is larger than ${maxBytes} bytes`)
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) {
    throw refuse(
      'trusted_list_external_entity',
      'the trusted list contains a DOCTYPE or ENTITY declaration; DTDs and entities are refused (XXE)',
    )
  }
  if (!Array.isArray(options.signerCertificates) || options.signerCertificates.length === 0) {
    throw refuse(
      'trusted_list_signer_not_configured',
      'no pinned signer certificate is configured for the trusted list (fail closed)',
    )
  }
  let pinned: Der[]
  try {
    pinned = options.signerCertificates.map((c) => certificateToDer(c))
  } catch {
    throw refuse('trusted_list_signer_not_configured', 'a pinned signer certificate is not a certificate')
  }

  let doc: Document
  try {
    doc = parseXml(xml)
  } catch (error) {
    throw refuse('trusted_list_malformed', `the trusted list is not well-formed XML: ${(error as Error).message}`)
  }
  const root = doc.documentElement
  if (root.localName !== 'TrustServiceStatusList' || root.namespaceURI !== TSL_NAMESPACE) {
    throw refuse(
      'trusted_list_malformed',
      `the root element is {${root.namespaceURI ?? ''}}${root.localName}, not a TS 119 612 TrustServiceStatusList`,
    )
  }

  const signatures = Array.from(doc.getElementsByTagNameNS(DS_NAMESPACE, 'Signature'))
  if (signatures.length === 0) throw refuse('trusted_list_signature_missing', 'the trusted list is not signed')
  if (signatures.length > 1)
    throw refuse(
      'trusted_list_signature_scope',
      `the trusted list has ${signatures.length} signatures; exactly one is expected`,
    )
  const signature = signatures[0] as Element
  if (signature.parentNode !== root) {
    throw refuse(
      'trusted_list_signature_scope',
      'the signature is not a child of TrustServiceStatusList (TS 119 612 clause 5.7: enveloped signature)',
    )
  }

  const keyInfoCertificates = children(child(signature, 'KeyInfo', DS_NAMESPACE), 'X509Data', DS_NAMESPACE).flatMap(
    (data) => children(data, 'X509Certificate', DS_NAMESPACE).map((c) => base64Der(c.textContent ?? '')),
  )
  if (keyInfoCertificates.length === 0) {
    throw refuse(
      'trusted_list_signer_not_pinned',
      'the signature carries no X509Certificate in KeyInfo, so no pinned signer can be matched',
    )
  }
  const signer = pinned.find((p) => keyInfoCertificates.some((k) => Buffer.from(k).equals(Buffer.from(p))))
  if (!signer) {
    let subject = 'unreadable certificate'
    try {
      subject = new NodeX509Certificate(keyInfoCertificates[0] as Uint8Array).subject.replace(/\n/g, ', ')
    } catch {}
    throw refuse(
      'trusted_list_signer_not_pinned',
      `the list's signer certificate (${subject}) is not one of the pinned signer certificates`,
    )
  }

  const verifier = new SignedXml({ publicCert: encodeCertificatePem(signer), getCertFromKeyInfo: () => null })
  restrictAlgorithms(verifier)
  let valid = false
  let detail = ''
  try {
    verifier.loadSignature(signature)
    valid = verifier.checkSignature(xml)
  } catch (error) {
    detail = `: ${(error as Error).message}`
  }
  if (!valid)
    throw refuse(
      'trusted_list_signature_invalid',
      `the trusted list's XML signature does not verify with the pinned signer certificate${detail}`,
    )

  const rootId = root.getAttribute('Id')
  const whole = verifier
    .getReferences()
    .find(
      (ref) =>
        (ref.uri === '' || (rootId !== null && rootId !== '' && ref.uri === `#${rootId}`)) &&
        ref.transforms.includes(XMLDSIG_ENVELOPED) &&
        typeof ref.signedReference === 'string',
    )
  if (!whole?.signedReference) {
    throw refuse(
      'trusted_list_signature_scope',
      'no signed reference covers the whole trusted list (URI "" or the root Id, enveloped-signature transform)',
    )
  }

  let signedRoot: Element
  try {
    signedRoot = parseXml(whole.signedReference).documentElement
  } catch (error) {
    throw refuse('trusted_list_malformed', `the signed content cannot be read: ${(error as Error).message}`)
  }
  if (signedRoot.localName !== 'TrustServiceStatusList' || signedRoot.namespaceURI !== TSL_NAMESPACE) {
    throw refuse('trusted_list_signature_scope', 'the signed content is not a TrustServiceStatusList')
  }
  return readList(signedRoot, signer, options)
}

function readList(root: Element, signer: Der, options: ParseTrustedListOptions): TrustedList {
  const scheme = child(root, 'SchemeInformation')
  if (!scheme) throw refuse('trusted_list_malformed', 'SchemeInformation (clause 5.3) is missing')
  const sequenceText = text(child(scheme, 'TSLSequenceNumber'))
  const sequenceNumber = sequenceText && /^\d+$/.test(sequenceText) ? Number.parseInt(sequenceText, 10) : Number.NaN
  if (!Number.isSafeInteger(sequenceNumber))
    throw refuse('trusted_list_malformed', 'TSLSequenceNumber (clause 5.3.2) is missing or not an integer')
  const schemeTerritory = text(child(scheme, 'SchemeTerritory'))
  if (!schemeTerritory) throw refuse('trusted_list_malformed', 'SchemeTerritory (clause 5.3.10) is missing')
  const issueDate = parseDate(text(child(scheme, 'ListIssueDateTime')))
  if (!issueDate)
    throw refuse('trusted_list_malformed', 'ListIssueDateTime (clause 5.3.14) is missing or not a dateTime')
  const nextUpdateText = text(child(child(scheme, 'NextUpdate'), 'dateTime'))
  if (!nextUpdateText) {
    throw refuse(
      'trusted_list_closed',
      'the trusted list has no NextUpdate: under TS 119 612 clause 5.3.15 its scheme is closed',
    )
  }
  const nextUpdate = parseDate(nextUpdateText)
  if (!nextUpdate)
    throw refuse('trusted_list_malformed', `NextUpdate '${nextUpdateText}' (clause 5.3.15) is not a dateTime`)

  const signerCertificate = new NodeX509Certificate(signer)
  if (issueDate < new Date(signerCertificate.validFrom) || issueDate > new Date(signerCertificate.validTo)) {
    throw refuse(
      'trusted_list_signer_not_valid',
      `the pinned signer certificate (valid ${new Date(signerCertificate.validFrom).toISOString()} to ${new Date(signerCertificate.validTo).toISOString()}) was not valid when the list was issued, ${iso(issueDate)}`,
    )
  }
  const now = options.now
  if (issueDate.getTime() > now.getTime() + (options.clockSkewMs ?? 5 * 60 * 1000)) {
    throw refuse(
      'trusted_list_not_yet_valid',
      `the trusted list's ListIssueDateTime ${iso(issueDate)} is after now (${iso(now)})`,
    )
  }
  if (options.checkNextUpdate !== false && now.getTime() > nextUpdate.getTime()) {
    throw refuse(
      'trusted_list_expired',
      `the trusted list is stale: its NextUpdate ${iso(nextUpdate)} is before now (${iso(now)})`,
    )
  }

  const warnings: string[] = []
  const services: TrustedListService[] = []
  for (const provider of children(child(root, 'TrustServiceProviderList'), 'TrustServiceProvider')) {
    const providerName = multilingualName(child(child(provider, 'TSPInformation'), 'TSPName')) ?? ''
    for (const service of children(child(provider, 'TSPServices'), 'TSPService')) {
      const info = child(service, 'ServiceInformation')
      const serviceType = text(child(info, 'ServiceTypeIdentifier'))
      const status = text(child(info, 'ServiceStatus'))
      const serviceName = multilingualName(child(info, 'ServiceName')) ?? ''
      if (!serviceType || !status) {
        warnings.push(`service '${serviceName}' of '${providerName}' has no type or status and is skipped`)
        continue
      }
      const certificates: Der[] = []
      for (const digitalId of children(child(info, 'ServiceDigitalIdentity'), 'DigitalId')) {
        for (const element of children(digitalId, 'X509Certificate')) {
          const der = base64Der(element.textContent ?? '')
          try {
            new NodeX509Certificate(der)
            certificates.push(der)
          } catch {
            warnings.push(`a certificate of service '${serviceName}' of '${providerName}' is not DER and is skipped`)
          }
        }
      }
      const additionalServiceInformation = additionalServiceInformationOf(info)
      const history: TrustedListServiceHistoryEntry[] = []
      for (const instance of children(child(service, 'ServiceHistory'), 'ServiceHistoryInstance')) {
        const entry = readHistoryInstance(instance)
        if (entry) history.push(entry)
        else
          warnings.push(
            `a history entry of service '${serviceName}' of '${providerName}' has no type, status or StatusStartingTime and is skipped`,
          )
      }
      const entry: TrustedListService = {
        providerName,
        serviceName,
        serviceType,
        status,
        certificates,
        additionalServiceInformation,
        history,
      }
      const starting = parseDate(text(child(info, 'StatusStartingTime')))
      if (starting) entry.statusStartingTime = starting
      services.push(entry)
    }
  }
  const list: TrustedList = {
    schemeTerritory,
    sequenceNumber,
    issueDate,
    nextUpdate,
    pointers: readPointers(scheme, warnings),
    services,
    signerCertificate: signer,
    warnings,
  }
  const operator = multilingualName(child(scheme, 'SchemeOperatorName'))
  if (operator) list.schemeOperatorName = operator
  const tslType = text(child(scheme, 'TSLType'))
  if (tslType) list.tslType = tslType
  return list
}

/** Clause 5.5.9.4: the additionalServiceInformation URIs of a ServiceInformation or history instance. */
function additionalServiceInformationOf(info: Element | undefined): string[] {
  return children(child(info, 'ServiceInformationExtensions'), 'Extension').flatMap((extension) =>
    children(extension, 'AdditionalServiceInformation').flatMap((asi) => {
      const uri = text(child(asi, 'URI'))
      return uri ? [uri] : []
    }),
  )
}

/** Clause 5.6: one ServiceHistoryInstance; `undefined` when it lacks a type, a status or a starting time. */
function readHistoryInstance(instance: Element): TrustedListServiceHistoryEntry | undefined {
  const serviceType = text(child(instance, 'ServiceTypeIdentifier'))
  const status = text(child(instance, 'ServiceStatus'))
  const statusStartingTime = parseDate(text(child(instance, 'StatusStartingTime')))
  if (!serviceType || !status || !statusStartingTime) return undefined
  return {
    serviceType,
    serviceName: multilingualName(child(instance, 'ServiceName')) ?? '',
    status,
    statusStartingTime,
    additionalServiceInformation: additionalServiceInformationOf(instance),
  }
}

/**
 * Clause 5.3.13: PointersToOtherTSL. Each OtherTSLPointer names the certificates that may sign the
 * list it points at (ServiceDigitalIdentities) and, in AdditionalInformation, that list's type,
 * territory, MIME type and operator.
 */
function readPointers(scheme: Element, warnings: string[]): TrustedListPointer[] {
  const pointers: TrustedListPointer[] = []
  for (const pointer of children(child(scheme, 'PointersToOtherTSL'), 'OtherTSLPointer')) {
    const signerCertificates: Der[] = []
    for (const identity of children(child(pointer, 'ServiceDigitalIdentities'), 'ServiceDigitalIdentity')) {
      for (const digitalId of children(identity, 'DigitalId')) {
        for (const element of children(digitalId, 'X509Certificate')) {
          const der = base64Der(element.textContent ?? '')
          try {
            new NodeX509Certificate(der)
            signerCertificates.push(der)
          } catch {
            warnings.push('a signer certificate of a pointer to another trusted list is not DER and is skipped')
          }
        }
      }
    }
    const entry: TrustedListPointer = { signerCertificates }
    const location = text(child(pointer, 'TSLLocation'))
    if (location) entry.location = location
    for (const other of children(child(pointer, 'AdditionalInformation'), 'OtherInformation')) {
      const tslType = text(child(other, 'TSLType'))
      if (tslType) entry.tslType = tslType
      const territory = text(child(other, 'SchemeTerritory'))
      if (territory) entry.territory = territory
      const mimeType = text(child(other, 'MimeType', TSL_ADDITIONAL_TYPES_NAMESPACE))
      if (mimeType) entry.mimeType = mimeType
      const operator = multilingualName(child(other, 'SchemeOperatorName'))
      if (operator) entry.schemeOperatorName = operator
    }
    pointers.push(entry)
  }
  return pointers
}
