// An SD-JWT VC presentation (RFC 9901 §4.3, §7.3; OpenID4VP 1.0 Appendix B.3.6): the issuer-signed
// JWT, only the disclosures the holder chose, and a Key Binding JWT over nonce, audience, time and
// `sd_hash`, signed with the key in `cnf.jwk`. Built with @sd-jwt/core.
import { SDJwtInstance } from '@sd-jwt/core'
import { digest, ES256 } from '@sd-jwt/crypto-nodejs'
import { decodeJwt } from 'jose'
import { WalletError } from '../errors.ts'
import { HOLDER_KEY_ALG, type HolderKey, isKeyOf } from '../holder-keys.ts'
import {
  type ClaimPath,
  expandClaimPath,
  formatClaimPath,
  isPrefixOf,
  parseClaimPath,
  uniquePaths,
} from './claim-paths.ts'

type PresentationFrame = NonNullable<Parameters<SDJwtInstance<Record<string, unknown>>['present']>[1]>

/** The claims and selectively disclosable paths of an issued SD-JWT (all disclosures present). */
export interface SdJwtContents {
  /** Every claim: the issuer-signed ones and every disclosure, processed (RFC 9901 §7.1). */
  readonly claims: Record<string, unknown>
  /** The claims the holder can leave out: one per disclosure. */
  readonly disclosable: readonly ClaimPath[]
}

function sdJwtLibrary(kbSigner?: (data: string) => Promise<string>) {
  return new SDJwtInstance<Record<string, unknown>>({
    hasher: digest,
    hashAlg: 'sha-256',
    ...(kbSigner ? { kbSigner, kbSignAlg: HOLDER_KEY_ALG } : {}),
  })
}

/**
 * What an SD-JWT says and what of it can be withheld.
 *
 * @example
 * ```ts
 * const { claims, disclosable } = await readSdJwt(stored.credential)
 * disclosable // [['family_name'], ['given_name'], …]
 * ```
 */
export async function readSdJwt(sdJwt: string): Promise<SdJwtContents> {
  const library = sdJwtLibrary()
  let claims: Record<string, unknown>
  let keys: string[]
  try {
    claims = (await library.getClaims(sdJwt)) as Record<string, unknown>
    keys = await library.presentableKeys(sdJwt)
  } catch (cause) {
    throw new WalletError('credential_invalid', 'the stored SD-JWT cannot be read', { cause })
  }
  // @sd-jwt writes presentable keys dotted (`a.b`, `list.0`); claim names with dots are not
  // expected in SD-JWT VCs, and our issuer's are flat.
  return { claims, disclosable: keys.map((key) => parseClaimPath(key, claims)) }
}

/** Options of {@link createSdJwtPresentation}. */
export interface CreateSdJwtPresentationInput {
  /** The SD-JWT as issued, with every disclosure. */
  readonly sdJwt: string
  readonly holderKey: HolderKey
  /**
   * The claims to disclose. A path discloses the claim, every disclosable claim under it, and the
   * disclosures of its ancestors (without which the verifier cannot reach it).
   */
  readonly disclose: readonly ClaimPath[]
  /** The verifier's client_id (OpenID4VP 1.0 Appendix B.3.6: the KB-JWT `aud`). */
  readonly audience: string
  /** The request's `nonce` (the KB-JWT `nonce`). */
  readonly nonce: string
  readonly now: Date
}

/** The result of {@link createSdJwtPresentation}. */
export interface SdJwtPresentation {
  /** `<issuer-jwt>~<disclosure>~…~<kb-jwt>` */
  readonly presentation: string
  /** The selectively disclosable claims that were disclosed. */
  readonly disclosed: readonly ClaimPath[]
}

/**
 * Builds an SD-JWT presentation with exactly the chosen disclosures and a KB-JWT (RFC 9901 §4.3:
 * `iat`, `aud`, `nonce`, `sd_hash` over the presented SD-JWT up to the last `~`).
 *
 * @example
 * ```ts
 * const { presentation } = await createSdJwtPresentation({
 *   sdJwt, holderKey, disclose: [['family_name']], audience: clientId, nonce, now: new Date(),
 * })
 * ```
 */
export async function createSdJwtPresentation(input: CreateSdJwtPresentationInput): Promise<SdJwtPresentation> {
  const { claims, disclosable } = await readSdJwt(input.sdJwt)
  // RFC 9901 §4.3: the KB-JWT must be signed by the key the issuer bound, or the verifier rejects it.
  const cnf = decodeJwt(input.sdJwt.split('~')[0] ?? '').cnf as { jwk?: unknown } | undefined
  if (!(await isKeyOf(input.holderKey, cnf?.jwk))) {
    throw new WalletError('credential_invalid', 'the SD-JWT is not bound to its stored holder key')
  }
  for (const path of input.disclose) {
    if (expandClaimPath(path, claims).length === 0) {
      throw new WalletError('disclosure_invalid', `the credential has no claim ${formatClaimPath(path)}`)
    }
  }
  // In the order the holder chose: for each chosen path, the disclosures of its ancestors, its own,
  // and those of the claims under it.
  const disclosed = uniquePaths(
    input.disclose.flatMap((chosen) =>
      disclosable
        .filter((candidate) => isPrefixOf(candidate, chosen) || isPrefixOf(chosen, candidate))
        .sort((a, b) => a.length - b.length),
    ),
  )
  const library = sdJwtLibrary(await ES256.getSigner(input.holderKey.privateJwk))
  const presentation = await library.present(input.sdJwt, presentationFrameOf(disclosed), {
    kb: {
      payload: { iat: Math.floor(input.now.getTime() / 1000), aud: input.audience, nonce: input.nonce },
    },
  })
  return { presentation, disclosed }
}

/**
 * @sd-jwt's presentation frame for `paths`: `{a: {b: true}}` discloses `a` and `a.b`. An empty
 * frame discloses nothing; no frame at all would disclose everything, which is never wanted here.
 */
function presentationFrameOf(paths: readonly ClaimPath[]): PresentationFrame {
  const frame: Record<string, unknown> = {}
  for (const path of paths) {
    let node = frame
    path.forEach((component, i) => {
      const key = String(component)
      if (i === path.length - 1) {
        if (typeof node[key] !== 'object') node[key] = true
        return
      }
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {}
      node = node[key] as Record<string, unknown>
    })
  }
  return frame as PresentationFrame
}
