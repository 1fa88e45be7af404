import { KeyObject } from 'node:crypto'
import type { Resolvable } from 'did-resolver'
import { parse as parseDidUrl } from 'did-resolver'
import {
  type CryptoKey,
  decodeProtectedHeader,
  errors,
  importJWK,
  type JWK,
  type JWTHeaderParameters,
  jwtVerify,
} from 'jose'
import { resolveVerificationKey } from '../did/resolve-key.ts'
import { parseStrictJson } from '../did/strict-json.ts'
import { isTrustError, TrustError, type TrustErrorCode } from '../errors.ts'
import { algorithmForKey, SIGNING_ALGORITHMS } from '../keys/algorithms.ts'
import {
  ALLIANCE_REGISTRY_TYP,
  type AllianceRegistryPayload,
  describeIssues,
  zAllianceRegistryPayload,
} from './z-alliance-registry.ts'

/** Options of {@link verifyAllianceRegistry}: the key directly, or a resolver to find it by `kid`. */
export type VerifyAllianceRegistryOptions = {
  /** The time to check `exp`/`nbf` against. */
  readonly now: Date
  /** The alliance DID the registry must come from (its `iss`). Strongly recommended with a resolver. */
  readonly expectedIssuer?: string
  /** Seconds of clock skew tolerated on `exp` and `nbf` (default 0). */
  readonly clockToleranceSec?: number
} & (
  | { readonly allianceKey: KeyObject | CryptoKey | JWK; readonly resolver?: undefined }
  | { readonly resolver: Resolvable; readonly allianceKey?: undefined }
)

/** A verified registry. */
export interface VerifiedAllianceRegistry {
  readonly registry: AllianceRegistryPayload
  readonly header: JWTHeaderParameters
}

/** JWTs larger than this are refused before any parsing (RFC 8725 §3.x, oversized input). */
const MAX_JWT_LENGTH = 1024 * 1024

function fail(code: TrustErrorCode, message: string, cause?: unknown): never {
  throw new TrustError(code, `alliance registry: ${message}`, cause === undefined ? undefined : { cause })
}

/** Maps jose's errors by their stable `code` (style.md, practice 4), never by message. */
function mapJoseError(e: unknown): never {
  if (e instanceof errors.JWTExpired) fail('registry_expired', 'expired (exp is in the past)', e)
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'nbf') fail('registry_not_yet_valid', 'not yet valid (nbf is in the future)', e)
    if (e.claim === 'typ') fail('registry_typ_invalid', `typ must be ${ALLIANCE_REGISTRY_TYP}`, e)
    fail('registry_invalid', `claim ${e.claim}: ${e.reason}`, e)
  }
  if (e instanceof errors.JWSSignatureVerificationFailed) fail('registry_signature_invalid', 'bad signature', e)
  if (e instanceof errors.JOSEAlgNotAllowed) fail('registry_alg_not_allowed', 'algorithm not allowed', e)
  if (e instanceof errors.JOSEError) fail('registry_invalid', `${e.code}: ${e.message}`, e)
  // jose throws TypeError when the key does not fit the algorithm (e.g. an EC key for RS256).
  fail('registry_signature_invalid', `the key cannot verify this registry: ${(e as Error).message}`, e)
}

/**
 * Verifies an alliance registry JWT: explicit `typ`, an asymmetric algorithm we sign with (never
 * `none` or HMAC: RFC 8725 §3.1–3.2), the signature with the configured alliance key or the key the
 * alliance DID document lists under `assertionMethod` for `kid` (header `jwk`, `jku`, `x5u` and `x5c`
 * are never used to find the key), `exp`/`nbf` at `now`, and the payload schema.
 *
 * @example
 * ```ts
 * const { registry } = await verifyAllianceRegistry(jwt, { resolver, expectedIssuer: 'did:web:alliance.example', now: new Date() })
 * isActiveMember(registry, credentialIssuer, signedAt)
 * ```
 */
