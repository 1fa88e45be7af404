import type { KeyObject } from 'node:crypto'
import { parse as parseDidUrl } from 'did-resolver'
import { type CryptoKey, type JWK, SignJWT } from 'jose'
import { TrustError } from '../errors.ts'
import type { SigningAlgorithm } from '../keys/algorithms.ts'
import {
  ALLIANCE_REGISTRY_TYP,
  type AllianceMember,
  type AllianceRegistryPayload,
  describeIssues,
  zAllianceRegistryPayload,
} from './z-alliance-registry.ts'

/** Input of {@link buildAllianceRegistryPayload}. */
export interface AllianceRegistryInput {
  /** The alliance DID: the registry's `iss`, whose DID document holds the signing key. */
  readonly issuer: string
  readonly alliance: { readonly id: string; readonly name: string }
  readonly members: readonly AllianceMember[]
  readonly issuedAt: Date
  readonly notBefore?: Date
  readonly expiresAt: Date
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000)

/**
 * Builds and checks the registry payload (so nothing malformed is ever signed); `registry_invalid`
 * names the bad field. Sign it with {@link createAllianceRegistry}, or with the tenant `Signer`
 * (`signer.signJwt(allianceTenant, payload, { typ: ALLIANCE_REGISTRY_TYP })`).
 */
export function buildAllianceRegistryPayload(input: AllianceRegistryInput): AllianceRegistryPayload {
  const candidate = {
    iss: input.issuer,
    iat: seconds(input.issuedAt),
    ...(input.notBefore ? { nbf: seconds(input.notBefore) } : {}),
    exp: seconds(input.expiresAt),
    alliance: { id: input.alliance.id, name: input.alliance.name },
    members: input.members,
  }
  const parsed = zAllianceRegistryPayload.safeParse(candidate)
  if (!parsed.success) {
    throw new TrustError('registry_invalid', `alliance registry: ${describeIssues(parsed.error)}`, {
      cause: parsed.error,
    })
  }
  return parsed.data
}

/** The alliance key that signs the registry. */
export interface AllianceSigningKey {
  readonly key: KeyObject | CryptoKey | JWK
  readonly alg: SigningAlgorithm
  /** The DID URL of the key in the alliance DID document (`did:web:alliance.example#<kid>`). */
  readonly kid: string
}

/**
 * Creates the signed alliance registry: a JWT with `typ: alliance-registry+jwt`, `kid` = the DID URL
 * of the alliance key, and the member list.
 *
 * @example
 * ```ts
 * const jwt = await createAllianceRegistry({ issuer: 'did:web:alliance.example', alliance: { id: 'https://alliance.example', name: 'Alliance X' },
 *   members, issuedAt: now, expiresAt: inThirtyDays }, { key, alg: 'ES256', kid: 'did:web:alliance.example#k1' })
 * ```
 */
export async function createAllianceRegistry(
  input: AllianceRegistryInput,
  signingKey: AllianceSigningKey,
): Promise<string> {
  const payload = buildAllianceRegistryPayload(input)
  const kidDid = parseDidUrl(signingKey.kid)
  if (!kidDid?.fragment || kidDid.did !== payload.iss) {
    throw new TrustError(
      'registry_invalid',
      `kid ${signingKey.kid} must be a key (DID URL) of the issuer ${payload.iss}`,
    )
  }
  return new SignJWT(payload)
    .setProtectedHeader({ alg: signingKey.alg, typ: ALLIANCE_REGISTRY_TYP, kid: signingKey.kid })
    .sign(signingKey.key)
}
