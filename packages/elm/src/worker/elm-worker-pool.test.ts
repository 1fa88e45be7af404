import { afterAll, describe, expect, it } from 'vitest'
import { buildEdc } from '../build/build-edc.ts'
import { prepareBuildInputs } from '../input/index.ts'
import { parseEdc } from '../parse/parse-edc.ts'
import { annexIReport } from '../report/annex-i-report.ts'
import { withLadder } from '../shacl/shacl-test-documents.ts'
import { FIXED_NOW, ONE_PIXEL_PNG, readExample, readSample } from '../test-fixtures.ts'
import { createElmWorkers, ElmWorkerError } from './elm-worker-pool.ts'

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const pools: ReturnType<typeof createElmWorkers>[] = []
function pool(options: Parameters<typeof createElmWorkers>[0] = {}) {
  const created = createElmWorkers(options)
  pools.push(created)
  return created
}
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()))
})

// One pool for the tests that do not stop or fill it: a thread's start-up (tsx, the libraries) is paid once.
const shared = pool()

const course = () => prepareBuildInputs(readExample('specification.json'), readExample('organisations.json'))
const sealedPayload = () => JSON.parse(readSample('Sample-MC-Annex1-signed.jsonld').payload as string)

describe('createElmWorkers', () => {
  it('validates on a worker thread what validateEdcShacl validates: the EC sample conforms', async () => {
    const workers = shared
    const report = await workers.validateShacl(sealedPayload())
    expect(report).toMatchObject({ profile: 'generic-full', conforms: true, violations: [], ignoredSchemaTriples: 0 })
  })

  // Issue 12 §3: each rung doubled the time (depth 19 → 17.5 s). Depth 25 would take hours; with
  // the schema triples dropped it is an ordinary validation, well inside the deadline — on the old
  // code this test fails with worker_deadline_exceeded instead of hanging the test run.
  it('neutralises a depth-25 rdfs:subClassOf ladder: the 100 schema triples are ignored, the rest validated', async () => {
    const workers = shared
    const document = withLadder(readSample('Sample-MC-Annex1-unsigned.jsonld'), 25)
    expect(JSON.stringify(document['http://example.org/attack#ladder']).length).toBeLessThan(10_000)
    const report = await workers.validateShacl(document, { deadlineMs: 25_000 })
    expect(report.ignoredSchemaTriples).toBe(100)
    expect(report.violations.map((v) => v.property).sort()).toEqual(['eidasLegalIdentifier', 'issued'])
  })

  it('refuses a graph with no EDC node across the thread boundary as an ElmError: not an EDC document', async () => {
    const workers = shared
    const { '@context': context } = readSample('Sample-MC-Annex1-unsigned.jsonld')
    const document = { '@context': context, id: 'urn:x', type: 'VerifiableCredential', credentialSubject: {} }
    await expect(workers.validateShacl(document)).rejects.toMatchObject({
      name: 'ElmError',
      code: 'not_an_edc_document',
      message: expect.stringMatching(/^not an EDC document: /),
    })
  })

  it('stops a task at its deadline, names it, replaces the thread, and serves the next task', async () => {
    const workers = pool({ size: 1 })
    // Any SHACL validation takes far more than 1 ms: the deadline passes while the thread works.
    const late = workers.validateShacl(sealedPayload(), { deadlineMs: 1 })
    await expect(late).rejects.toBeInstanceOf(ElmWorkerError)
    await expect(late).rejects.toMatchObject({
      code: 'worker_deadline_exceeded',
      deadlineMs: 1,
      message: 'the SHACL validation did not finish within 1 ms and was stopped',
    })
    expect(workers.stats()).toEqual({ threads: 0, running: 0, queued: 0 })
    const report = await workers.validateShacl(sealedPayload())
    expect(report.conforms).toBe(true)
    expect(workers.stats().threads).toBe(1)
  })

  it('refuses a task beyond the queue with worker_busy and a time to retry after', async () => {
    const workers = pool({ size: 1, maxQueued: 1 })
    const running = workers.validateShacl(sealedPayload())
    const waiting = workers.validateShacl(sealedPayload())
    const refused = workers.validateShacl(sealedPayload())
    await expect(refused).rejects.toMatchObject({ code: 'worker_busy', retryAfterSeconds: expect.any(Number) })
    await expect(refused).rejects.toThrow(/^the ELM workers are busy \(1 running, 1 waiting\); retry after \d+ s$/)
    expect((await running).conforms).toBe(true)
    expect((await waiting).conforms).toBe(true)
  })

  it('builds the same EDC as buildEdc on the calling thread (ids aside), pages rendered on the worker', async () => {
    const workers = shared
    const award = readExample('awards/ana-andromeda.json')
    const built = await workers.buildEdc(course(), award, { now: FIXED_NOW })
    const pages = parseEdc(built).display.pages
    expect(pages.map((p) => p.language).sort()).toEqual(['de', 'en'])
    expect([...Buffer.from(pages[0]!.content, 'base64').subarray(0, 8)]).toEqual(PNG_SIGNATURE)
    const here = buildEdc(course(), award, { now: FIXED_NOW, pages: { en: ONE_PIXEL_PNG, de: ONE_PIXEL_PNG } })
    expect(annexIReport(built)).toEqual(annexIReport(here))
    expect(await workers.annexIReportOfAward(course(), award, { now: FIXED_NOW })).toEqual(annexIReport(here))
  })

  it('an invalid award comes back as the ElmError naming the field', async () => {
    const workers = shared
    await expect(workers.buildEdc(course(), { learner: {} }, { now: FIXED_NOW })).rejects.toMatchObject({
      name: 'ElmError',
      code: 'invalid_input',
      issues: expect.arrayContaining([expect.objectContaining({ path: 'award.learner.givenName' })]),
    })
  })

  it('renders one PNG per display language of a document', async () => {
    const workers = shared
    const document = buildEdc(course(), readExample('awards/ana-andromeda.json'), {
      now: FIXED_NOW,
      pages: { en: ONE_PIXEL_PNG, de: ONE_PIXEL_PNG },
    })
    const pages = await workers.renderCertificatePages(document)
    expect(Object.keys(pages).sort()).toEqual(['de', 'en'])
    expect([...pages.en!.subarray(0, 8)]).toEqual(PNG_SIGNATURE)
    const german = await workers.renderCertificatePages(document, { languages: ['de'] })
    expect(Object.keys(german)).toEqual(['de'])
  })

  it('after close, waiting and later tasks are refused with worker_closed', async () => {
    const workers = createElmWorkers({ size: 1 })
    const tasks = Promise.allSettled([workers.validateShacl(sealedPayload()), workers.validateShacl(sealedPayload())])
    await workers.close()
    const [running, waiting] = await tasks
    expect(running).toMatchObject({ status: 'rejected', reason: { code: 'worker_closed' } })
    expect(waiting).toMatchObject({ status: 'rejected', reason: { code: 'worker_closed' } })
    await expect(workers.validateShacl(sealedPayload())).rejects.toMatchObject({ code: 'worker_closed' })
    expect(workers.stats()).toEqual({ threads: 0, running: 0, queued: 0 })
  })
})
