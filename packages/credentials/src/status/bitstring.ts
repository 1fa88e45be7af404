import { gunzipSync, gzipSync } from 'node:zlib'
import { CredentialError } from '../errors.ts'
import { checkEntries, MAX_STATUS_LIST_ENTRIES, type StatusListSnapshot } from './status-registry.ts'

/** Bitstring Status List v1.0 §2.2: "The uncompressed bitstring MUST be at least 16KB in size". */
export const MIN_BITSTRING_ENTRIES = 131_072

/** Default cap on the decompressed list: the largest list we would build (2 MiB). */
export const DEFAULT_MAX_BITSTRING_BYTES = MAX_STATUS_LIST_ENTRIES / 8

/**
 * Encodes a list as `encodedList` (Bitstring Status List v1.0 §2.2, §3.1 "Bitstring Generation
 * Algorithm"): one bit per entry, index 0 the left-most (most significant) bit of the first byte,
 * GZIP (RFC 1952), then multibase base64url without padding (prefix `u`).
 *
 * @example
 * ```ts
 * encodeBitstring({ size: 131_072, entries: [{ idx: 0, status: 1 }] }) // 'uH4sI…', first byte 0x80
 * ```
 */
export function encodeBitstring(snapshot: StatusListSnapshot): string {
  checkEntries(snapshot, 1)
  if (snapshot.size < MIN_BITSTRING_ENTRIES) {
    // Herd privacy (§6.1 of the spec): small lists narrow down whose credential is checked.
    throw new CredentialError('invalid_input', `a Bitstring Status List has at least ${MIN_BITSTRING_ENTRIES} entries`)
  }
  const bytes = new Uint8Array(Math.ceil(snapshot.size / 8))
  for (const { idx, status } of snapshot.entries) {
    if (status) bytes[idx >> 3]! |= 0x80 >> (idx & 7)
  }
  return `u${gzipSync(bytes, { level: 9 }).toString('base64url')}`
}

export interface ReadBitstringOptions {
  /** Refuse lists that decompress to more bytes than this (a gzip bomb); default 2 MiB. */
  readonly maxBytes?: number
}

/** Decompresses an `encodedList` to its bitstring, with the decompressed size capped. */
export function decodeBitstring(encodedList: string, options: ReadBitstringOptions = {}): Uint8Array {
  if (typeof encodedList !== 'string' || !/^u[A-Za-z0-9_-]+$/.test(encodedList)) {
    throw new CredentialError('status_list_invalid', 'encodedList is not multibase base64url (prefix "u")')
  }
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BITSTRING_BYTES
  const compressed = Buffer.from(encodedList.slice(1), 'base64url')
  let bytes: Buffer
  try {
    bytes = gunzipSync(compressed, { maxOutputLength: maxBytes })
  } catch (cause) {
    // Node stops inflating at maxOutputLength (ERR_BUFFER_TOO_LARGE): the bomb never expands fully.
    if ((cause as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || cause instanceof RangeError) {
      throw new CredentialError(
        'status_list_too_large',
        `the status list decompresses to more than ${maxBytes} bytes`,
        {
          cause,
        },
      )
    }
    throw new CredentialError('status_list_invalid', 'encodedList is not GZIP data', { cause })
  }
  // §3.2 "Validate Algorithm": a list shorter than the minimum is a STATUS_LIST_LENGTH_ERROR.
  if (bytes.length * 8 < MIN_BITSTRING_ENTRIES) {
    throw new CredentialError('status_list_invalid', `the bitstring has fewer than ${MIN_BITSTRING_ENTRIES} entries`)
  }
  return bytes
}

/**
 * The status bit (0 or 1) at `index` of an `encodedList`; index 0 is the left-most bit
 * (Bitstring Status List v1.0 §3.1). An index beyond the list is refused, never read as "valid"
 * (§3.2 "Validate Algorithm" raises a range error there; a verifier fails closed).
 */
export function readBitstringStatus(encodedList: string, index: number, options: ReadBitstringOptions = {}): 0 | 1 {
  const bytes = decodeBitstring(encodedList, options)
  if (!Number.isInteger(index) || index < 0 || index >= bytes.length * 8) {
    throw new CredentialError('status_index_out_of_range', `status index ${index} is outside 0…${bytes.length * 8 - 1}`)
  }
  return ((bytes[index >> 3]! >> (7 - (index & 7))) & 1) as 0 | 1
}
