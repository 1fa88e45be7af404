// The seal's signature: the header judged against RFC 8725, then `jose` verifies the JWS over the
// unencoded payload (RFC 7797) with the key of the `x5c` leaf. No cryptography is written here.
import { createHash, X509Certificate } from 'node:crypto'
import { errors, flattenedVerify, type JWSAlgorithm } from 'jose'
import type { ParsedJadesSeal } from './parse-jades-seal.ts'

/**
 * Asymmetric JWS algorithms a seal may use (RFC 7518 §3.3–3.5). ETSI TS 119 312 allows these for
 * seals; `none` and the HMAC family are excluded by construction (RFC 8725 §3.1–3.2).
 */
export const SEAL_ALGORITHMS: readonly JWSAlgorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
]

/**
 * The `crit` names this verifier understands and processes (RFC 7515 §4.1.11: any other name in
 * `crit` makes the JWS invalid). `b64` is RFC 7797; `sigT` (§5.2.1) and `adoTst` (§5.2.6) are
 * ETSI TS 119 182-1 signed header parameters: both are read and reported.
 */
export const UNDERSTOOD_CRIT = ['b64', 'sigT', 'adoTst'] as const

export interface VerifiedJadesSignature {
  readonly ok: true
  readonly alg: JWSAlgorithm
  /** `true` unless the header has `b64:false` (RFC 7797 §3). */
  readonly b64: boolean
  /** The bytes the signature covers after the `.`: exactly what `jose` verified. */
  readonly payloadBytes: Uint8Array
  /** The `x5c` leaf whose key verified the signature. */
  readonly leaf: X509Certificate
  readonly reason: string
}

export interface RejectedJadesSignature {
  readonly ok: false
  readonly reason: string
}

const reject = (reason: string): RejectedJadesSignature => ({ ok: false, reason })

function leafLabel(leaf: X509Certificate): string {
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(leaf.subject)?.[1]
  return cn ?? leaf.subject.replace(/\n/g, ', ')
}

/**
 * The header rules a seal must meet before any key is used (RFC 8725 §3.1: the algorithm is
 * checked against an allow-list, never taken on the header's word). Returns a reason to reject.
 */
export function headerProblem(seal: ParsedJadesSeal): string | undefined {
  const header = seal.protectedHeader
  const { alg } = header
  if (alg === 'none') {
    return "alg 'none' means the JWS carries no signature at all (RFC 7518 §3.6); an unsecured JWS is never a seal (RFC 8725 §3.1)"
  }
  if (/^HS\d+$/.test(alg)) {
    return `alg '${alg}' is a shared-secret MAC: whoever can verify it can forge it, so it cannot be a seal (RFC 8725 §3.1–3.2)`
  }
  if (!SEAL_ALGORITHMS.includes(alg as JWSAlgorithm)) {
    return `alg '${alg}' is not accepted for seals; accepted: ${SEAL_ALGORITHMS.join(', ')} (RFC 8725 §3.1)`
  }
  // RFC 8725 §3.10: a key URL in the header is attacker-chosen (SSRF, key substitution); the key
  // comes from x5c, judged against configured anchors. Refused, never dereferenced.
  for (const name of ['jku', 'x5u'] as const) {
    if (name in header)
      return `the header names a key URL '${name}'; it is never fetched, and a seal carrying one is refused (RFC 8725 §3.10)`
  }
  if ('jwk' in header) {
    return 'the header embeds a jwk; a key the signer hands over proves nothing, the key must be the x5c certificate’s (RFC 8725 §3.10)'
  }
  const crit = header.crit ?? []
  // RFC 7797 §6: b64 changes how the signing input is built, so a verifier that ignored it would
  // check different bytes; it must be listed in crit (and, §3, only in the protected header).
  if (header.b64 !== undefined && !crit.includes('b64')) {
    return `b64:${header.b64} is present but crit does not list "b64" (RFC 7797 §6): refused rather than guessing the signing input`
  }
  const unknown = crit.filter((name) => !(UNDERSTOOD_CRIT as readonly string[]).includes(name))
  if (unknown.length > 0) {
    return `crit lists ${unknown.map((n) => `"${n}"`).join(', ')}, which this verifier does not process; RFC 7515 §4.1.11 requires rejecting the JWS (understood: ${UNDERSTOOD_CRIT.join(', ')})`
  }
  const absent = crit.filter((name) => !(name in header))
  if (absent.length > 0) {
    return `crit lists ${absent.map((n) => `"${n}"`).join(', ')} but the protected header has no such member (RFC 7515 §4.1.11)`
  }
  return undefined
}

/**
 * Verifies the JAdES seal's signature: header rules (see {@link headerProblem}), `x5t#S256` bound
 * to `x5c[0]` (RFC 7515 §4.1.8), then `jose`'s flattened JWS verification with the key of the
 * `x5c` leaf, the algorithm pinned to the allow-list and `sigT`/`adoTst` recognised as
 * integrity-protected `crit` members. With `b64:false` the signing input is
 * ASCII(BASE64URL(protected header)) || '.' || the payload's UTF-8 bytes as they stand in the file
 * (RFC 7797 §3, §5.2): no re-serialisation and no JSON-LD canonicalisation.
 */
export async function verifyJadesSignature(
  seal: ParsedJadesSeal,
): Promise<VerifiedJadesSignature | RejectedJadesSignature> {
  const problem = headerProblem(seal)
  if (problem) return reject(problem)
  const header = seal.protectedHeader
  const alg = header.alg as JWSAlgorithm

  let leaf: X509Certificate
  let leafDer: Buffer
  try {
    leafDer = Buffer.from(header.x5c[0] as string, 'base64')
    leaf = new X509Certificate(leafDer)
  } catch {
    return reject('x5c[0] is not a base64 DER certificate (RFC 7515 §4.1.6)')
  }
  const thumbprint = header['x5t#S256']
  if (thumbprint !== undefined && createHash('sha256').update(leafDer).digest('base64url') !== thumbprint) {
    return reject(
      'x5t#S256 is not the SHA-256 thumbprint of x5c[0]: the header names two different certificates (RFC 7515 §4.1.8)',
    )
  }

  let payloadBytes: Uint8Array
  try {
    const result = await flattenedVerify(seal.jws, leaf.publicKey, {
      algorithms: [alg],
      crit: { sigT: true, adoTst: true },
    })
    payloadBytes = result.payload
  } catch (e) {
    if (e instanceof errors.JWSSignatureVerificationFailed) {
      return reject(
        `the ${alg} signature does not verify with the key of x5c[0] '${leafLabel(leaf)}' over the protected header and the payload bytes: the file was changed after sealing, or sealed with another key`,
      )
    }
    if (e instanceof errors.JOSEError) return reject(`the JWS is not acceptable: ${e.message} (${e.code})`)
    return reject(`the JWS could not be verified: ${e instanceof Error ? e.message : String(e)}`)
  }

  const b64 = header.b64 !== false
  const signedOver = b64
    ? 'ASCII(BASE64URL(protected header)) || "." || the base64url payload (RFC 7515 §5.2)'
    : `ASCII(BASE64URL(protected header)) || "." || the ${payloadBytes.length} UTF-8 bytes of the payload as they stand in the file (unencoded payload, b64:false, RFC 7797 §3)`
  return {
    ok: true,
    alg,
    b64,
    payloadBytes,
    leaf,
    reason: `${alg} signature verified with the key of x5c[0] '${leafLabel(leaf)}', over ${signedOver}`,
  }
}
