import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { withLadder } from './shacl-test-documents.ts'
import { dropSchemaTriples, edcToDataset, SHACL_LIMITS, validateEdcShacl } from './validate-edc-shacl.ts'

const samples = new URL('../../../../../shared/reference/elm/samples/', import.meta.url)
const readSample = (name: string) => JSON.parse(readFileSync(new URL(name, samples), 'utf8'))

describe('validateEdcShacl', () => {
  it('accepts the payload of the EC signed Annex I sample with zero violations', async () => {
    const sealed = readSample('Sample-MC-Annex1-signed.jsonld')
    const report = await validateEdcShacl(JSON.parse(sealed.payload))
    expect(report.violations).toEqual([])
    expect(report.conforms).toBe(true)
  })

  it('names the two fields the unsigned EC sample lacks until it is sealed', async () => {
    const report = await validateEdcShacl(readSample('Sample-MC-Annex1-unsigned.jsonld'))
    expect(report.conforms).toBe(false)
    expect(report.violations.map((v) => [v.within.join('.'), v.property]).sort()).toEqual([
      ['', 'issued'],
      ['issuer', 'eidasLegalIdentifier'],
    ])
  })

  it('refuses a document whose context is not shipped instead of fetching it', async () => {
    const doc = { '@context': ['https://example.org/ctx'], id: 'urn:x', type: 'Thing' }
    await expect(validateEdcShacl(doc)).rejects.toMatchObject({ code: 'unknown_context' })
  })

  it('reports how many triples it validated', async () => {
    const sealed = readSample('Sample-MC-Annex1-signed.jsonld')
    const report = await validateEdcShacl(JSON.parse(sealed.payload))
    expect(report.triples).toBeGreaterThan(100)
    expect(report.ignoredSchemaTriples).toBe(0)
  })
})

// Issue 12 §5: the shapes select by class, so a graph without an EDC node "conformed" vacuously.
describe('validateEdcShacl: a document that is not an EDC', () => {
  const unsigned = () => readSample('Sample-MC-Annex1-unsigned.jsonld')

  it('refuses a verifiable credential with no elm:EuropeanDigitalCredential node: not an EDC document', async () => {
    const { '@context': context } = unsigned()
    const document = {
      '@context': context,
      id: 'urn:x',
      type: 'VerifiableCredential',
      credentialSubject: { id: 'urn:p' },
    }
    await expect(validateEdcShacl(document)).rejects.toMatchObject({
      code: 'not_an_edc_document',
      message: expect.stringMatching(/^not an EDC document: its graph has no elm:EuropeanDigitalCredential node/),
    })
  })

  it('refuses a credential whose top node is not the EDC, even with a conforming EDC nested inside', async () => {
    const nested = unsigned()
    const document = {
      ...unsigned(),
      id: 'urn:top',
      type: 'VerifiableCredential',
      'http://example.org/attack#inner': { ...nested, id: 'urn:inner' },
    }
    await expect(validateEdcShacl(document)).rejects.toMatchObject({
      code: 'not_an_edc_document',
      message:
        'not an EDC document: its top-level node is not an elm:EuropeanDigitalCredential (type EuropeanDigitalCredential)',
    })
  })

  it('refuses a JSON array', async () => {
    await expect(validateEdcShacl([unsigned()])).rejects.toMatchObject({ code: 'not_an_edc_document' })
  })
})

// Issue 12 §3: an untrusted graph is data, never ontology; its size is bounded before SHACL runs.
describe('validateEdcShacl: bounded work', () => {
  const unsigned = () => readSample('Sample-MC-Annex1-unsigned.jsonld')

  it('drops the rdfs:subClassOf ladder from the data graph (4 schema triples per rung) and validates the rest', async () => {
    const plain = await validateEdcShacl(unsigned())
    // Depth 8 only: this runs on the test's own thread (the depth-25 ladder runs under the worker pool's deadline).
    const laddered = await validateEdcShacl(withLadder(unsigned(), 8))
    expect(laddered.ignoredSchemaTriples).toBe(32)
    // What stays of the ladder: the three nodes of each rung hung under the credential's property.
    expect(laddered.triples).toBe(plain.triples + 3 * 8)
    expect(laddered.violations).toEqual(plain.violations)
  })

  it('drops every rdfs: and owl: predicate, and rdf:type rdfs:Class / owl:Class', async () => {
    const document = {
      ...unsigned(),
      'http://example.org/attack#schema': [
        { '@id': 'urn:c', '@type': ['http://www.w3.org/2002/07/owl#Class'] },
        { '@id': 'urn:d', 'http://www.w3.org/2000/01/rdf-schema#domain': { '@id': 'urn:c' } },
        { '@id': 'urn:e', 'http://www.w3.org/2002/07/owl#equivalentClass': { '@id': 'urn:c' } },
      ],
    }
    const data = await edcToDataset(document)
    const before = data.size
    expect(dropSchemaTriples(data)).toBe(3)
    expect(data.size).toBe(before - 3)
  })

  it('a class declared a subclass in the document does not satisfy sh:class (the graph is not ontology)', async () => {
    // The sample's awarding body (embedded in several places) typed only as a made-up subclass of elm:Organisation.
    const document = unsigned() as Record<string, any>
    const body = document.credentialSubject.hasClaim.awardedBy.awardingBody
    const bodyId = (Array.isArray(body) ? body[0] : body).id
    const retype = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(retype)
      else if (typeof value === 'object' && value !== null) {
        const node = value as Record<string, unknown>
        if (node.id === bodyId && node.type) node.type = 'http://example.org/attack#Org'
        Object.values(node).forEach(retype)
      }
    }
    retype(document)
    document['http://example.org/attack#schema'] = {
      '@id': 'http://example.org/attack#Org',
      'http://www.w3.org/2000/01/rdf-schema#subClassOf': { '@id': 'http://data.europa.eu/snb/model/elm/Organisation' },
    }
    const report = await validateEdcShacl(document)
    expect(report.ignoredSchemaTriples).toBe(1)
    expect(report.violations.some((v) => v.property === 'awardingBody')).toBe(true)
  })

  it('names the triple limit: "the document has N triples; at most M are validated"', async () => {
    await expect(
      validateEdcShacl(unsigned(), 'generic-full', { ...SHACL_LIMITS, maxTriples: 100 }),
    ).rejects.toMatchObject({
      code: 'document_too_large',
      message: expect.stringMatching(/^the document has \d+ triples; at most 100 are validated$/),
    })
  })

  it('names the size, nesting and value limits before any JSON-LD work', async () => {
    await expect(
      validateEdcShacl(unsigned(), 'generic-full', { ...SHACL_LIMITS, maxBytes: 50_000 }),
    ).rejects.toMatchObject({
      code: 'document_too_large',
      message: 'the document is 111126 bytes as JSON; at most 50000 (48.83 KiB) are validated',
    })
    let deep: unknown = 'bottom'
    for (let i = 0; i < 10_000; i++) deep = [deep]
    await expect(validateEdcShacl({ ...unsigned(), deep })).rejects.toMatchObject({
      code: 'document_too_large',
      message: 'the document nests more than 64 levels deep; at most 64 are validated',
    })
    const wide = { ...unsigned(), wide: Array.from({ length: 60_000 }, () => 0) }
    await expect(validateEdcShacl(wide)).rejects.toMatchObject({
      code: 'document_too_large',
      message: 'the document has more than 50000 JSON values; at most 50000 are validated',
    })
  })
})
