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
})
