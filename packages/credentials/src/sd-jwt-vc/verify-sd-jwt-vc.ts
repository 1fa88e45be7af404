import { createHash } from 'node:crypto'
import { parseStrictJson } from '@alma/trust'
import { CredentialError } from '../errors.ts'
import { checkValidityWindow, DEFAULT_CLOCK_SKEW_SECONDS } from '../jose/check-validity.ts'
import { numericDate } from '../jose/time.ts'
import { type JsonObject, type ResolveIssuerKey, verifyJws } from '../jose/verify-jws.ts'
import {
  KB_JWT_TYP,
  type KbJwtPayload,
  LEGACY_SD_JWT_VC_TYP,
  NEVER_DISCLOSABLE,
  SD_ALGS,
  SD_JWT_VC_TYP,
  type SdAlg,
  type SdJwtVcPayload,
  zKbJwtPayload,
  zSdJwtVcPayload,
} from './z-sd-jwt-vc.ts'

export interface VerifySdJwtVcOptions {
  readonly resolveIssuerKey: ResolveIssuerKey
  readonly now: Date
  /** A presentation must carry a Key Binding JWT (OpenID4VP 1.0: `require_cryptographic_holder_binding`). */
  readonly requireKeyBinding: boolean
  /** The nonce of our request; required with `requireKeyBinding`. */
  readonly expectedNonce?: string
  /** Our client_id as the KB-JWT `aud`; required with `requireKeyBinding`. */
  readonly expectedAud?: string
  /** Allowed JWS algorithms for the issuer JWT and the KB-JWT; default ES256, ES384, EdDSA. */
  readonly algorithms?: readonly string[]
  readonly clockSkewSeconds?: number
  /** How old a KB-JWT may be (its `iat`); default 300 s. */
  readonly maxKeyBindingAgeSeconds?: number
  /** Also accept `typ: vc+sd-jwt` (pre-2025 drafts, still sent by deployed issuers); default true. */
  readonly acceptLegacyTyp?: boolean
}

export interface VerifiedSdJwtVc {
  readonly header: JsonObject
  /** The processed payload: issuer-signed claims plus the disclosed ones, `_sd` / `_sd_alg` removed. */
  readonly payload: SdJwtVcPayload
  /** Only the claims that were disclosed, by name (top level; nested disclosures are in `payload`). */
  readonly disclosed: Record<string, unknown>
  /**
   * What the credential states, as a relying party reads it: the claims in the clear (the EU
   * learning credential keeps issuer, title and dates out of the holder's choice) and the disclosed
   * ones — the payload less the JWT and SD-JWT VC mechanics ({@link MECHANICS}).
   */
  readonly claims: Record<string, unknown>
  readonly keyBinding?: { readonly header: JsonObject; readonly payload: KbJwtPayload }
}

/** Registered JWT claims (RFC 7519 §4.1) and SD-JWT VC §3.2.2 mechanics: about the token, not its subject. */
const MECHANICS = new Set([
  'iss',
  'sub',
  'aud',
  'jti',
  'iat',
  'nbf',
  'exp',
  'vct',
  'vct#integrity',
  'cnf',
  'status',
  '_sd',
  '_sd_alg',
])

interface Disclosure {
  readonly encoded: string
  readonly name?: string
  readonly value: unknown
  used: boolean
}

const MAX_DISCLOSURES = 1000

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** RFC 9901 §4.2.1–4.2.2: a disclosure is base64url of a JSON array `[salt, name, value]` or `[salt, value]`. */
function decodeDisclosure(encoded: string): Disclosure {
  if (!/^[A-Za-z0-9_-]+$/.test(encoded))
    throw new CredentialError('disclosure_invalid', 'a disclosure is not base64url')
  let array: unknown
  try {
    array = parseStrictJson(Buffer.from(encoded, 'base64url').toString('utf8'), { maxDepth: 32 })
  } catch (cause) {
    throw new CredentialError('disclosure_invalid', 'a disclosure is not JSON we accept', { cause })
  }
  if (!Array.isArray(array) || (array.length !== 2 && array.length !== 3)) {
    // §7.1 step 3.c.ii.1 / 3.d.ii.1: three elements for an object property, two for an array element.
    throw new CredentialError('disclosure_invalid', 'a disclosure is not an array of 2 or 3 elements')
  }
  if (typeof array[0] !== 'string') throw new CredentialError('disclosure_invalid', 'a disclosure salt is not a string')
  if (array.length === 2) return { encoded, value: array[1], used: false }
  const name = array[1]
  if (typeof name !== 'string')
    throw new CredentialError('disclosure_invalid', 'a disclosed claim name is not a string')
  if (name === '_sd' || name === '...') {
    // §7.1 step 3.c.ii.3: these names would let a disclosure smuggle in more digests.
    throw new CredentialError('disclosure_invalid', `"${name}" cannot be a disclosed claim name`)
  }
  return { encoded, name, value: array[2], used: false }
}

