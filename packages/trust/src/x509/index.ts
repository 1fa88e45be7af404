// eIDAS seal certificates (ETSI EN 319 412-1/-3/-5 over RFC 5280): a development CA, parsing, and
// chain validation against configured trust anchors.
export { registerTrustCommands, type TrustCommandsOptions } from './cli.ts'
export {
  type CreateDevCaOptions,
  createDevCa,
  type DevCa,
  encodeCrlPem,
  type IssueAccessCertificateOptions,
  type IssueDevCrlOptions,
  type IssuedSealCertificate,
  type IssueSealCertificateOptions,
  isOrganizationIdentifier,
  issueAccessCertificate,
  issueDevCrl,
  issueSealCertificate,
  loadDevCa,
  readDevCaDir,
} from './dev-ca.ts'
export * from './oids.ts'
export {
  type CertificateNameFields,
  isSelfSigned,
  type KeyUsageName,
  type ParsedSealCertificate,
  parseSealCertificate,
  type SubjectAltNames,
  subjectAltNamesOf,
} from './parse-seal-certificate.ts'
export {
  type CertificateInput,
  certificateToDer,
  type Der,
  decodeCertificatePemBundle,
  decodePemBlocks,
  encodeCertificatePem,
  encodePem,
  encodePrivateKeyPem,
  importSigningKeyPem,
  publicKeyToSpki,
} from './pem.ts'
export { decodeQcStatements, encodeQcStatements, type QcStatementsInfo } from './qc-statements.ts'
export {
  combineTrustAnchors,
  type DescribedTrustAnchor,
  isDescribedTrustAnchor,
  isTrustAnchorSource,
  type TrustAnchorLookup,
  type TrustAnchorSource,
  type TrustAnchors,
  type UntrustedAnchorCandidate,
} from './trust-anchor-source.ts'
export { loadTrustAnchorsFromPem } from './trust-anchors.ts'
export {
  type CertificateChainValidation,
  type CertificateCheck,
  type CertificateCheckId,
  type CertificateCheckStatus,
  type ChainTrustAnchor,
  type ValidateCertificateChainOptions,
  validateCertificateChain,
} from './validate-certificate-chain.ts'
