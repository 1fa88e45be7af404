// The trust anchors an EU relying party takes from trusted lists for electronic seals: the CA/QC
// services for seals (ETSI TS 119 612 clauses 5.5.1, 5.5.9.4; TS 119 615 §4.3), judged at the
// validation time against their status history (clause 5.5.10), from lists that are not stale
// (clause 5.3.15). Each anchor says which list and which service vouched for it.
import { X509Certificate as NodeX509Certificate } from 'node:crypto'
import type { ParsedSealCertificate } from '../x509/parse-seal-certificate.ts'
import type { Der } from '../x509/pem.ts'
import type { DescribedTrustAnchor, TrustAnchorSource, UntrustedAnchorCandidate } from '../x509/trust-anchor-source.ts'
import type { ChainTrustAnchor } from '../x509/validate-certificate-chain.ts'
import {
  ADDITIONAL_SERVICE_INFO_FOR_ESEALS,
  ADDITIONAL_SERVICE_INFO_FOR_ESIGNATURES,
  ADDITIONAL_SERVICE_INFO_FOR_WEBSITE_AUTHENTICATION,
  etsiUriName,
  SERVICE_STATUS_GRANTED,
  SERVICE_STATUS_WITHDRAWN,
  SERVICE_TYPE_CA_QC,
  serviceTypeName,
} from './etsi.ts'
import type { TrustedList, TrustedListService } from './parse-trusted-list.ts'
import { type ServiceStatusPeriod, serviceStatusAt, serviceTimeline } from './service-status-at.ts'
import { describeTrustedList, type TrustedListSet, trustedListStaleness } from './verify-trusted-list-set.ts'

/** Which list and which service vouched for an anchor (the structured form of its `vouchedBy`). */
export interface TrustedListAnchorProvenance {
  readonly kind: 'trusted-list'
  /** The national list (clause 5.3.10, 5.3.2, 5.3.14, 5.3.15). */
  readonly list: {
    readonly territory: string
    readonly sequenceNumber: number
    readonly issueDate: Date
    readonly nextUpdate: Date
    readonly schemeOperatorName?: string
  }
  /** The LOTL the list's signer was pinned from. */
  readonly lotl: { readonly sequenceNumber: number; readonly issueDate: Date }
  /** The service (clause 5.4.1 provider, 5.5.2 name, 5.5.1 type) and its state at the time asked. */
  readonly service: {
    readonly providerName: string
    readonly serviceName: string
    readonly serviceType: string
    readonly status: string
    readonly since: Date
    readonly additionalServiceInformation: readonly string[]
  }
  /** Every state of the service, oldest first: the qualification is judged at issuance with it. */
  readonly timeline: readonly ServiceStatusPeriod[]
}

