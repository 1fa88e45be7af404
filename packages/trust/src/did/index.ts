// DID documents for tenants (did:web) and DID resolution for verifiers: did:web behind an SSRF
// guard, did:key, did:jwk (issue 3, "did:web"; security.md, "did:web, X.509, eIDAS").
export { didJwkDocument, didJwkToJwk, jwkToDidJwk, resolveDidJwk } from './did-jwk.ts'
export { didKeyDocument, didKeyToJwk, jwkToDidKey, resolveDidKey } from './did-key.ts'
export {
  type CreateDidWebDocumentInput,
  createDidWebDocument,
  DID_V1_CONTEXT,
  type DidDocumentKey,
  type DidDocumentService,
  type DidWeb,
  didWebFor,
  didWebToUrl,
  JWS_2020_CONTEXT,
  parseDidWeb,
} from './did-web.ts'
export {
  DID_WEB_DEFAULT_MAX_BYTES,
  DID_WEB_DEFAULT_TIMEOUT_MS,
  type DidWebFailureReason,
  type DidWebFetchOptions,
  failedResolution,
  fetchDidWebDocument,
  type ResolvedAddress,
} from './fetch-did-web.ts'
export { forbiddenAddressReason } from './ip-ranges.ts'
export {
  type ResolvedVerificationKey,
  type ResolveVerificationKeyOptions,
  resolveVerificationKey,
  type VerificationRelationship,
} from './resolve-key.ts'
export { createDidResolver, type DidResolverOptions } from './resolver.ts'
export { DuplicateMemberError, parseStrictJson, type StrictJsonOptions } from './strict-json.ts'
