import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isTrustError } from '../errors.ts'
import { parseStrictJson } from './strict-json.ts'

function outcome(text: string, maxDepth?: number): string {
  try {
    parseStrictJson(text, maxDepth === undefined ? {} : { maxDepth })
    return 'ok'
  } catch (e) {
    return isTrustError(e) ? `${e.code}: ${e.message}` : `syntax: ${(e as Error).name}`
  }
}

describe('parseStrictJson', () => {
  it('parses ordinary JSON, including the same names in sibling objects and strings that look like JSON', () => {
    expect(parseStrictJson('{"a":[{"id":1},{"id":2}],"b":{"id":3},"s":"{\\"a\\":1,\\"a\\":2}"}')).toEqual({
      a: [{ id: 1 }, { id: 2 }],
      b: { id: 3 },
      s: '{"a":1,"a":2}',
    })
  })

  it('refuses duplicate member names, also when spelled with escapes or nested', () => {
    expect(outcome('{"id":"x","id":"y"}')).toBe('json_invalid: duplicate member "id"')
    expect(outcome('{"id":"x","\\u0069d":"y"}')).toBe('json_invalid: duplicate member "id"')
    expect(outcome('{"a":{"b":1,"c":[{"k":1,"k":2}]}}')).toBe('json_invalid: duplicate member "k"')
    expect(outcome('{"a\\"b":1,"a\\"b":2}')).toBe('json_invalid: duplicate member "a\\"b"')
  })

  it('finds string ends after runs of backslashes, so names after such strings are still checked', () => {
    // A value ending in an escaped backslash closes at the next quote; one ending in \" does not.
    expect(outcome('{"a":"x\\\\","a":1}')).toBe('json_invalid: duplicate member "a"')
    expect(outcome('{"a":"x\\\\\\"","b":1,"a":2}')).toBe('json_invalid: duplicate member "a"')
    expect(outcome('{"a\\\\":1,"a\\\\":2}')).toBe('json_invalid: duplicate member "a\\\\"')
    expect(outcome(`{"img":"${'A'.repeat(100_000)}","b":{"k":1},"k":2}`)).toBe('ok')
    expect(outcome(`{"img":"${'A'.repeat(100_000)}","k":{},"k":2}`)).toBe('json_invalid: duplicate member "k"')
  })

  it('refuses deep nesting and malformed JSON', () => {
    expect(outcome(`${'['.repeat(33)}${']'.repeat(33)}`)).toBe('json_invalid: nested deeper than 32 levels')
    expect(outcome(`${'['.repeat(32)}${']'.repeat(32)}`)).toBe('ok')
    expect(outcome('{"a":{"b":{}}}', 2)).toBe('json_invalid: nested deeper than 2 levels')
    expect(outcome('{"a":')).toBe('syntax: SyntaxError')
  })

  // Properties (issue 12, "How we test from now on"): a JSON text written with members as
  // entries, some names repeated and some spelled with \u escapes, is refused exactly when an
  // object repeats a name; otherwise it reads as JSON.parse reads it.
  type Entries = { entries: [string, Node][] }
  type Node = number | string | null | Node[] | Entries
  const name = fc.constantFrom('a', 'b', 'id', 'a"b', 'a\\', 'é', '🎓')
  const tree = fc.letrec<{ node: Node }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.integer(),
      fc.string({ maxLength: 6 }),
      fc.constant(null),
      fc.array(tie('node'), { maxLength: 3 }),
      fc.record({ entries: fc.array(fc.tuple(name, tie('node')), { maxLength: 4 }) }),
    ),
  })).node
  /** A name as JSON text, each character escaped as \uXXXX or not, by the given bits. */
  const spell = (n: string, bits: number) =>
    `"${[...n]
      .map((c, i) =>
        (bits >> i) & 1 && c.length === 1
          ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
          : JSON.stringify(c).slice(1, -1),
      )
      .join('')}"`
  const write = (n: Node, bits: number): string =>
    Array.isArray(n)
      ? `[${n.map((m) => write(m, bits)).join(',')}]`
      : n !== null && typeof n === 'object'
        ? `{${n.entries.map(([k, v], i) => `${spell(k, bits >> i)}: ${write(v, bits)}`).join(' ,')}}`
        : JSON.stringify(n)
  const repeats = (n: Node): boolean =>
    Array.isArray(n)
      ? n.some(repeats)
      : n !== null && typeof n === 'object'
        ? new Set(n.entries.map(([k]) => k)).size < n.entries.length || n.entries.some(([, v]) => repeats(v))
        : false

  it('refuses exactly the texts whose objects repeat a name, however spelled (property)', () => {
    fc.assert(
      fc.property(fc.record({ entries: fc.array(fc.tuple(name, tree), { maxLength: 4 }) }), fc.nat(), (root, bits) => {
        const text = write(root, bits)
        if (repeats(root)) expect(outcome(text)).toMatch(/^json_invalid: duplicate member /)
        else expect(parseStrictJson(text)).toEqual(JSON.parse(text))
      }),
      { numRuns: 500 },
    )
  })

  it('throws nothing but SyntaxError or a json_invalid TrustError, for any text (property)', () => {
    const unit = fc.constantFrom('{', '}', '[', ']', '"', '\\', ':', ',', 'a', '1', ' ', 'u', '0', 'e')
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 60 }), (text) => {
        expect(outcome(text)).toMatch(/^(ok|syntax: SyntaxError|json_invalid: .+)$/)
      }),
      { numRuns: 2000 },
    )
  })
})
