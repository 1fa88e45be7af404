export type { DocumentLimits, DocumentSize } from './document-bounds.ts'
export { checkDocumentBounds } from './document-bounds.ts'
export { EDC_AP_CONTEXT_URL, offlineDocumentLoader, VC_V1_CONTEXT_URL } from './document-loader.ts'
export type { EdcShaclProfile, ShaclLimits, ShaclReport, ShaclViolation } from './validate-edc-shacl.ts'
export {
  dropSchemaTriples,
  ELM_EUROPEAN_DIGITAL_CREDENTIAL,
  edcToDataset,
  SHACL_LIMITS,
  validateEdcShacl,
} from './validate-edc-shacl.ts'
