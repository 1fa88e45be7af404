// Property-based tests of the JWS decoder and verifier (issue 12, "How we test from now on"):
// whatever text arrives, the only failure is a CredentialError; any JSON objects round-trip; any
// single-character change of a signed token is refused.
import { generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import { CompactSign } from 'jose'
import { describe, expect, it } from 'vitest'
import { isCredentialError } from '../errors.ts'
import { checkJoseHeader, decodeCompactJws, verifyJws } from './verify-jws.ts'

const RUNS = { numRuns: 200 }
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const TYP = 'example+jwt'

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
/** A JSON object of bounded depth, as a header or claims set could be. */
const jsonObject = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 })

/** The error code a call ends with, or 'ok'; anything but a CredentialError fails the property. */
async function outcome(run: () => unknown): Promise<string> {
  try {
    await run()
    return 'ok'
  } catch (e) {
    if (!isCredentialError(e)) throw new Error(`not a CredentialError: ${String(e)}`, { cause: e })
    return e.code
  }
}

async function sign(payload: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', typ: TYP, ...header })
    .sign(p256.privateKey)
}

const verify = (compact: string) => verifyJws(compact, { typ: [TYP], resolveKey: async () => p256.publicKey })

describe('decodeCompactJws (property)', () => {
  it('reads back any JSON objects as header and payload', () => {
    fc.assert(
      fc.property(jsonObject, jsonObject, (header, payload) => {
        const decoded = decodeCompactJws(`${segment(header)}.${segment(payload)}.c2ln`)
        expect(decoded.header).toEqual(JSON.parse(JSON.stringify(header)))
        expect(decoded.payload).toEqual(JSON.parse(JSON.stringify(payload)))
      }),
      RUNS,
    )
  })

  it('fails only with a CredentialError, for any text', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: fc.constantFrom(...`${B64URL}.=~+/ `), maxLength: 80 }),
      fc
        .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }))
        .map(([h, p]) => `${segment(h)}.${segment(p)}.`),
      fc.string({ maxLength: 40 }).map((s) => `${Buffer.from(s).toString('base64url')}.e30.sig`),
    )
    await fc.assert(
      fc.asyncProperty(text, async (compact) => {
        expect(['ok', 'jws_malformed', 'json_invalid']).toContain(await outcome(() => decodeCompactJws(compact)))
      }),
      { numRuns: 500 },
    )
  })
})

describe('checkJoseHeader (property)', () => {
  it('refuses jku and x5u whatever else the header holds', () => {
    fc.assert(
      fc.property(jsonObject, fc.constantFrom('jku', 'x5u'), fc.jsonValue(), (extra, name, value) => {
        const header = { ...extra, alg: 'ES256', typ: TYP, [name]: value }
        delete (header as Record<string, unknown>).crit
        delete (header as Record<string, unknown>).b64
        expect(() => checkJoseHeader(header, { typ: [TYP] })).toThrow(
          expect.objectContaining({ code: 'jws_header_forbidden' }),
        )
      }),
      RUNS,
    )
  })
})

describe('verifyJws (property)', () => {
  it('verifies any signed claims set and returns it unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(jsonObject, async (payload) => {
        const verified = await verify(await sign(payload))
        expect(verified.payload).toEqual(JSON.parse(JSON.stringify(payload)))
      }),
      { numRuns: 50 },
    )
  })

  it('refuses any single-character change of a signed token, with a CredentialError', async () => {
    const token = await sign({ iss: 'https://issuer.example', sub: 'learner', n: [1, 2, 3] })
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: token.length - 1 }),
        fc.constantFrom(...`${B64URL}.=`),
        async (at, replacement) => {
          fc.pre(token[at] !== replacement)
          const changed = `${token.slice(0, at)}${replacement}${token.slice(at + 1)}`
          expect(await outcome(() => verify(changed))).not.toBe('ok')
        },
      ),
      { numRuns: 400 },
    )
  })

  it('refuses any payload byte changed and re-encoded under the same signature', async () => {
    const payload = { iss: 'https://issuer.example', claim: 'Doctor of Medicine', ects: 360 }
    const [header, body, signature] = (await sign(payload)).split('.') as [string, string, string]
    const bytes = Buffer.from(body, 'base64url')
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, delta) => {
        const changed = Buffer.from(bytes)
        changed[at] = (changed[at]! + delta) % 256
        const code = await outcome(() => verify(`${header}.${changed.toString('base64url')}.${signature}`))
        expect(['jws_signature_invalid', 'json_invalid', 'jws_malformed']).toContain(code)
      }),
      { numRuns: 200 },
    )
  })
})
