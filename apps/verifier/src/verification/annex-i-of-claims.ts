import { SD_JWT_CLAIMS } from '@alma/credentials'

/** Annex I of Council Recommendation 2022/C 243/02: elements 1–11 mandatory, 12–16 optional. */
export const ANNEX_I_ELEMENTS: readonly { number: number; name: string }[] = [
  { number: 1, name: 'Identification of the learner' },
  { number: 2, name: 'Title of the micro-credential' },
  { number: 3, name: 'Country/region of the issuer' },
  { number: 4, name: 'Awarding body' },
  { number: 5, name: 'Date of issuing' },
  { number: 6, name: 'Learning outcomes' },
  { number: 7, name: 'Notional workload (ECTS)' },
  { number: 8, name: 'Level (EQF/NQF)' },
  { number: 9, name: 'Type of assessment' },
  { number: 10, name: 'Form of participation' },
  { number: 11, name: 'Type of quality assurance' },
  { number: 12, name: 'Prerequisites needed to enrol' },
  { number: 13, name: 'Supervision and identity verification' },
  { number: 14, name: 'Grade achieved' },
  { number: 15, name: 'Integration/stackability options' },
  { number: 16, name: 'Further information' },
]

export interface DisclosedAnnexIElement {
  readonly number: number
  readonly name: string
  readonly mandatory: boolean
  /** `disclosed`: the holder showed a claim for it; `not-disclosed`: the holder kept it back (or it is absent). */
  readonly status: 'disclosed' | 'not-disclosed'
  /** The disclosed claims of this element, by SD-JWT claim name. */
  readonly claims: Readonly<Record<string, unknown>>
}

/** The Annex I view of what an SD-JWT VC holder chose to disclose (elm.md, "ELM in wallet formats"). */
export interface DisclosedAnnexIReport {
  readonly source: 'disclosed-claims'
  readonly elements: readonly DisclosedAnnexIElement[]
  /** Mandatory elements (1–11) not disclosed: a selective presentation need not show them all. */
  readonly notDisclosed: readonly number[]
}

export function annexIOfDisclosedClaims(disclosed: Readonly<Record<string, unknown>>): DisclosedAnnexIReport {
  const elements = ANNEX_I_ELEMENTS.map(({ number, name }): DisclosedAnnexIElement => {
    const claims = Object.fromEntries(
      SD_JWT_CLAIMS.filter(
        (c) => (c.annexI as readonly number[]).includes(number) && Object.hasOwn(disclosed, c.name),
      ).map((c) => [c.name, disclosed[c.name]]),
    )
    return {
      number,
      name,
      mandatory: number <= 11,
      status: Object.keys(claims).length > 0 ? 'disclosed' : 'not-disclosed',
      claims,
    }
  })
  return {
    source: 'disclosed-claims',
    elements,
    notDisclosed: elements.filter((e) => e.mandatory && e.status === 'not-disclosed').map((e) => e.number),
  }
}
