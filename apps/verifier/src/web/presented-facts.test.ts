import { readFileSync } from 'node:fs'
import { buildEdc } from '@alma/elm'
import { describe, expect, it } from 'vitest'
import type { PresentationResult } from '../presentation/receive-response.ts'
import type { VerificationStep } from '../verification/steps.ts'
import { presentedFacts } from './presented-facts.ts'

const examples = new URL('../../../../config/examples/', import.meta.url)
const example = (path: string) => JSON.parse(readFileSync(new URL(path, examples), 'utf8'))
const ONE_PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

/** The example course awarded to Ana, as the `vc` of a presented jwt_vc_json. */
const edc = buildEdc(
  example('specification.json'),
  example('awards/ana-andromeda.json'),
  example('organisations.json'),
  { now: new Date('2026-01-15T12:00:00Z'), pages: { en: ONE_PIXEL_PNG, de: ONE_PIXEL_PNG } },
)

const ok: VerificationStep[] = [{ id: 'signature', status: 'OK', reason: 'verified' }]
const revoked: VerificationStep[] = [{ id: 'status', status: 'ERROR', reason: 'revoked' }]

function result(credentials: PresentationResult['credentials']): PresentationResult {
  return { verdict: 'verified', receivedAt: '2026-01-15T12:00:00Z', credentials, credentialSets: [] }
}

describe('presentedFacts', () => {
  it('dc+sd-jwt: the disclosed claims only, in reading order, with English and German labels', () => {
    const facts = presentedFacts(
      result([
        {
          queryId: 'sd',
          format: 'dc+sd-jwt',
          verdict: 'verified',
          steps: ok,
          claims: {
            iss: 'https://issuer.example/uni-a',
            vct: 'urn:eu.europa.ec.eudi:learning:credential:1',
            cnf: { jwk: {} },
            ects_credits: 5,
            eqf_level: 6,
            awarding_bodies: [
              { name: 'University of Adlerstadt', country: 'DE' },
              { name: 'Université de Belleville', country: 'FR' },
            ],
          },
        },
      ]),
      'de',
    )
    expect(facts.credentials).toEqual([
      {
        queryId: 'sd',
        format: 'dc+sd-jwt',
        certificate: false,
        facts: [
          {
            name: 'awarding_bodies',
            label: { en: 'Awarding bodies', de: 'Verleihende Einrichtungen' },
            values: [{ text: 'University of Adlerstadt (DE)' }, { text: 'Université de Belleville (FR)' }],
          },
          { name: 'eqf_level', label: { en: 'EQF level', de: 'EQR-Niveau' }, values: [{ text: '6' }] },
          { name: 'ects_credits', label: { en: 'ECTS credits', de: 'ECTS-Punkte' }, values: [{ text: '5' }] },
        ],
      },
    ])
  })

  it('jwt_vc_json: the EDC read into the same facts, learning outcomes with their ESCO skills, in the asked language', () => {
    const [en] = presentedFacts(
      result([{ queryId: 'vc', format: 'jwt_vc_json', verdict: 'verified', steps: ok, claims: edc }]),
      'en',
    ).credentials
    expect(en?.certificate).toBe(true)
    const byName = new Map(en?.facts?.map((f) => [f.name, f]))
    expect(en?.facts?.[0]?.name).toBe('achievement_title')
    expect(byName.get('achievement_title')?.values[0]?.text).toMatch(/digital learning content/i)
    expect(byName.get('eqf_level')?.values).toEqual([{ text: '6' }])
    const outcomes = byName.get('learning_outcomes')?.values ?? []
    expect(outcomes[0]).toEqual({
      text: 'Design and produce accessible digital learning content for a defined audience',
      skills: [
        {
          uri: 'http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a',
          label: 'develop digital content',
        },
      ],
    })
    const [de] = presentedFacts(
      result([{ queryId: 'vc', format: 'jwt_vc_json', verdict: 'verified', steps: ok, claims: edc }]),
      'de',
    ).credentials
    const deOutcomes = de?.facts?.find((f) => f.name === 'learning_outcomes')?.values ?? []
    expect(deOutcomes[0]?.text).toBe(
      'Barrierefreie digitale Lerninhalte für eine definierte Zielgruppe gestalten und produzieren',
    )
  })

  it('withholds facts of a credential that failed a check or has no verified claims', () => {
    const facts = presentedFacts(
      result([
        { queryId: 'vc', format: 'jwt_vc_json', verdict: 'failed', steps: revoked, claims: edc },
        { queryId: 'sd', format: 'dc+sd-jwt', verdict: 'partially-verified', steps: ok },
        { queryId: 'odd', format: 'jwt_vc_json', verdict: 'verified', steps: ok, claims: { type: ['Nothing'] } },
      ]),
      'en',
    )
    expect(facts.credentials).toEqual([
      { queryId: 'vc', format: 'jwt_vc_json', withheld: 'failed', certificate: false },
      { queryId: 'sd', format: 'dc+sd-jwt', withheld: 'unverified', certificate: false },
      { queryId: 'odd', format: 'jwt_vc_json', withheld: 'unreadable', certificate: false },
    ])
  })
})
