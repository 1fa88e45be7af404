// What changed between two verified sets of trusted lists: what an operator reads after an update.
import { createHash } from 'node:crypto'
import { etsiUriName, serviceTypeName } from './etsi.ts'
import type { TrustedList, TrustedListService } from './parse-trusted-list.ts'
import type { TrustedListSet } from './verify-trusted-list-set.ts'

export type TrustedListChange =
  | { readonly kind: 'lotl-sequence'; readonly from: number; readonly to: number }
  | {
      readonly kind: 'list-added'
      readonly territory: string
      readonly sequenceNumber: number
      readonly services: number
    }
  | { readonly kind: 'list-removed'; readonly territory: string; readonly sequenceNumber: number }
  | { readonly kind: 'list-sequence'; readonly territory: string; readonly from: number; readonly to: number }
  | { readonly kind: 'service-added'; readonly territory: string; readonly service: string; readonly status: string }
  | { readonly kind: 'service-removed'; readonly territory: string; readonly service: string; readonly status: string }
  | {
      readonly kind: 'service-status'
      readonly territory: string
      readonly service: string
      readonly from: string
      readonly to: string
      readonly since?: Date
    }

/** A service is the same service across versions when its type and certificates are the same. */
function serviceKey(service: TrustedListService): string {
  const certificates = service.certificates
    .map((der) => createHash('sha256').update(der).digest('hex'))
    .sort()
    .join(',')
  return `${service.serviceType}|${certificates}`
}

function serviceName(service: TrustedListService): string {
  return `'${service.serviceName}' of '${service.providerName}' (${serviceTypeName(service.serviceType)})`
}

function byKey(list: TrustedList | undefined): Map<string, TrustedListService> {
  const map = new Map<string, TrustedListService>()
  for (const service of list?.services ?? []) map.set(serviceKey(service), service)
  return map
}

/**
 * The changes from `before` (the installed set; `undefined` for none) to `after`: the LOTL's and
 * each list's sequence number (TS 119 612 clause 5.3.2), lists added and removed, and per list the
 * services added, removed and whose current status changed (clause 5.5.4) — a withdrawal is a
 * status change to `withdrawn`. Lists in territory order; services in list order.
 */
export function compareTrustedListSets(before: TrustedListSet | undefined, after: TrustedListSet): TrustedListChange[] {
  const changes: TrustedListChange[] = []
  if (before && before.lotl.sequenceNumber !== after.lotl.sequenceNumber) {
    changes.push({ kind: 'lotl-sequence', from: before.lotl.sequenceNumber, to: after.lotl.sequenceNumber })
  }
  const old = new Map((before?.lists ?? []).map((l) => [l.schemeTerritory, l]))
  const now = new Map(after.lists.map((l) => [l.schemeTerritory, l]))
  const territories = [...new Set([...old.keys(), ...now.keys()])].sort()
  for (const territory of territories) {
    const a = old.get(territory)
    const b = now.get(territory)
    if (!b) {
      changes.push({ kind: 'list-removed', territory, sequenceNumber: (a as TrustedList).sequenceNumber })
      continue
    }
    if (!a) {
      changes.push({
        kind: 'list-added',
        territory,
        sequenceNumber: b.sequenceNumber,
        services: b.services.length,
      })
    } else if (a.sequenceNumber !== b.sequenceNumber) {
      changes.push({ kind: 'list-sequence', territory, from: a.sequenceNumber, to: b.sequenceNumber })
    }
    if (!a) continue
    const previous = byKey(a)
    const current = byKey(b)
    for (const [key, service] of current) {
      const earlier = previous.get(key)
      if (!earlier) {
        changes.push({ kind: 'service-added', territory, service: serviceName(service), status: service.status })
      } else if (earlier.status !== service.status) {
        changes.push({
          kind: 'service-status',
          territory,
          service: serviceName(service),
          from: earlier.status,
          to: service.status,
          ...(service.statusStartingTime ? { since: service.statusStartingTime } : {}),
        })
      }
    }
    for (const [key, service] of previous) {
      if (!current.has(key)) {
        changes.push({ kind: 'service-removed', territory, service: serviceName(service), status: service.status })
      }
    }
  }
  return changes
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** One line per change, for a CLI or a log. */
export function describeTrustedListChange(change: TrustedListChange): string {
  switch (change.kind) {
    case 'lotl-sequence':
      return `EU LOTL: sequence number ${change.from} → ${change.to}`
    case 'list-added':
      return `${change.territory}: list added (seq ${change.sequenceNumber}, ${change.services} service(s))`
    case 'list-removed':
      return `${change.territory}: list removed (was seq ${change.sequenceNumber})`
    case 'list-sequence':
      return `${change.territory}: sequence number ${change.from} → ${change.to}`
    case 'service-added':
      return `${change.territory}: service added: ${change.service}, ${etsiUriName(change.status)}`
    case 'service-removed':
      return `${change.territory}: service removed: ${change.service}, was ${etsiUriName(change.status)}`
    case 'service-status': {
      const verb = etsiUriName(change.to) === 'withdrawn' ? 'service withdrawn' : 'service status changed'
      return `${change.territory}: ${verb}: ${change.service}, ${etsiUriName(change.from)} → ${etsiUriName(change.to)}${change.since ? ` since ${iso(change.since)}` : ''}`
    }
  }
}
