// Shared inputs for the package's tests: the example deployment in config/examples, and a
// deterministic id generator and clock so that built documents compare equal.
import { readFileSync } from 'node:fs'

const examples = new URL('../../../config/examples/', import.meta.url)

export function readExample(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, examples), 'utf8'))
}

export const sharedSamples = new URL('../../../../shared/reference/elm/samples/', import.meta.url)

export function readSample(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, sharedSamples), 'utf8'))
}

export const FIXED_NOW = new Date('2026-07-20T10:00:00Z')

export function counterIds(): (kind: string) => string {
  let next = 0
  return (kind) => `urn:alma:test:${kind}:${++next}`
}

/** A tiny 1×1 PNG standing in for pre-rendered pages where the test is not about rendering. */
export const ONE_PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

/** The smallest input that is still a micro-credential: every mandatory Annex I element, nothing else. */
export function minimalInputs() {
  const country = 'http://publications.europa.eu/resource/authority/country/AUT'
  const org = {
    id: 'did:web:uni-min.example',
    legalName: { de: 'Universität Minimal' },
    country,
  }
  return {
    specification: {
      id: 'urn:alma:spec:minimal',
      title: { en: 'Minimal micro-credential' },
      languages: ['http://publications.europa.eu/resource/authority/language/ENG'],
      learningOutcomes: [{ title: { en: 'Explains the basics' } }],
      creditPoints: [{ framework: 'http://data.europa.eu/snb/education-credit/6fcec5c5af', points: 1 }],
      eqfLevel: 'http://data.europa.eu/snb/eqf/5',
      learningSetting: 'http://data.europa.eu/snb/learning-setting/e207a81fc7',
      modes: ['http://data.europa.eu/snb/learning-assessment/920fbb3cbe'],
      assessment: { title: { en: 'Online quiz' }, type: 'http://data.europa.eu/snb/assessment/6e6cb2cc78' },
      qualityAssurance: [
        {
          id: 'urn:alma:accreditation:minimal',
          type: 'http://data.europa.eu/snb/accreditation/bb4618238e',
          title: { en: 'Internal quality assurance' },
          accreditingAgent: org,
        },
      ],
    },
    award: { learner: { givenName: 'Min', familyName: 'Imal' }, grade: 'Pass', awardingDate: '2026-07-01' },
    organisations: {
      issuer: { ...org, eidasIdentifier: { notation: 'VATAT-U12345678', country } },
      awardingBodies: [org],
    },
  }
}
