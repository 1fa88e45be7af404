// The verification pipeline of one presented credential (issue 5): named steps and a verdict.
export { ANNEX_I_ELEMENTS, type DisclosedAnnexIElement, type DisclosedAnnexIReport } from './annex-i-of-claims.ts'
export {
  CRITICAL_STEPS,
  VERIFICATION_STEP_IDS,
  type Verdict,
  type VerificationStep,
  type VerificationStepId,
  type VerificationStepStatus,
  verdictOf,
} from './steps.ts'
export {
  type PresentedCredentialVerification,
  type VerificationDeps,
  type VerifyPresentedCredentialInput,
  verifyPresentedCredential,
} from './verify-presented-credential.ts'
export {
  type PresentedCredential,
  type RelyingPartyPolicy,
  type VpJwtPayload,
  zPresentedCredential,
  zRelyingPartyPolicy,
  zVpJwtPayload,
} from './z-verification-input.ts'
