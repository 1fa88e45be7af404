// @alma/elm: the European Learning Model micro-credential — inputs, EDC documents, Annex I.
export type { BuildEdcOptions, CertificatePages, EdcDocument } from './build/build-edc.ts'
export {
  buildEdc,
  CREDENTIAL_PROFILE_GENERIC,
  CREDENTIAL_PROFILE_ISSUED_BY_MANDATE,
  EDC_CONTEXT,
  EDC_GENERIC_FULL_SCHEMA,
  EVIDENCE_TYPE_MANDATE,
} from './build/build-edc.ts'
export { addIsoDuration, durationHours } from './build/duration.ts'
export {
  buildEdcFiles,
  type ElmCommandsOptions,
  registerElmCommands,
  type SealSignatureCheck,
} from './cli/register-elm-commands.ts'
export type { ElmErrorCode, ElmIssue } from './errors.ts'
export { ElmError } from './errors.ts'
export * from './input/index.ts'
export type {
  AccreditationView,
  AchievementView,
  AssessmentView,
  ConceptView,
  LearningOutcomeView,
  OrganisationView,
  PageView,
  ParsedEdc,
  PersonView,
  SealView,
  SpecificationView,
} from './parse/parse-edc.ts'
export { parseEdc, pickText } from './parse/parse-edc.ts'
export type { RenderOptions } from './render/render-certificate.ts'
export { certificateSvg, renderCertificatePage, renderCertificatePages } from './render/render-certificate.ts'
export type { AnnexIElement, AnnexIReport, AnnexIStatus } from './report/annex-i-report.ts'
export { annexIReport, formatAnnexIReport } from './report/annex-i-report.ts'
export * from './vocabulary/index.ts'
// Heavy ELM work (SHACL, EDC building, certificate pages) on worker threads with deadlines (issue 12 §3).
export * from './worker/index.ts'
