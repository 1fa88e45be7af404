// Admin API keys: random bearer secrets, stored as SHA-256 hex only (store.apiKeys), each bound
// to one tenant and a set of scopes. Framework-free: the HTTP wrapper is admin/http/admin-endpoint.ts.
import { createHash, randomBytes } from 'node:crypto'
import type { ApiKeyGrant, Store } from '@alma/store'
import { IssuerError } from '../errors.ts'

/** What an admin API key may do; GET endpoints need `read`, the audit log `audit:read`. */
export const ADMIN_SCOPES = [
  'specifications:write',
  'awards:write',
  'offers:write',
  'credentials:revoke',
  'read',
  'audit:read',
] as const
export type AdminScope = (typeof ADMIN_SCOPES)[number]

/**
 * Keys we make look like `alma_<keyId>.<secret>` (the prefix makes a leaked key easy to find by
 * scanners), but any RFC 6750 §2.1 b64token of sane length is looked up: keys may be imported.
 */
const KEY_PATTERN = /^[A-Za-z0-9\-._~+/]{16,512}=*$/

/** Lower-case hex SHA-256 of the whole key: what `store.apiKeys` keeps and looks up. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

export interface CreatedApiKey {
  readonly id: string
  /** Shown once; only its hash is stored. */
  readonly key: string
  readonly scopes: readonly AdminScope[]
}

/**
 * Creates a key for one tenant.
 *
 * @example
 * ```ts
 * const { key } = await createApiKey(store, 'uni-a', ['read', 'awards:write'], new Date())
 * await fetch(`${base}/admin/uni-a/awards`, { headers: { authorization: `Bearer ${key}` } })
 * ```
 */
export async function createApiKey(
  store: Pick<Store, 'apiKeys'>,
  tenantId: string,
  scopes: readonly AdminScope[],
  now: Date,
): Promise<CreatedApiKey> {
  const id = randomBytes(9).toString('base64url')
  const key = `alma_${id}.${randomBytes(32).toString('base64url')}`
  await store.apiKeys.create({ tenantId, id, secretHash: hashApiKey(key), scopes: [...scopes], now })
  return { id, key, scopes }
}

/** RFC 6750 §3: the challenge of a 401; `error` only when a token was sent. */
export function bearerChallenge(error?: 'invalid_token'): string {
  return error ? `Bearer realm="alma-admin", error="${error}"` : 'Bearer realm="alma-admin"'
}

/**
 * Steps: read the bearer key (RFC 6750 §2.1) → find its hash → the key's tenant must be the
 * URL's. A missing or unknown key is 401; a key of another tenant is 403 (it authenticated, but
 * may not act here).
 */
export async function authenticateApiKey(
  store: Pick<Store, 'apiKeys'>,
  authorization: string | undefined,
  tenantId: string,
): Promise<ApiKeyGrant> {
  const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(authorization ?? '')
  if (!match) {
    throw new IssuerError('unauthorized', 'send an admin API key as "Authorization: Bearer <key>"', {
      wwwAuthenticate: bearerChallenge(),
    })
  }
  const key = match[1]!
  const grant = KEY_PATTERN.test(key) ? await store.apiKeys.findByHash(hashApiKey(key)) : undefined
  if (!grant) {
    throw new IssuerError('unauthorized', 'the API key is unknown or revoked', {
      wwwAuthenticate: bearerChallenge('invalid_token'),
    })
  }
  if (grant.tenantId !== tenantId) {
    throw new IssuerError('forbidden', `this API key is not valid for tenant ${tenantId}`)
  }
  return grant
}

/** 403 `insufficient_scope` (RFC 6750 §3.1) naming the scope the endpoint needs. */
export function requireScope(grant: ApiKeyGrant, scope: AdminScope): void {
  if (!grant.scopes.includes(scope)) {
    throw new IssuerError('insufficient_scope', `this API key lacks the scope ${scope}`, { extra: { scope } })
  }
}
