import type { KeyObject } from 'node:crypto'
import type { CompactJWSHeaderParameters, JWSHeaderParameters, JWTPayload } from 'jose'
import { TrustError } from '../errors.ts'
import { isSelfSigned } from '../x509/parse-seal-certificate.ts'
import type { KeyRecord } from './key-record.ts'
import type { TenantKeyring } from './keyring.ts'
import { signCompactJws } from './sign-compact-jws.ts'

/** The public side of the key a {@link Signer} signs with. */
export interface SigningKeyInfo {
  readonly tenantId: string
  readonly kid: string
  readonly alg: KeyRecord['alg']
  /** The JWS `kid` header value: the DID URL of the verification method when `kidFor` is set. */
  readonly headerKid: string
  /** The key's certificate chain as signed headers carry it: leaf first, without a self-signed root. */
  readonly x5c?: readonly string[]
}

/** Header fields a caller may set; `alg` and `kid` come from the key. */
export type SignerHeader = Omit<JWSHeaderParameters, 'alg' | 'kid' | 'x5c'> & {
  /** Put the key's certificate chain in `x5c` (elm.md: credential headers carry `kid` and `x5c`). */
  readonly includeX5c?: boolean
}

/** Hot-path JWS signing with each tenant's active key (node:crypto over cached key objects). */
export interface Signer {
  /** A compact JWS over `payload` with the tenant's active key. */
  signJws(tenantId: string, payload: Uint8Array | string, header?: SignerHeader): Promise<string>
  /** A JWT with the tenant's active key; claims are taken as given (no `iat` is added). */
  signJwt(tenantId: string, claims: JWTPayload, header?: SignerHeader): Promise<string>
  /** The key {@link Signer.signJws} would use now. */
  activeKey(tenantId: string): Promise<SigningKeyInfo>
  /** Forgets cached active-key lookups (after a rotation in this process), for one tenant or all. */
  invalidate(tenantId?: string): void
}

/** Options of {@link createSigner}. */
export interface SignerOptions {
  readonly keyring: TenantKeyring
  /** Builds the JWS `kid`, e.g. `(tenant, kid) => `${didOf(tenant)}#${kid}``; the bare kid by default. */
  readonly kidFor?: (tenantId: string, kid: string) => string
  /**
   * How long the active key of a tenant is remembered before the repository is asked again, so a
   * rotation made by another process is picked up (default 30 s). The old key stays published, so
   * signatures made meanwhile still verify.
   */
  readonly activeKeyTtlMs?: number
  readonly now?: () => number
}

interface CachedKey {
  readonly info: SigningKeyInfo
  readonly key: KeyObject
}

/**
 * HAIP 1.0 §6.1.1: the trust anchor's certificate is not part of `x5c` (a verifier trusts only the
 * anchors it has; one sent along is noise, and tempts a careless verifier to trust it). A chain
 * stored with its root — the development CA's, or an imported chain — loses the self-signed
 * certificates; the leaf itself never goes (a self-signed leaf is the verifier's to refuse).
 */
function withoutTrustAnchor(x5c: readonly string[]): readonly string[] {
  return x5c.filter((cert, index) => index === 0 || !isSelfSigned(new Uint8Array(Buffer.from(cert, 'base64'))))
}

/**
 * Creates the signer. The decrypted key is cached per (tenant, kid) as a node:crypto key object
 * and signs on the calling thread ({@link signCompactJws}: a quarter of WebCrypto's cost here).
 *
 * @example
 * ```ts
 * const signer = createSigner({ keyring, kidFor: (t, kid) => `${tenantDid(t)}#${kid}` })
 * const jwt = await signer.signJwt('uni-a', { iss: tenantDid('uni-a'), vc }, { typ: 'JWT', includeX5c: true })
 * ```
 */
export function createSigner(options: SignerOptions): Signer {
  const { keyring } = options
  const ttl = options.activeKeyTtlMs ?? 30_000
  const now = options.now ?? Date.now
  const kidFor = options.kidFor ?? ((_tenant: string, kid: string) => kid)
  const keys = new Map<string, Promise<CachedKey>>()
  const active = new Map<string, { kid: string; until: number }>()

  async function load(record: KeyRecord): Promise<CachedKey> {
    const info: SigningKeyInfo = {
      tenantId: record.tenantId,
      kid: record.kid,
      alg: record.alg,
      headerKid: kidFor(record.tenantId, record.kid),
      ...(record.x5c ? { x5c: withoutTrustAnchor(record.x5c) } : {}),
    }
    return { info, key: keyring.privateKey(record) }
  }

  async function current(tenantId: string): Promise<CachedKey> {
    const remembered = active.get(tenantId)
    if (remembered && remembered.until > now()) {
      const cached = keys.get(`${tenantId}\u0000${remembered.kid}`)
      if (cached) return cached
    }
    const record = await keyring.active(tenantId)
    const cacheKey = `${tenantId}\u0000${record.kid}`
    let cached = keys.get(cacheKey)
    if (!cached) {
      cached = load(record)
      keys.set(cacheKey, cached)
      cached.catch(() => keys.delete(cacheKey))
    }
    active.set(tenantId, { kid: record.kid, until: now() + ttl })
    return cached
  }

  function protectedHeader(info: SigningKeyInfo, header: SignerHeader | undefined): CompactJWSHeaderParameters {
    const { includeX5c, ...rest } = header ?? {}
    if ('alg' in rest || 'kid' in rest) {
      throw new TrustError('config_invalid', 'alg and kid come from the signing key; do not set them')
    }
    if (includeX5c && !info.x5c) {
      throw new TrustError('key_not_found', `key ${info.kid} of tenant ${info.tenantId} has no certificate chain`)
    }
    return {
      ...rest,
      alg: info.alg,
      kid: info.headerKid,
      ...(includeX5c && info.x5c ? { x5c: [...info.x5c] } : {}),
    }
  }

  return {
    async signJws(tenantId, payload, header) {
      const { info, key } = await current(tenantId)
      const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload
      return signCompactJws(protectedHeader(info, header), bytes, key, info.alg)
    },
    async signJwt(tenantId, claims, header) {
      const { info, key } = await current(tenantId)
      return signCompactJws(
        protectedHeader(info, header),
        new TextEncoder().encode(JSON.stringify(claims)),
        key,
        info.alg,
      )
    },
    async activeKey(tenantId) {
      return (await current(tenantId)).info
    },
    invalidate(tenantId) {
      if (tenantId === undefined) active.clear()
      else active.delete(tenantId)
    },
  }
}
