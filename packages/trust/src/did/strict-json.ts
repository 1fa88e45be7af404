import { TrustError } from '../errors.ts'

/** Limits of {@link parseStrictJson}. */
export interface StrictJsonOptions {
  /** Deepest nesting of objects and arrays accepted (default 32). */
  readonly maxDepth?: number
}

/**
 * `JSON.parse` that also refuses duplicate member names and deep nesting. RFC 8259 §4 leaves
 * duplicate names undefined, and parsers disagree on which value wins, so a signed or fetched
 * document with duplicates could mean different things to different checkers (RFC 8725 §3.x;
 * security.md, "JOSE": duplicate JSON keys, deeply nested input → rejected). Throws a `SyntaxError`
 * for malformed JSON and a `TrustError` with code `json_invalid` naming the problem otherwise.
 *
 * @example
 * ```ts
 * parseStrictJson('{"a":1,"a":2}') // throws: duplicate member "a"
 * ```
 */
export function parseStrictJson(text: string, options: StrictJsonOptions = {}): unknown {
  const value: unknown = JSON.parse(text) // syntax first: the scan below may then assume valid JSON
  checkStructure(text, options.maxDepth ?? 32)
  return value
}

/** {@link parseStrictJson}'s refusal of a repeated member name (code `json_invalid`); `member` is the name, unescaped. */
export class DuplicateMemberError extends TrustError {
  constructor(readonly member: string) {
    super('json_invalid', `duplicate member ${JSON.stringify(member)}`)
  }
}

interface ObjectFrame {
  readonly names: Set<string>
  expectName: boolean
}

const [QUOTE, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET, COMMA, BACKSLASH] = [...'"{}[],\\'].map((c) =>
  c.charCodeAt(0),
)

function checkStructure(text: string, maxDepth: number): void {
  const stack: (ObjectFrame | null)[] = [] // null marks an array
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      // indexOf, not a loop per character: strings dominate large documents (an EDC's embedded
      // images), and the text is valid JSON, so the closing quote exists.
      let j = text.indexOf('"', i + 1)
      while (isEscaped(text, j)) j = text.indexOf('"', j + 1)
      const top = stack[stack.length - 1]
      if (top?.expectName) {
        const raw = text.slice(i + 1, j)
        // Unescaped: "a" and "\u0061" are one name.
        const name = raw.includes('\\') ? (JSON.parse(text.slice(i, j + 1)) as string) : raw
        if (top.names.has(name)) throw new DuplicateMemberError(name)
        top.names.add(name)
        top.expectName = false
      }
      i = j
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      stack.push(c === OPEN_BRACE ? { names: new Set(), expectName: true } : null)
      if (stack.length > maxDepth) throw new TrustError('json_invalid', `nested deeper than ${maxDepth} levels`)
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      stack.pop()
    } else if (c === COMMA) {
      const top = stack[stack.length - 1]
      if (top) top.expectName = true
    }
  }
}

/** Whether the quote at `at` is escaped: preceded by an odd number of backslashes. */
function isEscaped(text: string, at: number): boolean {
  let backslashes = 0
  while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++
  return backslashes % 2 === 1
}
