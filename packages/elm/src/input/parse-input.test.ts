import { describe, expect, it } from 'vitest'
import { buildEdc } from '../build/build-edc.ts'
import { ElmError } from '../errors.ts'
import { minimalInputs, ONE_PIXEL_PNG } from '../test-fixtures.ts'

type Mutable = Record<string, unknown> & { [key: string]: any }

/** Builds with one change to the minimal inputs; returns the issues of the error thrown, or undefined when it builds. */
function issuesOf(change: (inputs: { specification: Mutable; award: Mutable; organisations: Mutable }) => void) {
  const inputs = structuredClone(minimalInputs()) as unknown as {
    specification: Mutable
    award: Mutable
    organisations: Mutable
  }
  change(inputs)
  try {
    buildEdc(inputs.specification, inputs.award, inputs.organisations, { pages: { en: ONE_PIXEL_PNG } })
  } catch (error) {
    expect(error).toBeInstanceOf(ElmError)
    expect((error as ElmError).code).toBe('invalid_input')
    return (error as ElmError).issues
  }
  return undefined
}

// Bad input of issue 2: each gets an error naming the field path.
describe('input validation names the field', () => {
  it('a missing mandatory element (learning outcomes)', () => {
    expect(issuesOf(({ specification }) => delete specification.learningOutcomes)).toEqual([
      { path: 'specification.learningOutcomes', message: expect.stringMatching(/expected array/) },
    ])
  })

  it('a missing workload (Annex I element 7)', () => {
    expect(issuesOf(({ specification }) => delete specification.creditPoints)).toEqual([
      { path: 'specification.creditPoints', message: expect.stringContaining('element 7') },
    ])
  })

  it('EQF level 9', () => {
    expect(issuesOf(({ specification }) => (specification.eqfLevel = 'http://data.europa.eu/snb/eqf/9'))).toEqual([
      { path: 'specification.eqfLevel', message: expect.stringContaining('is not a known EQF level') },
    ])
  })

  it('an unknown concept URI', () => {
    const uri = 'http://data.europa.eu/snb/assessment/0000000000'
    expect(issuesOf(({ specification }) => (specification.assessment.type = uri))).toEqual([
      {
        path: 'specification.assessment.type',
        message: `${uri} is not a known assessment type (expected a concept of http://data.europa.eu/snb/assessment/25831c2)`,
      },
    ])
  })

  it('a concept from the wrong scheme', () => {
    expect(
      issuesOf(
        ({ specification }) => (specification.modes = ['http://data.europa.eu/snb/learning-setting/6fd4685715']),
      ),
    ).toEqual([
      {
        path: 'specification.modes[0]',
        message:
          'http://data.europa.eu/snb/learning-setting/6fd4685715 is a concept of the "learning-setting" scheme, not a mode ("learning-assessment" scheme)',
      },
    ])
  })

  it('a malformed language map', () => {
    expect(issuesOf(({ specification }) => (specification.title = 'Minimal'))).toEqual([
      { path: 'specification.title', message: 'must be a language map such as {"en": "…", "de": "…"}' },
    ])
    expect(issuesOf(({ specification }) => (specification.title = { english: 'Minimal' }))).toEqual([
      { path: 'specification.title.english', message: '"english" is not a known language tag (use e.g. "en", "de")' },
    ])
    expect(issuesOf(({ specification }) => (specification.title = {}))).toEqual([
      { path: 'specification.title', message: 'must have a text in at least one language' },
    ])
  })

  it('negative credits', () => {
    expect(issuesOf(({ specification }) => (specification.creditPoints[0].points = -5))).toEqual([
      { path: 'specification.creditPoints[0].points', message: 'must not be negative' },
    ])
  })

  it('an impossible date', () => {
    expect(issuesOf(({ award }) => (award.awardingDate = '2026-02-30'))).toEqual([
      { path: 'award.awardingDate', message: 'must be a real calendar date YYYY-MM-DD' },
    ])
    expect(issuesOf(({ award }) => (award.awardingDate = '2028-02-29'))).toBeUndefined()
    expect(issuesOf(({ award }) => (award.learner.dateOfBirth = '2001-13-01'))).toEqual([
      { path: 'award.learner.dateOfBirth', message: 'must be a real calendar date YYYY-MM-DD' },
    ])
  })

  it('a 10 MB string', () => {
    const huge = 'x'.repeat(10 * 1024 * 1024)
    expect(issuesOf(({ specification }) => (specification.description = { en: huge }))).toEqual([
      { path: 'specification.description.en', message: 'is longer than 20000 characters' },
    ])
  })

  it('an unknown field, a malformed ESCO URI and an issuer without an eIDAS identifier, all at once', () => {
    const issues = issuesOf(({ specification, organisations }) => {
      specification.colour = 'blue'
      specification.learningOutcomes[0].escoSkills = ['http://data.europa.eu/esco/skill/not-a-uuid']
      delete organisations.issuer.eidasIdentifier
    })
    expect(issues?.map((issue) => issue.path).sort()).toEqual([
      'organisations.issuer.eidasIdentifier',
      'specification',
      'specification.learningOutcomes[0].escoSkills[0]',
    ])
    expect(issues?.find((issue) => issue.path === 'specification')?.message).toContain('colour')
  })

  it('the error message lists the problems', () => {
    const inputs = minimalInputs()
    expect(() =>
      buildEdc(
        { ...inputs.specification, eqfLevel: 'http://data.europa.eu/snb/eqf/9' },
        inputs.award,
        inputs.organisations,
      ),
    ).toThrow(
      /^Invalid specification: specification\.eqfLevel: http:\/\/data\.europa\.eu\/snb\/eqf\/9 is not a known EQF level/,
    )
  })
})

