// @digitalbazaar/credentials-context ships no types; it exports the W3C VC contexts by URL.
declare module '@digitalbazaar/credentials-context' {
  export const contexts: Map<string, unknown>
  export const CONTEXT_URL_V1: string
}
