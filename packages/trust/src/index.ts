// @alma/trust: an issuer is trusted when its did:web, its eIDAS seal certificate and the legal
// identifier inside its ELM documents agree (design/elm.md, "our eIDAS link").
export * from './did/index.ts'
export * from './errors.ts'
export * from './jades/index.ts'
export * from './keys/index.ts'
export * from './linkage/index.ts'
export * from './net/index.ts'
export * from './registry/index.ts'
export * from './trusted-list/index.ts'
export * from './x509/index.ts'
