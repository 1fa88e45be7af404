// Webhooks end to end: when a wallet has answered, the relying party's URL receives a POST signed
// by the verifier (detached JWS, checked here against the relying party's did.json key), and a
// receiver that fails at first gets the call again later.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { flattenedVerify, importJWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestIssuer, type TestIssuer } from '../../issuer/src/testing/issuer-harness.ts'
import { WEBHOOK_SIGNATURE_TYP } from './presentation/webhooks.ts'
import { type IssuedCredentials, issueBoth, openRequest, presentSdJwt, submitResponse } from './testing/hand-wallet.ts'
import { startTestVerifier, type TestVerifier } from './testing/verifier-harness.ts'

interface Received {
  readonly headers: IncomingMessage['headers']
  readonly body: string
}

let issuer: TestIssuer
let verifier: TestVerifier
let issued: IssuedCredentials
let receiver: Server
let receiverUrl: string
const received: Received[] = []
/** How many calls the receiver refuses before it accepts. */
let refuseNext = 0

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      if (refuseNext > 0) {
        refuseNext -= 1
        res.writeHead(503).end()
      } else res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alma-hook`
  issuer = await startTestIssuer()
  verifier = await startTestVerifier({
    trustAnchors: [String(issuer.ca?.certificatePem)],
    devAllowList: [issuer.url],
    webhookIntervalMs: 100,
    webhookUrl: receiverUrl,
    config: { webhookFirstRetrySeconds: 1 },
  })
  issued = await issueBoth(issuer)
}, 120_000)
afterAll(async () => {
  await verifier?.close()
  await issuer?.close()
  await new Promise((resolve) => receiver?.close(resolve))
})

async function answerOne(): Promise<string> {
  const created = await verifier.api('POST', `/api/${verifier.rpId}/presentation-requests`, {
    template: { type: 'any-micro-credential' },
    formats: ['dc+sd-jwt'],
  })
  const { payload } = await openRequest(created.body.authorizationRequestUri, { trustedCa: verifier.ca.certificatePem })
  const query = payload.dcql_query.credentials[0]
  const presentation = await presentSdJwt(
    issued.sdJwt,
    issued.keys[1]!,
    query.claims.map((c: { path: string[] }) => c.path[0]),
    { aud: payload.client_id, nonce: payload.nonce },
  )
  const answer = await submitResponse(payload, { vp_token: { [query.id]: [presentation] }, state: payload.state })
  expect(answer.status).toBe(200)
  return created.body.id
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function verifySignature(call: Received) {
  const [protectedHeader, empty, signature] = String(call.headers['alma-signature']).split('.')
  expect(empty).toBe('')
  const header = JSON.parse(Buffer.from(protectedHeader!, 'base64url').toString())
  expect(header.typ).toBe(WEBHOOK_SIGNATURE_TYP)
  const did = await (await fetch(`${verifier.url}/${verifier.rpId}/did.json`)).json()
  const method = did.verificationMethod.find((m: { id: string }) => m.id === header.kid)
  expect(method).toBeDefined()
  const key = await importJWK(method.publicKeyJwk, header.alg)
  // RFC 7515 Appendix F: the detached payload is put back, base64url-encoded, to verify.
  await flattenedVerify(
    { protected: protectedHeader!, payload: Buffer.from(call.body).toString('base64url'), signature: signature! },
    key,
  )
  return header
}

describe('webhooks', () => {
  it('posts a signed notice when the wallet has answered', async () => {
    const requestId = await answerOne()
    const call = await until(() => received.find((r) => JSON.parse(r.body).requestId === requestId))
    expect(JSON.parse(call.body)).toMatchObject({
      event: 'presentation.completed',
      relyingParty: verifier.rpId,
      requestId,
      verdict: 'verified',
    })
    expect(call.headers['content-type']).toBe('application/json')
    await verifySignature(call)
    // A tampered body does not verify.
    await expect(verifySignature({ ...call, body: call.body.replace('verified', 'failed') })).rejects.toThrow()
  })

  it('retries with backoff until the receiver accepts', async () => {
    refuseNext = 2
    const requestId = await answerOne()
    const calls = () => received.filter((r) => JSON.parse(r.body).requestId === requestId)
    await until(() => (calls().length >= 3 ? true : undefined), 15_000)
    const [first, second, third] = calls()
    expect(first?.headers['alma-delivery']).toBe(third?.headers['alma-delivery'])
    expect(second).toBeDefined()
    const final = await until(async () => {
      const deliveries = await verifier.store.webhookDeliveries.listByTenant(verifier.rpId)
      const delivery = deliveries.find((d) => d.body.requestId === requestId)
      return delivery?.state === 'delivered' ? delivery : undefined
    })
    expect(final).toMatchObject({ state: 'delivered', attempts: 3 })
    expect(final.lastError).toBeUndefined()
  }, 30_000)
})