export async function verifyAllianceRegistry(
  jwt: string,
  options: VerifyAllianceRegistryOptions,
): Promise<VerifiedAllianceRegistry> {
  if (typeof jwt !== 'string' || jwt.length > MAX_JWT_LENGTH) fail('registry_invalid', 'not a JWT of acceptable size')
  if (jwt.split('.').length !== 3) fail('registry_invalid', 'not a compact JWS (a JWE or JSON serialisation?)')
  let header: ReturnType<typeof decodeProtectedHeader>
  try {
    header = decodeProtectedHeader(jwt)
    // jose keeps the last of duplicate members; refuse them, and deep nesting, in header and payload.
    for (const segment of jwt.split('.').slice(0, 2))
      parseStrictJson(Buffer.from(segment, 'base64url').toString('utf8'))
  } catch (e) {
    fail('registry_invalid', `the header or payload is not acceptable JSON: ${(e as Error).message}`, e)
  }
  if (header.typ !== ALLIANCE_REGISTRY_TYP) {
    fail('registry_typ_invalid', `typ is ${JSON.stringify(header.typ)}, expected ${ALLIANCE_REGISTRY_TYP}`)
  }
  const alg = header.alg
  if (typeof alg !== 'string' || !(SIGNING_ALGORITHMS as readonly string[]).includes(alg)) {
    fail('registry_alg_not_allowed', `alg ${JSON.stringify(alg)} is not one of ${SIGNING_ALGORITHMS.join(', ')}`)
  }

  let key: KeyObject | CryptoKey | Uint8Array
  let kidDid: string | undefined
  if (options.resolver) {
    if (typeof header.kid !== 'string') fail('registry_invalid', 'kid (the DID URL of the alliance key) is missing')
    kidDid = parseDidUrl(header.kid)?.did
    try {
      const resolved = await resolveVerificationKey(options.resolver, header.kid, {
        purpose: 'assertionMethod',
        ...(options.expectedIssuer ? { expectedDid: options.expectedIssuer } : {}),
      })
      key = await importKey(resolved.jwk, alg)
    } catch (e) {
      if (isTrustError(e) && e.code.startsWith('registry_')) throw e
      const why = e instanceof Error ? e.message : String(e)
      fail('registry_signature_invalid', `no usable alliance key for kid ${header.kid}: ${why}`, e)
    }
  } else {
    const given = options.allianceKey
    key = isJwk(given) ? await importKey(given, alg) : given
    if (key instanceof KeyObject && keyAlgorithm(key) !== alg) {
      fail('registry_signature_invalid', `the alliance key is a ${keyAlgorithm(key)} key, the registry says ${alg}`)
    }
  }

  let payload: unknown
  let protectedHeader: JWTHeaderParameters
  try {
    const verified = await jwtVerify(jwt, key, {
      algorithms: [alg],
      typ: ALLIANCE_REGISTRY_TYP,
      currentDate: options.now,
      clockTolerance: options.clockToleranceSec ?? 0,
      requiredClaims: ['iss', 'iat', 'exp'],
      ...(options.expectedIssuer ? { issuer: options.expectedIssuer } : {}),
    })
    payload = verified.payload
    protectedHeader = verified.protectedHeader
  } catch (e) {
    mapJoseError(e)
  }
  const parsed = zAllianceRegistryPayload.safeParse(payload)
  if (!parsed.success) fail('registry_invalid', describeIssues(parsed.error), parsed.error)
  if (kidDid !== undefined && parsed.data.iss !== kidDid) {
    fail('registry_signature_invalid', `signed with a key of ${kidDid}, but iss is ${parsed.data.iss}`)
  }
  return { registry: parsed.data, header: protectedHeader }
}

/** Imports a public JWK for `alg`; a key that does not fit the algorithm fails as a bad signature. */
async function importKey(jwk: JWK, alg: string): Promise<KeyObject | CryptoKey | Uint8Array> {
  if (jwk.alg !== undefined && jwk.alg !== alg) {
    fail('registry_signature_invalid', `the alliance key is for ${jwk.alg}, the registry says ${alg}`)
  }
  try {
    return await importJWK(withoutX5c(jwk), alg)
  } catch (e) {
    fail('registry_signature_invalid', `the alliance key does not fit alg ${alg}: ${(e as Error).message}`, e)
  }
}

function keyAlgorithm(key: KeyObject): string {
  try {
    return algorithmForKey(key)
  } catch {
    return key.asymmetricKeyType ?? key.type
  }
}

function isJwk(key: KeyObject | CryptoKey | JWK): key is JWK {
  return typeof (key as JWK).kty === 'string'
}

/** jose's importJWK would not use `x5c`, but keep the key we import to its key members. */
function withoutX5c(jwk: JWK): JWK {
  const { x5c: _x5c, ...rest } = jwk
  return rest
}
