import type { KeyRecord } from '@alma/trust'
import type { JWK } from 'jose'

/**
 * A tenant key as published (JWKS, JWT VC issuer metadata): `kid` is the DID URL that signed
 * JWS headers carry, so a verifier matches header and key directly (RFC 7517 §4.5).
 */
export function publishedJwk(record: KeyRecord, did: string, options: { x5c?: boolean } = {}): JWK {
  return {
    ...record.publicJwk,
    kid: `${did}#${record.kid}`,
    alg: record.alg,
    use: 'sig',
    ...(options.x5c && record.x5c ? { x5c: [...record.x5c] } : {}),
  }
}
