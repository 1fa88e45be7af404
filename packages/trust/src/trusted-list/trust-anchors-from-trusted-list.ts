import type { Der } from '../x509/pem.ts'
import { SERVICE_STATUS_GRANTED, SERVICE_TYPE_CA_QC } from './etsi.ts'
import type { TrustedList } from './parse-trusted-list.ts'

export interface TrustAnchorsFromTrustedListOptions {
  /** Clause 5.5.1 service types to keep; `[CA/QC]` when absent. */
  serviceTypes?: readonly string[]
  /** Clause 5.5.4 statuses to keep; `[granted]` when absent. */
  statuses?: readonly string[]
  /** Keep only services with this clause 5.5.9.4 additionalServiceInformation, e.g. `…/SvcInfoExt/ForeSeals`. */
  additionalServiceInformation?: string
}

/**
 * The certificates of the services a verifier may take as trust anchors: by default those of
 * CA/QC services whose current status is granted (TS 119 612 clauses 5.5.1, 5.5.4), each
 * certificate once. Feed them to `validateCertificateChain` as `trustAnchors`.
 */
export function trustAnchorsFromTrustedList(
  list: TrustedList,
  options: TrustAnchorsFromTrustedListOptions = {},
): Der[] {
  const types = new Set(options.serviceTypes ?? [SERVICE_TYPE_CA_QC])
  const statuses = new Set(options.statuses ?? [SERVICE_STATUS_GRANTED])
  const seen = new Set<string>()
  const anchors: Der[] = []
  for (const service of list.services) {
    if (!types.has(service.serviceType) || !statuses.has(service.status)) continue
    if (
      options.additionalServiceInformation &&
      !service.additionalServiceInformation.includes(options.additionalServiceInformation)
    ) {
      continue
    }
    for (const der of service.certificates) {
      const key = Buffer.from(der).toString('base64')
      if (seen.has(key)) continue
      seen.add(key)
      anchors.push(der)
    }
  }
  return anchors
}
