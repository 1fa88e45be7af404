// Webhooks: when a wallet has answered, the relying party's URL gets a POST whose body is signed
// by the relying party's verifier key as a detached JWS (RFC 7515 Appendix F, `Alma-Signature`
// header), so the receiver can check it came from here; retried with exponential backoff.
import { randomBytes } from 'node:crypto'
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import type { WebhookDelivery } from '@alma/store'
import { forbiddenAddressReason } from '@alma/trust'
import { CompactSign } from 'jose'
import type { RelyingPartyRuntime, VerifierContext } from '../verifier-context.ts'
import type { PresentationResult } from './receive-response.ts'

export const WEBHOOK_EVENT = 'presentation.completed'
/** `typ` of the signature, so it cannot be confused with any other JWS of ours (RFC 8725 §3.11). */
export const WEBHOOK_SIGNATURE_TYP = 'alma-webhook+jws'

/** The body of a webhook call: enough to act on; the full result is read from the API. */
export function webhookBody(rp: RelyingPartyRuntime, requestId: string, result: PresentationResult) {
  return {
    event: WEBHOOK_EVENT,
    relyingParty: rp.id,
    requestId,
    verdict: result.verdict,
    ...(result.reason ? { reason: result.reason } : {}),
    receivedAt: result.receivedAt,
    result: `${rp.urls.api}/presentation-requests/${requestId}`,
  }
}

export async function enqueueWebhook(
  ctx: VerifierContext,
  rp: RelyingPartyRuntime,
  url: string,
  requestId: string,
  result: PresentationResult,
): Promise<WebhookDelivery> {
  return ctx.store.webhookDeliveries.enqueue({
    tenantId: rp.id,
    id: randomBytes(12).toString('base64url'),
    url,
    event: WEBHOOK_EVENT,
    body: webhookBody(rp, requestId, result),
    now: ctx.now(),
  })
}

/** The `Alma-Signature` value: `<protected>..<signature>` over the exact body bytes. */
export async function signWebhookBody(rp: RelyingPartyRuntime, body: string): Promise<string> {
  const jws = await new CompactSign(new TextEncoder().encode(body))
    .setProtectedHeader({ alg: rp.key.record.alg, kid: rp.key.didUrl, typ: WEBHOOK_SIGNATURE_TYP })
    .sign(rp.key.privateKey)
  const [header, , signature] = jws.split('.')
  return `${header}..${signature}`
}

/**
 * Where a webhook may go (security.md: no SSRF through URLs a relying party supplies). In
 * production: https only, and every address the host resolves to must be public — not loopback,
 * private, link-local or otherwise reserved. Development allows loopback receivers. Returns why
 * not, or undefined. (The check resolves before the call; a name that changes its answer between
 * the two is a remaining DNS-rebinding window, as with any resolve-then-connect check.)
 */
export async function webhookTargetProblem(
  url: string,
  mode: 'development' | 'production',
): Promise<string | undefined> {
  let target: URL
  try {
    target = new URL(url)
  } catch {
    return 'not a URL'
  }
  if (target.username || target.password) return 'a URL with credentials is refused'
  if (mode === 'development')
    return target.protocol === 'http:' || target.protocol === 'https:' ? undefined : 'not http(s)'
  if (target.protocol !== 'https:') return 'production webhooks must be https'
  const host = target.hostname.replace(/^\[|\]$/g, '')
  const addresses = isIP(host) ? [{ address: host }] : await lookup(host, { all: true }).catch(() => [])
  if (addresses.length === 0) return `${host} does not resolve`
  for (const { address } of addresses) {
    const reason = forbiddenAddressReason(address)
    if (reason) return `${host} resolves to ${address} (${reason})`
  }
  return undefined
}

/** The delay before attempt `attempt + 1`: first, 2×first, 4×first, … capped at an hour. */
export function retryDelaySeconds(firstRetrySeconds: number, attempt: number): number {
  return Math.min(3600, firstRetrySeconds * 2 ** Math.max(0, attempt - 1))
}

/**
 * Delivers what is due: lease (so another process does not send it too) → sign → POST with a
 * timeout → delivered on 2xx, else retried later or given up after the last attempt.
 * Returns how many were attempted.
 */
export async function deliverDueWebhooks(ctx: VerifierContext, limit = 20): Promise<number> {
  const due = await ctx.store.webhookDeliveries.leaseDue(ctx.now(), 30, limit)
  await Promise.all(
    due.map(async (delivery) => {
      let failure: string | undefined
      const refused = await webhookTargetProblem(delivery.url, ctx.config.mode)
      if (refused) {
        // Not retried: the target will not become acceptable by waiting.
        ctx.log.warn({ delivery: delivery.id, refused }, 'webhook target refused')
        await ctx.store.webhookDeliveries.markAttemptFailed(
          delivery.tenantId,
          delivery.id,
          `refused: ${refused}`,
          undefined,
        )
        return
      }
      try {
        const rp = await ctx.relyingParty(delivery.tenantId)
        const body = JSON.stringify(delivery.body)
        const response = await fetch(delivery.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'alma-signature': await signWebhookBody(rp, body),
            'alma-delivery': delivery.id,
            'alma-event': delivery.event,
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(5000),
        })
        await response.body?.cancel()
        if (response.status < 200 || response.status > 299) failure = `HTTP ${response.status}`
      } catch (e) {
        failure = e instanceof Error ? e.message : String(e)
      }
      if (failure === undefined) {
        await ctx.store.webhookDeliveries.markDelivered(delivery.tenantId, delivery.id, ctx.now())
        return
      }
      const retry =
        delivery.attempts < ctx.config.webhookMaxAttempts
          ? new Date(
              ctx.now().getTime() + retryDelaySeconds(ctx.config.webhookFirstRetrySeconds, delivery.attempts) * 1000,
            )
          : undefined
      ctx.log.warn({ delivery: delivery.id, attempts: delivery.attempts, failure }, 'webhook delivery failed')
      await ctx.store.webhookDeliveries.markAttemptFailed(delivery.tenantId, delivery.id, failure, retry)
    }),
  )
  return due.length
}

/** Polls for due deliveries every `intervalMs` until stopped. */
export function startWebhookWorker(ctx: VerifierContext, intervalMs = 1000): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve()
  const timer = setInterval(() => {
    running = running.then(() => deliverDueWebhooks(ctx)).catch((e) => ctx.log.error({ err: e }, 'webhook worker'))
  }, intervalMs)
  timer.unref()
  return {
    async stop() {
      clearInterval(timer)
      await running
    },
  }
}
