import { createHash, randomBytes } from 'node:crypto'

/** A fresh random value for nonces, codes and ids: 256 bits, base64url (VCI 1.0 §13.6, RFC 9449 §11.1). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/** Single-use values are stored by hash only, so a database dump cannot replay them. */
export function hashValue(value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}

/**
 * A `tx_code` hash bound to its pre-authorized code: tx codes are short (digits), so hashing them
 * alone would be reversible by enumeration; salted by the code they are not.
 */
export function hashTxCode(preAuthorizedCode: string, txCode: string): string {
  return createHash('sha256').update(`tx_code\u0000${preAuthorizedCode}\u0000${txCode}`).digest('base64url')
}
