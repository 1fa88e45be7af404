import { describe, expect, it } from 'vitest'
import { ElmError } from '../errors.ts'
import { prepareBuildInputs } from '../input/index.ts'
import { annexIReport } from '../report/annex-i-report.ts'
import { validateEdcShacl } from '../shacl/index.ts'
import { counterIds, FIXED_NOW, minimalInputs, ONE_PIXEL_PNG, readExample, readSample } from '../test-fixtures.ts'
import { buildEdc, CREDENTIAL_PROFILE_ISSUED_BY_MANDATE } from './build-edc.ts'

const pages = { en: ONE_PIXEL_PNG, de: ONE_PIXEL_PNG }
const options = () => ({ now: FIXED_NOW, newId: counterIds(), pages })

const exampleSpec = readExample('specification.json')
const exampleAward = readExample('awards/ana-andromeda.json')
const jointAward = readExample('organisations.json')
const byMandate = readExample('organisations-mandate.json')

// The conformance test of issue 2: the EC's own SHACL application profile is the judge.
describe('buildEdc conforms to the EDC SHACL profile', () => {
  it('(a) a minimal micro-credential', async () => {
    const { specification, award, organisations } = minimalInputs()
    const document = buildEdc(specification, award, organisations, { ...options(), pages: { en: ONE_PIXEL_PNG } })
    const report = await validateEdcShacl(document)
    expect(report.violations).toEqual([])
    expect(annexIReport(document).isMicroCredential).toBe(true)
  })

  it('(b) one with all 16 Annex I elements', async () => {
    const document = buildEdc(exampleSpec, exampleAward, jointAward, options())
    expect((await validateEdcShacl(document)).violations).toEqual([])
    const report = annexIReport(document)
    expect(report.elements.filter((element) => element.status !== 'present')).toEqual([])
  })

  it('(c) a joint award by two awarding bodies in two countries', async () => {
    const document = buildEdc(exampleSpec, exampleAward, jointAward, options())
    expect((await validateEdcShacl(document)).violations).toEqual([])
    const achievement = (
      document.credentialSubject as { hasClaim: { awardedBy: { awardingBody: { id: string }[] } }[] }
    ).hasClaim[0]!
    expect(achievement.awardedBy.awardingBody.map((body) => body.id)).toEqual([
      'did:web:alliance.example:members:uni-a',
      'did:web:alliance.example:members:uni-b',
    ])
    expect(annexIReport(document).elements[2]!.value).toBe('Germany; France')
  })

  it('(d) one issued by mandate, also against EDC-issuedByMandate', async () => {
    const document = buildEdc(exampleSpec, exampleAward, byMandate, options())
    expect((await validateEdcShacl(document, 'issued-by-mandate')).violations).toEqual([])
    expect((await validateEdcShacl(document)).violations).toEqual([])
    expect(JSON.stringify(document.credentialProfiles)).toContain(CREDENTIAL_PROFILE_ISSUED_BY_MANDATE)
    expect(document.evidence).toMatchObject([
      { type: 'Evidence', evidenceStatement: expect.stringContaining('by mandate of the University of Adlerstadt') },
    ])
  })

  it('a joint award whose issuer is an awarding body is not issued by mandate', async () => {
    const document = buildEdc(exampleSpec, exampleAward, jointAward, options())
    expect(document.evidence).toBeUndefined()
    expect((await validateEdcShacl(document, 'issued-by-mandate')).violations.map((v) => v.property)).toEqual([
      'evidence',
    ])
  })

  it('the EC signed sample passes the same check', async () => {
    const sealed = readSample('Sample-MC-Annex1-signed.jsonld')
    expect((await validateEdcShacl(JSON.parse(sealed.payload as string))).conforms).toBe(true)
  })

  it('a document with a mandatory field removed fails with that field named', async () => {
    const document = buildEdc(exampleSpec, exampleAward, jointAward, options())
    const subject = document.credentialSubject as { hasClaim: Record<string, unknown>[] }
    delete subject.hasClaim[0]!.title
    const report = await validateEdcShacl(document)
    expect(report.conforms).toBe(false)
    expect(report.violations).toContainEqual(
      expect.objectContaining({
        focusNode: (subject.hasClaim[0] as { id: string }).id,
        property: 'title',
        message: 'Less than 1 values',
      }),
    )
  })
})

