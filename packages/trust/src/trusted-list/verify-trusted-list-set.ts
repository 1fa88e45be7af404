// The EU trust chain of trusted lists (ETSI TS 119 612 clause 5.3.13, TS 119 615 §4.2): the List
// of Trusted Lists is signed by a certificate pinned from the Official Journal, and each national
// list by one of the certificates the LOTL's pointer for that country names.
import { TrustError, type TrustErrorCode } from '../errors.ts'
import type { CertificateInput, Der } from '../x509/pem.ts'
import { TSL_MIME_TYPE_XML, TSL_TYPE_EU_GENERIC, TSL_TYPE_EU_LOTL } from './etsi.ts'
import { parseTrustedList, type TrustedList, type TrustedListPointer } from './parse-trusted-list.ts'

/** The files of a set: the LOTL and national lists, as text. */
export interface TrustedListFiles {
  /** The EU List of Trusted Lists (XML). */
  readonly lotl: string
  /** National lists; `territory` is the ISO 3166-1 alpha-2 code the file is stored under (EL for Greece). */
  readonly lists: readonly { readonly territory: string; readonly xml: string }[]
}

/** A list of the set that was refused, and why. */
export interface TrustedListProblem {
  /** `EU` for the LOTL. */
  readonly territory: string
  readonly code: TrustErrorCode
  readonly reason: string
}

/** A verified set: every list in it is signed by a signer its pin allows. */
export interface TrustedListSet {
  readonly lotl: TrustedList
  /** National lists whose signature verified, by territory; they may be stale — see {@link trustedListStaleness}. */
  readonly lists: readonly TrustedList[]
  /** National lists refused (their anchors are never used), and why. */
  readonly problems: readonly TrustedListProblem[]
}

export interface VerifyTrustedListSetOptions {
  /** The LOTL signer certificates the EU publishes in the Official Journal (pinned by configuration). */
  readonly lotlSigners: readonly CertificateInput[]
  readonly now: Date
  /**
   * `true` (for installing a new set): a stale list (NextUpdate passed) is a problem too. `false`
   * (for a set already installed, judged again at every use): stale lists are kept, and whoever
   * uses them must ask {@link trustedListStaleness} each time.
   */
  readonly refuseStale: boolean
  /** Size cap per list in bytes; parseTrustedList's default when absent. */
  readonly maxBytes?: number
}

