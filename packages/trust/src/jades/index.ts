// JAdES seals (ETSI TS 119 182-1) as the EDC platform writes them: parsing, the signature check over
// the exact bytes, and the file-level check the CLI uses. Framework-free; the verifier's upload
// check builds on the same functions (apps/verifier/src/edc-upload).
export {
  looksLikeJwsJson,
  MAX_JSON_DEPTH,
  type ParsedJadesSeal,
  parseJadesSeal,
  payloadDocument,
  SealFormatError,
} from './parse-jades-seal.ts'
export { type JadesSealFileCheck, verifyJadesSealFile } from './verify-jades-seal-file.ts'
export {
  headerProblem,
  type RejectedJadesSignature,
  SEAL_ALGORITHMS,
  UNDERSTOOD_CRIT,
  type VerifiedJadesSignature,
  verifyJadesSignature,
} from './verify-jades-signature.ts'
export * from './z-jades-seal.ts'
