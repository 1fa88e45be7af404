// @alma/verifier: OpenID4VP 1.0 requests, the verification pipeline with every check named,
// relying-party API.
export * from './verification/index.ts'
