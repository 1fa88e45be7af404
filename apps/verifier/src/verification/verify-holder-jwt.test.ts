// Property-based tests of the holder JWS decoder and verifier (issue 12, "How we test from now
// on"): any text fails with one of the module's own errors, any JSON objects round-trip, and any
// single-character change of a holder-signed token (a VP JWT, a KB-JWT) is refused.
import { generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import { CompactSign } from 'jose'
import { describe, expect, it } from 'vitest'
import { decodeJws, verifyHolderJws } from './verify-holder-jwt.ts'

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const holder = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const jsonObject = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 })

/** What decodeJws may say, and nothing else: its own plain errors, never a parser's. */
const OWN_FAILURE =
  /^(a JWE was given where a JWS is expected|not a compact JWS|the (JOSE header|JWS payload) is not (base64url|JSON we accept|a JSON object))$/

function failureOf(run: () => unknown): string {
  try {
    run()
    return 'ok'
  } catch (e) {
    if (!(e instanceof Error) || e.constructor !== Error) throw new Error(`not the module's own error: ${String(e)}`)
    return e.message
  }
}

describe('decodeJws (property)', () => {
  it('reads back any JSON objects as header and payload', () => {
    fc.assert(
      fc.property(jsonObject, jsonObject, (header, payload) => {
        expect(decodeJws(`${segment(header)}.${segment(payload)}.c2ln`)).toEqual(
          JSON.parse(JSON.stringify({ header, payload })),
        )
      }),
      { numRuns: 150 },
    )
  })

  it('fails only with its own errors, for any text', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: fc.constantFrom(...`${B64URL}.=~ `), maxLength: 80 }),
      fc
        .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }))
        .map(([h, p]) => `${segment(h)}.${segment(p)}.c2ln`),
      fc.string({ maxLength: 40 }).map((s) => `${Buffer.from(s).toString('base64url')}.e30.c2ln`),
      fc.constant(`${segment({})}.${Buffer.from('{"a":1,"a":2}').toString('base64url')}.c2ln`),
    )
    fc.assert(
      fc.property(text, (compact) => {
        const failure = failureOf(() => decodeJws(compact))
        if (failure !== 'ok') expect(failure).toMatch(OWN_FAILURE)
      }),
      { numRuns: 500 },
    )
  })
})

describe('verifyHolderJws (property)', () => {
  it('refuses any single-character change of a holder-signed token', async () => {
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify({ nonce: 'n-1', aud: 'x509_hash:rp' })))
      .setProtectedHeader({ alg: 'ES256', typ: 'kb+jwt' })
      .sign(holder.privateKey)
    await expect(verifyHolderJws(token, holder.publicKey, { typ: ['kb+jwt'] })).resolves.toMatchObject({
      payload: { nonce: 'n-1' },
    })
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: token.length - 1 }), fc.constantFrom(...`${B64URL}.=`), async (at, c) => {
        fc.pre(token[at] !== c)
        const changed = `${token.slice(0, at)}${c}${token.slice(at + 1)}`
        await expect(verifyHolderJws(changed, holder.publicKey, { typ: ['kb+jwt'] })).rejects.toThrow(Error)
      }),
      { numRuns: 300 },
    )
  })
})
