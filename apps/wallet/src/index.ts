// @alma/wallet: a reference holder for Alma's issuer and verifier and for anyone testing a
// deployment — receives credentials over OpenID4VCI 1.0, keeps them in an encrypted file, and
// presents them over OpenID4VP 1.0 with the holder's choice of SD-JWT disclosures. Protocol work
// is done by the @openid4vc client libraries; this package adds keys, storage, policy and a CLI.
//
// @example
// ```ts
// import { acceptCredentialOffer, answerPresentationRequest, CredentialStore } from '@alma/wallet'
//
// const store = await CredentialStore.open({ path: 'wallet.json', passphrase, create: true })
// await acceptCredentialOffer(offerUri, { store, askTxCode: async () => '123456' })
// const answer = await answerPresentationRequest(requestUri, { store })
// ```

/** The `alma-wallet` commands, standalone or mounted under another commander program. */
export {
  createWalletProgram,
  DEFAULT_WALLET_FILE,
  registerWalletCommands,
  WALLET_FILE_ENV,
  WALLET_PASSPHRASE_ENV,
  type WalletCommandsOptions,
} from './cli.ts'
/** The encrypted credential store (one file, AES-256-GCM under a scrypt key), or an in-memory one. */
export {
  CREDENTIAL_FORMATS,
  type CredentialFormat,
  CredentialStore,
  type CredentialSummary,
  DEFAULT_SCRYPT_COST,
  type NewCredential,
  type OpenCredentialStoreOptions,
  type ScryptCost,
  type StoredCredential,
  zStoredCredential,
} from './credential-store.ts'
/** Errors with stable codes. */
export { isWalletError, WalletError, type WalletErrorCode } from './errors.ts'
/** Holder keys: P-256 / ES256, one per credential. */
export {
  generateHolderKey,
  HOLDER_KEY_ALG,
  type HolderKey,
  holderDidOf,
  isKeyOf,
  jwkThumbprint,
  signWithHolderKey,
  zHolderKey,
} from './holder-keys.ts'
/** Transport: https only, unless plain http to loopback is allowed for development. */
export type { TransportOptions } from './openid4vc-callbacks.ts'
/** Presenting (OpenID4VP 1.0). */
export {
  type AcceptedClientIdPrefix,
  type AnswerRequestOptions,
  answerPresentationRequest,
  type ChooseDisclosures,
  type DisclosureChoice,
  describeDisclosed,
  type PresentationAnswer,
  type PresentedCredential,
  type VerifierSummary,
  walletMetadata,
} from './present/answer-request.ts'
export {
  type ClaimPath,
  type ClaimPathPattern,
  expandClaimPath,
  formatClaimPath,
  parseClaimPath,
} from './present/claim-paths.ts'
export {
  type CreateSdJwtPresentationInput,
  createSdJwtPresentation,
  readSdJwt,
  type SdJwtContents,
  type SdJwtPresentation,
} from './present/create-sd-jwt-presentation.ts'
export { type CreateVpJwtInput, createVpJwt } from './present/create-vp-jwt.ts'
export { type CredentialMatch, matchCredentials } from './present/match-credentials.ts'
export type { DidResolver, VerifierAuthentication } from './present/verify-request-object.ts'
/** Receiving (OpenID4VCI 1.0). */
export {
  type AcceptedOffer,
  type AcceptOfferOptions,
  type AuthorizationStep,
  acceptCredentialOffer,
  DEFAULT_REDIRECT_URI,
  type IssuanceFlow,
  type TxCodeRequest,
} from './receive/accept-offer.ts'
/** Whether a credential is still valid, by its issuer's status list (revoked, suspended). */
export {
  type CheckCredentialStatusOptions,
  type CredentialStatusAnswer,
  checkCredentialStatus,
} from './status/check-credential-status.ts'
