import type { IssuerContext, TenantRuntime } from './issuer-context.ts'
import { hashValue, randomToken } from './secrets.ts'

/** Nonce endpoint (VCI 1.0 §7): a fresh single-use `c_nonce`, stored by hash until a proof uses it. */
export async function handleNonceRequest(ctx: IssuerContext, tenant: TenantRuntime) {
  const cNonce = randomToken()
  const now = ctx.now()
  const expiresAt = new Date(now.getTime() + ctx.config.cNonceTtlSeconds * 1000)
  await ctx.store.singleUseValues.put('c_nonce', tenant.id, hashValue(cNonce), null, expiresAt)
  return tenant.vci.createNonceResponse({ cNonce, cNonceExpiresIn: ctx.config.cNonceTtlSeconds })
}
