// A relying party's keys. API keys: random bearer secrets kept as SHA-256 only (store.apiKeys),
// each bound to one relying party and a set of scopes; http/rp-endpoint.ts wraps them. Signing
// keys (the keyring): rotation and retirement of the key request objects are signed with.
// Framework-free.
import { createHash, randomBytes, type webcrypto } from 'node:crypto'
import type { ApiKeyGrant, Store } from '@alma/store'
import {
  type DevCa,
  generateKeyMaterial,
  issueAccessCertificate,
  type KeyMaterial,
  type KeyRecord,
  withCertificateChain,
} from '@alma/trust'
import { VerifierError } from './errors.ts'
import type { VerifierContext } from './verifier-context.ts'

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

/** Where a rotated-in key comes from: a fresh key (the current key's algorithm) certified by `ca`, or ready material (with its x5c). */
export type NextSigningKey = { readonly ca: DevCa } | { readonly material: KeyMaterial }

type SigningKeyContext = Pick<VerifierContext, 'keyring' | 'relyingParty' | 'forgetRelyingParty' | 'now'>

const CERTIFICATE_DAYS = 365

/**
 * Rotates the key a relying party signs request objects (and webhooks) with, as
 * `TenantKeyring.rotate` does for an issuer's tenant: the new key becomes `active` (new requests
 * are bound to it and their client_id names its certificate), the old one `published` — still in
 * the DID document, and still signing the request objects of the requests made before, whose
 * client_id names it (presentation/request-object.ts) — until {@link retireRelyingPartySigningKey}.
 *
 * With `{ ca }`, the certificate is made as at provisioning (provision-relying-party.ts): the
 * relying party's name and country, the verifier's host as dNSName (x509_san_dns:, OpenID4VP 1.0
 * §5.9.3), one year.
 *
 * @example
 * ```ts
 * const { active, previous } = await rotateRelyingPartySigningKey(ctx, 'employer', { ca })
 * // later, once no open request is bound to it any more:
 * await retireRelyingPartySigningKey(ctx, 'employer', previous.kid)
 * ```
 */
export async function rotateRelyingPartySigningKey(
  ctx: SigningKeyContext,
  relyingPartyId: string,
  next: NextSigningKey,
): Promise<{ active: KeyRecord; previous: KeyRecord }> {
  const rp = await ctx.relyingParty(relyingPartyId)
  let material: KeyMaterial
  if ('material' in next) material = next.material
  else {
    const now = ctx.now()
    const fresh = await generateKeyMaterial(rp.key.record.alg)
    const certificate = await issueAccessCertificate(next.ca, {
      publicKey: fresh.publicJwk as webcrypto.JsonWebKey,
      organizationName: rp.name,
      country: rp.settings.country,
      dnsNames: [rp.urls.host],
      uris: [rp.urls.base],
      notBefore: now,
      notAfter: new Date(now.getTime() + CERTIFICATE_DAYS * 24 * 3600 * 1000),
    })
    material = await withCertificateChain(fresh, certificate.x5c)
  }
  try {
    return await ctx.keyring.rotate(relyingPartyId, material)
  } finally {
    // This process sees the new key at once; others within the runtime cache's minute.
    ctx.forgetRelyingParty(relyingPartyId)
  }
}

/**
 * Retires a rotated-out (`published`) signing key: it leaves the DID document and signs nothing
 * more. Requests still bound to it can no longer be fetched (their request_uri answers
 * invalid_request naming the retirement); they are never re-signed with another key.
 */
export async function retireRelyingPartySigningKey(
  ctx: SigningKeyContext,
  relyingPartyId: string,
  kid: string,
): Promise<KeyRecord> {
  try {
    return await ctx.keyring.retire(relyingPartyId, kid)
  } finally {
    ctx.forgetRelyingParty(relyingPartyId)
  }
}
