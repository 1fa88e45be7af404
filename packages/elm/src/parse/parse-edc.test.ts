import { describe, expect, it } from 'vitest'
import { buildEdc } from '../build/build-edc.ts'
import { counterIds, FIXED_NOW, ONE_PIXEL_PNG, readExample, readSample } from '../test-fixtures.ts'
import { parseEdc } from './parse-edc.ts'

describe('parseEdc', () => {
  it('reads the payload inside the JAdES-sealed EC sample and keeps its seal', () => {
    const parsed = parseEdc(readSample('Sample-MC-Annex1-signed.jsonld'))
    expect(parsed.seal).toMatchObject({ format: 'JAdES', protectedHeader: { alg: 'RS256', b64: false } })
    expect(parsed.issuer.eidasIdentifier).toEqual({
      notation: 'VATES-A00000000',
      country: expect.objectContaining({ id: 'http://publications.europa.eu/resource/authority/country/ESP' }),
    })
    const achievement = parsed.achievements[0]!
    expect(achievement.title).toEqual({ en: 'Digital micro-credential creation' })
    expect(achievement.specification).toMatchObject({ type: 'Qualification', eqfLevelNumber: 6, ects: 2 })
    expect(achievement.specification?.learningOutcomes[0]?.escoSkills.map((skill) => skill.label.en)).toEqual([
      'stimulate creativity in the team',
      'communicate with target community',
      'establish collaborative relations',
    ])
    expect(parsed.display.pages[0]).toMatchObject({ language: 'en', mediaType: 'image/jpeg', page: 1 })
  })

  it('reads the EDC upload wrapper and the plain unsigned sample alike', () => {
    const wrapped = parseEdc(readSample('Sample-MC-Annex1-unsigned-uploadable.json'))
    const plain = parseEdc(readSample('Sample-MC-Annex1-unsigned.jsonld'))
    expect(wrapped.id).toBe(plain.id)
    expect(wrapped.learner.fullName).toEqual({ en: 'Ana Andromeda' })
  })

  it('keeps fields it does not map', () => {
    const document = buildEdc(
      readExample('specification.json'),
      readExample('awards/ana-andromeda.json'),
      readExample('organisations.json'),
      { now: FIXED_NOW, newId: counterIds(), pages: { en: ONE_PIXEL_PNG, de: ONE_PIXEL_PNG } },
    )
    const extended = { ...document, termsOfUse: [{ id: 'urn:x', type: 'Custom' }] }
    const subject = (extended as Record<string, unknown>).credentialSubject as {
      hasClaim: { specifiedBy: Record<string, unknown> }[]
    }
    subject.hasClaim[0]!.specifiedBy.targetMarket = 'anything'
    const parsed = parseEdc(extended)
    expect(parsed.extra).toEqual({ termsOfUse: [{ id: 'urn:x', type: 'Custom' }] })
    expect(parsed.document).toBe(extended)
    expect(parsed.achievements[0]!.specification!.extra).toEqual({ targetMarket: 'anything' })
  })

  it('refuses what is not an EDC credential, saying why', () => {
    expect(() => parseEdc('not json')).toThrow(expect.objectContaining({ code: 'not_an_edc_document' }))
    expect(() => parseEdc({ type: 'VerifiablePresentation' })).toThrow(
      'Not an EDC credential: expected a VerifiableCredential with a credentialSubject',
    )
    expect(() => parseEdc({ payload: '{', signatures: [{ protected: 'e30', signature: '' }] })).toThrow(
      expect.objectContaining({ code: 'invalid_sealed_document' }),
    )
  })
})
