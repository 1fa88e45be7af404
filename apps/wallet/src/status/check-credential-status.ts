// Whether a credential in the wallet is still valid, as its issuer's status list says — so that a
// learner sees a revoked or suspended credential before a relying party does (issue 12 §6: our
// jwt_vc_json carries its revocation reference as the JWT `status` claim, like the SD-JWT VC).
import { type KeyObject, X509Certificate } from 'node:crypto'
import {
  checkBitstringStatus,
  decodeCompactJws,
  type ResolveIssuerKey,
  readTokenStatus,
  zBitstringStatusListEntry,
  zStatusListReference,
} from '@alma/credentials'
import type { StoredCredential } from '../credential-store.ts'
import { guardedFetch, type TransportOptions } from '../openid4vc-callbacks.ts'

export interface CredentialStatusAnswer {
  /** `unknown` when the credential names no list, or the list cannot be fetched or trusted. */
  readonly status: 'valid' | 'revoked' | 'suspended' | 'unknown'
  /** The status value read (Token Status List §7.1: 0 valid, 1 invalid, 2 suspended; Bitstring: the bit). */
  readonly value?: number
  readonly list?: string
  readonly index?: number
  readonly checkedAt: Date
  /** In words: what was read where, or why the status is unknown. */
  readonly reason: string
}

export interface CheckCredentialStatusOptions extends TransportOptions {
  readonly now?: () => Date
}

/** The list media types of draft-ietf-oauth-status-list §5.1 and Bitstring Status List v1.0 §3. */
const LIST_ACCEPT = 'application/statuslist+jwt, application/vc+jwt;q=0.9, application/jwt;q=0.8'

/** The public key of the first `x5c` certificate, or undefined. */
function leafKey(x5c: unknown): KeyObject | undefined {
  if (!Array.isArray(x5c) || typeof x5c[0] !== 'string') return undefined
  try {
    return new X509Certificate(Buffer.from(x5c[0], 'base64')).publicKey
  } catch {
    return undefined
  }
}

const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'der' }).toString('base64')

/**
 * Checks a stored credential's status (both formats): the reference is the JWT `status` claim
 * (draft-ietf-oauth-status-list §6.1; a `jwt_vc_json` issued before it has a W3C
 * `BitstringStatusListEntry` in `vc.credentialStatus`, also read); the list is fetched over https
 * (loopback http only when allowed) and must be signed with the key that signed the credential —
 * the same `x5c` leaf key (draft-ietf-oauth-status-list, "Key Resolution and Trust Management").
 * The wallet does not judge the issuer's trust (that is the relying party's), only what its
 * issuer's list says; after a key rotation that list answers `unknown`, said so. Never throws for
 * what the network or the issuer sends.
 *
 * @example
 * ```ts
 * const answer = await checkCredentialStatus(store.get(id))
 * if (answer.status !== 'valid') console.log(`${id}: ${answer.status} — ${answer.reason}`)
 * ```
 */
export async function checkCredentialStatus(
  credential: StoredCredential,
  options: CheckCredentialStatusOptions = {},
): Promise<CredentialStatusAnswer> {
  const now = options.now?.() ?? new Date()
  const unknown = (reason: string, where: { list?: string; index?: number } = {}): CredentialStatusAnswer => ({
    status: 'unknown',
    ...where,
    checkedAt: now,
    reason,
  })
  const issuerJwt =
    credential.format === 'dc+sd-jwt' ? (credential.credential.split('~')[0] ?? '') : credential.credential
  let decoded: ReturnType<typeof decodeCompactJws>
  try {
    decoded = decodeCompactJws(issuerJwt)
  } catch {
    return unknown('the stored credential is not a JWT')
  }
  const { header, payload } = decoded
  const signerKey = leafKey(header.x5c)
  // The list must be signed with the credential's own key: a list signed by anyone else says nothing.
  const resolveListKey: ResolveIssuerKey = async ({ header: listHeader }) => {
    const listKey = leafKey(listHeader.x5c)
    if (!signerKey || !listKey) throw new Error('the credential or its status list carries no x5c certificate')
    if (spki(listKey) !== spki(signerKey)) {
      throw new Error('the status list is signed with another key than the credential (a key rotation?)')
    }
    return listKey
  }
  const fetchList = async (url: string) => {
    const response = await guardedFetch(options)(url, { headers: { accept: LIST_ACCEPT }, redirect: 'error' })
    if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`)
    return (await response.text()).trim()
  }
  const failure = (e: unknown) => {
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : ''
    return `${e instanceof Error ? e.message : String(e)}${cause}`
  }

  const reference = zStatusListReference.safeParse(payload.status)
  if (payload.status !== undefined && !reference.success) return unknown('the credential has a malformed status claim')
  if (reference.success) {
    const { uri, idx } = reference.data.status_list
    try {
      const { status } = await readTokenStatus(await fetchList(uri), {
        uri,
        idx,
        verify: { resolveIssuerKey: resolveListKey, now },
      })
      const word = status === 0 ? 'valid' : status === 1 ? 'revoked' : status === 2 ? 'suspended' : 'unknown'
      return {
        status: word,
        value: status,
        list: uri,
        index: idx,
        checkedAt: now,
        reason: `status ${status} on ${uri} index ${idx}${word === 'unknown' ? ' (an application-specific value)' : ''}`,
      }
    } catch (e) {
      return unknown(`the status list ${uri} could not be read: ${failure(e)}`, { list: uri, index: idx })
    }
  }

  const legacy = zBitstringStatusListEntry.safeParse(
    (payload.vc as { credentialStatus?: unknown } | undefined)?.credentialStatus,
  )
  if (legacy.success) {
    const entry = legacy.data
    const where = { list: entry.statusListCredential, index: Number(entry.statusListIndex) }
    try {
      const bit = await checkBitstringStatus(entry, await fetchList(entry.statusListCredential), {
        resolveIssuerKey: resolveListKey,
        now,
        ...(typeof payload.iss === 'string' ? { expectedIssuer: payload.iss } : {}),
      })
      const set = entry.statusPurpose === 'suspension' ? 'suspended' : 'revoked'
      return {
        status: bit === 0 ? 'valid' : set,
        value: bit,
        ...where,
        checkedAt: now,
        reason: `${bit === 0 ? 'not set' : 'set'} on ${entry.statusListCredential} index ${entry.statusListIndex} (${entry.statusPurpose})`,
      }
    } catch (e) {
      return unknown(`the status list ${entry.statusListCredential} could not be read: ${failure(e)}`, where)
    }
  }
  return unknown('the credential names no status list')
}
