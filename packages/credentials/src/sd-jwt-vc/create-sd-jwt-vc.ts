import { createHash, getRandomValues, randomUUID } from 'node:crypto'
import { type EdcDocument, parseEdc } from '@alma/elm'
import type { Signer } from '@alma/trust'
import { hasPrivateJwkMembers, parseSealCertificate } from '@alma/trust'
import { pack } from '@sd-jwt/core'
import type { DisclosureFrame } from '@sd-jwt/types'
import type { JWK } from 'jose'
import { CredentialError } from '../errors.ts'
import { numericDate, roundDownInstant, type TimeGranularity } from '../jose/time.ts'
import { EU_LEARNING_CREDENTIAL_VCT, edcToSdJwtClaims, SD_JWT_CLAIMS, type SdJwtLearningClaims } from './claims.ts'
import { SD_JWT_VC_TYP } from './z-sd-jwt-vc.ts'

export interface CreateSdJwtVcInput {
  readonly edc: EdcDocument
  readonly vct: string
  /** `iss`: the Credential Issuer Identifier (an https URL) or the issuer's DID. */
  readonly issuer: string
  /** The tenant whose key signs. */
  readonly tenantId: string
  /** The wallet's public key from its proof (`cnf.jwk`, RFC 7800 §3.2). */
  readonly holderJwk: JWK
  /** The credential's place on a Token Status List (HAIP: status via Token Status List). */
  readonly status: { readonly uri: string; readonly idx: number }
  readonly now: Date
  readonly sign: Signer
  /** Put the key's certificate chain in `x5c` (HAIP 1.0: SD-JWT VC issuer key by x5c); default true. */
  readonly x5c?: boolean
  /** How coarsely `iat` / `nbf` are written; default `hour`. */
  readonly granularity?: TimeGranularity
  /** Language of the claim texts; default the credential's primary language. */
  readonly language?: string
  /** Decoy digests to add (RFC 9901 §4.2.5), hiding how many claims there are; default 0. */
  readonly decoys?: number
  /**
   * `exp` when the EDC has no `validUntil`: the EU learning credential makes `exp` mandatory, while a
   * micro-credential itself rarely expires; default ten years (a learner is offered a new credential
   * after that). The achievement's own expiry is `date_of_expiry`.
   */
  readonly lifetimeSeconds?: number
  /** Randomness for salts and decoys; default the platform CSPRNG. */
  readonly randomBytes?: (length: number) => Uint8Array
}

/** RFC 9901 §4.1.1 default digest: SHA-256 over the ASCII of the disclosure. */
function sha256(data: string | ArrayBuffer): Uint8Array {
  return createHash('sha256')
    .update(typeof data === 'string' ? data : new Uint8Array(data))
    .digest()
}

/**
 * Issues an EDC as an SD-JWT VC (`dc+sd-jwt`; RFC 9901, SD-JWT VC, HAIP 1.0): flat Annex I claims
 * ({@link edcToSdJwtClaims}), disclosable or in the clear as the EU learning credential's type says;
 * `jti`, `iss`, `vct`, `cnf`, `status`, `iat`, `nbf`, `exp` in the clear (never disclosable). Disclosures and digests are made by @sd-jwt/core's `pack`
 * (salts of 128 bits, RFC 9901 §4.2.1; `_sd` sorted, §4.2.4.1); the JWT is signed by our trust
 * `Signer` with header `typ: dc+sd-jwt`, `kid` and `x5c`. @sd-jwt's own signer hook cannot be used
 * because it builds the JOSE header itself, while our Signer owns `alg`/`kid`/`x5c`.
 *
 * @returns the compact SD-JWT `<jwt>~<disclosure>~…~` (no Key Binding JWT: the holder adds it).
 */