// Issue 12 §5: names with control characters broke the certificate page with no field named, and a
// lone surrogate reached the store ("breaks a constraint of the store"). Each is refused by the
// schema, naming the field.
describe('text that cannot be printed, stored or signed is refused, naming the field', () => {
  const control = (cp: string) => `must not hold a control character (U+${cp})`
  const lone = 'is not well-formed Unicode (it holds a lone surrogate)'

  it('a learner name with a control character or a lone surrogate', () => {
    expect(issuesOf(({ award }) => (award.learner.givenName = 'Ana\u0007'))).toEqual([
      { path: 'award.learner.givenName', message: control('0007') },
    ])
    expect(issuesOf(({ award }) => (award.learner.familyName = 'Line\nbreak'))).toEqual([
      { path: 'award.learner.familyName', message: control('000A') },
    ])
    expect(issuesOf(({ award }) => (award.learner.givenName = { en: 'Ana\u0085' }))).toEqual([
      { path: 'award.learner.givenName.en', message: control('0085') },
    ])
    expect(issuesOf(({ award }) => (award.learner.givenName = 'Ana\ud800'))).toEqual([
      { path: 'award.learner.givenName', message: lone },
    ])
    expect(issuesOf(({ award }) => (award.grade = 'Pass\u0000'))).toEqual([
      { path: 'award.grade', message: control('0000') },
    ])
  })

  it('a name with a bidirectional override or isolate (found by the outside review); marks stay allowed', () => {
    const bidi = (cp: string) =>
      `must not hold a bidirectional embedding, override or isolate (U+${cp}): it would reorder what is shown`
    expect(issuesOf(({ award }) => (award.learner.givenName = 'Ana\u202eonamord'))).toEqual([
      { path: 'award.learner.givenName', message: bidi('202E') },
    ])
    expect(issuesOf(({ specification }) => (specification.title = { en: 'Medicine \u2067x\u2069' }))).toEqual([
      { path: 'specification.title.en', message: bidi('2067') },
    ])
    expect(issuesOf(({ award }) => (award.learner.familyName = '\u200fحداد'))).toBeUndefined()
  })

  it('titles are single-line; descriptions may break lines, but hold no other control character', () => {
    expect(issuesOf(({ specification }) => (specification.learningOutcomes[0].title = { en: 'a\u001bb' }))).toEqual([
      { path: 'specification.learningOutcomes[0].title.en', message: control('001B') },
    ])
    expect(issuesOf(({ organisations }) => (organisations.issuer.legalName = { en: 'Uni\tA' }))).toEqual([
      { path: 'organisations.issuer.legalName.en', message: control('0009') },
    ])
    expect(issuesOf(({ specification }) => (specification.description = { en: 'Line one\n\tLine two\r\n' }))).toBe(
      undefined,
    )
    expect(issuesOf(({ specification }) => (specification.description = { en: 'bell\u0007' }))).toEqual([
      { path: 'specification.description.en', message: control('0007') },
    ])
    expect(issuesOf(({ specification }) => (specification.description = { en: 'x\udfff' }))).toEqual([
      { path: 'specification.description.en', message: lone },
    ])
  })

  it('identifiers and URIs: no control character the URL parser would drop silently', () => {
    expect(issuesOf(({ organisations }) => (organisations.issuer.id = 'https://uni-a.example/\tdid'))).toEqual([
      { path: 'organisations.issuer.id', message: control('0009') },
    ])
  })

  it('well-formed text beyond ASCII is kept as it is', () => {
    expect(issuesOf(({ award }) => (award.learner.givenName = 'Zoë 🎓 Ōno'))).toBeUndefined()
  })
})
