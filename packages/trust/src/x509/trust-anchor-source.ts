// Where a chain validation finds its trust anchors: a fixed list (a PEM bundle), or a source whose
// answer depends on the validation time and says who vouches for each anchor — an ETSI TS 119 612
// trusted list, whose services are granted, withdrawn or stale at different times.
import { X509Certificate as NodeX509Certificate } from 'node:crypto'
import { type CertificateInput, certificateToDer, type Der } from './pem.ts'

/** A trust anchor and who vouches for it. */
export interface DescribedTrustAnchor<P = unknown> {
  readonly certificate: Der
  /**
   * Who vouches for it, as it reads after the anchor's name in a reason, e.g. `of the trusted list
   * of DE (seq 42, issued 2026-12-01T00:00:00Z), service 'Seal CA' of 'QTSP GmbH', granted since …`.
   */
  readonly vouchedBy: string
  /** The same in structured form (e.g. which list and which service), for callers that report it. */
  readonly provenance?: P
}

/** A certificate that would be an anchor, and is not at the time asked: why (withdrawn, stale list, …). */
export interface UntrustedAnchorCandidate<P = unknown> {
  readonly certificate: Der
  /** Why it is not a trust anchor at that time, e.g. `its service … is withdrawn since …`. */
  readonly reason: string
  readonly provenance?: P
}

export interface TrustAnchorLookup {
  readonly anchors: readonly (CertificateInput | DescribedTrustAnchor)[]
  readonly untrusted: readonly UntrustedAnchorCandidate[]
}

/**
 * Trust anchors that depend on the validation time. {@link lookup} is asked with the subjects a
 * path can end at (the issuer names of the certificates to chain), so a source with thousands of
 * certificates (all EU trusted lists) parses and compares only the few that can matter.
 */
export interface TrustAnchorSource {
  readonly kind: 'trust-anchor-source'
  /** True when nothing is configured at all: validation then fails closed, saying the store is empty. */
  isEmpty(): boolean
  /**
   * The anchors at `at` whose subject (node:crypto `X509Certificate#subject`) is one of `subjects`,
   * and the certificates with such a subject that are not anchors at `at`, each with why.
   */
  lookup(subjects: ReadonlySet<string>, at: Date): TrustAnchorLookup
}

/** What a chain validation accepts as its trust anchors: a fixed list, or a time-dependent source. */
export type TrustAnchors = readonly CertificateInput[] | TrustAnchorSource

export function isTrustAnchorSource(value: unknown): value is TrustAnchorSource {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    (value as { kind?: unknown }).kind === 'trust-anchor-source'
  )
}

export function isDescribedTrustAnchor(value: unknown): value is DescribedTrustAnchor {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    (value as { certificate?: unknown }).certificate instanceof Uint8Array &&
    typeof (value as { vouchedBy?: unknown }).vouchedBy === 'string'
  )
}

/**
 * One source over several: fixed anchors (a PEM bundle: they vouch for themselves, `vouchedBy`
 * absent) and time-dependent sources. An anchor of any part is an anchor.
 *
 * @example
 * const anchors = combineTrustAnchors(loadTrustAnchorsFromPem(pem), trustedListAnchors)
 * await validateCertificateChain({ x5c, trustAnchors: anchors, at })
 */
export function combineTrustAnchors(...parts: readonly TrustAnchors[]): TrustAnchorSource {
  const fixed = new Map<string, Der[]>()
  const sources: TrustAnchorSource[] = []
  let fixedCount = 0
  for (const part of parts) {
    if (isTrustAnchorSource(part)) {
      sources.push(part)
      continue
    }
    for (const input of part) {
      // A certificate that cannot be read is a configuration error, said at start-up, not at use.
      const der = certificateToDer(input)
      const subject = new NodeX509Certificate(der).subject
      fixed.set(subject, [...(fixed.get(subject) ?? []), der])
      fixedCount++
    }
  }
  return {
    kind: 'trust-anchor-source',
    isEmpty: () => fixedCount === 0 && sources.every((s) => s.isEmpty()),
    lookup(subjects, at) {
      const anchors: (CertificateInput | DescribedTrustAnchor)[] = []
      const untrusted: UntrustedAnchorCandidate[] = []
      for (const subject of subjects) anchors.push(...(fixed.get(subject) ?? []))
      for (const source of sources) {
        const found = source.lookup(subjects, at)
        anchors.push(...found.anchors)
        untrusted.push(...found.untrusted)
      }
      return { anchors, untrusted }
    },
  }
}
