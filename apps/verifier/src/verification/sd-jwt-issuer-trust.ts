// The issuer-trust step of a dc+sd-jwt presentation (issue 12 §1): the key that signed is bound to
// the issuer — the x5c leaf names `iss`, chains to a configured anchor, is one of the keys the
// issuer publishes (its did:web, its JWT VC Issuer Metadata) and is certified to the organisation
// the credential names — and, when the policy asks, the issuer is an active alliance member.
// Lookups are injected (style.md, practice 1); the judging is trust's checkSdJwtIssuerBinding.
import {
  checkIssuerIdentifier,
  checkSdJwtIssuerBinding,
  didWebFor,
  didWebNamesIssuer,
  type JwtVcIssuerKeys,
  type SdJwtIssuerBindingCheck,
  type SdJwtIssuerDid,
  type TrustAnchors,
  trustedListAnchorWords,
} from '@alma/trust'
import { parse as parseDidUrl, type Resolvable } from 'did-resolver'
import { describeError, error, ok, type VerificationStep } from './steps.ts'

export interface SdJwtIssuerTrustInput {
  /** The verified payload's `iss`. */
  readonly iss: unknown
  /** The verified issuer-signed JWT's protected header (`x5c`, perhaps `kid`). */
  readonly header: Readonly<Record<string, unknown>>
  /** The credential's `issuing_authority` (in the clear or disclosed), `undefined` when not shown. */
  readonly issuingAuthority: unknown
  /** When the certificate and the membership are judged. */
  readonly at: Date
}

export interface SdJwtIssuerTrustDeps {
  readonly didResolver: Resolvable
  /** PEM anchors and/or trusted lists (judged at `at`); an empty store fails closed. */
  readonly trustAnchors: TrustAnchors
  /**
   * The issuer's JWT VC Issuer Metadata keys, looked up through the SSRF guard with a cache; with
   * `refreshIfOlderThanMs`, fetched again unless the cached answer is that recent (a refetch
   * answers with a new object).
   */
  readonly jwtVcIssuerKeys: (iss: string, request?: { refreshIfOlderThanMs?: number }) => Promise<JwtVcIssuerKeys>
  /** Development: accept an http `iss` on loopback. */
  readonly allowLoopbackHttpIssuers?: boolean
  /**
   * The alliance part of issuer trust when the policy asks for it: the issuer's DID is an active
   * member listed with the seal certificate's organizationIdentifier. Returns what to add to the
   * reason, `undefined` when no alliance was asked for; throws with the reason otherwise.
   */
  readonly allianceMembership: (
    did: string | undefined,
    organizationIdentifier: string | undefined,
  ) => Promise<string | undefined>
}

/** The did:web naming the same place as an http(s) issuer identifier (DID Web §3.1), if it has one. */
export function didWebOfIssuer(iss: string): string | undefined {
  try {
    const url = new URL(iss)
    return didWebFor(url.host, url.pathname.split('/').filter(Boolean))
  } catch {
    return undefined
  }
}

/** The checks that tie the key to the issuer (the others judge the certificate itself). */
const BINDING_CHECKS = new Set<string>([
  'certificate-names-issuer',
  'did-key-matches-certificate',
  'issuer-metadata-key',
  'organization-identifier-matches',
  'issuing-authority-matches',
])

/** How recent a cached metadata answer must be not to be fetched again after a key miss. */
const REFRESH_AFTER_MS = 30_000

async function resolveDid(resolver: Resolvable, did: string, kid: string, fresh = false): Promise<SdJwtIssuerDid> {
  try {
    // The DID parameter `no-cache` is the DID resolver's way to skip its cache (trust's createDidResolver).
    const { didDocument, didResolutionMetadata } = await resolver.resolve(fresh ? `${did};no-cache=true` : did)
    if (!didDocument || didResolutionMetadata.error) {
      return { did, kid, error: String(didResolutionMetadata.message ?? didResolutionMetadata.error ?? 'no document') }
    }
    return { did, kid, didDocument }
  } catch (e) {
    return { did, kid, error: describeError(e) }
  }
}

/** The errors by check, or what was checked and what was not (with why), for the step's reason. */
function summarise(checks: readonly SdJwtIssuerBindingCheck[]): string {
  const failed = checks.filter((c) => c.status === 'ERROR')
  if (failed.length > 0) return failed.map((c) => `${c.id}: ${c.reason}`).join('; ')
  const passed = checks.filter((c) => c.status === 'OK').length
  const notChecked = checks.filter((c) => c.status === 'SKIPPED').map((c) => `${c.id}: ${c.reason}`)
  return `${passed} checks OK${notChecked.length > 0 ? ` (not checked: ${notChecked.join('; ')})` : ''}`
}