describe('buildEdc output', () => {
  it('is deterministic for fixed inputs, clock and ids', () => {
    const first = buildEdc(exampleSpec, exampleAward, jointAward, options())
    const second = buildEdc(exampleSpec, exampleAward, jointAward, options())
    expect(JSON.stringify(second)).toBe(JSON.stringify(first))
  })

  it('has the VC 1.1 envelope, dates and the sealing issuer with one eIDAS identifier', () => {
    const document = buildEdc(exampleSpec, exampleAward, jointAward, options())
    expect(document).toMatchObject({
      '@context': ['https://www.w3.org/2018/credentials/v1', 'http://data.europa.eu/snb/model/context/edc-ap'],
      type: ['VerifiableCredential', 'EuropeanDigitalCredential'],
      credentialSchema: { id: 'http://data.europa.eu/snb/model/ap/edc-generic-full', type: 'ShaclValidator2017' },
      issued: '2026-07-20T10:00:00Z',
      issuanceDate: '2026-07-20T10:00:00Z',
      validFrom: '2026-07-20T10:00:00Z',
      // The specification's validity is P5Y.
      validUntil: '2031-07-20T10:00:00Z',
      issuer: {
        id: 'did:web:alliance.example:members:uni-a',
        eIDASIdentifier: { type: 'LegalIdentifier', notation: 'VATDE-123456789' },
      },
      credentialSubject: { id: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', type: 'Person' },
    })
  })

  it('takes the primary language from the first language of instruction, not from key order', () => {
    // A store that sorts JSON object keys (PostgreSQL jsonb) hands back { de, en }.
    const sorted = { ...(exampleSpec as Record<string, unknown>) }
    const title = sorted.title as Record<string, string>
    sorted.title = { de: title.de, en: title.en }
    const document = buildEdc(sorted, exampleAward, jointAward, options())
    const display = document.displayParameter as { primaryLanguage?: { id?: string } }
    expect(display.primaryLanguage?.id).toBe('http://publications.europa.eu/resource/authority/language/ENG')
  })

  it('renders one certificate page per display language when none are given', () => {
    const document = buildEdc(exampleSpec, exampleAward, jointAward, { now: FIXED_NOW, newId: counterIds() })
    const displays = (
      document.displayParameter as { individualDisplay: { displayDetail: { image: { content: string } }[] }[] }
    ).individualDisplay
    expect(displays).toHaveLength(2)
    for (const display of displays) {
      const png = Buffer.from(display.displayDetail[0]!.image.content, 'base64')
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG')
      expect(png.length).toBeGreaterThan(10_000)
    }
  })
})

describe('buildEdc inputs', () => {
  it('validates raw inputs on every call and leaves the caller’s objects as they were', () => {
    const { specification, award, organisations } = structuredClone(minimalInputs())
    const before = JSON.stringify({ specification, award, organisations })
    buildEdc(specification, award, organisations, { ...options(), pages: { en: ONE_PIXEL_PNG } })
    expect(Object.isFrozen(specification)).toBe(false)
    expect(Object.isFrozen(organisations.issuer)).toBe(false)
    expect(JSON.stringify({ specification, award, organisations })).toBe(before)
    // a change after a first build is validated by the next one
    ;(specification as { eqfLevel: string }).eqfLevel = 'http://data.europa.eu/snb/eqf/9'
    expect(() => buildEdc(specification, award, organisations, { pages: { en: ONE_PIXEL_PNG } })).toThrow(
      /^Invalid specification: specification\.eqfLevel/,
    )
  })

  it('prepareBuildInputs validates once, freezes its own copies, and builds the same document', () => {
    const { specification, award, organisations } = structuredClone(minimalInputs())
    const prepared = prepareBuildInputs(specification, organisations)
    expect(Object.isFrozen(prepared.specification)).toBe(true)
    expect(Object.isFrozen(prepared.organisations.issuer)).toBe(true)
    expect(Object.isFrozen(specification)).toBe(false)
    const fromPrepared = buildEdc(prepared, award, { ...options(), pages: { en: ONE_PIXEL_PNG } })
    const fromRaw = buildEdc(specification, award, organisations, { ...options(), pages: { en: ONE_PIXEL_PNG } })
    expect(JSON.stringify(fromPrepared)).toBe(JSON.stringify(fromRaw))
    // the caller's later change does not reach the prepared copy
    ;(specification as { title: Record<string, string> }).title.en = 'Changed'
    expect(buildEdc(prepared, award, { ...options(), pages: { en: ONE_PIXEL_PNG } }).displayParameter).toMatchObject({
      title: { en: 'Minimal micro-credential' },
    })
  })

  it('with prepared inputs still validates the award, and a look-alike object is not prepared', () => {
    const { specification, award, organisations } = minimalInputs()
    const prepared = prepareBuildInputs(specification, organisations)
    expect(() => buildEdc(prepared, { ...award, grade: undefined }, { pages: { en: ONE_PIXEL_PNG } })).toThrow(
      /^Invalid award: award\.grade/,
    )
    expect(() =>
      buildEdc({ specification, organisations } as never, award, { pages: { en: ONE_PIXEL_PNG } }),
    ).toThrowError(ElmError)
  })

  it('prepareBuildInputs names the bad fields of both inputs at once', () => {
    const { specification, organisations } = structuredClone(minimalInputs())
    const error = (() => {
      try {
        prepareBuildInputs(
          { ...specification, eqfLevel: 'http://data.europa.eu/snb/eqf/9' },
          { ...organisations, issuer: {} },
        )
      } catch (e) {
        return e as ElmError
      }
    })()
    expect(error?.code).toBe('invalid_input')
    expect(error?.message).toMatch(/^Invalid specification, organisations: /)
  })
})
