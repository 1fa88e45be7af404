// ETSI TS 119 612 trusted lists: build and sign (tests, development), verify against a pinned
// signer, the EU list of trusted lists and its national lists as a verified set, and the seal
// anchors of granted CA/QC services judged at a time against their status history.
export {
  compareTrustedListSets,
  describeTrustedListChange,
  type TrustedListChange,
} from './compare-trusted-list-sets.ts'
export {
  type CreateTrustedListInput,
  type CreateTrustedListPointer,
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
  type TrustedListPointer,
  type TrustedListService,
  type TrustedListServiceHistoryEntry,
} from './parse-trusted-list.ts'
export { type ServiceStatusPeriod, serviceStatusAt, serviceTimeline } from './service-status-at.ts'
export {
  type TrustAnchorsFromTrustedListOptions,
  trustAnchorsFromTrustedList,
} from './trust-anchors-from-trusted-list.ts'
export {
  describeTrustedListAnchor,
  isTrustedListProvenance,
  type SealQualification,
  sealQualification,
  sealServiceStatusAt,
  type TrustedListAnchorProvenance,
  type TrustedListAnchorSourceOptions,
  trustedListAnchorSource,
  trustedListAnchorWords,
} from './trusted-list-anchors.ts'
export {
  LISTS_FOLDER,
  LOTL_FILE,
  LOTL_SIGNERS_FILE,
  readTrustedListFolder,
  type TrustedListFolder,
} from './trusted-list-folder.ts'
export {
  describeTrustedList,
  isTerritoryCode,
  signersForTerritory,
  type TrustedListFiles,
  type TrustedListProblem,
  type TrustedListSet,
  trustedListStaleness,
  type VerifyTrustedListSetOptions,
  verifyTrustedListSet,
} from './verify-trusted-list-set.ts'
