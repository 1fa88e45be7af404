import { generateKeyPairSync } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { WebhookDelivery } from '@alma/store'
import type { ResolvedAddress } from '@alma/trust'
import { fakeDns } from '@alma/trust/test-fixtures'
import { flattenedVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RelyingPartyRuntime, VerifierContext } from '../verifier-context.ts'
import {
  deliverDueWebhooks,
  retryDelaySeconds,
  WEBHOOK_EVENT,
  WEBHOOK_SIGNATURE_TYP,
  webhookTargetProblem,
} from './webhooks.ts'

describe('webhook targets: no SSRF through URLs a relying party supplies', () => {
  it('production: https to public addresses only, every problem named', async () => {
    expect(await webhookTargetProblem('http://hooks.example.org/x', 'production')).toBe(
      'plain http to hooks.example.org is not allowed in production; use https',
    )
    for (const [internal, problem] of [
      ['https://127.0.0.1/x', 'host 127.0.0.1 is a loopback address'],
      ['https://10.1.2.3/x', 'host 10.1.2.3 is a private address'],
      ['https://169.254.169.254/latest', 'host 169.254.169.254 is a link-local address'],
      ['https://[::1]/x', 'host [::1] is a loopback address'],
      ['https://2130706433/x', 'host 127.0.0.1 is a loopback address'],
    ] as const) {
      expect(await webhookTargetProblem(internal, 'production'), internal).toBe(problem)
    }
    expect(await webhookTargetProblem('https://localhost/x', 'production')).toBe(
      'host "localhost" is localhost (RFC 6761 §6.3)',
    )
    expect(await webhookTargetProblem('https://user:pw@8.8.8.8/x', 'production')).toMatch(/user:password/)
    expect(await webhookTargetProblem('not a url', 'production')).toMatch(/is not an absolute URL/)
    // A public address may be written as such: nothing to resolve.
    expect(await webhookTargetProblem('https://8.8.8.8/hook', 'production')).toBeUndefined()
  })

  it('production: a name is resolved, and every address it resolves to must be public', async () => {
    const url = 'https://hooks.example.org/x'
    expect(await webhookTargetProblem(url, 'production', { lookup: fakeDns('10.0.0.5').lookup })).toBe(
      'host hooks.example.org resolves to a private address 10.0.0.5',
    )
    expect(
      await webhookTargetProblem(url, 'production', { lookup: fakeDns('93.184.215.14', '169.254.169.254').lookup }),
    ).toBe('host hooks.example.org resolves to a link-local address 169.254.169.254')
    expect(await webhookTargetProblem(url, 'production', { lookup: fakeDns().lookup })).toBe(
      'host hooks.example.org has no addresses',
    )
    const dns = fakeDns('93.184.215.14', '2606:2800:220:1::1')
    expect(await webhookTargetProblem(url, 'production', { lookup: dns.lookup })).toBeUndefined()
    expect(dns.calls).toEqual(['hooks.example.org'])
  })

  it('development: loopback receivers over plain http are allowed, other schemes are not', async () => {
    expect(await webhookTargetProblem('http://127.0.0.1:9999/hook', 'development')).toBeUndefined()
    expect(await webhookTargetProblem('http://[::1]:9999/hook', 'development')).toBeUndefined()
    const dns = fakeDns('127.0.0.1')
    expect(
      await webhookTargetProblem('http://localhost:9999/hook', 'development', { lookup: dns.lookup }),
    ).toBeUndefined()
    expect(
      await webhookTargetProblem('http://receiver.test/hook', 'development', { lookup: dns.lookup }),
    ).toBeUndefined()
    expect(await webhookTargetProblem('file:///etc/passwd', 'development')).toBe(
      'file: URLs are not fetched, only http(s)',
    )
  })

  it('backs off exponentially, capped at an hour', () => {
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(2, n))).toEqual([2, 4, 8, 16])
    expect(retryDelaySeconds(2, 30)).toBe(3600)
  })
})

// The worker against a real receiver on 127.0.0.1, with the store and the relying party faked:
// what is sent, what is recorded, and what is never sent.

interface Received {
  readonly path: string | undefined
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

const received: Received[] = []
let receiver: Server
let origin: string

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      received.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      if (req.url === '/moved') res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end()
      else if (req.url === '/down') res.writeHead(503).end()
      else res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve))
})

const NOW = new Date('2025-06-01T12:00:00Z')
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const DID_URL = 'did:web:verifier.example:employer#key-1'

/** Only what signing a webhook reads of a relying party. */
const rp = {
  id: 'employer',
  key: { record: { alg: 'ES256' }, privateKey, didUrl: DID_URL },
} as unknown as RelyingPartyRuntime

interface Outcome {
  readonly delivered: string[]
  readonly failed: { id: string; error: string; retryAt: Date | undefined }[]
  readonly warnings: object[]
}

