// The alliance registry: a JWT signed by the alliance key listing its member issuers (issue 3,
// "Alliance registry"), so a verifier can trust "active members of alliance X".
export {
  type AllianceRegistryInput,
  type AllianceSigningKey,
  buildAllianceRegistryPayload,
  createAllianceRegistry,
} from './create-alliance-registry.ts'
export { isActiveMember, type MembershipReason, type MembershipResult } from './is-active-member.ts'
export {
  type VerifiedAllianceRegistry,
  type VerifyAllianceRegistryOptions,
  verifyAllianceRegistry,
} from './verify-alliance-registry.ts'
export {
  ALLIANCE_REGISTRY_MEDIA_TYPE,
  ALLIANCE_REGISTRY_TYP,
  type AllianceMember,
  type AllianceRegistryPayload,
  zAllianceMember,
  zAllianceRegistryPayload,
} from './z-alliance-registry.ts'
