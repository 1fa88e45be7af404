// What the admin API shows of stored records: no hashes of codes or secrets, dates as ISO text.
import type { AuditEntry, Award, IssuedCredential, Offer, Specification } from '@alma/store'

export function specificationView(spec: Specification, options: { document?: boolean } = {}) {
  const report = spec.annexReport as { isMicroCredential?: unknown } | undefined
  return {
    id: spec.id,
    version: spec.version,
    isMicroCredential: report?.isMicroCredential === true,
    createdAt: spec.createdAt.toISOString(),
    updatedAt: spec.updatedAt.toISOString(),
    ...(options.document ? { specification: spec.document, annexReport: spec.annexReport ?? null } : {}),
  }
}

export function awardView(award: Award) {
  return {
    id: award.id,
    specificationId: award.specificationId,
    specificationVersion: award.specificationVersion,
    state: award.state,
    award: award.learner,
    createdAt: award.createdAt.toISOString(),
    updatedAt: award.updatedAt.toISOString(),
  }
}

export function offerView(offer: Offer) {
  return {
    id: offer.id,
    state: offer.state,
    credentialConfigurationIds: offer.credentialConfigurationIds,
    txCodeRequired: offer.txCodeRequired,
    txCodeAttempts: offer.txCodeAttempts,
    expiresAt: offer.expiresAt.toISOString(),
    createdAt: offer.createdAt.toISOString(),
    ...(offer.tokenIssuedAt ? { tokenIssuedAt: offer.tokenIssuedAt.toISOString() } : {}),
    ...(offer.credentialIssuedAt ? { credentialIssuedAt: offer.credentialIssuedAt.toISOString() } : {}),
    // Why an offer is burnt: the wrong codes used up its attempts; the last came through this grant.
    ...(offer.burntAt ? { burntAt: offer.burntAt.toISOString() } : {}),
    ...(offer.burntVia ? { burntVia: offer.burntVia } : {}),
    ...(offer.withdrawnAt ? { withdrawnAt: offer.withdrawnAt.toISOString() } : {}),
  }
}

export function credentialView(credential: IssuedCredential) {
  return {
    id: credential.id,
    awardId: credential.awardId,
    ...(credential.offerId ? { offerId: credential.offerId } : {}),
    format: credential.format,
    credentialConfigurationId: credential.credentialConfigurationId,
    state: credential.state,
    issuedAt: credential.issuedAt.toISOString(),
    ...(credential.statusListId !== undefined
      ? { status: { listId: credential.statusListId, index: credential.statusIndex } }
      : {}),
    ...(credential.notificationEvent
      ? { notification: { event: credential.notificationEvent, at: credential.notifiedAt?.toISOString() } }
      : {}),
  }
}

export function auditView(entry: AuditEntry) {
  return {
    id: entry.id,
    at: entry.at.toISOString(),
    actor: entry.actor,
    action: entry.action,
    ...(entry.subject ? { subject: entry.subject } : {}),
    details: entry.details,
  }
}
