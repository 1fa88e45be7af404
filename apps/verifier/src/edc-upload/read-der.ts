// A minimal, bounded reader of DER (ITU-T X.690 §8, §10) for the few fields of an RFC 3161
// time-stamp token this module reports. It reads structure only: no signature, no key, no trust.
// It exists because pkijs/asn1js are not dependencies of apps/verifier; once they are,
// `parse-timestamp-token.ts` should read the token with pkijs and this file can go.

/** One DER element: tag byte, where its contents lie, and the bytes of the whole element. */
export interface DerElement {
  /** The identifier octet (X.690 §8.1.2); high tag numbers (0x1f) are refused. */
  readonly tag: number
  /** The whole element, identifier and length octets included (what a signature covers). */
  readonly raw: Uint8Array
  /** The contents octets. */
  readonly contents: Uint8Array
}

export class DerError extends Error {
  override readonly name = 'DerError'
}

const MAX_LENGTH_OCTETS = 4

/** Reads the element at `offset` of `bytes`; DER only: definite lengths in their shortest form. */
function readAt(bytes: Uint8Array, offset: number): { element: DerElement; next: number } {
  const tag = bytes[offset]
  if (tag === undefined) throw new DerError('truncated: no identifier octet')
  // X.690 §8.1.2.4: tag numbers ≥ 31 use more octets; nothing read here has one.
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported')
  const first = bytes[offset + 1]
  if (first === undefined) throw new DerError('truncated: no length octet')
  let length: number
  let headerLength: number
  if (first < 0x80) {
    length = first
    headerLength = 2
  } else {
    const count = first & 0x7f
    // X.690 §10.1: DER has no indefinite length (0x80); lengths beyond 4 octets are absurd here.
    if (count === 0) throw new DerError('indefinite length is not DER')
    if (count > MAX_LENGTH_OCTETS) throw new DerError('length too large')
    length = 0
    for (let i = 0; i < count; i++) {
      const octet = bytes[offset + 2 + i]
      if (octet === undefined) throw new DerError('truncated length')
      length = length * 256 + octet
    }
    // X.690 §10.1: the shortest form; a long form for < 128, or a leading zero octet, is not DER.
    if (length < 0x80 || bytes[offset + 2] === 0) throw new DerError('length is not in its shortest form')
    headerLength = 2 + count
  }
  const end = offset + headerLength + length
  if (end > bytes.length) throw new DerError('truncated: contents run past the end')
  return {
    element: {
      tag,
      raw: bytes.subarray(offset, end),
      contents: bytes.subarray(offset + headerLength, end),
    },
    next: end,
  }
}

/** The single DER element that `bytes` consists of (trailing bytes are an error). */
export function readDer(bytes: Uint8Array): DerElement {
  const { element, next } = readAt(bytes, 0)
  if (next !== bytes.length) throw new DerError('trailing bytes after the element')
  return element
}

/** The elements inside a constructed element (SEQUENCE, SET, [n] constructed). */
export function children(element: DerElement): DerElement[] {
  if ((element.tag & 0x20) === 0) throw new DerError(`tag 0x${element.tag.toString(16)} is not constructed`)
  const out: DerElement[] = []
  let offset = 0
  while (offset < element.contents.length) {
    const { element: child, next } = readAt(element.contents, offset)
    out.push(child)
    offset = next
  }
  return out
}

/** The child at `index`, which must have tag `tag`. */
export function child(element: DerElement, index: number, tag: number, what: string): DerElement {
  const found = children(element)[index]
  if (!found) throw new DerError(`${what} is missing`)
  if (found.tag !== tag)
    throw new DerError(`${what} has tag 0x${found.tag.toString(16)}, expected 0x${tag.toString(16)}`)
  return found
}

export const TAG = {
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  OID: 0x06,
  SEQUENCE: 0x30,
  SET: 0x31,
  GENERALIZED_TIME: 0x18,
  /** [0] constructed (EXPLICIT, or IMPLICIT of a constructed type). */
  CONTEXT_0: 0xa0,
} as const

/** Dotted form of an OBJECT IDENTIFIER (X.690 §8.19). */
export function oidOf(element: DerElement): string {
  if (element.tag !== TAG.OID) throw new DerError('not an OBJECT IDENTIFIER')
  const bytes = element.contents
  if (bytes.length === 0) throw new DerError('empty OBJECT IDENTIFIER')
  const arcs: number[] = []
  let value = 0
  for (const [index, octet] of bytes.entries()) {
    value = value * 128 + (octet & 0x7f)
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OBJECT IDENTIFIER arc too large')
    if ((octet & 0x80) === 0) {
      arcs.push(value)
      value = 0
    } else if (index === bytes.length - 1) {
      throw new DerError('truncated OBJECT IDENTIFIER')
    }
  }
  const [head = 0, ...rest] = arcs
  // §8.19.4: the first subidentifier packs the first two arcs.
  const first = head < 40 ? 0 : head < 80 ? 1 : 2
  return [first, head - first * 40, ...rest].join('.')
}

/**
 * A GeneralizedTime as RFC 3161 §2.4.2 requires it for `genTime`: UTC (`Z`), seconds present,
 * optional fractions without trailing zeros.
 */
export function generalizedTimeOf(element: DerElement): Date {
  if (element.tag !== TAG.GENERALIZED_TIME) throw new DerError('not a GeneralizedTime')
  const text = Buffer.from(element.contents).toString('latin1')
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*[1-9]))?Z$/.exec(text)
  if (!match) throw new DerError(`GeneralizedTime '${text}' is not of the form YYYYMMDDhhmmss[.f]Z`)
  const [, y, mo, d, h, mi, s, fraction] = match
  const millis = fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), millis))
  if (Number.isNaN(date.getTime()) || date.getUTCDate() !== Number(d)) throw new DerError(`invalid date '${text}'`)
  return date
}

/** Lower-case hex of a non-negative INTEGER (serial numbers), without the sign octet (§8.3.2). */
export function integerHex(element: DerElement): string {
  if (element.tag !== TAG.INTEGER) throw new DerError('not an INTEGER')
  if (element.contents.length === 0) throw new DerError('empty INTEGER')
  const hex = Buffer.from(element.contents).toString('hex')
  return hex.length > 2 && hex.startsWith('00') ? hex.slice(2) : hex
}