/**
 * Replaces digests by disclosed values (RFC 9901 §7.1 step 3), recursively: `_sd` arrays in
 * objects, `{"...": digest}` elements in arrays; digests without a disclosure are decoys.
 */
function processDisclosures(payload: JsonObject, disclosures: Map<string, Disclosure>): JsonObject {
  const seen = new Set<string>()
  const take = (digest: unknown): Disclosure | undefined => {
    if (typeof digest !== 'string') throw new CredentialError('sd_jwt_malformed', 'a digest is not a string')
    // §7.1 step 4: a digest that appears twice (directly or via disclosures) is a rejection.
    if (seen.has(digest)) throw new CredentialError('digest_duplicate', 'a digest appears more than once')
    seen.add(digest)
    const disclosure = disclosures.get(digest)
    if (disclosure) disclosure.used = true
    return disclosure
  }
  const value = (v: unknown): unknown => (Array.isArray(v) ? array(v) : isObject(v) ? object(v, false) : v)
  const array = (items: unknown[]): unknown[] => {
    const out: unknown[] = []
    for (const item of items) {
      if (isObject(item) && '...' in item) {
        if (Object.keys(item).length !== 1) {
          throw new CredentialError('sd_jwt_malformed', 'an array element digest object has other members')
        }
        const disclosure = take(item['...'])
        if (!disclosure) continue
        if (disclosure.name !== undefined) {
          throw new CredentialError('disclosure_invalid', 'an object-property disclosure is referenced from an array')
        }
        out.push(value(disclosure.value))
      } else {
        out.push(value(item))
      }
    }
    return out
  }
  const object = (node: JsonObject, top: boolean): JsonObject => {
    const out: JsonObject = {}
    for (const [key, member] of Object.entries(node)) {
      if (key === '_sd' || (top && key === '_sd_alg')) continue
      if (key === '...') throw new CredentialError('sd_jwt_malformed', '"..." appears outside an array element')
      out[key] = value(member)
    }
    if (node._sd === undefined) return out
    if (!Array.isArray(node._sd)) throw new CredentialError('sd_jwt_malformed', '_sd is not an array')
    for (const digest of node._sd) {
      const disclosure = take(digest)
      if (!disclosure) continue
      if (disclosure.name === undefined) {
        throw new CredentialError('disclosure_invalid', 'an array-element disclosure is referenced from _sd')
      }
      if (top && (NEVER_DISCLOSABLE as readonly string[]).includes(disclosure.name)) {
        // SD-JWT VC §3.2.2.2: iss, vct, cnf, status, iat, nbf, exp must not be selectively disclosed.
        throw new CredentialError('claim_not_disclosable', `${disclosure.name} must not be selectively disclosable`)
      }
      if (Object.hasOwn(out, disclosure.name)) {
        // §7.1 step 3.c.ii.4: a disclosed name that already exists is a rejection, not an override.
        throw new CredentialError('disclosure_invalid', `${disclosure.name} is both disclosed and in the clear`)
      }
      out[disclosure.name] = value(disclosure.value)
    }
    return out
  }
  return object(payload, true)
}

async function verifyKeyBinding(
  kbJwt: string,
  presented: string,
  cnfJwk: JsonObject | undefined,
  sdAlg: SdAlg,
  options: VerifySdJwtVcOptions,
): Promise<{ header: JsonObject; payload: KbJwtPayload }> {
  if (!cnfJwk) throw new CredentialError('key_binding_invalid', 'a KB-JWT was sent but the credential has no cnf.jwk')
  let verified: { header: JsonObject; payload: JsonObject }
  try {
    verified = await verifyJws(kbJwt, {
      typ: [KB_JWT_TYP],
      resolveKey: async () => cnfJwk,
      ...(options.algorithms ? { algorithms: options.algorithms } : {}),
    })
  } catch (cause) {
    throw new CredentialError('key_binding_invalid', 'the KB-JWT does not verify with the credential key', { cause })
  }
  const parsed = zKbJwtPayload.safeParse(verified.payload)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new CredentialError('key_binding_invalid', `KB-JWT claims: ${issue?.path.join('.')} ${issue?.message}`)
  }
  const payload = parsed.data
  // RFC 9901 §7.3 step 5: nonce and aud are what this verifier asked for; iat is recent.
  if (options.expectedNonce !== undefined && payload.nonce !== options.expectedNonce) {
    throw new CredentialError('nonce_mismatch', 'the KB-JWT nonce is not the nonce of this request')
  }
  if (options.expectedAud !== undefined && payload.aud !== options.expectedAud) {
    throw new CredentialError('audience_mismatch', `the KB-JWT is for ${payload.aud}`)
  }
  const now = numericDate(options.now)
  const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS
  const maxAge = options.maxKeyBindingAgeSeconds ?? 300
  if (payload.iat > now + skew || payload.iat < now - maxAge - skew) {
    throw new CredentialError('key_binding_stale', 'the KB-JWT iat is outside the accepted window')
  }
  // RFC 9901 §4.3.1: sd_hash covers the presented SD-JWT up to and including the last "~".
  const expected = createHash(SD_ALGS[sdAlg]).update(presented, 'ascii').digest('base64url')
  if (payload.sd_hash !== expected) {
    throw new CredentialError('sd_hash_mismatch', 'sd_hash does not match the presented SD-JWT')
  }
  return { header: verified.header, payload }
}

