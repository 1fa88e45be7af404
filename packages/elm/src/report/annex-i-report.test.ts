import { describe, expect, it } from 'vitest'
import { buildEdc } from '../build/build-edc.ts'
import { counterIds, FIXED_NOW, minimalInputs, ONE_PIXEL_PNG, readSample } from '../test-fixtures.ts'
import { annexIReport, formatAnnexIReport } from './annex-i-report.ts'

describe('annexIReport', () => {
  it('reports the EC signed sample honestly: every element but quality assurance (11)', () => {
    const report = annexIReport(readSample('Sample-MC-Annex1-signed.jsonld'))
    expect(report.missing).toEqual([11])
    expect(report.isMicroCredential).toBe(false)
    expect(report.elements.find((element) => element.number === 8)).toMatchObject({
      status: 'present',
      value: 'EQF 6; RQF Level 6',
      paths: [
        'credentialSubject.hasClaim[0].specifiedBy.eqfLevel',
        'credentialSubject.hasClaim[0].specifiedBy.nqfLevel[]',
      ],
    })
    expect(report.elements.find((element) => element.number === 16)?.status).toBe('not-applicable')
  })

  it('marks optional elements a minimal credential does not use as not applicable', () => {
    const { specification, award, organisations } = minimalInputs()
    const document = buildEdc(specification, award, organisations, {
      now: FIXED_NOW,
      newId: counterIds(),
      pages: { en: ONE_PIXEL_PNG },
    })
    const report = annexIReport(document)
    expect(report.isMicroCredential).toBe(true)
    expect(report.elements.map((element) => [element.number, element.status])).toEqual([
      ...Array.from({ length: 11 }, (_, index) => [index + 1, 'present']),
      [12, 'not-applicable'],
      [13, 'not-applicable'],
      [14, 'present'],
      [15, 'not-applicable'],
      [16, 'not-applicable'],
    ])
  })

  it('says which mandatory elements are missing', () => {
    const { specification, award, organisations } = minimalInputs()
    const document = buildEdc({ ...specification, qualityAssurance: undefined }, award, organisations, {
      now: FIXED_NOW,
      newId: counterIds(),
      pages: { en: ONE_PIXEL_PNG },
    })
    const text = formatAnnexIReport(annexIReport(document))
    expect(text).toContain('✗ 11. Type of quality assurance used to underpin the micro-credential')
    expect(text).toMatch(
      /Not a micro-credential in the sense of the Council Recommendation: missing element\(s\) 11\.$/,
    )
  })
})
