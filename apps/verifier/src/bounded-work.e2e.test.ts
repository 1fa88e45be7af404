// Issue 12 §3, "one request can stall every tenant", on the verifier over HTTP: SHACL of an upload
// runs on the ELM workers while /health is answered; a validation past its deadline is a FORMAT
// ERROR and the workers keep serving; uploads beyond 2 MiB are 413 before anything is parsed;
// expensive endpoints are rate-limited per relying party (429 with Retry-After).
import { readFileSync } from 'node:fs'
import { createElmWorkers, type ElmWorkers } from '@alma/elm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_EDC_UPLOAD_BYTES } from './edc-upload/index.ts'
import { provisionRelyingParty } from './provision-relying-party.ts'
import { createRelyingPartyKey } from './relying-party-keys.ts'
import { startTestVerifier, type TestVerifier } from './testing/verifier-harness.ts'

const samples = new URL('../../../../shared/reference/elm/samples/', import.meta.url)
const UNSIGNED = readFileSync(new URL('Sample-MC-Annex1-unsigned.jsonld', samples), 'utf8')

/**
 * The EC's unsigned sample with 450 learning outcomes: ~470 KB and ~8,500 triples, inside every
 * limit, so its SHACL validation is long, honest work (seconds), not an attack.
 */
function largeEdc(): string {
  const document = JSON.parse(UNSIGNED)
  const specification = document.credentialSubject.hasClaim.specifiedBy
  const outcome = [specification.learningOutcome].flat()[0]
  specification.learningOutcome = Array.from({ length: 450 }, (_, i) => ({
    ...outcome,
    id: `urn:alma:test:outcome:${i}`,
    relatedESCOSkill: outcome.relatedESCOSkill.map((skill: { id: string }) => ({ ...skill, id: `${skill.id}-${i}` })),
  }))
  return JSON.stringify(document)
}

function upload(verifier: TestVerifier, body: string | Uint8Array<ArrayBuffer>, key = verifier.apiKey) {
  return fetch(`${verifier.url}/api/${verifier.rpId}/edc-verifications`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/ld+json' },
    body,
  })
}

async function auditedVerifications(verifier: TestVerifier, rpId = verifier.rpId) {
  return (await verifier.store.auditLog.list(rpId)).filter((e) => e.action === 'edc.verified').length
}

describe('the verifier under expensive uploads', () => {
  let workers: ElmWorkers
  let verifier: TestVerifier

  beforeAll(async () => {
    // One thread, so "the job is running" is observable; the default deadline.
    workers = createElmWorkers({ size: 1 })
    verifier = await startTestVerifier({ trustAnchors: [], elmWorkers: workers })
  }, 120_000)
  afterAll(async () => {
    await verifier?.close()
    await workers?.close()
  })

  it('answers /health while an upload’s SHACL validation runs on a worker: health first, then the verdict', async () => {
    const order: string[] = []
    const verification = upload(verifier, largeEdc()).then(async (res) => {
      order.push('upload')
      return { status: res.status, body: await res.json() }
    })
    // Ordering, not time: wait until the worker has the task, then ask for /health.
    while (workers.stats().running === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    const health = await fetch(`${verifier.url}/health`)
    order.push('health')
    expect(health.status).toBe(200)
    expect(workers.stats().running).toBe(1)
    const verified = await verification
    expect(order).toEqual(['health', 'upload'])
    expect(verified.status).toBe(200)
    const format = verified.body.checks.find((c: { id: string }) => c.id === 'format')
    expect(format.reason).toMatch(/^\d+ violation\(s\) of the EDC SHACL profile 'generic-full'/)
    expect(verified.body.format.triples).toBeGreaterThan(8_000)
  }, 120_000)

  it('an upload beyond 2 MiB is 413 naming the cap, before it is read, parsed or audited', async () => {
    const before = await auditedVerifications(verifier)
    const res = await upload(verifier, new Uint8Array(MAX_EDC_UPLOAD_BYTES + 1).fill(0x20))
    expect(res.status).toBe(413)
    expect(await res.json()).toEqual({
      error: 'payload_too_large',
      error_description: 'the EDC file is larger than 2097152 bytes (2 MiB), the most this verifier accepts',
    })
    expect(await auditedVerifications(verifier)).toBe(before)
  })

  it('a stranger’s upload is refused on its API key before the body is read', async () => {
    const res = await upload(verifier, new Uint8Array(MAX_EDC_UPLOAD_BYTES + 1).fill(0x20), 'not-a-key')
    expect(res.status).toBe(401)
  })

  it('a credential with no EDC node is FORMAT ERROR "not an EDC document", never "conforms"', async () => {
    const res = await upload(verifier, JSON.stringify({ ...JSON.parse(UNSIGNED), type: ['VerifiableCredential'] }))
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.verdict).toBe('failed')
    expect(body.checks.find((c: { id: string }) => c.id === 'format')).toMatchObject({
      status: 'ERROR',
      reason: expect.stringMatching(/^not an EDC document: its graph has no elm:EuropeanDigitalCredential node/),
    })
  })
})

