// Property-based tests of the relying party's DCQL input (OpenID4VP 1.0 §6; issue 12, "How we test
// from now on"): any valid query of the checked formats is accepted unchanged; any other format is
// refused naming it; and whatever value arrives, the only failure is a VerifierError invalid_input.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { VerifierError } from '../errors.ts'
import { parseDcqlQuery } from './parse-dcql-query.ts'

const RUNS = { numRuns: 300 }
/** §6.1: a credential query id is non-empty, of alphanumerics, underscore and hyphen. */
const queryId = fc.string({ unit: fc.constantFrom(...'abcXYZ019_-'), minLength: 1, maxLength: 12 })
const claimPath = fc.array(
  fc.oneof(fc.string({ minLength: 1, maxLength: 10 }), fc.nat({ max: 5 }), fc.constant(null)),
  {
    minLength: 1,
    maxLength: 3,
  },
)

/** A credential query of one of the formats we check, with claims for dc+sd-jwt (§6.1, §6.3, B.3). */
const credentialQuery = (id: string) =>
  fc.oneof(
    fc.record({
      id: fc.constant(id),
      format: fc.constant('dc+sd-jwt'),
      meta: fc.record({ vct_values: fc.array(fc.webUrl(), { minLength: 1, maxLength: 2 }) }),
      claims: fc.array(fc.record({ path: claimPath }), { minLength: 1, maxLength: 3 }),
    }),
    fc.record({
      id: fc.constant(id),
      format: fc.constant('jwt_vc_json'),
      meta: fc.record({
        type_values: fc.array(fc.array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 2 }), {
          minLength: 1,
          maxLength: 2,
        }),
      }),
    }),
  )

const validQuery = fc.uniqueArray(queryId, { minLength: 1, maxLength: 3 }).chain((ids) =>
  fc.record(
    {
      credentials: fc.tuple(...ids.map(credentialQuery)),
      credential_sets: fc.constant([{ options: ids.map((id) => [id]), required: true }]),
    },
    { requiredKeys: ['credentials'] },
  ),
)

function failureOf(value: unknown): { code: string; paths: string[] } | 'ok' {
  try {
    parseDcqlQuery(value)
    return 'ok'
  } catch (e) {
    if (!(e instanceof VerifierError)) throw new Error(`not a VerifierError: ${String(e)}`, { cause: e })
    expect(e.description).not.toMatch(/\n/)
    return { code: e.code, paths: ((e.extra?.issues ?? []) as { path: string }[]).map((i) => i.path) }
  }
}

describe('parseDcqlQuery (property)', () => {
  it('accepts any valid query of the checked formats, unchanged', () => {
    fc.assert(
      fc.property(validQuery, (query) => {
        const copy = structuredClone(query)
        expect(parseDcqlQuery(query)).toBe(query)
        expect(query).toEqual(copy)
      }),
      RUNS,
    )
  })

  it('refuses a valid query asking for any other format, naming dcqlQuery.credentials', () => {
    const otherFormat = fc.constantFrom('mso_mdoc', 'ldp_vc', 'jwt_vc_json-ld', 'vc+sd-jwt', 'ac_vp')
    fc.assert(
      fc.property(validQuery, otherFormat, fc.nat(), (query, format, pick) => {
        const credentials = query.credentials as Record<string, unknown>[]
        const changed = structuredClone(query) as { credentials: Record<string, unknown>[] }
        const at = pick % credentials.length
        changed.credentials[at] = {
          id: credentials[at]!.id,
          format,
          meta: { doctype_value: 'x', vct_values: ['x'], type_values: [['x']] },
        }
        const failure = failureOf(changed)
        expect(failure).not.toBe('ok')
        expect(failure).toMatchObject({ code: 'invalid_input' })
      }),
      RUNS,
    )
  })

  it('fails only with a VerifierError invalid_input naming dcqlQuery, for any value', () => {
    const anyValue = fc.oneof(
      fc.anything({ maxDepth: 3 }),
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ credentials: fc.jsonValue({ maxDepth: 3 }), credential_sets: fc.jsonValue({ maxDepth: 3 }) }),
      fc.record({
        credentials: fc.array(
          fc.dictionary(fc.constantFrom('id', 'format', 'meta', 'claims', 'claim_sets'), fc.jsonValue({ maxDepth: 2 })),
        ),
      }),
      validQuery.map((q) => ({ ...q, credential_sets: [{ options: [['no-such-id']] }] })),
    )
    fc.assert(
      fc.property(anyValue, (value) => {
        const failure = failureOf(value)
        if (failure !== 'ok') {
          expect(failure.code).toBe('invalid_input')
          expect(failure.paths.every((p) => p.startsWith('dcqlQuery'))).toBe(true)
        }
      }),
      { numRuns: 500 },
    )
  })
})
