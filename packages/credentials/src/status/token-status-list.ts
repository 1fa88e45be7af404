import { inflateSync } from 'node:zlib'
import { StatusList } from '@sd-jwt/jwt-status-list'
import { CredentialError } from '../errors.ts'
import { checkEntries, MAX_STATUS_LIST_ENTRIES, type StatusListSnapshot } from './status-registry.ts'

/** Token Status List §4.1: bits per Referenced Token. We issue 1 (valid / invalid) or 2 (+ suspended). */
export type TokenStatusBits = 1 | 2 | 4 | 8

/** Default cap on the decompressed list: the largest list we would build at 8 bits (16 MiB). */
export const DEFAULT_MAX_TOKEN_STATUS_LIST_BYTES = MAX_STATUS_LIST_ENTRIES

/**
 * Encodes `lst` (draft-ietf-oauth-status-list §4.1): statuses packed LSB-first (index 0 in the
 * least significant bits of byte 0), DEFLATE in the ZLIB format (RFC 1950) at the highest level,
 * base64url without padding. Packing and compression are @sd-jwt/jwt-status-list's.
 */
export function encodeTokenStatusList(snapshot: StatusListSnapshot, bits: TokenStatusBits): string {
  checkEntries(snapshot, bits)
  const statuses = new Array<number>(snapshot.size).fill(0)
  const list = new StatusList(statuses, bits)
  for (const { idx, status } of snapshot.entries) list.setStatus(idx, status)
  return list.compressStatusList()
}

export interface ReadTokenStatusListOptions {
  /** Refuse lists that inflate to more bytes than this (a zlib bomb); default 16 MiB. */
  readonly maxBytes?: number
}

/** Inflates `lst` with the output capped, before any bit is read. */
export function decodeTokenStatusList(lst: string, options: ReadTokenStatusListOptions = {}): Uint8Array {
  if (typeof lst !== 'string' || !/^[A-Za-z0-9_-]+$/.test(lst)) {
    throw new CredentialError('status_list_invalid', 'lst is not base64url')
  }
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_TOKEN_STATUS_LIST_BYTES
  try {
    return inflateSync(Buffer.from(lst, 'base64url'), { maxOutputLength: maxBytes })
  } catch (cause) {
    if ((cause as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || cause instanceof RangeError) {
      throw new CredentialError('status_list_too_large', `the status list inflates to more than ${maxBytes} bytes`, {
        cause,
      })
    }
    throw new CredentialError('status_list_invalid', 'lst is not ZLIB data', { cause })
  }
}

/** The status at `idx` of an inflated list: LSB-first within each byte (draft §4.1). */
export function tokenStatusAt(bytes: Uint8Array, bits: TokenStatusBits, idx: number): number {
  const perByte = 8 / bits
  if (!Number.isInteger(idx) || idx < 0 || idx >= bytes.length * perByte) {
    throw new CredentialError(
      'status_index_out_of_range',
      `status index ${idx} is outside 0…${bytes.length * perByte - 1}`,
    )
  }
  const byte = bytes[Math.floor(idx / perByte)]!
  return (byte >> ((idx % perByte) * bits)) & ((1 << bits) - 1)
}