describe('the verifier’s deadline on SHACL', () => {
  let workers: ElmWorkers
  let verifier: TestVerifier

  beforeAll(async () => {
    // Every SHACL validation takes longer than 1 ms: each one passes its deadline.
    workers = createElmWorkers({ size: 1, deadlineMs: 1 })
    verifier = await startTestVerifier({ trustAnchors: [], elmWorkers: workers })
  }, 120_000)
  afterAll(async () => {
    await verifier?.close()
    await workers?.close()
  })

  it('a validation past its deadline: the worker is stopped, FORMAT names it, and the next upload is served', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await upload(verifier, UNSIGNED)
      expect(res.status).toBe(200)
      const body = await res.json()
      expect(body.verdict).toBe('failed')
      expect(body.checks.find((c: { id: string }) => c.id === 'format')).toMatchObject({
        status: 'ERROR',
        reason:
          "the SHACL validation did not finish within 1 ms and was stopped: the document's graph is too costly to validate, so it is not shown to conform",
      })
    }
  }, 120_000)
})

describe('the verifier’s rate limits per relying party', () => {
  let verifier: TestVerifier

  beforeAll(async () => {
    verifier = await startTestVerifier({
      trustAnchors: [],
      rateLimits: {
        edcVerifications: { burst: 1, perSecond: 0.01 },
        presentationRequests: { burst: 1, perSecond: 0.01 },
      },
    })
  }, 120_000)
  afterAll(async () => {
    await verifier?.close()
  })

  it('EDC verifications: one in the bucket, then 429 with Retry-After and nothing verified; another relying party is not affected', async () => {
    // A file that is not JSON-LD costs no SHACL: the bucket, not the work, is under test.
    expect((await upload(verifier, '{"a":1}')).status).toBe(200)
    const before = await auditedVerifications(verifier)
    const res = await upload(verifier, '{"a":1}')
    expect(res.status).toBe(429)
    const retryAfter = res.headers.get('retry-after')
    expect(Number(retryAfter)).toBeGreaterThan(0)
    expect(await res.json()).toEqual({
      error: 'rate_limited',
      error_description: `too many EDC verifications for relying party ${verifier.rpId}; retry after ${retryAfter} s`,
    })
    expect(await auditedVerifications(verifier)).toBe(before)

    await provisionRelyingParty(
      { store: verifier.store, keyring: verifier.ctx.keyring, baseUrl: verifier.url, ca: verifier.ca, now: new Date() },
      { id: 'other-employer', name: 'Other Employer' },
    )
    const { key } = await createRelyingPartyKey(verifier.store, 'other-employer')
    const other = await fetch(`${verifier.url}/api/other-employer/edc-verifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/ld+json' },
      body: '{"a":1}',
    })
    expect(other.status).toBe(200)
  })

  it('presentation requests: one in the bucket, then 429 with Retry-After and nothing created', async () => {
    const first = await verifier.api('POST', `/api/${verifier.rpId}/presentation-requests`, {
      template: { type: 'any-micro-credential' },
    })
    expect(first.status).toBe(201)
    const second = await fetch(`${verifier.url}/api/${verifier.rpId}/presentation-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${verifier.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ template: { type: 'any-micro-credential' } }),
    })
    expect(second.status).toBe(429)
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await second.json()).error).toBe('rate_limited')
    const list = await verifier.api('GET', `/api/${verifier.rpId}/presentation-requests`)
    expect(list.body.items).toHaveLength(1)
  })
})
