// c_nonce (VCI 1.0 §7, §8.3.1.2). A nonce is a MAC'd value — expiry, randomness, bound to the
// tenant — so the nonce endpoint writes nothing; its single use is enforced where it is spent,
// by one atomic insert of its hash (a replay finds the hash taken). Every process derives the
// same MAC key from the KEK, so any process accepts a nonce any other issued.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { IssuerError } from '../errors.ts'
import type { IssuerContext, TenantRuntime } from './issuer-context.ts'
import { hashValue } from './secrets.ts'

function mac(key: Uint8Array, tenantId: string, body: string): Buffer {
  return createHmac('sha256', key).update(`c_nonce\u0000${tenantId}\u0000${body}`).digest().subarray(0, 16)
}

/** A fresh nonce for `tenantId`, valid until `expiresAt`. */
export function createCNonce(key: Uint8Array, tenantId: string, expiresAt: Date): string {
  const body = `${Math.floor(expiresAt.getTime() / 1000).toString(36)}.${randomBytes(16).toString('base64url')}`
  return `${body}.${mac(key, tenantId, body).toString('base64url')}`
}

/** When a nonce of this tenant expires, or undefined when it is not one of ours (or another tenant's). */
export function cNonceExpiry(key: Uint8Array, tenantId: string, nonce: string): Date | undefined {
  const parts = nonce.split('.')
  if (parts.length !== 3 || nonce.length > 128) return undefined
  const [expiry, random, tag] = parts as [string, string, string]
  // Compared as text, not as decoded bytes: base64url decoding ignores the last character's spare
  // bits, so 16 spellings would carry one MAC — and each would be a fresh hash when spent.
  const expected = Buffer.from(mac(key, tenantId, `${expiry}.${random}`).toString('base64url'))
  const given = Buffer.from(tag)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
  const seconds = Number.parseInt(expiry, 36)
  return Number.isFinite(seconds) ? new Date(seconds * 1000) : undefined
}

/** Nonce endpoint (VCI 1.0 §7): a fresh `c_nonce`; the HTTP adapter adds `Cache-Control: no-store`. */
export function handleNonceRequest(ctx: IssuerContext, tenant: TenantRuntime) {
  const expiresAt = new Date(ctx.now().getTime() + ctx.config.cNonceTtlSeconds * 1000)
  const cNonce = createCNonce(ctx.nonceKey, tenant.id, expiresAt)
  return tenant.vci.createNonceResponse({ cNonce, cNonceExpiresIn: ctx.config.cNonceTtlSeconds })
}

/**
 * Spends a nonce: ours, this tenant's, not expired, and never spent before (§8.3.1.2
 * `invalid_nonce` otherwise). One atomic insert, so two requests racing with one nonce cannot
 * both pass, in one process or several.
 */
export async function spendCNonce(ctx: IssuerContext, tenant: TenantRuntime, nonce: string, now: Date): Promise<void> {
  const expiresAt = cNonceExpiry(ctx.nonceKey, tenant.id, nonce)
  if (!expiresAt || expiresAt <= now)
    throw new IssuerError('invalid_nonce', 'the c_nonce is unknown, expired or already used')
  const fresh = await ctx.store.singleUseValues.remember('c_nonce', tenant.id, hashValue(nonce), expiresAt)
  if (!fresh) throw new IssuerError('invalid_nonce', 'the c_nonce is unknown, expired or already used')
}
