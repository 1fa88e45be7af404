import { CredentialError } from '../errors.ts'

/**
 * One list of the internal status registry as the store hands it over: its size (number of
 * entries) and the non-zero statuses only. The same registry is serialised as a W3C Bitstring
 * Status List (for `jwt_vc_json`) or an IETF Token Status List (for `dc+sd-jwt`) (protocols.md,
 * "Status lists": one internal registry, two serialisations).
 */
export interface StatusListSnapshot {
  readonly size: number
  readonly entries: readonly { readonly idx: number; readonly status: number }[]
}

/** Largest list we build or read: 2^24 entries (2 MiB at one bit), far above any tenant's need. */
export const MAX_STATUS_LIST_ENTRIES = 1 << 24

export function checkEntries(snapshot: StatusListSnapshot, bits: number): void {
  const { size, entries } = snapshot
  if (!Number.isInteger(size) || size <= 0 || size > MAX_STATUS_LIST_ENTRIES) {
    throw new CredentialError(
      'invalid_input',
      `status list size ${size} is not an integer in 1…${MAX_STATUS_LIST_ENTRIES}`,
    )
  }
  const max = 2 ** bits - 1
  for (const { idx, status } of entries) {
    if (!Number.isInteger(idx) || idx < 0 || idx >= size) {
      throw new CredentialError('status_index_out_of_range', `status index ${idx} is outside 0…${size - 1}`)
    }
    if (!Number.isInteger(status) || status < 0 || status > max) {
      throw new CredentialError('invalid_input', `status ${status} at ${idx} does not fit in ${bits} bit(s)`)
    }
  }
}
