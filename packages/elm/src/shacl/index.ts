export { EDC_AP_CONTEXT_URL, offlineDocumentLoader, VC_V1_CONTEXT_URL } from './document-loader.ts'
export type { EdcShaclProfile, ShaclReport, ShaclViolation } from './validate-edc-shacl.ts'
export { edcToDataset, validateEdcShacl } from './validate-edc-shacl.ts'
