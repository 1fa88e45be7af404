// @alma/verifier: OpenID4VP 1.0 requests, the verification pipeline with every check named,
// relying-party API, uploaded EDC files.

export { registerVerifierCommands } from './cli/register-verifier-commands.ts'
export { parseVerifierConfig, type VerifierConfig, type VerifierConfigInput, zVerifierConfig } from './config.ts'
export * from './edc-upload/index.ts'
export { VERIFIER_ERRORS, VerifierError, type VerifierErrorCode } from './errors.ts'
export { createVerifierApp, type MountRoutes } from './http/app.ts'
export { mountVerifierWebApp } from './http/web-app.ts'
export {
  type CreatedPresentationRequest,
  createPresentationRequest,
} from './presentation/create-presentation-request.ts'
export type { PresentationResult, PresentedCredentialResult } from './presentation/receive-response.ts'
export { templateQuery } from './presentation/templates.ts'
export {
  type CreatePresentationRequestInput,
  type RequestTemplate,
  zCreatePresentationRequest,
} from './presentation/z-create-presentation-request.ts'
export {
  type ProvisionRelyingPartyInput,
  provisionRelyingParty,
} from './provision-relying-party.ts'
export { createRelyingPartyKey, RELYING_PARTY_SCOPES, type RelyingPartyScope } from './relying-party-keys.ts'
export { relyingPartyUrls } from './relying-party-urls.ts'
export * from './verification/index.ts'
export { createVerifierContext, type RelyingPartyRuntime, type VerifierContext } from './verifier-context.ts'
export { createVerifier, type RunningVerifier, type StartVerifierOptions, startVerifier } from './verifier-server.ts'
