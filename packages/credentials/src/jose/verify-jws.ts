import type { KeyObject } from 'node:crypto'
import { hasPrivateJwkMembers, parseStrictJson } from '@alma/trust'
import { importJWK, type JWK } from 'jose'
import { CredentialError } from '../errors.ts'
import { verifyJwsSignature } from './verify-jws-signature.ts'

/** A decoded JOSE header or JWT claims set: a JSON object. */
export type JsonObject = Record<string, unknown>

/** What a key resolver sees: the still-unverified protected header and payload. */
export interface UnverifiedJws {
  readonly header: JsonObject
  readonly payload: JsonObject
}

/**
 * Finds the issuer's public key for a JWS, e.g. by `kid` in the issuer's DID document
 * ({@link didIssuerKeyResolver}) or by an `x5c` chain validated against trust anchors. It must not
 * trust key material the token carries about itself (RFC 8725 §3.10: an embedded `jwk` is no trust).
 */
export type ResolveIssuerKey = (jws: UnverifiedJws) => Promise<CryptoKey | KeyObject | JWK>

/**
 * JWS algorithms we accept by default: ES256 (mandatory in HAIP 1.0), ES384, EdDSA. `none` and the
 * HMAC family can never be allowed (RFC 8725 §3.1, §3.2): a public verifier has no shared secret.
 */
export const DEFAULT_JWS_ALGORITHMS: readonly string[] = ['ES256', 'ES384', 'EdDSA']

const NEVER_ALLOWED = /^(none|HS\d+)$/i
/** An EDC document nests deeper than the usual 32 levels (subject → claim → assessment → body → address…). */
const MAX_JSON_DEPTH = 64
const MAX_JWS_LENGTH = 2_000_000

export interface VerifyJwsOptions {
  /** Allowed `alg` values; default {@link DEFAULT_JWS_ALGORITHMS}. `none` / `HS*` are always refused. */
  readonly algorithms?: readonly string[]
  /** Acceptable `typ` values (media types, compared case-insensitively, `application/` optional). */
  readonly typ: readonly string[]
  readonly resolveKey: ResolveIssuerKey
}

export interface VerifiedJws {
  readonly header: JsonObject
  readonly payload: JsonObject
}

export function decodeJsonSegment(segment: string, what: string): JsonObject {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) throw new CredentialError('jws_malformed', `${what} is not base64url`)
  let value: unknown
  try {
    value = parseStrictJson(Buffer.from(segment, 'base64url').toString('utf8'), { maxDepth: MAX_JSON_DEPTH })
  } catch (cause) {
    // RFC 8725 §3.9 spirit: duplicate members and pathological nesting are refused, not guessed at.
    throw new CredentialError('json_invalid', `${what} is not a JSON object we accept`, { cause })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CredentialError('jws_malformed', `${what} is not a JSON object`)
  }
  return value as JsonObject
}

function normaliseTyp(typ: string): string {
  const lower = typ.toLowerCase()
  // RFC 7515 §4.1.9: "application/" may be omitted from typ; compare without it.
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower
}

/**
 * Checks a JOSE header before any key is looked up (RFC 8725 §3.1, §3.11; RFC 7515 §4.1.11):
 * allowed `alg`, expected `typ`, no `crit` we do not understand (we understand none), and no
 * `jku` / `x5u`, which would make us fetch keys from a URL the token names.
 */
export function checkJoseHeader(
  header: JsonObject,
  options: { algorithms?: readonly string[]; typ: readonly string[] },
): string {
  const alg = header.alg
  const allowed = (options.algorithms ?? DEFAULT_JWS_ALGORITHMS).filter((a) => !NEVER_ALLOWED.test(a))
  if (typeof alg !== 'string' || !allowed.includes(alg)) {
    throw new CredentialError('jws_alg_not_allowed', `alg ${JSON.stringify(alg)} is not one of ${allowed.join(', ')}`)
  }
  const typ = header.typ
  if (typeof typ !== 'string' || !options.typ.map(normaliseTyp).includes(normaliseTyp(typ))) {
    throw new CredentialError('jws_typ_invalid', `typ ${JSON.stringify(typ)} is not ${options.typ.join(' or ')}`)
  }
  if ('crit' in header) {
    throw new CredentialError(
      'jws_crit_unsupported',
      `crit ${JSON.stringify(header.crit)} names extensions we do not implement`,
    )
  }
  if ('b64' in header) {
    // RFC 7797 §6: b64 is only meaningful with crit, and we process neither.
    throw new CredentialError('jws_header_forbidden', 'b64 is not accepted in credentials')
  }
  for (const name of ['jku', 'x5u']) {
    if (name in header) {
      throw new CredentialError('jws_header_forbidden', `${name} is never dereferenced; refusing the token`)
    }
  }
  return alg
}