/**
 * The issuer-trust step of an SD-JWT VC: ERROR naming every mismatch (the verdict then fails and the
 * claims are withheld), or OK saying what was checked and what could not be.
 */
export async function sdJwtIssuerTrust(
  input: SdJwtIssuerTrustInput,
  deps: SdJwtIssuerTrustDeps,
): Promise<VerificationStep & { did?: string }> {
  const iss = typeof input.iss === 'string' ? input.iss : ''
  const x5c = Array.isArray(input.header.x5c) ? (input.header.x5c as string[]) : undefined
  const kid = typeof input.header.kid === 'string' ? input.header.kid : undefined
  const kidDid = kid ? (parseDidUrl(kid)?.did ?? undefined) : undefined
  const allowLoopbackHttp = deps.allowLoopbackHttpIssuers === true
  const identifier = checkIssuerIdentifier(input.iss, { allowLoopbackHttp })

  // Only what names the issuer is fetched: its own DID, its own metadata.
  let did: SdJwtIssuerDid | undefined
  if (kid && kidDid) {
    did = didWebNamesIssuer(kidDid, iss)
      ? await resolveDid(deps.didResolver, kidDid, kid)
      : { did: kidDid, kid, error: 'not resolved: it is not the issuer’s' }
  }
  const issuerMetadata: JwtVcIssuerKeys = identifier.ok
    ? await deps.jwtVcIssuerKeys(iss)
    : { outcome: 'not-published', url: iss, reason: 'not looked up: iss is not an issuer identifier' }

  const check = (metadata: JwtVcIssuerKeys, didKey: SdJwtIssuerDid | undefined) =>
    checkSdJwtIssuerBinding({
      iss: input.iss,
      x5c,
      at: input.at,
      trustAnchors: deps.trustAnchors,
      allowLoopbackHttp,
      issuingAuthority: input.issuingAuthority,
      issuerMetadata: metadata,
      ...(didKey ? { did: didKey } : {}),
    })
  let binding = await check(issuerMetadata, did)
  // The key is not among the cached published keys: the issuer may have rotated since. Ask again,
  // at most once per issuer every REFRESH_AFTER_MS (a stream of forgeries does not become a stream
  // of fetches); the DID document is fetched again only when the fresh metadata has the key.
  const missed = binding.checks.some(
    (c) => c.status === 'ERROR' && (c.id === 'issuer-metadata-key' || c.id === 'did-key-matches-certificate'),
  )
  if (!binding.ok && missed && identifier.ok) {
    const fresher = await deps.jwtVcIssuerKeys(iss, { refreshIfOlderThanMs: REFRESH_AFTER_MS })
    if (fresher !== issuerMetadata) {
      let freshDid = did
      const rotated = !(await check(fresher, undefined)).checks.some(
        (c) => c.id === 'issuer-metadata-key' && c.status === 'ERROR',
      )
      if (did && 'didDocument' in did && rotated) {
        freshDid = await resolveDid(deps.didResolver, did.did, did.kid, true)
      }
      binding = await check(fresher, freshDid)
    }
  }
  if (!binding.ok) return error('issuer-trust', `${iss || '(no iss)'} is not trusted: ${summarise(binding.checks)}`)

  const memberDid = kidDid ?? didWebOfIssuer(iss)
  const alliance = await deps.allianceMembership(memberDid, binding.leaf?.organizationIdentifier)
  // What bound the key to the issuer, in words, then the count and what could not be checked.
  const bound = binding.checks
    .filter((c) => c.status === 'OK' && BINDING_CHECKS.has(c.id))
    .map((c) => c.reason)
    .join('; ')
  // Issue 13 §5: which trusted list and service vouched, and whether the seal is qualified.
  const listed = trustedListAnchorWords(binding.anchor, binding.leaf)
  return {
    ...ok(
      'issuer-trust',
      `${iss}: ${bound}; the certificate ${listed?.chainsTo ?? 'chains to a trust anchor'} (${summarise(binding.checks)})${listed ? `; ${listed.qualification}` : ''}${alliance ? `; ${alliance}` : ''}`,
    ),
    ...(memberDid ? { did: memberDid } : {}),
  }
}
