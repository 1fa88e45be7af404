// A JAdES-sealed file's signature, checked over the file's exact bytes, for a tool that holds the
// file and nothing else (`alma elm report`). The verifier's upload check (apps/verifier edc-upload)
// runs the same parse and signature check, then judges the certificate chain at the time-stamp's
// time, the owner and the content; this function stops at the signature and says so.
import { parseStrictJson } from '../did/strict-json.ts'
import { isTrustError } from '../errors.ts'
import { looksLikeJwsJson, MAX_JSON_DEPTH, parseJadesSeal, SealFormatError } from './parse-jades-seal.ts'
import { verifyJadesSignature } from './verify-jades-signature.ts'

/** What {@link verifyJadesSealFile} found. */
export type JadesSealFileCheck =
  /** The file is no JWS JSON serialization: there is no seal to check. */
  | { readonly sealed: false; readonly reason: string }
  /** The signature verifies with the key of the `x5c` leaf over the protected header and the payload bytes. */
  | { readonly sealed: true; readonly verified: true; readonly alg: string; readonly reason: string }
  /** A seal that is malformed, breaks a header rule, or whose signature does not verify. */
  | { readonly sealed: true; readonly verified: false; readonly alg?: string; readonly reason: string }

/**
 * Checks the seal of a JAdES-sealed file (ETSI TS 119 182-1; JWS JSON serialization, RFC 7515
 * §7.2): the file as UTF-8 JSON with duplicate members refused and bounded nesting, the seal read by
 * {@link parseJadesSeal}, then {@link verifyJadesSignature} — header rules (RFC 8725), `x5t#S256`
 * bound to `x5c[0]`, and the signature over ASCII(BASE64URL(protected)) || '.' || the payload as it
 * stands in the file (`b64:false`, RFC 7797 §3). One changed byte of the payload fails it.
 *
 * It does not judge the certificate: no chain to a trust anchor, no validity at the signing time,
 * no revocation, no time-stamp. Never throws for bad input.
 *
 * @example
 * ```ts
 * const check = await verifyJadesSealFile(readFileSync('Sample-MC-Annex1-signed.jsonld'))
 * if (check.sealed && !check.verified) console.error(`seal signature INVALID: ${check.reason}`)
 * ```
 */
export async function verifyJadesSealFile(file: string | Uint8Array): Promise<JadesSealFileCheck> {
  let text: string
  try {
    text = typeof file === 'string' ? file : new TextDecoder('utf-8', { fatal: true }).decode(file)
  } catch {
    return { sealed: false, reason: 'the file is not UTF-8 text (RFC 8259 §8.1)' }
  }
  let value: unknown
  try {
    value = parseStrictJson(text, { maxDepth: MAX_JSON_DEPTH })
  } catch (e) {
    return {
      sealed: false,
      reason: isTrustError(e, 'json_invalid')
        ? `the file is not acceptable JSON: ${e.message}`
        : 'the file is not JSON',
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !looksLikeJwsJson(value as never)) {
    return { sealed: false, reason: 'the file is not a JWS JSON serialization (RFC 7515 §7.2)' }
  }
  let seal: ReturnType<typeof parseJadesSeal>
  try {
    seal = parseJadesSeal(value as Record<string, unknown>)
  } catch (e) {
    if (e instanceof SealFormatError) return { sealed: true, verified: false, reason: e.message }
    throw e
  }
  const alg = String(seal.protectedHeader.alg)
  const result = await verifyJadesSignature(seal)
  return result.ok
    ? { sealed: true, verified: true, alg, reason: result.reason }
    : { sealed: true, verified: false, alg, reason: result.reason }
}
