// Who is asking: the signed request object (OpenID4VP 1.0 §5.9, RFC 9101) is verified with the key
// its client identifier prefix names — the x5c leaf for `x509_san_dns:` / `x509_hash:` (§5.9.3),
// the DID's verification method for `decentralized_identifier:` — and, when the holder configured
// trust anchors, the x5c chain must lead to one of them.
import { X509Certificate } from 'node:crypto'
import type { resolveVerificationKey } from '@alma/trust'
import type { VerifyJwtCallback } from '@openid4vc/oauth2'
import { compactVerify, importJWK, type JWK } from 'jose'
import { WalletError } from '../errors.ts'

// @alma/trust (Veramo, pkijs) takes seconds to load: only when a request needs it.
const loadTrust = () => import('@alma/trust')

/** Signature algorithms accepted on request objects (RFC 8725 §3.1: no `none`, no HMAC). */
export const REQUEST_OBJECT_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'PS256'] as const

/** How the verifier was authenticated. */
export type VerifierAuthentication =
  /** The request object verifies with the x5c leaf, whose chain leads to a configured trust anchor. */
  | 'x509-chain'
  /** The request object verifies with the x5c leaf; no trust anchors were configured to judge the chain. */
  | 'x509-leaf'
  /** The request object verifies with a key of the client's DID. */
  | 'did'
  /** Not signed (`redirect_uri:` client ids, only when the caller allows them). */
  | 'unsigned'

/** The DID resolver the wallet uses (did-resolver's `Resolvable`, as @alma/trust builds it). */
export type DidResolver = Parameters<typeof resolveVerificationKey>[0]

/** Options of {@link createRequestObjectVerifier}. */
export interface RequestObjectVerifierOptions {
  /** PEM certificates the x5c chain of a signed request must lead to; none: the chain is not judged. */
  readonly trustAnchors?: readonly string[]
  /** Resolves `decentralized_identifier:` clients; default: did:key, did:jwk, and did:web over https. */
  readonly didResolver?: DidResolver
  readonly now: () => Date
}

/** The callbacks `resolveOpenid4vpAuthorizationRequest` needs for signed requests, and what they found. */
export interface RequestObjectVerifier {
  readonly verifyJwt: VerifyJwtCallback
  readonly getX509CertificateMetadata: (certificate: string) => { sanDnsNames: string[]; sanUriNames: string[] }
  /** How the last verified request object was authenticated. */
  authentication(): VerifierAuthentication | undefined
}

/**
 * The `verifyJwt` and `getX509CertificateMetadata` callbacks for request objects.
 *
 * @example
 * ```ts
 * const requestVerifier = createRequestObjectVerifier({ trustAnchors: [accessCaPem], now: () => new Date() })
 * await resolveOpenid4vpAuthorizationRequest({ authorizationRequestPayload, callbacks: { ...requestVerifier, fetch, hash } })
 * ```
 */
