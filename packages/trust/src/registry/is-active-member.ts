import type { AllianceMember, AllianceRegistryPayload } from './z-alliance-registry.ts'

/** Why a DID is not an active member at a given time. */
export type MembershipReason = 'unknown_member' | 'suspended' | 'not_yet_valid' | 'expired'

/** The answer of {@link isActiveMember}. */
export type MembershipResult =
  | { readonly active: true; readonly member: AllianceMember }
  | {
      readonly active: false
      readonly reason: MembershipReason
      readonly message: string
      readonly member?: AllianceMember
    }

/**
 * Whether `did` is an active member of a verified registry at `at` (e.g. the credential's signing
 * time): listed, `status: active`, and `validFrom ≤ at < validUntil`. Otherwise says why.
 *
 * @example
 * ```ts
 * const membership = isActiveMember(registry, 'did:web:alliance.example:members:uni-a', new Date())
 * if (!membership.active) report('ALLIANCE', 'ERROR', membership.message)
 * ```
 */
export function isActiveMember(registry: AllianceRegistryPayload, did: string, at: Date): MembershipResult {
  const alliance = registry.alliance.name
  const member = registry.members.find((m) => m.did === did)
  if (!member) {
    return { active: false, reason: 'unknown_member', message: `${did} is not a member of ${alliance}` }
  }
  if (member.status === 'suspended') {
    return { active: false, reason: 'suspended', member, message: `${did} is suspended from ${alliance}` }
  }
  const t = at.getTime()
  if (t < Date.parse(member.validFrom)) {
    return {
      active: false,
      reason: 'not_yet_valid',
      member,
      message: `${did} is a member of ${alliance} only from ${member.validFrom}`,
    }
  }
  if (member.validUntil !== undefined && t >= Date.parse(member.validUntil)) {
    return {
      active: false,
      reason: 'expired',
      member,
      message: `${did} was a member of ${alliance} until ${member.validUntil}`,
    }
  }
  return { active: true, member }
}
