// The link between an issuer's three identities: did:web, eIDAS seal certificate, ELM issuer
// (elm.md, "Sealing in EDC, and our eIDAS link").
export {
  type CheckIssuerLinkageInput,
  checkIssuerLinkage,
  EDC_VERIFICATION_CONCEPTS,
  type IssuerLinkageResult,
  type LinkageCheck,
  type LinkageCheckId,
} from './check-issuer-linkage.ts'
export { alpha2ToAlpha3, countryCodeOfUri, EU_COUNTRY_AUTHORITY } from './countries.ts'
export { type ElmIssuerIdentity, zElmIssuerIdentity } from './z-linkage-inputs.ts'
