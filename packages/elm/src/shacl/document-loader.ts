import { readFileSync } from 'node:fs'
import { contexts as w3cCredentialContexts } from '@digitalbazaar/credentials-context'
import { ElmError } from '../errors.ts'

/** The EDC application-profile context IRI used by every EDC document. */
export const EDC_AP_CONTEXT_URL = 'http://data.europa.eu/snb/model/context/edc-ap'
/** The W3C Verifiable Credentials Data Model 1.1 context. */
export const VC_V1_CONTEXT_URL = 'https://www.w3.org/2018/credentials/v1'

const edcApContext: unknown = JSON.parse(
  readFileSync(new URL('../../data/edc-ap-context.jsonld', import.meta.url), 'utf8'),
)

// Every context we expand with is shipped: contexts are never fetched at run time (elm.md,
// "Serialisation rules"), so expansion is deterministic and works offline.
const offlineContexts = new Map<string, unknown>([
  [EDC_AP_CONTEXT_URL, edcApContext],
  // The edc-ap context is also reachable under its https form.
  [EDC_AP_CONTEXT_URL.replace('http:', 'https:'), edcApContext],
  [VC_V1_CONTEXT_URL, w3cCredentialContexts.get(VC_V1_CONTEXT_URL)],
])

export interface RemoteDocument {
  contextUrl: null
  documentUrl: string
  document: unknown
}

/**
 * A jsonld.js document loader that serves only the shipped contexts and refuses everything else,
 * so that a document naming an unknown context fails instead of reaching the network.
 */
export async function offlineDocumentLoader(url: string): Promise<RemoteDocument> {
  const document = offlineContexts.get(url)
  if (document === undefined) {
    throw new ElmError('unknown_context', `JSON-LD context ${url} is not shipped with Alma and is never fetched`)
  }
  return { contextUrl: null, documentUrl: url, document }
}