/** Clause 5.3.10: a scheme territory is ISO 3166-1 alpha-2 (with EL and UK), upper case. */
export function isTerritoryCode(value: string): boolean {
  return /^[A-Z]{2}$/.test(value)
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** How a list is named in reasons: `the trusted list of DE (seq 42, issued 2026-12-01T00:00:00Z)`. */
export function describeTrustedList(
  list: Pick<TrustedList, 'schemeTerritory' | 'sequenceNumber' | 'issueDate'>,
): string {
  const what =
    list.schemeTerritory === 'EU' ? 'the EU list of trusted lists' : `the trusted list of ${list.schemeTerritory}`
  return `${what} (seq ${list.sequenceNumber}, issued ${iso(list.issueDate)})`
}

/**
 * Why a list must not be used at `now` (clause 5.3.15: information past NextUpdate is not to be
 * relied on), or `undefined` when it is current.
 */
export function trustedListStaleness(list: TrustedList, now: Date): string | undefined {
  if (now.getTime() <= list.nextUpdate.getTime()) return undefined
  return `${describeTrustedList(list)} is stale: its NextUpdate ${iso(list.nextUpdate)} has passed (now ${iso(now)}); its anchors are not used (fail closed)`
}

/**
 * The certificates allowed to sign the national list of `territory`: those of the LOTL's
 * machine-processable (XML) pointers for that territory (clause 5.3.13, ServiceDigitalIdentities).
 */
export function signersForTerritory(lotl: TrustedList, territory: string): Der[] {
  return lotl.pointers
    .filter(
      (p: TrustedListPointer) => p.territory === territory && (p.mimeType ?? TSL_MIME_TYPE_XML) === TSL_MIME_TYPE_XML,
    )
    .filter((p) => p.tslType === undefined || p.tslType !== TSL_TYPE_EU_LOTL)
    .flatMap((p) => p.signerCertificates)
}

function problemOf(territory: string, error: unknown): TrustedListProblem {
  if (error instanceof TrustError) return { territory, code: error.code, reason: error.message }
  return { territory, code: 'trusted_list_malformed', reason: (error as Error)?.message ?? String(error) }
}

/**
 * Verifies the LOTL against the pinned signers, then each national list against the signers the
 * LOTL names for its territory. Throws a {@link TrustError} when the LOTL itself is refused (no
 * national list can then be trusted); a refused national list becomes a problem of the set and
 * its services are never anchors. Nothing is fetched.
 *
 * @example
 * const set = verifyTrustedListSet({ lotl, lists: [{ territory: 'DE', xml }] },
 *   { lotlSigners: loadTrustAnchorsFromPem(ojPem), now: new Date(), refuseStale: true })
 * if (set.problems.length > 0) refuse(set.problems)
 */
export function verifyTrustedListSet(files: TrustedListFiles, options: VerifyTrustedListSetOptions): TrustedListSet {
  const parseOptions = (signerCertificates: readonly CertificateInput[]) => ({
    signerCertificates,
    now: options.now,
    checkNextUpdate: false,
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
  })
  let lotl: TrustedList
  try {
    lotl = parseTrustedList(files.lotl, parseOptions(options.lotlSigners))
  } catch (error) {
    if (error instanceof TrustError) throw new TrustError(error.code, `the EU list of trusted lists: ${error.message}`)
    throw error
  }
  if (lotl.schemeTerritory !== 'EU' || (lotl.tslType !== undefined && lotl.tslType !== TSL_TYPE_EU_LOTL)) {
    throw new TrustError(
      'trusted_list_not_lotl',
      `the list given as the EU list of trusted lists is ${describeTrustedList(lotl)} of type ${lotl.tslType ?? '(none)'}, not the LOTL (TSLType EUlistofthelists, territory EU)`,
    )
  }
  if (options.refuseStale) {
    const stale = trustedListStaleness(lotl, options.now)
    if (stale) throw new TrustError('trusted_list_expired', stale)
  }

  const lists: TrustedList[] = []
  const problems: TrustedListProblem[] = []
  const seen = new Set<string>()
  for (const file of files.lists) {
    const territory = file.territory
    if (!isTerritoryCode(territory) || territory === 'EU') {
      problems.push({
        territory,
        code: 'trusted_list_territory_mismatch',
        reason: `'${territory}' is not the ISO 3166-1 alpha-2 code of a member state list`,
      })
      continue
    }
    if (seen.has(territory)) {
      problems.push({ territory, code: 'trusted_list_malformed', reason: `two lists are given for ${territory}` })
      continue
    }
    seen.add(territory)
    const signers = signersForTerritory(lotl, territory)
    if (signers.length === 0) {
      problems.push({
        territory,
        code: 'trusted_list_not_pointed',
        reason: `${describeTrustedList(lotl)} has no pointer to an XML trusted list of ${territory} with signer certificates (TS 119 612 clause 5.3.13), so no signer is allowed for it`,
      })
      continue
    }
    let list: TrustedList
    try {
      list = parseTrustedList(file.xml, parseOptions(signers))
    } catch (error) {
      const problem = problemOf(territory, error)
      problems.push({
        ...problem,
        reason:
          problem.code === 'trusted_list_signer_not_pinned'
            ? `the list of ${territory} is not signed by a certificate the LOTL names for ${territory}: ${problem.reason}`
            : `the list of ${territory}: ${problem.reason}`,
      })
      continue
    }
    if (list.schemeTerritory !== territory) {
      problems.push({
        territory,
        code: 'trusted_list_territory_mismatch',
        reason: `the list stored as ${territory} is ${describeTrustedList(list)}`,
      })
      continue
    }
    if (list.tslType !== undefined && list.tslType !== TSL_TYPE_EU_GENERIC) {
      problems.push({
        territory,
        code: 'trusted_list_malformed',
        reason: `the list of ${territory} has TSLType ${list.tslType}, not EUgeneric (TS 119 612 clause 5.3.3)`,
      })
      continue
    }
    if (options.refuseStale) {
      const stale = trustedListStaleness(list, options.now)
      if (stale) {
        problems.push({ territory, code: 'trusted_list_expired', reason: stale })
        continue
      }
    }
    lists.push(list)
  }
  return { lotl, lists, problems }
}