/**
 * Verifies an SD-JWT VC or an SD-JWT VC presentation (RFC 9901 §7.1–7.3, SD-JWT VC, HAIP 1.0):
 * 1. splits `<jwt>~<disclosure>~…~[<kb-jwt>]`;
 * 2. verifies the issuer JWT (`typ dc+sd-jwt`, allowed alg, no crit/jku/x5u, the issuer's key);
 * 3. checks `_sd_alg`, decodes every disclosure (arity, name not `_sd`/`...`), refuses duplicates;
 * 4. replaces digests by disclosures, refusing duplicate digests, misplaced disclosures,
 *    disclosable `iss`/`vct`/`cnf`/`status`/`iat`/`nbf`/`exp`, and any disclosure left unreferenced;
 * 5. checks the claims (`iss`, `vct`, times) on the processed payload only;
 * 6. checks the KB-JWT when present, and requires it when asked: signature by `cnf.jwk`,
 *    `typ kb+jwt`, `nonce`, `aud` (a single string), `iat` window, `sd_hash`.
 */
export async function verifySdJwtVc(compact: string, options: VerifySdJwtVcOptions): Promise<VerifiedSdJwtVc> {
  if (options.requireKeyBinding && (options.expectedNonce === undefined || options.expectedAud === undefined)) {
    throw new CredentialError('invalid_input', 'requireKeyBinding needs expectedNonce and expectedAud')
  }
  if (typeof compact !== 'string' || !compact.includes('~')) {
    throw new CredentialError('sd_jwt_malformed', 'an SD-JWT is <jwt>~<disclosures>~[<kb-jwt>]')
  }
  const parts = compact.split('~')
  const issuerJwt = parts[0]!
  const kbJwt = parts[parts.length - 1]!
  const encodedDisclosures = parts.slice(1, -1)
  if (encodedDisclosures.length > MAX_DISCLOSURES || encodedDisclosures.some((d) => d === '')) {
    throw new CredentialError('sd_jwt_malformed', 'empty or too many disclosures')
  }

  const typ = options.acceptLegacyTyp === false ? [SD_JWT_VC_TYP] : [SD_JWT_VC_TYP, LEGACY_SD_JWT_VC_TYP]
  const { header, payload: signed } = await verifyJws(issuerJwt, {
    typ,
    resolveKey: options.resolveIssuerKey,
    ...(options.algorithms ? { algorithms: options.algorithms } : {}),
  })

  const sdAlg = signed._sd_alg ?? 'sha-256'
  if (typeof sdAlg !== 'string' || !Object.hasOwn(SD_ALGS, sdAlg)) {
    throw new CredentialError('sd_alg_unsupported', `_sd_alg ${JSON.stringify(sdAlg)} is not supported`)
  }
  const hashName = SD_ALGS[sdAlg as SdAlg]
  const disclosures = new Map<string, Disclosure>()
  for (const encoded of encodedDisclosures) {
    const digest = createHash(hashName).update(encoded, 'ascii').digest('base64url')
    if (disclosures.has(digest)) throw new CredentialError('digest_duplicate', 'the same disclosure is sent twice')
    disclosures.set(digest, decodeDisclosure(encoded))
  }

  const processed = processDisclosures(signed, disclosures)
  if ([...disclosures.values()].some((d) => !d.used)) {
    // §7.1 step 5: every disclosure must be referenced by a digest in the signed payload.
    throw new CredentialError('disclosure_unreferenced', 'a disclosure is not referenced by the issuer-signed JWT')
  }
  const parsed = zSdJwtVcPayload.safeParse(processed)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new CredentialError('claims_invalid', `not an SD-JWT VC: ${issue?.path.join('.')} ${issue?.message}`)
  }
  const payload = parsed.data
  checkValidityWindow(payload, options.now, options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS)

  const disclosed = Object.fromEntries(
    [...disclosures.values()]
      .filter((d): d is Disclosure & { name: string } => d.name !== undefined && Object.hasOwn(processed, d.name))
      .map((d) => [d.name, processed[d.name]]),
  )

  const claims = Object.fromEntries(Object.entries(payload).filter(([name]) => !MECHANICS.has(name)))
  if (kbJwt === '') {
    if (options.requireKeyBinding) throw new CredentialError('key_binding_missing', 'a Key Binding JWT is required')
    return { header, payload, disclosed, claims }
  }
  const presented = compact.slice(0, compact.length - kbJwt.length)
  const keyBinding = await verifyKeyBinding(kbJwt, presented, payload.cnf?.jwk, sdAlg as SdAlg, options)
  return { header, payload, disclosed, claims, keyBinding }
}
