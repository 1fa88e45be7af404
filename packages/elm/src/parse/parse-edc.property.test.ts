// Property-based tests of EDC parsing (issue 12, "How we test from now on"): a document built from
// any well-formed learner reads back with the same facts; any JSON — a random value, a real EDC
// document with any node replaced by junk, a JAdES wrapper around junk — fails only with an
// ElmError.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildEdc } from '../build/build-edc.ts'
import { ElmError } from '../errors.ts'
import { FIXED_NOW, minimalInputs, ONE_PIXEL_PNG, readSample } from '../test-fixtures.ts'
import { parseEdc } from './parse-edc.ts'

/** The only way parseEdc may fail. */
function tryParse(input: unknown): 'ok' | string {
  try {
    parseEdc(input)
    return 'ok'
  } catch (e) {
    if (!(e instanceof ElmError)) throw new Error(`not an ElmError: ${String(e)}`, { cause: e })
    return e.code
  }
}

/** Every path to a node or value of a JSON document, up to `depth` levels. */
function pathsOf(value: unknown, depth: number, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [at]
  if (depth === 0 || value === null || typeof value !== 'object') return out
  for (const [key, member] of Object.entries(value)) {
    out.push(...pathsOf(member, depth - 1, [...at, Array.isArray(value) ? Number(key) : key]))
  }
  return out
}

function replaced(document: unknown, path: readonly (string | number)[], junk: unknown): unknown {
  if (path.length === 0) return junk
  const copy = structuredClone(document) as Record<string | number, unknown>
  let node = copy
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>
  node[path[path.length - 1]!] = junk
  return copy
}

const sample = readSample('Sample-MC-Annex1-unsigned.jsonld')
const samplePaths = pathsOf(sample, 6)

/** A name as the award input accepts it: single-line text without control characters. */
const name = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
  .map((s) => s.trim())
  // biome-ignore lint/suspicious/noControlCharactersInRegex: names hold no control characters
  .filter((s) => s.length > 0 && !/[\u0000-\u001f\u007f-\u009f]/.test(s))

describe('parseEdc (property)', () => {
  it("reads back the learner's names and the course title of a document built from any of them", () => {
    fc.assert(
      fc.property(name, name, name, (givenName, familyName, title) => {
        const inputs = minimalInputs()
        const document = buildEdc(
          { ...inputs.specification, title: { en: title } },
          { ...inputs.award, learner: { givenName, familyName } },
          inputs.organisations,
          { now: FIXED_NOW, pages: { en: ONE_PIXEL_PNG } },
        )
        const parsed = parseEdc(document)
        expect(parsed.learner.givenName).toEqual({ en: givenName })
        expect(parsed.learner.familyName).toEqual({ en: familyName })
        expect(parsed.achievements[0]?.specification?.title).toEqual({ en: title })
      }),
      { numRuns: 25 },
    )
  })

  it('fails only with an ElmError when any node of a real EDC document is replaced by junk', () => {
    fc.assert(
      fc.property(fc.constantFrom(...samplePaths), fc.jsonValue({ maxDepth: 2 }), (path, junk) => {
        tryParse(replaced(sample, path, junk))
      }),
      { numRuns: 400 },
    )
  })

  it('fails only with an ElmError for any JSON value, or a JAdES wrapper around junk', () => {
    const segment = fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64url'))
    const jades = fc.record({
      payload: fc.oneof(fc.string(), segment, fc.constant(JSON.stringify(sample))),
      signatures: fc.array(
        fc.record(
          {
            protected: fc.oneof(fc.string(), segment, fc.constant(Buffer.from('{"b64":false}').toString('base64url'))),
            header: fc.jsonValue({ maxDepth: 2 }),
            signature: fc.jsonValue({ maxDepth: 1 }),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 2 },
      ),
    })
    fc.assert(
      fc.property(fc.oneof(fc.anything({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 4 }), jades), (value) => {
        tryParse(value)
      }),
      { numRuns: 500 },
    )
  })
})
