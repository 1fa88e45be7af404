// Revoking and suspending issued credentials: the record's state (compare-and-set), the status
// list entry and the audit entry in ONE transaction, so the served list and the records agree.
//
// Status values: IETF Token Status List §7.1 (both formats, 2 bits): 0 VALID, 1 INVALID,
// 2 SUSPENDED. W3C Bitstring Status List v1.0 (jwt_vc_json issued before the JWT status claim)
// with purpose `revocation`: 1 revoked; it has no "suspended" value, so suspension is refused for
// those credentials (409).
//
// Revoking or suspending also withdraws the award's open offers in the same transaction (issue 12,
// "token scope"): an access token minted before — the learner's or a thief's — issues nothing
// more, because the credential endpoint's issuance statement locks the offer row and re-checks
// its state (store migration 0005). Unsuspending does not reopen them: a new offer is made.
import type { IssuedCredential, IssuedCredentialState, Repositories } from '@alma/store'
import { IssuerError } from '../errors.ts'
import type { IssuerContext } from '../issuance/issuer-context.ts'
import { toAdminError } from './parse-admin-input.ts'

export const CREDENTIAL_STATUS_ACTIONS = ['revoke', 'suspend', 'unsuspend'] as const
export type CredentialStatusAction = (typeof CREDENTIAL_STATUS_ACTIONS)[number]

const TARGET: Readonly<Record<CredentialStatusAction, { state: IssuedCredentialState; token: number; bit: number }>> = {
  revoke: { state: 'revoked', token: 1, bit: 1 },
  suspend: { state: 'suspended', token: 2, bit: 1 },
  unsuspend: { state: 'valid', token: 0, bit: 0 },
}

/** Which states each action may start from; the target state itself is an idempotent repeat. */
const FROM: Readonly<Record<CredentialStatusAction, readonly IssuedCredentialState[]>> = {
  revoke: ['valid', 'suspended'],
  suspend: ['valid'],
  unsuspend: ['suspended'],
}

export interface CredentialStatusChange {
  readonly credential: IssuedCredential
  /** False when the credential already was in the target state (a repeated request). */
  readonly changed: boolean
  /** The status list's new version, when an entry changed. */
  readonly statusListVersion?: number
  /** How many open offers of the award the revocation or suspension withdrew. */
  readonly withdrawnOffers?: number
}

export interface ChangeCredentialStatusInput {
  readonly credentialId: string
  readonly action: CredentialStatusAction
  readonly actor: string
  readonly reason?: string
}

export async function changeCredentialStatus(
  ctx: IssuerContext,
  tenantId: string,
  input: ChangeCredentialStatusInput,
): Promise<CredentialStatusChange> {
  const now = ctx.now()
  const target = TARGET[input.action]
  return ctx.store
    .transaction(async (tx: Repositories) => {
      // Step 1: the credential, within this tenant only.
      const credential = await tx.issuedCredentials.get(tenantId, input.credentialId)
      if (!credential) throw new IssuerError('not_found', `no issued credential ${input.credentialId}`)
      // Step 2: a repeat changes nothing (revoking a revoked credential is not an error).
      if (credential.state === target.state) return { credential, changed: false }
      if (!FROM[input.action].includes(credential.state)) {
        throw new IssuerError('conflict', `a ${credential.state} credential cannot be ${pastTense(input.action)}`)
      }
      // Step 3: the list must be able to say it.
      const list = credential.statusListId ? await tx.statusLists.get(tenantId, credential.statusListId) : undefined
      if (input.action !== 'revoke' && list?.format !== 'token') {
        throw new IssuerError(
          'conflict',
          list
            ? `credential ${credential.id} (${credential.format}) has an entry on a W3C Bitstring revocation list, which cannot express suspension; revoke it instead`
            : `credential ${credential.id} has no status list entry; it can only be revoked in the records`,
        )
      }
      // Step 4: compare-and-set on the record, then the entry; both commit or neither.
      const moved = await tx.issuedCredentials.setState({
        tenantId,
        id: credential.id,
        from: credential.state,
        to: target.state,
      })
      if (!moved) {
        // Another request won the race; if it did the same, this one is a repeat.
        const current = await tx.issuedCredentials.get(tenantId, credential.id)
        if (current?.state === target.state) return { credential: current, changed: false }
        throw new IssuerError('conflict', `credential ${credential.id} changed meanwhile; retry`)
      }
      let statusListVersion: number | undefined
      if (list && credential.statusIndex !== undefined) {
        const value = list.format === 'token' ? target.token : target.bit
        statusListVersion = await tx.statusLists.setStatus(tenantId, list.id, credential.statusIndex, value, now)
        if (statusListVersion === undefined) {
          throw new IssuerError('server_error', 'the status list entry of this credential is missing', {
            internal: `list ${list.id} idx ${credential.statusIndex}`,
          })
        }
      }
      // Step 5: no more issuance on the award's open offers, not even on tokens already minted.
      const withdrawnOffers =
        input.action === 'unsuspend' ? 0 : await tx.offers.withdrawOpenOffers(tenantId, credential.awardId, now)
      await tx.auditLog.append({
        tenantId,
        at: now,
        actor: input.actor,
        action: `credential.${pastTense(input.action)}`,
        subject: credential.id,
        details: {
          award: credential.awardId,
          from: credential.state,
          ...(list ? { statusList: list.id } : {}),
          ...(input.reason ? { reason: input.reason } : {}),
          ...(withdrawnOffers > 0 ? { withdrawnOffers } : {}),
        },
      })
      return {
        credential: { ...credential, state: target.state },
        changed: true,
        ...(statusListVersion !== undefined ? { statusListVersion } : {}),
        ...(withdrawnOffers > 0 ? { withdrawnOffers } : {}),
      }
    })
    .catch((error: unknown) => {
      throw toAdminError(error)
    })
}

function pastTense(action: CredentialStatusAction): string {
  return action === 'revoke' ? 'revoked' : action === 'suspend' ? 'suspended' : 'unsuspended'
}
