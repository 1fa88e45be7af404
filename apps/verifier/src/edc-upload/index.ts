// Verifying an uploaded EDC file (issue 5): a JAdES-sealed EDC as the EDC platform writes it, or a
// bare EDC document; named checks and a verdict, as EDC reports them. Nothing is fetched.
export {
  EDC_CONCEPTS,
  EDC_UPLOAD_CHECK_IDS,
  type EdcUploadCheck,
  type EdcUploadCheckId,
  type EdcUploadCheckStatus,
  type SkipKind,
  verdictOf as edcUploadVerdictOf,
} from './checks.ts'
export { parseTimestampToken, type TimestampTokenClaims, TimestampTokenError } from './parse-timestamp-token.ts'
export type { TimestampSignatureCheck, VerifyTimestampSignature } from './verify-seal-timestamp.ts'
export { verifyTimestampSignature } from './verify-timestamp-signature.ts'
export {
  type SealSummary,
  type UploadedEdcVerification,
  type VerifyUploadedEdcDeps,
  verifyUploadedEdc,
} from './verify-uploaded-edc.ts'
export {
  MAX_EDC_UPLOAD_BYTES,
  type VerifyUploadedEdcInput,
  zVerifyUploadedEdcInput,
} from './z-verify-uploaded-edc-input.ts'
