// Bounds on a JSON document before any JSON-LD or SHACL work is spent on it (issue 12 §3: a 5 MB
// upload held the request thread for 8 s). Checked on the parsed value, so every caller — the
// verifier's upload, `alma elm report`, a worker — gets the same limits and the same words.
import { ElmError } from '../errors.ts'

export interface DocumentLimits {
  /** UTF-8 bytes of the document serialised as JSON. */
  readonly maxBytes: number
  /** Nesting of objects and arrays (the EC samples nest 10 levels deep). */
  readonly maxDepth: number
  /** Objects, arrays, strings, numbers, booleans and nulls, all counted. */
  readonly maxValues: number
}

export interface DocumentSize {
  readonly bytes: number
  readonly values: number
  readonly depth: number
}

/**
 * Measures a JSON value and throws `ElmError('document_too_large')` naming the first limit it is
 * beyond, before the value is walked further: a value 10⁶ levels deep or with 10⁷ members costs
 * no more than the limit. An object reached twice is counted twice (it is serialised twice), so a
 * cycle ends at `maxValues` too. A value JSON cannot hold (a function, a class instance) is
 * `not_an_edc_document`.
 *
 * @example
 * ```ts
 * checkDocumentBounds(JSON.parse(text), { maxBytes: 2 * 1024 * 1024, maxDepth: 64, maxValues: 50_000 })
 * ```
 */
export function checkDocumentBounds(document: unknown, limits: DocumentLimits, what = 'the document'): DocumentSize {
  let values = 0
  let deepest = 0
  const stack: [unknown, number][] = [[document, 1]]
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!
    values++
    if (values > limits.maxValues) {
      throw new ElmError(
        'document_too_large',
        `${what} has more than ${limits.maxValues} JSON values; at most ${limits.maxValues} are validated`,
      )
    }
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') continue
    if (typeof value !== 'object') throw new ElmError('not_an_edc_document', `${what} is not JSON (a ${typeof value})`)
    if (depth > limits.maxDepth) {
      throw new ElmError(
        'document_too_large',
        `${what} nests more than ${limits.maxDepth} levels deep; at most ${limits.maxDepth} are validated`,
      )
    }
    deepest = Math.max(deepest, depth)
    if (Array.isArray(value)) {
      for (const item of value) stack.push([item, depth + 1])
      continue
    }
    const prototype = Object.getPrototypeOf(value)
    if (prototype !== Object.prototype && prototype !== null) {
      throw new ElmError('not_an_edc_document', `${what} is not JSON (it holds a ${prototype?.constructor?.name})`)
    }
    for (const member of Object.values(value)) stack.push([member, depth + 1])
  }
  // The tree is bounded now, so serialising it is too.
  const bytes = Buffer.byteLength(JSON.stringify(document), 'utf8')
  if (bytes > limits.maxBytes) {
    throw new ElmError(
      'document_too_large',
      `${what} is ${bytes} bytes as JSON; at most ${limits.maxBytes} (${formatMiB(limits.maxBytes)}) are validated`,
    )
  }
  return { bytes, values, depth: deepest }
}

/** `2 MiB`, `512 KiB`. */
export function formatMiB(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${+(bytes / (1024 * 1024)).toFixed(2)} MiB` : `${+(bytes / 1024).toFixed(2)} KiB`
}