export function createRequestObjectVerifier(options: RequestObjectVerifierOptions): RequestObjectVerifier {
  let authentication: VerifierAuthentication | undefined
  let resolver = options.didResolver
  const verifyJwt: VerifyJwtCallback = async (signer, jwt) => {
    const alg = signer.alg
    if (!(REQUEST_OBJECT_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new WalletError('verifier_not_accepted', `request objects signed with ${alg} are not accepted`)
    }
    if (signer.method === 'x5c') {
      const leaf = leafCertificate(signer.x5c)
      const now = options.now()
      // RFC 5280 §4.1.2.5: the leaf must be valid now, whether or not a chain is judged.
      if (Date.parse(leaf.validFrom) > now.getTime() || Date.parse(leaf.validTo) < now.getTime()) {
        throw new WalletError('verifier_not_accepted', 'the request object certificate is not valid now')
      }
      await verifyCompact(jwt.compact, leaf.publicKey, alg)
      authentication = await judgeChain(signer.x5c, options.trustAnchors, now)
      return { verified: true, signerJwk: leaf.publicKey.export({ format: 'jwk' }) as never }
    }
    if (signer.method === 'did') {
      resolver ??= (await loadTrust()).createDidResolver({ mode: 'production', allowedDids: () => true })
      const key = await didVerificationKey(resolver, signer.didUrl)
      await verifyCompact(jwt.compact, await importJWK(key, alg), alg)
      authentication = 'did'
      return { verified: true, signerJwk: key as never }
    }
    throw new WalletError('verifier_not_accepted', `request objects signed by ${signer.method} are not accepted`)
  }
  return {
    verifyJwt,
    getX509CertificateMetadata: sanNamesOf,
    authentication: () => authentication,
  }
}

function leafCertificate(x5c: readonly string[]): X509Certificate {
  try {
    return new X509Certificate(Buffer.from(x5c[0] ?? '', 'base64'))
  } catch (cause) {
    throw new WalletError('verifier_not_accepted', 'the x5c leaf of the request object is not a certificate', {
      cause,
    })
  }
}

async function verifyCompact(compact: string, key: Parameters<typeof compactVerify>[1], alg: string): Promise<void> {
  try {
    await compactVerify(compact, key, { algorithms: [alg] })
  } catch (cause) {
    throw new WalletError('verifier_not_accepted', 'the request object signature does not verify', { cause })
  }
}

async function judgeChain(
  x5c: readonly string[],
  trustAnchors: readonly string[] | undefined,
  at: Date,
): Promise<VerifierAuthentication> {
  if (!trustAnchors || trustAnchors.length === 0) return 'x509-leaf'
  const { validateCertificateChain } = await loadTrust()
  const validation = await validateCertificateChain({ x5c, trustAnchors, at })
  // The chain checks only: key usage and QC statements are the seal profile of issuers, not
  // something a relying party's access certificate has to carry.
  const failed = validation.checks.filter(
    (c) =>
      c.status === 'ERROR' &&
      ['certificate-chain-trusted', 'certificate-validity', 'certificate-basic-constraints'].includes(c.id),
  )
  if (failed.length > 0) {
    throw new WalletError(
      'verifier_not_accepted',
      `the verifier's certificate is not trusted: ${failed.map((c) => c.reason).join('; ')}`,
    )
  }
  return 'x509-chain'
}

async function didVerificationKey(resolver: DidResolver, didUrl: string): Promise<JWK> {
  // §5.9.3 names no verification relationship for request objects: a key the DID lists for
  // authentication or, failing that, for assertions.
  const { resolveVerificationKey } = await loadTrust()
  let firstError: unknown
  for (const purpose of ['authentication', 'assertionMethod'] as const) {
    try {
      return (await resolveVerificationKey(resolver, didUrl, { purpose })).jwk
    } catch (error) {
      firstError ??= error
    }
  }
  throw new WalletError('verifier_not_accepted', `no usable key ${didUrl}: ${(firstError as Error).message}`, {
    cause: firstError,
  })
}

/** RFC 5280 §4.2.1.6 subjectAltName dNSName and uniformResourceIdentifier entries of a base64 DER certificate. */
function sanNamesOf(certificate: string): { sanDnsNames: string[]; sanUriNames: string[] } {
  const altNames = new X509Certificate(Buffer.from(certificate, 'base64')).subjectAltName ?? ''
  const sanDnsNames: string[] = []
  const sanUriNames: string[] = []
  for (const entry of altNames.split(/,\s*/)) {
    const unquote = (value: string) => (value.startsWith('"') ? (JSON.parse(value) as string) : value)
    if (entry.startsWith('DNS:')) sanDnsNames.push(unquote(entry.slice(4)))
    else if (entry.startsWith('URI:')) sanUriNames.push(unquote(entry.slice(4)))
  }
  return { sanDnsNames, sanUriNames }
}
