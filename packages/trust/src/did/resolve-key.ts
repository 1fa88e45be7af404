import type { DIDDocument, Resolvable, VerificationMethod } from 'did-resolver'
import { parse } from 'did-resolver'
import type { JWK } from 'jose'
import { TrustError } from '../errors.ts'
import { hasPrivateJwkMembers } from '../keys/algorithms.ts'

/** Verification relationships (DID Core §5.3) a key may be looked up for. */
export type VerificationRelationship = 'assertionMethod' | 'authentication'

/** Options of {@link resolveVerificationKey}. */
export interface ResolveVerificationKeyOptions {
  /** Default `assertionMethod`: the relationship for issuing credentials (DID Core §5.3.2). */
  readonly purpose?: VerificationRelationship
  /** The DID the key must belong to (e.g. the JWT `iss`); a `kid` of another DID is rejected. */
  readonly expectedDid?: string
}

/** A verification key found in a DID document. */
export interface ResolvedVerificationKey {
  readonly did: string
  /** The absolute verification method id (the DID URL). */
  readonly id: string
  readonly jwk: JWK
  readonly verificationMethod: VerificationMethod
  readonly didDocument: DIDDocument
}

function absolute(did: string, id: string): string {
  return id.startsWith('#') ? `${did}${id}` : id
}

/**
 * Resolves a DID URL (a JWS `kid`) to the public JWK of its verification method, and checks that
 * the method belongs to that DID's document, is controlled by it, and is authorised for `purpose`.
 *
 * @example
 * ```ts
 * const { jwk } = await resolveVerificationKey(resolver, header.kid, { expectedDid: payload.iss })
 * await jwtVerify(jwt, await importJWK(jwk, header.alg))
 * ```
 */
export async function resolveVerificationKey(
  resolver: Resolvable,
  didUrl: string,
  options: ResolveVerificationKeyOptions = {},
): Promise<ResolvedVerificationKey> {
  const purpose = options.purpose ?? 'assertionMethod'
  const parsed = parse(didUrl)
  if (!parsed) throw new TrustError('did_invalid', `"${didUrl}" is not a DID URL`)
  if (!parsed.fragment) throw new TrustError('did_invalid', `"${didUrl}" names no verification method (#fragment)`)
  const did = parsed.did
  if (options.expectedDid !== undefined && did !== options.expectedDid) {
    // RFC 8725 §3.10 in spirit: a key id pointing at another party's DID is not this issuer's key.
    throw new TrustError('did_mismatch', `kid ${didUrl} belongs to ${did}, not to ${options.expectedDid}`)
  }
  const { didDocument, didResolutionMetadata } = await resolver.resolve(did)
  if (!didDocument || didResolutionMetadata.error) {
    const why = didResolutionMetadata.message ?? didResolutionMetadata.error ?? 'no document'
    throw new TrustError('did_resolution_failed', `cannot resolve ${did}: ${why}`)
  }
  if (didDocument.id !== did) {
    throw new TrustError('did_mismatch', `the document resolved for ${did} is about ${didDocument.id}`)
  }
  const id = `${did}#${parsed.fragment}`
  const candidates = [
    ...(didDocument.verificationMethod ?? []),
    ...(didDocument[purpose] ?? []).filter((e): e is VerificationMethod => typeof e === 'object'),
  ]
  const verificationMethod = candidates.find((vm) => absolute(did, vm.id) === id)
  if (!verificationMethod) {
    throw new TrustError('verification_method_not_found', `${did} has no verification method ${id}`)
  }
  if (absolute(did, verificationMethod.controller) !== did) {
    throw new TrustError('did_mismatch', `${id} is controlled by ${verificationMethod.controller}, not ${did}`)
  }
  const listed = (didDocument[purpose] ?? []).some((e) => absolute(did, typeof e === 'string' ? e : e.id) === id)
  if (!listed) {
    throw new TrustError('verification_method_not_authorized', `${id} is not listed under ${purpose} in ${did}`)
  }
  const jwk = verificationMethod.publicKeyJwk
  if (!jwk || typeof jwk !== 'object') {
    throw new TrustError('verification_method_not_found', `${id} has no publicKeyJwk`)
  }
  if (hasPrivateJwkMembers(jwk)) {
    throw new TrustError('verification_method_not_found', `${id} publishes private key members; refusing it`)
  }
  return { did, id, jwk: jwk as JWK, verificationMethod, didDocument }
}
