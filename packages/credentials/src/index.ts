// @alma/credentials: the wallet formats an EDC is issued in — jwt_vc_json (VC 1.1 VC-JWT carrying
// the EDC) and dc+sd-jwt (flat, selectively disclosable Annex I claims) — and the two status-list
// serialisations of one registry (IETF Token Status List, referenced by the `status` claim of both
// formats; W3C Bitstring for jwt_vc_json credentials issued before). design/elm.md "ELM in wallet
// formats", design/protocols.md "Status lists", README "Revocation and SHACL".
export * from './errors.ts'
export { checkValidityWindow, DEFAULT_CLOCK_SKEW_SECONDS } from './jose/check-validity.ts'
export { didIssuerKeyResolver } from './jose/did-issuer-key.ts'
export { numericDate, roundDownInstant, type TimeGranularity } from './jose/time.ts'
export {
  DEFAULT_JWS_ALGORITHMS,
  type DecodedJws,
  decodeCompactJws,
  type JsonObject,
  type ResolveIssuerKey,
  type UnverifiedJws,
} from './jose/verify-jws.ts'
export { verifyJwsSignature } from './jose/verify-jws-signature.ts'
export {
  type CreateJwtVcJsonInput,
  createJwtVcJson,
  edcOfJwtVc,
  type HolderBinding,
  tokenStatusClaim,
} from './jwt-vc-json/create-jwt-vc-json.ts'
export {
  type VerifiedJwtVcJson,
  type VerifyJwtVcJsonOptions,
  verifyJwtVcJson,
} from './jwt-vc-json/verify-jwt-vc-json.ts'
export {
  JWT_VC_TYPS,
  type JwtVc,
  type JwtVcJsonPayload,
  VC_V1_CONTEXT,
  zJwtVc,
  zJwtVcJsonPayload,
} from './jwt-vc-json/z-jwt-vc-json.ts'
export {
  type ClaimMetadata,
  EU_LEARNING_CREDENTIAL_VCT,
  edcToSdJwtClaims,
  SD_JWT_CLAIMS,
  type SdJwtClaimName,
  type SdJwtLearningClaims,
  sdJwtClaimDisplay,
} from './sd-jwt-vc/claims.ts'
export { type CreateSdJwtVcInput, createSdJwtVc, missingMandatoryClaims } from './sd-jwt-vc/create-sd-jwt-vc.ts'
export { type VerifiedSdJwtVc, type VerifySdJwtVcOptions, verifySdJwtVc } from './sd-jwt-vc/verify-sd-jwt-vc.ts'
export {
  KB_JWT_TYP,
  type KbJwtPayload,
  LEGACY_SD_JWT_VC_TYP,
  NEVER_DISCLOSABLE,
  SD_JWT_VC_TYP,
  type SdJwtVcPayload,
  zKbJwtPayload,
  zSdJwtVcPayload,
} from './sd-jwt-vc/z-sd-jwt-vc.ts'
export {
  DEFAULT_MAX_BITSTRING_BYTES,
  decodeBitstring,
  encodeBitstring,
  MIN_BITSTRING_ENTRIES,
  type ReadBitstringOptions,
  readBitstringStatus,
} from './status/bitstring.ts'
export {
  type CreateBitstringStatusListCredentialInput,
  createBitstringStatusListCredential,
} from './status/create-bitstring-status-list-credential.ts'
export { type CreateTokenStatusListJwtInput, createTokenStatusListJwt } from './status/create-token-status-list-jwt.ts'
export {
  type ReadTokenStatusOptions,
  readTokenStatus,
  TOKEN_STATUS,
  type TokenStatus,
} from './status/read-token-status.ts'
export { MAX_STATUS_LIST_ENTRIES, type StatusListSnapshot } from './status/status-registry.ts'
export {
  DEFAULT_MAX_TOKEN_STATUS_LIST_BYTES,
  decodeTokenStatusList,
  encodeTokenStatusList,
  type TokenStatusBits,
  tokenStatusAt,
} from './status/token-status-list.ts'
export {
  checkBitstringStatus,
  type VerifyBitstringStatusListCredentialOptions,
  verifyBitstringStatusListCredential,
} from './status/verify-bitstring-status-list-credential.ts'
export {
  BITSTRING_STATUS_CONTEXT,
  type BitstringStatusList,
  type BitstringStatusListEntry,
  type StatusPurpose,
  zBitstringStatusList,
  zBitstringStatusListEntry,
  zStatusPurpose,
} from './status/z-bitstring-status-list.ts'
export {
  STATUS_LIST_JWT_TYP,
  type StatusListReference,
  type StatusListTokenPayload,
  zStatusListReference,
  zStatusListTokenPayload,
} from './status/z-token-status-list.ts'
