// ETSI TS 119 612 trusted lists: build and sign (tests, development), verify against a pinned
// signer and read the trust anchors of granted CA/QC services.
export {
  type CreateTrustedListInput,
  type CreateTrustedListService,
  createTrustedList,
  signTrustedList,
} from './create-trusted-list.ts'
export * from './etsi.ts'
export {
  type ParseTrustedListOptions,
  parseTrustedList,
  type TrustedList,
  type TrustedListErrorCode,
  type TrustedListService,
} from './parse-trusted-list.ts'
export {
  type TrustAnchorsFromTrustedListOptions,
  trustAnchorsFromTrustedList,
} from './trust-anchors-from-trusted-list.ts'