export function isTrustedListProvenance(value: unknown): value is TrustedListAnchorProvenance {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'trusted-list'
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

const ASI_NAMES: Record<string, string> = {
  [ADDITIONAL_SERVICE_INFO_FOR_ESIGNATURES]: 'electronic signatures',
  [ADDITIONAL_SERVICE_INFO_FOR_WEBSITE_AUTHENTICATION]: 'website authentication',
}

/**
 * Whether a service, in the state it had at `at`, issues qualified certificates for electronic
 * seals and may be a seal anchor: type CA/QC (clause 5.5.1), status granted (clause 5.5.4; a
 * withdrawn service vouches for nothing after its withdrawal), and additionalServiceInformation
 * ForeSeals — or none of ForeSignatures / ForeSeals / ForWebSiteAuthentication, which leaves the
 * certificate type to the certificate's own QcType (clause 5.5.9.4; TS 119 615 §4.3).
 */
export function sealServiceStatusAt(
  timeline: readonly ServiceStatusPeriod[],
  at: Date,
): { ok: true; period: ServiceStatusPeriod } | { ok: false; reason: string } {
  const period = serviceStatusAt(timeline, at)
  if (!period) {
    const first = timeline[0]
    return {
      ok: false,
      reason: first
        ? `was not yet on the list at ${iso(at)} (listed from ${iso(first.from)})`
        : 'has no StatusStartingTime (TS 119 612 clause 5.5.5), so no status can be judged',
    }
  }
  if (period.serviceType !== SERVICE_TYPE_CA_QC) {
    return {
      ok: false,
      reason: `is a ${serviceTypeName(period.serviceType)} service at ${iso(at)}, not CA/QC (TS 119 612 clause 5.5.1)`,
    }
  }
  if (period.status !== SERVICE_STATUS_GRANTED) {
    return {
      ok: false,
      reason:
        period.status === SERVICE_STATUS_WITHDRAWN
          ? `is withdrawn since ${iso(period.from)} (TS 119 612 clause 5.5.4): it vouches for no certificate after its withdrawal`
          : `has status '${etsiUriName(period.status)}' since ${iso(period.from)}, not granted (TS 119 612 clause 5.5.4)`,
    }
  }
  const asi = period.additionalServiceInformation
  const other = asi.filter((uri) => uri in ASI_NAMES)
  if (!asi.includes(ADDITIONAL_SERVICE_INFO_FOR_ESEALS) && other.length > 0) {
    return {
      ok: false,
      reason: `issues qualified certificates for ${other.map((uri) => ASI_NAMES[uri]).join(' and ')} only, not for electronic seals (additionalServiceInformation, TS 119 612 clause 5.5.9.4)`,
    }
  }
  return { ok: true, period }
}

function serviceWords(service: { serviceName: string; providerName: string }): string {
  return `service '${service.serviceName}' of '${service.providerName}'`
}

interface IndexedService {
  readonly der: Der
  readonly list: TrustedList
  readonly service: TrustedListService
  readonly timeline: readonly ServiceStatusPeriod[]
}

export interface TrustedListAnchorSourceOptions {
  /**
   * The clock lists are judged stale by (clause 5.3.15): the time of use, not the validation time
   * asked — a list past its NextUpdate is not relied on, whatever time a signature is judged at.
   */
  readonly now: () => Date
}

/**
 * A {@link TrustAnchorSource} over a verified set: at the validation time `at`, the certificates
 * of the CA/QC services for seals that were granted at `at` (their status history consulted),
 * from lists — and a LOTL — that are not stale now. The others that have the subject asked for
 * are returned as untrusted with the reason (withdrawn since …, stale list, not for seals …), so a
 * chain that would end there fails naming it.
 *
 * @example
 * const anchors = trustedListAnchorSource(set, { now: () => new Date() })
 * const result = await validateCertificateChain({ x5c, trustAnchors: anchors, at })
 * result.anchor?.vouchedBy // "of the trusted list of DE (seq 42, issued …), service 'Seal CA' of 'QTSP' …"
 */
export function trustedListAnchorSource(
  set: TrustedListSet,
  options: TrustedListAnchorSourceOptions,
): TrustAnchorSource {
  const bySubject = new Map<string, IndexedService[]>()
  for (const list of set.lists) {
    for (const service of list.services) {
      const timeline = serviceTimeline(service)
      // Only services that were CA/QC at some time can ever be a seal anchor.
      if (!timeline.some((p) => p.serviceType === SERVICE_TYPE_CA_QC) && service.serviceType !== SERVICE_TYPE_CA_QC)
        continue
      for (const der of service.certificates) {
        let subject: string
        try {
          subject = new NodeX509Certificate(der).subject
        } catch {
          continue
        }
        bySubject.set(subject, [...(bySubject.get(subject) ?? []), { der, list, service, timeline }])
      }
    }
  }
  return {
    kind: 'trust-anchor-source',
    isEmpty: () => bySubject.size === 0,
    lookup(subjects, at) {
      const now = options.now()
      const lotlStale = trustedListStaleness(set.lotl, now)
      const anchors: DescribedTrustAnchor<TrustedListAnchorProvenance>[] = []
      const untrusted: UntrustedAnchorCandidate<TrustedListAnchorProvenance>[] = []
      for (const subject of subjects) {
        for (const entry of bySubject.get(subject) ?? []) {
          const { list, service, timeline, der } = entry
          const where = `${serviceWords(service)} on ${describeTrustedList(list)}`
          if (lotlStale) {
            untrusted.push({ certificate: der, reason: `it is the ${where}, but ${lotlStale}` })
            continue
          }
          const listStale = trustedListStaleness(list, now)
          if (listStale) {
            untrusted.push({ certificate: der, reason: `it is the ${where}, and ${listStale}` })
            continue
          }
          const verdict = sealServiceStatusAt(timeline, at)
          if (!verdict.ok) {
            untrusted.push({ certificate: der, reason: `its ${where} ${verdict.reason}` })
            continue
          }
          const { period } = verdict
          const provenance: TrustedListAnchorProvenance = {
            kind: 'trusted-list',
            list: {
              territory: list.schemeTerritory,
              sequenceNumber: list.sequenceNumber,
              issueDate: list.issueDate,
              nextUpdate: list.nextUpdate,
              ...(list.schemeOperatorName ? { schemeOperatorName: list.schemeOperatorName } : {}),
            },
            lotl: { sequenceNumber: set.lotl.sequenceNumber, issueDate: set.lotl.issueDate },
            service: {
              providerName: service.providerName,
              serviceName: period.serviceName || service.serviceName,
              serviceType: period.serviceType,
              status: period.status,
              since: period.from,
              additionalServiceInformation: period.additionalServiceInformation,
            },
            timeline,
          }
          anchors.push({
            certificate: der,
            vouchedBy: `of ${describeTrustedList(list)}, ${serviceWords(provenance.service)} (CA/QC, granted since ${iso(period.from)})`,
            provenance,
          })
        }
      }
      return { anchors, untrusted }
    },
  }
}

/** Whether a seal is qualified, as judged from its certificate and the trusted list that vouched. */
export interface SealQualification {
  /** A qualified electronic seal: qualified certificate for seals, key in a QSCD (eIDAS Art. 3(27)). */
  readonly qualified: boolean
  /** A qualified certificate for electronic seals (QcCompliance + QcType eseal, service granted at issuance). */
  readonly qualifiedCertificate: boolean
  readonly qscd: boolean
  /** In words, e.g. `qualified seal (QcCompliance, QcType eseal, QSCD)`. */
  readonly text: string
}

/**
 * The qualification of a seal whose certificate chains to a trusted-list anchor (ETSI TS 119 615
 * §4.3, narrowed to seals): QcCompliance and QcType eseal in the certificate (EN 319 412-5 §4.2.1,
 * §4.2.3), the service granted for seals when the certificate was issued (its notBefore), and
 * QcSSCD (§4.2.2) for a qualified seal. The list's Qualifications extension (clause 5.5.9.2), which
 * can override what a certificate states, is not applied. `undefined` when the anchor comes from
 * no trusted list: a certificate's own statements prove nothing without one.
 */
export function sealQualification(
  anchor: Pick<ChainTrustAnchor, 'provenance'> | undefined,
  leaf: ParsedSealCertificate | undefined,
): SealQualification | undefined {
  if (!anchor || !isTrustedListProvenance(anchor.provenance) || !leaf) return undefined
  const qc = leaf.qcStatements
  const missing: string[] = []
  if (!qc?.compliance) missing.push('no QcCompliance statement (EN 319 412-5 §4.2.1)')
  if (!qc?.typeNames.includes('eseal'))
    missing.push(`QcType is ${qc?.typeNames.join(', ') || 'absent'}, not eseal (EN 319 412-5 §4.2.3)`)
  const atIssuance = sealServiceStatusAt(anchor.provenance.timeline, leaf.notBefore)
  if (!atIssuance.ok)
    missing.push(`when the certificate was issued (${iso(leaf.notBefore)}) the service ${atIssuance.reason}`)
  const qscd = qc?.sscd === true
  if (missing.length > 0) {
    return { qualified: false, qualifiedCertificate: false, qscd, text: `not a qualified seal: ${missing.join('; ')}` }
  }
  return qscd
    ? { qualified: true, qualifiedCertificate: true, qscd, text: 'qualified seal (QcCompliance, QcType eseal, QSCD)' }
    : {
        qualified: false,
        qualifiedCertificate: true,
        qscd,
        text: 'advanced seal with a qualified certificate, not a qualified seal (QcCompliance, QcType eseal; no QcSSCD: the key is not stated to be in a QSCD)',
      }
}

/**
 * What an issuer-trust reason says of a trusted-list anchor, in two parts: `chainsTo` — `chains to
 * 'X' of the trusted list of DE (seq 42, issued …), service '…' of '…' (CA/QC, granted since …)` —
 * and `qualification` — e.g. `qualified seal (QcCompliance, QcType eseal, QSCD)`. `undefined` for
 * an anchor from no trusted list (a PEM bundle), whose reasons stay as they were.
 */
export function trustedListAnchorWords(
  anchor: ChainTrustAnchor | undefined,
  leaf: ParsedSealCertificate | undefined,
): { chainsTo: string; qualification: string } | undefined {
  if (!anchor?.vouchedBy || !isTrustedListProvenance(anchor.provenance)) return undefined
  const qualification = sealQualification(anchor, leaf)
  return {
    chainsTo: `chains to '${anchor.label}' ${anchor.vouchedBy}`,
    qualification: qualification?.text ?? 'qualification not judged: the seal certificate could not be read',
  }
}

/** {@link trustedListAnchorWords} as one phrase: `chains to 'X' of …; qualified seal (…)`. */
export function describeTrustedListAnchor(
  anchor: ChainTrustAnchor | undefined,
  leaf: ParsedSealCertificate | undefined,
): string | undefined {
  const words = trustedListAnchorWords(anchor, leaf)
  return words ? `${words.chainsTo}; ${words.qualification}` : undefined
}
