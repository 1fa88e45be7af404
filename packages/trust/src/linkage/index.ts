// The link between an issuer's three identities: did:web, eIDAS seal certificate, ELM issuer
// (elm.md, "Sealing in EDC, and our eIDAS link").

// The binding of an x5c-signed SD-JWT VC to its https issuer (issue 12 §1).
export { certificateNamesIssuer, checkIssuerIdentifier, type IssuerNameCheck } from './certificate-names-issuer.ts'
export {
  type CheckIssuerLinkageInput,
  checkIssuerLinkage,
  EDC_VERIFICATION_CONCEPTS,
  type IssuerLinkageResult,
  type LinkageCheck,
  type LinkageCheckId,
} from './check-issuer-linkage.ts'
export {
  type CheckSdJwtIssuerBindingInput,
  checkSdJwtIssuerBinding,
  didWebNamesIssuer,
  type SdJwtIssuerBindingCheck,
  type SdJwtIssuerBindingCheckId,
  type SdJwtIssuerBindingResult,
  type SdJwtIssuerDid,
} from './check-sd-jwt-issuer-binding.ts'
export { alpha2ToAlpha3, countryCodeOfUri, EU_COUNTRY_AUTHORITY } from './countries.ts'
export {
  type FetchIssuerDocument,
  JWK_SET_MEDIA_TYPES,
  JWT_VC_ISSUER_METADATA_MEDIA_TYPES,
  type JwtVcIssuerKeys,
  type JwtVcIssuerMetadata,
  jwtVcIssuerMetadataUrl,
  lookUpJwtVcIssuerKeys,
  type PublishedJwk,
  zJwtVcIssuerMetadata,
} from './jwt-vc-issuer-metadata.ts'
export { type ElmIssuerIdentity, zElmIssuerIdentity } from './z-linkage-inputs.ts'
