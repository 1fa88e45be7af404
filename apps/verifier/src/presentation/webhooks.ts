// Webhooks: when a wallet has answered, the relying party's URL gets a POST whose body is signed
// by the relying party's verifier key as a detached JWS (RFC 7515 Appendix F, `Alma-Signature`
// header), so the receiver can check it came from here; retried with exponential backoff.
import { randomBytes } from 'node:crypto'
import type { WebhookDelivery } from '@alma/store'
import {
  checkGuardedTarget,
  type GuardedFetchError,
  type GuardedFetchFailureReason,
  type GuardedFetchOptions,
  type GuardedTargetOptions,
  guardedFetch,
  isGuardedFetchError,
} from '@alma/trust'
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

/** What the webhook calls take from the network that tests replace: the DNS answers, a test CA. */
export type WebhookNetOptions = Pick<GuardedFetchOptions, 'lookup' | 'ca'>

/** How long one webhook call may take, DNS to the end of the answer. */
export const WEBHOOK_TIMEOUT_MS = 5000

/**
 * Where a webhook may go, as the options of the trust package's SSRF guard (the one security.md,
 * "did:web, X.509, eIDAS", asks for), since a relying party chooses the URL. In production: https only, and the host — a name or an
 * address — must be and resolve to public addresses only (not loopback, private, link-local or
 * otherwise reserved). A relying party may name its receiver by address, so public IP literals
 * are allowed, unlike for did:web. In development the receiver usually runs on the developer's
 * machine over plain http: the webhook's own origin is put on the development allow-list, which
 * waives the scheme, host and address checks for that origin alone.
 */
function webhookPolicy(url: string, mode: 'development' | 'production', net: WebhookNetOptions): GuardedTargetOptions {
  const policy: GuardedTargetOptions = {
    mode,
    allowIpLiterals: true,
    timeoutMs: WEBHOOK_TIMEOUT_MS,
    ...(net.lookup !== undefined ? { lookup: net.lookup } : {}),
  }
  if (mode !== 'development') return policy
  let origin: string | undefined
  try {
    const parsed = new URL(url)
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') origin = parsed.origin
  } catch {}
  return origin === undefined ? policy : { ...policy, devAllowList: [origin] }
}

/**
 * Refusals about the URL itself: waiting does not make the target acceptable, so no retry.
 * `dns_failed` is not one: a name that does not resolve now may resolve later (an outage, a
 * receiver being set up).
 */
const REFUSED: ReadonlySet<GuardedFetchFailureReason> = new Set([
  'invalid_url',
  'ip_literal',
  'forbidden_host',
  'not_allowed',
  'forbidden_address',
])

/**
 * Why a webhook may not go to `url`, in words naming the problem ("host hooks.example.org resolves
 * to a private address 10.0.0.5"), or undefined: the trust package's check of scheme, host,
 * resolution and addresses ({@link webhookPolicy}), sending nothing. For creation time; the
 * delivery checks again and connects only to the address it checked.
 */
export async function webhookTargetProblem(
  url: string,
  mode: 'development' | 'production',
  net: WebhookNetOptions = {},
): Promise<string | undefined> {
  try {
    await checkGuardedTarget(url, webhookPolicy(url, mode, net))
    return undefined
  } catch (e) {
    if (isGuardedFetchError(e)) return e.message
    throw e
  }
}

/**
 * A failed call in words for the delivery record and the log. HTTP answers are told by status
 * only: the guard's messages for them carry the whole URL, which may hold the receiver's secret.
 */
function failureOf(e: GuardedFetchError): string {
  if (e.reason === 'redirect') return `HTTP ${e.status} redirect, not followed`
  if (e.reason === 'http_status') return `HTTP ${e.status}`
  return e.message
}

/** The delay before attempt `attempt + 1`: first, 2×first, 4×first, … capped at an hour. */
export function retryDelaySeconds(firstRetrySeconds: number, attempt: number): number {
  return Math.min(3600, firstRetrySeconds * 2 ** Math.max(0, attempt - 1))
}

/**
 * Delivers what is due: lease (so another process does not send it too) → sign → POST through the
 * SSRF guard, which checks the target and connects only to the address it checked (no window for
 * DNS rebinding between the two), follows no redirect and stops at {@link WEBHOOK_TIMEOUT_MS} →
 * delivered on 2xx; a refused target is given up at once; anything else is retried later, or
 * given up after the last attempt. Returns how many were attempted.
 */
export async function deliverDueWebhooks(
  ctx: VerifierContext,
  limit = 20,
  net: WebhookNetOptions = {},
): Promise<number> {
  const due = await ctx.store.webhookDeliveries.leaseDue(ctx.now(), 30, limit)
  await Promise.all(
    due.map(async (delivery) => {
      let failure: string | undefined
      try {
        const rp = await ctx.relyingParty(delivery.tenantId)
        const body = JSON.stringify(delivery.body)
        await guardedFetch(delivery.url, {
          ...webhookPolicy(delivery.url, ctx.config.mode, net),
          ...(net.ca !== undefined ? { ca: net.ca } : {}),
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            'alma-signature': await signWebhookBody(rp, body),
            'alma-delivery': delivery.id,
            'alma-event': delivery.event,
          },
          userAgent: 'alma-verifier-webhook',
        })
      } catch (e) {
        if (isGuardedFetchError(e) && REFUSED.has(e.reason)) {
          ctx.log.warn({ delivery: delivery.id, refused: e.message }, 'webhook target refused')
          await ctx.store.webhookDeliveries.markAttemptFailed(
            delivery.tenantId,
            delivery.id,
            `refused: ${e.message}`,
            undefined,
          )
          return
        }
        failure = isGuardedFetchError(e) ? failureOf(e) : e instanceof Error ? e.message : String(e)
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