/** Runs the worker once over the given deliveries, with a store that records what it is told. */
async function deliver(
  mode: 'development' | 'production',
  deliveries: WebhookDelivery[],
  net: Parameters<typeof deliverDueWebhooks>[2] = {},
): Promise<Outcome> {
  const outcome: Outcome = { delivered: [], failed: [], warnings: [] }
  const ctx = {
    config: { mode, webhookMaxAttempts: 3, webhookFirstRetrySeconds: 2 },
    now: () => NOW,
    log: { info() {}, warn: (obj: object) => outcome.warnings.push(obj), error() {} },
    relyingParty: async () => rp,
    store: {
      webhookDeliveries: {
        leaseDue: async () => deliveries,
        markDelivered: async (_tenant: string, id: string) => void outcome.delivered.push(id),
        markAttemptFailed: async (_tenant: string, id: string, error: string, retryAt: Date | undefined) =>
          void outcome.failed.push({ id, error, retryAt }),
      },
    },
  } as unknown as VerifierContext
  expect(await deliverDueWebhooks(ctx, 20, net)).toBe(deliveries.length)
  return outcome
}

function delivery(id: string, url: string, attempts = 1): WebhookDelivery {
  return {
    tenantId: 'employer',
    id,
    url,
    event: WEBHOOK_EVENT,
    body: { event: WEBHOOK_EVENT, requestId: id, verdict: 'verified' },
    state: 'pending',
    attempts,
    nextAttemptAt: NOW,
    createdAt: NOW,
  }
}

const sentTo = (id: string) => received.filter((r) => r.body.includes(`"requestId":"${id}"`))

describe('deliverDueWebhooks', () => {
  it('posts the signed body through the guard and records the delivery (development, loopback receiver)', async () => {
    const outcome = await deliver('development', [delivery('ok-1', `${origin}/hook`)])
    expect(outcome).toEqual({ delivered: ['ok-1'], failed: [], warnings: [] })
    const [call] = sentTo('ok-1')
    expect(call?.path).toBe('/hook')
    expect(JSON.parse(call?.body ?? '')).toEqual({ event: WEBHOOK_EVENT, requestId: 'ok-1', verdict: 'verified' })
    expect(call?.headers['content-type']).toBe('application/json')
    expect(call?.headers['alma-delivery']).toBe('ok-1')
    expect(call?.headers['alma-event']).toBe(WEBHOOK_EVENT)
    expect(call?.headers['user-agent']).toBe('alma-verifier-webhook')
    // RFC 7515 Appendix F: the detached payload is the exact body bytes.
    const [protectedHeader, empty, signature] = String(call?.headers['alma-signature']).split('.')
    expect(empty).toBe('')
    const verified = await flattenedVerify(
      {
        protected: protectedHeader ?? '',
        payload: Buffer.from(call?.body ?? '').toString('base64url'),
        signature: signature ?? '',
      },
      publicKey,
    )
    expect(verified.protectedHeader).toEqual({ alg: 'ES256', kid: DID_URL, typ: WEBHOOK_SIGNATURE_TYP })
  })

  it('retries a non-2xx answer with backoff, and gives up after the last attempt', async () => {
    const outcome = await deliver('development', [
      delivery('down-1', `${origin}/down`, 1),
      delivery('down-3', `${origin}/down`, 3),
    ])
    expect(outcome.delivered).toEqual([])
    expect(outcome.failed).toEqual([
      { id: 'down-1', error: 'HTTP 503', retryAt: new Date(NOW.getTime() + 2000) },
      { id: 'down-3', error: 'HTTP 503', retryAt: undefined },
    ])
    expect(sentTo('down-1')).toHaveLength(1)
  })

  it('does not follow a redirect: a failure that says so, without the URL', async () => {
    const outcome = await deliver('development', [delivery('moved-1', `${origin}/moved`)])
    expect(outcome.failed).toEqual([
      { id: 'moved-1', error: 'HTTP 307 redirect, not followed', retryAt: new Date(NOW.getTime() + 2000) },
    ])
    expect(received.filter((r) => r.path?.startsWith('/latest'))).toEqual([])
  })

  it('production: refuses private and loopback targets before connecting, for good', async () => {
    const outcome = await deliver(
      'production',
      [
        delivery('loopback-1', `${origin.replace('http:', 'https:')}/hook`),
        delivery('plain-1', 'http://hooks.example.org/hook'),
        delivery('private-1', 'https://hooks.example.org/hook'),
      ],
      { lookup: fakeDns('10.0.0.5').lookup },
    )
    expect(outcome.delivered).toEqual([])
    // Deliveries run concurrently: compared in id order.
    expect([...outcome.failed].sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'loopback-1', error: 'refused: host 127.0.0.1 is a loopback address', retryAt: undefined },
      {
        id: 'plain-1',
        error: 'refused: plain http to hooks.example.org is not allowed in production; use https',
        retryAt: undefined,
      },
      {
        id: 'private-1',
        error: 'refused: host hooks.example.org resolves to a private address 10.0.0.5',
        retryAt: undefined,
      },
    ])
    expect(outcome.warnings).toHaveLength(3)
    for (const id of ['loopback-1', 'plain-1', 'private-1']) expect(sentTo(id)).toEqual([])
  })

  it('retries a name that does not resolve: DNS may answer later', async () => {
    const lookup = async (): Promise<ResolvedAddress[]> => {
      throw new Error('getaddrinfo ENOTFOUND hooks.example.org')
    }
    const outcome = await deliver('production', [delivery('dns-1', 'https://hooks.example.org/hook')], { lookup })
    expect(outcome.failed).toEqual([
      {
        id: 'dns-1',
        error: 'cannot resolve host hooks.example.org: getaddrinfo ENOTFOUND hooks.example.org',
        retryAt: new Date(NOW.getTime() + 2000),
      },
    ])
  })
})
