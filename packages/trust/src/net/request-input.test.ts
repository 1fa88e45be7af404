import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bodyReaderProblem,
  checkBodyText,
  checkQuery,
  checkRequestPath,
  MAX_PATH_SEGMENT_LENGTH,
  parseJsonRequestBody,
  quoteForDescription,
  RequestInputError,
} from './request-input.ts'

/** RFC 6749 §5.2: what an error_description may hold. */
const DESCRIPTION = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/
const RUNS = { numRuns: 300 }

function refusal(run: () => unknown): { code: string; description: string } | 'ok' {
  try {
    run()
    return 'ok'
  } catch (e) {
    if (!(e instanceof RequestInputError)) throw e
    expect(e.description).toMatch(DESCRIPTION)
    return { code: e.code, description: e.description }
  }
}

const bytes = (text: string) => new TextEncoder().encode(text)

/** Any UTF-16 code unit, lone surrogates and controls included: what JSON escapes can make. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))
const anyText = fc.string({ unit: fc.oneof(anyCodeUnit, fc.constantFrom('\u0000', '\ud800', '\udc00', 'a', '🎓')) })

function wellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed()
}

describe('checkRequestPath', () => {
  it('refuses %ff, NUL and other controls, and overlong segments, naming the problem', () => {
    expect(refusal(() => checkRequestPath('/%ff/did.json'))).toEqual({
      code: 'invalid_request',
      description: 'the path is not valid percent-encoded UTF-8',
    })
    expect(refusal(() => checkRequestPath('/uni-a/offers/%00'))).toEqual({
      code: 'invalid_request',
      description: 'a path segment holds a control character (U+0000)',
    })
    expect(refusal(() => checkRequestPath('/uni-a/offers/a%0Ab'))).toEqual({
      code: 'invalid_request',
      description: 'a path segment holds a control character (U+000A)',
    })
    expect(refusal(() => checkRequestPath('/uni-a/offers/%C2%85'))).toEqual({
      code: 'invalid_request',
      description: 'a path segment holds a control character (U+0085)',
    })
    expect(refusal(() => checkRequestPath('/%ED%A0%80/jwks'))).toEqual({
      code: 'invalid_request',
      description: 'the path is not valid percent-encoded UTF-8',
    })
    expect(refusal(() => checkRequestPath(`/uni-a/offers/${'a'.repeat(MAX_PATH_SEGMENT_LENGTH + 1)}`))).toEqual({
      code: 'invalid_request',
      description: `a path segment is longer than ${MAX_PATH_SEGMENT_LENGTH} characters`,
    })
  })

  it('refuses characters no identifier has: quotes, spaces, non-ASCII', () => {
    expect(refusal(() => checkRequestPath('/api/a%22b/presentation-requests'))).toEqual({
      code: 'invalid_request',
      description: 'a path segment holds a character no identifier has (U+0022)',
    })
    expect(refusal(() => checkRequestPath('/uni-a/offers/%F0%9F%8E%93'))).toEqual({
      code: 'invalid_request',
      description: 'a path segment holds a character no identifier has (U+1F393)',
    })
    expect(refusal(() => checkRequestPath('/.well-known/openid-credential-issuer/uni-a'))).toBe('ok')
    expect(refusal(() => checkRequestPath('/uni-a/offers/0b7c3f3e-1f2a-4c1d-9e8f-000000000000/qr.png'))).toBe('ok')
  })

  const pchar = fc.constantFrom(..."abcXYZ019-._~!$&'()*+,;=:@")
  it('accepts every path of pchar segments within the length, encoded or not (property)', () => {
    const segment = fc.string({ unit: pchar, minLength: 1, maxLength: 40 })
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), fc.boolean(), (segments, encode) => {
        const path = `/${segments.map((s) => (encode ? encodeURIComponent(s) : s)).join('/')}`
        expect(refusal(() => checkRequestPath(path))).toBe('ok')
      }),
      RUNS,
    )
  })

  it('refuses every segment holding any other character, wherever it is (property)', () => {
    const other = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 1 })
      .filter((c) => !/^[A-Za-z0-9\-._~!$&'()*+,;=:@]$/.test(c))
    fc.assert(
      fc.property(
        fc.string({ unit: pchar, maxLength: 10 }),
        other,
        fc.string({ unit: pchar, maxLength: 10 }),
        (a, c, b) => {
          const result = refusal(() => checkRequestPath(`/uni-a/${encodeURIComponent(a + c + b)}/x`))
          expect(result).toMatchObject({ code: 'invalid_request' })
        },
      ),
      RUNS,
    )
  })

  it('throws nothing but RequestInputError for any path text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('%', 'f', 'F', '0', '8', 'e', 'd', 'a', '/', '2', 'C') }), (p) => {
        refusal(() => checkRequestPath(p))
      }),
      RUNS,
    )
  })
})

describe('checkQuery', () => {
  it('refuses a control character in a name or a value, naming the parameter', () => {
    expect(refusal(() => checkQuery({ issuer_state: '\u0000' }))).toEqual({
      code: 'invalid_request',
      description: "the query parameter 'issuer_state' holds a control character",
    })
    expect(refusal(() => checkQuery({ lang: ['en', 'd\u0007e'] }))).toEqual({
      code: 'invalid_request',
      description: "the query parameter 'lang' holds a control character",
    })
    expect(refusal(() => checkQuery({ 'a\u0000"': 'x' }))).toEqual({
      code: 'invalid_request',
      description: "the query parameter 'aU+0000U+0022' holds a control character",
    })
    expect(refusal(() => checkQuery({ q: 'Zoë Müller \ufffd', state: 'x'.repeat(10_000) }))).toBe('ok')
  })
})

describe('parseJsonRequestBody', () => {
  it('names a duplicate member, as admin input must not be read last-wins (issue 12 §5)', () => {
    expect(refusal(() => parseJsonRequestBody(bytes('{"txCode":false,"txCode":true}')))).toEqual({
      code: 'invalid_request',
      description: "the request body is not valid JSON: duplicate member 'txCode'",
    })
    expect(refusal(() => parseJsonRequestBody(bytes('{"a":{"b":1,"\\u0062":2}}')))).toEqual({
      code: 'invalid_request',
      description: "the request body is not valid JSON: duplicate member 'b'",
    })
  })

  it('refuses other charsets, invalid UTF-8, scalars at the top, deep nesting and malformed JSON', () => {
    expect(refusal(() => parseJsonRequestBody(bytes('{}'), 'utf-16le'))).toEqual({
      code: 'unsupported_media_type',
      description: 'a JSON request body must be UTF-8 (RFC 8259 section 8.1)',
    })
    expect(refusal(() => parseJsonRequestBody(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])))).toEqual({
      code: 'invalid_request',
      description: 'the request body is not valid UTF-8',
    })
    expect(refusal(() => parseJsonRequestBody(bytes('"1"')))).toEqual({
      code: 'invalid_request',
      description: 'the request body is not valid JSON: expected an object',
    })
    expect(refusal(() => parseJsonRequestBody(bytes(`${'['.repeat(40)}${']'.repeat(40)}`)))).toEqual({
      code: 'invalid_request',
      description: 'the request body is not valid JSON: nested deeper than 32 levels',
    })
    expect(refusal(() => parseJsonRequestBody(bytes('{"a":')))).toEqual({
      code: 'invalid_request',
      description: 'the request body is not valid JSON',
    })
  })

  it('reads an empty body as {}, a BOM and surrounding whitespace as nothing, and charset=UTF-8', () => {
    expect(parseJsonRequestBody(new Uint8Array())).toEqual({})
    expect(parseJsonRequestBody(bytes(' \n '))).toEqual({})
    expect(parseJsonRequestBody(bytes('\ufeff {"a":[1]} '), 'UTF-8')).toEqual({ a: [1] })
  })

  it('round-trips every JSON object or array of bounded depth (property)', () => {
    const body = fc.oneof(
      fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 })),
      fc.array(fc.jsonValue({ maxDepth: 4 })),
    )
    fc.assert(
      fc.property(body, (value) => {
        const text = JSON.stringify(value)
        expect(parseJsonRequestBody(bytes(text))).toEqual(JSON.parse(text))
      }),
      RUNS,
    )
  })

  it('refuses any object with a member repeated, wherever it is nested (property)', () => {
    const name = fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme-ascii' })
    fc.assert(
      fc.property(fc.dictionary(name, fc.jsonValue({ maxDepth: 2 }), { minKeys: 1 }), fc.nat(), (object, pick) => {
        const keys = Object.keys(object)
        const key = keys[pick % keys.length] as string
        const text = `{"outer":${JSON.stringify(object).slice(0, -1)},${JSON.stringify(key)}:null}}`
        expect(refusal(() => parseJsonRequestBody(bytes(text)))).toEqual({
          code: 'invalid_request',
          description: `the request body is not valid JSON: duplicate member ${quoteForDescription(key)}`,
        })
      }),
      RUNS,
    )
  })

  it('throws nothing but RequestInputError for any bytes or any text (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        refusal(() => parseJsonRequestBody(b))
      }),
      RUNS,
    )
    const jsonish = fc.string({
      unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', ':', ',', 'a', '1', ' ', 'u', '0'),
    })
    fc.assert(
      fc.property(jsonish, (text) => {
        refusal(() => parseJsonRequestBody(bytes(text)))
      }),
      { numRuns: 1000 },
    )
  })
})

describe('checkBodyText', () => {
  it('names the field holding a NUL or a lone surrogate, members included', () => {
    expect(refusal(() => checkBodyText({ award: { learner: { givenName: 'Ana\u0000' } } }))).toEqual({
      code: 'invalid_request',
      description: 'award.learner.givenName holds a NUL character (U+0000)',
    })
    expect(refusal(() => checkBodyText({ rows: ['ok', 'x\ud800y'] }))).toEqual({
      code: 'invalid_request',
      description: 'rows[1] holds a lone surrogate (ill-formed UTF-16)',
    })
    expect(refusal(() => checkBodyText({ 'bad\udc00': 1 }))).toEqual({
      code: 'invalid_request',
      description: "'badU+DC00' holds a lone surrogate (ill-formed UTF-16)",
    })
    expect(refusal(() => checkBodyText('csv,\u0000'))).toEqual({
      code: 'invalid_request',
      description: 'the request body holds a NUL character (U+0000)',
    })
    expect(refusal(() => checkBodyText({ name: 'Zoë 🎓\n\t', n: 1, b: null, raw: Buffer.from([0]) }))).toBe('ok')
  })

  it('refuses exactly the bodies with a NUL or ill-formed UTF-16 somewhere (property)', () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        anyText,
        fc.integer(),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(anyText, tie('node'), { maxKeys: 4 }),
      ),
    })).node
    const strings = (v: unknown): string[] =>
      typeof v === 'string'
        ? [v]
        : Array.isArray(v)
          ? v.flatMap(strings)
          : v && typeof v === 'object'
            ? Object.entries(v).flatMap(([k, m]) => [k, ...strings(m)])
            : []
    fc.assert(
      fc.property(value, (v) => {
        const bad = strings(v).some((s) => s.includes('\u0000') || !wellFormed(s))
        expect(refusal(() => checkBodyText(v)) !== 'ok').toBe(bad)
      }),
      RUNS,
    )
  })
})

describe('bodyReaderProblem', () => {
  it('a body that does not inflate under its Content-Encoding → 400 naming the coding', () => {
    const zlibError = Object.assign(new Error('incorrect header check'), {
      errno: -3,
      code: 'Z_DATA_ERROR',
      status: 400,
    })
    expect(bodyReaderProblem(zlibError, 'gzip')).toMatchObject({
      code: 'invalid_request',
      description: "the request body is not valid 'gzip' data (its Content-Encoding)",
    })
    const brotli = Object.assign(new Error('Decompression failed'), {
      errno: -6,
      code: 'ERR__ERROR_FORMAT_CL_SPACE',
      status: 400,
    })
    expect(bodyReaderProblem(brotli, 'br')?.description).toBe(
      "the request body is not valid 'br' data (its Content-Encoding)",
    )
  })

  it('maps the reader types it knows and leaves anything else a server fault', () => {
    expect(bodyReaderProblem({ type: 'entity.too.large', status: 413 }, 'gzip')).toMatchObject({
      code: 'payload_too_large',
    })
    expect(bodyReaderProblem({ type: 'encoding.unsupported', status: 415 }, 'zstd')).toMatchObject({
      code: 'unsupported_media_type',
    })
    expect(bodyReaderProblem({ type: 'parameters.too.many', status: 413 }, undefined)).toMatchObject({
      code: 'invalid_request',
      description: 'too many form parameters',
    })
    expect(bodyReaderProblem(new Error('boom'), 'gzip')).toBeUndefined()
    expect(bodyReaderProblem({ type: 'stream.not.readable', status: 500 }, undefined)).toBeUndefined()
    const zlibError = Object.assign(new Error('x'), { errno: -3, code: 'Z_DATA_ERROR', status: 400 })
    expect(bodyReaderProblem(zlibError, 'identity')).toBeUndefined()
    // An error of ours on a request that happens to carry a Content-Encoding stays a server fault.
    const fsError = Object.assign(new Error('no such file'), { errno: -2, code: 'ENOENT' })
    expect(bodyReaderProblem(fsError, 'gzip')).toBeUndefined()
  })
})

describe('quoteForDescription', () => {
  it('always yields an RFC 6749 error_description fragment, however odd the input (property)', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        expect(quoteForDescription(s)).toMatch(DESCRIPTION)
      }),
      RUNS,
    )
  })
})