export async function createSdJwtVc(input: CreateSdJwtVcInput): Promise<string> {
  if (hasPrivateJwkMembers(input.holderJwk) || typeof input.holderJwk.kty !== 'string') {
    throw new CredentialError('invalid_input', 'holderJwk must be a public JWK')
  }
  if (!Number.isInteger(input.status.idx) || input.status.idx < 0) {
    throw new CredentialError('invalid_input', `status idx ${input.status.idx} is not a non-negative integer`)
  }
  const parsed = parseEdc(input.edc)
  const claims = edcToSdJwtClaims(parsed, input.language ? { language: input.language } : {})
  if (input.x5c ?? true) {
    const certified = await certifiedIssuingAuthority(input.sign, input.tenantId, parsed.issuer.legalName)
    if (certified !== undefined) claims.issuing_authority = certified
  }
  if (input.vct === EU_LEARNING_CREDENTIAL_VCT) {
    const missing = missingMandatoryClaims(claims)
    if (missing.length > 0) {
      throw new CredentialError(
        'invalid_input',
        `the EU learning credential (${EU_LEARNING_CREDENTIAL_VCT}) requires ${missing.join(', ')}, which this EDC does not state`,
      )
    }
  }
  const randomBytes = input.randomBytes ?? drawFromOneRead()
  // The EU type's `sd` per claim: `never` in the clear, `always` a disclosure (array claims are
  // disclosed whole, their members in the clear, as EncodeLearningCredential.kt's sdArrClaim does).
  const frame = {
    _sd: Object.keys(claims).filter((name) => SD_JWT_CLAIMS.find((c) => c.name === name)?.sd !== 'never'),
    _sd_decoy: input.decoys ?? 0,
  } as DisclosureFrame<typeof claims>
  const { packedClaims, disclosures } = await pack(claims, frame, { hasher: sha256, alg: 'sha-256' }, (length) =>
    Buffer.from(randomBytes(length)).toString('base64url'),
  )
  const granularity = input.granularity ?? 'hour'
  const validFrom = parsed.validFrom ? new Date(parsed.validFrom) : input.now
  const expiresAt = parsed.validUntil
    ? new Date(parsed.validUntil)
    : new Date(input.now.getTime() + (input.lifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS) * 1000)
  const payload = {
    // The EU type's mandatory `jti` (RFC 7519 §4.1.7): unique per credential, so a batch of
    // credentials for one learner cannot be linked by it either.
    jti: `urn:uuid:${randomUUID()}`,
    iss: input.issuer,
    iat: numericDate(roundDownInstant(input.now, granularity)),
    nbf: numericDate(roundDownInstant(validFrom, granularity)),
    exp: numericDate(expiresAt),
    vct: input.vct,
    cnf: { jwk: { ...input.holderJwk } },
    status: { status_list: { idx: input.status.idx, uri: input.status.uri } },
    ...packedClaims,
    _sd_alg: 'sha-256',
  }
  const jwt = await input.sign.signJwt(input.tenantId, payload, { typ: SD_JWT_VC_TYP, includeX5c: input.x5c ?? true })
  return `${jwt}~${disclosures.map((d) => `${d.encode()}~`).join('')}`
}

const DEFAULT_LIFETIME_SECONDS = 10 * 365 * 24 * 3600

/** The EU learning credential's mandatory claims (its type metadata's `mandatory: true`) that `claims` lacks. */
export function missingMandatoryClaims(claims: SdJwtLearningClaims): string[] {
  return SD_JWT_CLAIMS.filter((c) => c.eu && c.mandatory && claims[c.name] === undefined).map((c) => c.name)
}

/** Names compared as people read them: Unicode NFC, spaces collapsed, case folded. */
function comparableName(value: string): string {
  return value.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase()
}

/**
 * The sealer's name as its seal certificate spells it (subject O, ETSI EN 319 412-3 §4.2.1), when
 * that is one of the EDC issuer's legal names: verifiers hold a stated `issuing_authority` against
 * the certificate that signed (issue 12 §1; checkSdJwtIssuerBinding), and the legal name in the
 * credential's language need not be the certified spelling (a German course of an issuer whose
 * certificate says "University of Adlerstadt"). A certificate naming someone the EDC does not is
 * left alone: the verifier will say so.
 */
async function certifiedIssuingAuthority(
  sign: Signer,
  tenantId: string,
  legalNames: Readonly<Record<string, string>>,
): Promise<string | undefined> {
  const leaf = (await sign.activeKey(tenantId)).x5c?.[0]
  if (leaf === undefined) return undefined
  const organisation = parseSealCertificate(leaf).subject.organizationName
  if (organisation === undefined) return undefined
  const wanted = comparableName(organisation)
  return Object.values(legalNames).some((name) => comparableName(name) === wanted) ? organisation : undefined
}

/**
 * Salts and decoys from one CSPRNG read per credential instead of one per disclosure: each call
 * into the platform generator has a fixed cost that, over twenty-odd disclosures, was 4 % of an
 * issuer's time per flow (`pnpm bench:issuer`). Every byte is used once, so salts stay
 * independent 128-bit values (RFC 9901 §4.2.1).
 */
function drawFromOneRead(): (length: number) => Uint8Array {
  let pool = new Uint8Array(0)
  let offset = 0
  return (length) => {
    if (offset + length > pool.length) {
      pool = getRandomValues(new Uint8Array(Math.max(1024, length)))
      offset = 0
    }
    offset += length
    return pool.subarray(offset - length, offset)
  }
}