async function importKey(key: CryptoKey | KeyObject | JWK, alg: string): Promise<CryptoKey | KeyObject> {
  if (typeof (key as JWK).kty !== 'string') return key as CryptoKey | KeyObject
  const jwk = key as JWK
  if (hasPrivateJwkMembers(jwk)) {
    throw new CredentialError('issuer_key_unresolved', 'the resolved key has private or symmetric members')
  }
  try {
    return (await importJWK(jwk, alg)) as CryptoKey | KeyObject
  } catch (cause) {
    throw new CredentialError('issuer_key_unresolved', `the resolved key cannot be used with ${alg}`, { cause })
  }
}

/** Splits a compact JWS, refusing a JWE (five parts) where a JWS is expected (RFC 8725 §3.11). */
export function splitCompactJws(compact: string): [string, string, string] {
  if (typeof compact !== 'string' || compact.length > MAX_JWS_LENGTH) {
    throw new CredentialError('jws_malformed', 'not a compact JWS of acceptable size')
  }
  const parts = compact.split('.')
  if (parts.length === 5) throw new CredentialError('jws_malformed', 'a JWE was given where a JWS is expected')
  if (parts.length !== 3) throw new CredentialError('jws_malformed', 'a compact JWS has three parts')
  return parts as [string, string, string]
}

/** A compact JWS with its header and payload decoded strictly, not verified: see {@link decodeCompactJws}. */
export interface DecodedJws extends UnverifiedJws {
  readonly compact: string
}

/**
 * Decodes a compact JWS without verifying it: to read a claim that decides how to verify it (the
 * signing time) without decoding a large payload twice — pass the result to {@link verifyJws}.
 */
export function decodeCompactJws(compact: string): DecodedJws {
  const [headerSegment, payloadSegment] = splitCompactJws(compact)
  const decoded: DecodedJws = Object.freeze({
    compact,
    header: deepFreeze(decodeJsonSegment(headerSegment, 'the JOSE header')),
    payload: deepFreeze(decodeJsonSegment(payloadSegment, 'the JWS payload')),
  })
  madeByDecode.add(decoded)
  return decoded
}

/**
 * The decodings {@link decodeCompactJws} made. {@link verifyJws} returns a decoded header and
 * payload as verified only when they came from there, frozen: an object assembled or changed
 * elsewhere (one token's signature, another's payload) is refused.
 */
const madeByDecode = new WeakSet<DecodedJws>()

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const member of Object.values(value)) deepFreeze(member)
  }
  return value
}

/**
 * Verifies a compact JWS (or one {@link decodeCompactJws} decoded) whose payload is a JSON object: header checks first, then the issuer key
 * from `resolveKey`, then the signature with exactly the header's (allowed) `alg`. Payload members
 * are checked by the caller, and read only from the value returned here.
 */
export async function verifyJws(jws: string | DecodedJws, options: VerifyJwsOptions): Promise<VerifiedJws> {
  if (typeof jws !== 'string' && !madeByDecode.has(jws)) {
    throw new CredentialError('jws_malformed', 'a decoded JWS must come from decodeCompactJws')
  }
  const { compact, header, payload: unverifiedPayload } = typeof jws === 'string' ? decodeCompactJws(jws) : jws
  const alg = checkJoseHeader(header, options)
  let key: CryptoKey | KeyObject | JWK
  try {
    key = await options.resolveKey({ header, payload: unverifiedPayload })
  } catch (cause) {
    if (cause instanceof CredentialError) throw cause
    throw new CredentialError('issuer_key_unresolved', 'no trusted key was found for the issuer', { cause })
  }
  const verificationKey = await importKey(key, alg)
  if (!verifyJwsSignature(compact, verificationKey, alg)) {
    throw new CredentialError('jws_signature_invalid', 'the signature does not verify')
  }
  return { header, payload: unverifiedPayload }
}
