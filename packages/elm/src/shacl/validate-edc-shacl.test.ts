import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { validateEdcShacl } from './validate-edc-shacl.ts'

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
})
