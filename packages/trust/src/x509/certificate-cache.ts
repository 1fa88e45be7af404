// Parsing a certificate (ASN.1 through @peculiar/x509 and node:crypto) costs far more than
// checking it; a verifier sees the same few issuer chains and trust anchors again and again.
// Parsed certificates are immutable, so they are kept by their DER bytes in a small bounded map.

const MAX_ENTRIES = 512

/**
 * Memoises `parse` per DER content: the same bytes give the same (read-only) object. Least recently
 * added entries are dropped beyond {@link MAX_ENTRIES}. A parse that throws is not remembered.
 */
export function memoizeByDer<T>(parse: (der: Uint8Array) => T): (der: Uint8Array) => T {
  const cache = new Map<string, T>()
  return (der) => {
    const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64')
    const hit = cache.get(key)
    if (hit !== undefined) return hit
    const value = parse(der)
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string)
    cache.set(key, value)
    return value
  }
}
