// Relying-party API keys: random bearer secrets kept as SHA-256 only (store.apiKeys), each bound to
// one relying party and a set of scopes. Framework-free; http/rp-endpoint.ts wraps it.
import { createHash, randomBytes } from 'node:crypto'
import type { ApiKeyGrant, Store } from '@alma/store'
import { VerifierError } from './errors.ts'

export const RELYING_PARTY_SCOPES = ['presentations:write', 'presentations:read', 'edc:verify'] as const
export type RelyingPartyScope = (typeof RELYING_PARTY_SCOPES)[number]

const hashOf = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex')

/** Creates a key `alma_rp_<id>.<secret>`; the secret is shown once, only its hash is stored. */
export async function createRelyingPartyKey(
  store: Pick<Store, 'apiKeys'>,
  relyingPartyId: string,
  scopes: readonly RelyingPartyScope[] = RELYING_PARTY_SCOPES,
  now = new Date(),
): Promise<{ id: string; key: string }> {
  const id = randomBytes(9).toString('base64url')
  const key = `alma_rp_${id}.${randomBytes(32).toString('base64url')}`
  await store.apiKeys.create({ tenantId: relyingPartyId, id, secretHash: hashOf(key), scopes: [...scopes], now })
  return { id, key }
}

const challenge = (error?: string) => `Bearer realm="alma-verifier"${error ? `, error="${error}"` : ''}`

/**
 * RFC 6750 §2.1 bearer key → its grant; 401 without or with an unknown key, 403 for another
 * relying party's key or a missing scope (§3.1 insufficient_scope).
 */
export async function authenticateRelyingParty(
  store: { readonly apiKeys: Pick<Store['apiKeys'], 'findByHash'> },
  authorization: string | undefined,
  relyingPartyId: string,
  scope: RelyingPartyScope,
): Promise<ApiKeyGrant> {
  const key = /^Bearer +([A-Za-z0-9\-._~+/]{16,512}=*) *$/i.exec(authorization ?? '')?.[1]
  if (!key) {
    throw new VerifierError('unauthorized', 'send a relying-party API key as "Authorization: Bearer <key>"', {
      wwwAuthenticate: challenge(authorization ? 'invalid_token' : undefined),
    })
  }
  const grant = await store.apiKeys.findByHash(hashOf(key))
  if (!grant) {
    throw new VerifierError('unauthorized', 'the API key is unknown or revoked', {
      wwwAuthenticate: challenge('invalid_token'),
    })
  }
  if (grant.tenantId !== relyingPartyId) {
    throw new VerifierError('forbidden', `this API key is not valid for relying party ${relyingPartyId}`)
  }
  if (!grant.scopes.includes(scope)) {
    // RFC 6750 §3.1: insufficient_scope names the scope needed in the challenge.
    throw new VerifierError('insufficient_scope', `this API key lacks the scope ${scope}`, {
      extra: { scope },
      wwwAuthenticate: `${challenge('insufficient_scope')}, scope="${scope}"`,
    })
  }
  return grant
}
