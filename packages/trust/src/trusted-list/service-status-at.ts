// A trust service's state at a given time, from its current status and its history (ETSI TS 119 612
// clause 5.5.4–5.5.5 and 5.5.10): each state holds from its StatusStartingTime until the next one.
import type { TrustedListService } from './parse-trusted-list.ts'

/** One state of a trust service and the time span it held. */
export interface ServiceStatusPeriod {
  /** Clause 5.5.1 / 5.6.1 service type of that time. */
  readonly serviceType: string
  /** Clause 5.5.2 / 5.6.2 service name of that time. */
  readonly serviceName: string
  /** Clause 5.5.4 / 5.6.4 status URI. */
  readonly status: string
  /** Clause 5.5.5 / 5.6.5: when the status began. */
  readonly from: Date
  /** When the next state began; absent for the current state. */
  readonly until?: Date
  /** Clause 5.5.9.4 additionalServiceInformation URIs of that time. */
  readonly additionalServiceInformation: readonly string[]
  /** True for the current state (ServiceInformation), false for a history instance. */
  readonly current: boolean
}

/**
 * The states of a service, oldest first, each with the span it held. A current status without a
 * StatusStartingTime (clause 5.5.5 makes it mandatory) gives no period: such a service is never
 * judged to have held any status (fail closed). A history instance that starts after the current
 * status is ignored: the current status is the latest word of the list.
 */
export function serviceTimeline(service: TrustedListService): ServiceStatusPeriod[] {
  if (!service.statusStartingTime) return []
  const currentFrom = service.statusStartingTime
  const entries = [
    ...service.history
      .filter((h) => h.statusStartingTime.getTime() < currentFrom.getTime())
      .map((h) => ({
        serviceType: h.serviceType,
        serviceName: h.serviceName,
        status: h.status,
        from: h.statusStartingTime,
        additionalServiceInformation: h.additionalServiceInformation,
        current: false,
      })),
    {
      serviceType: service.serviceType,
      serviceName: service.serviceName,
      status: service.status,
      from: currentFrom,
      additionalServiceInformation: service.additionalServiceInformation,
      current: true,
    },
  ].sort((a, b) => a.from.getTime() - b.from.getTime())
  return entries.map((entry, index) => {
    const next = entries[index + 1]
    return next ? { ...entry, until: next.from } : entry
  })
}

/**
 * The state of a service at `at`: the latest state that began at or before `at` (TS 119 615
 * judges a certificate against the service's status at the time that matters — its issuance, the
 * signing or validation time). `undefined` when the service was not yet listed at `at`.
 */
export function serviceStatusAt(
  service: TrustedListService | readonly ServiceStatusPeriod[],
  at: Date,
): ServiceStatusPeriod | undefined {
  const timeline = Array.isArray(service) ? service : serviceTimeline(service as TrustedListService)
  let found: ServiceStatusPeriod | undefined
  for (const period of timeline) {
    if (period.from.getTime() <= at.getTime()) found = period
    else break
  }
  return found
}
