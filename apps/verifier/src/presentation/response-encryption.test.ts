// Property-based tests of the direct_post.jwt response decryption (OpenID4VP 1.0 §8.3; issue 12,
// "How we test from now on"): any JSON object a wallet encrypts to the request's key reads back;
// any text, any header, any single-character change of a JWE fails only with invalid_request, and
// what the wallet sent is never echoed raw into the error description.
import fc from 'fast-check'
import { CompactEncrypt, importJWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { VerifierError } from '../errors.ts'
import { createResponseEncryptionKey, decryptResponse, type ResponseEncryptionKey } from './response-encryption.ts'

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/**
 * RFC 6749 §5.2's characters, plus the two the verifier's own descriptions use (§ and ’): nothing
 * the wallet sent can add a quote, a backslash or a control character.
 */
const DESCRIPTION = /^[\x20\x21\x23-\x5B\x5D-\x7E\u00a7\u2019]+$/

let key: ResponseEncryptionKey

beforeAll(async () => {
  key = await createResponseEncryptionKey('enc-test')
})

async function encrypt(payload: unknown, enc: 'A128GCM' | 'A256GCM' = 'A128GCM'): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ECDH-ES', enc, kid: 'enc-test' })
    .encrypt(await importJWK(key.publicJwk, 'ECDH-ES'))
}

async function failureOf(jwe: string): Promise<string> {
  try {
    await decryptResponse(jwe, key.privateJwk)
    return 'ok'
  } catch (e) {
    if (!(e instanceof VerifierError)) throw new Error(`not a VerifierError: ${String(e)}`, { cause: e })
    expect(e.code).toBe('invalid_request')
    expect(e.description).toMatch(DESCRIPTION)
    return e.description
  }
}

describe('decryptResponse (property)', () => {
  it('reads back any JSON object encrypted to the request key', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
        fc.constantFrom('A128GCM' as const, 'A256GCM' as const),
        async (payload, enc) => {
          expect(await decryptResponse(await encrypt(payload, enc), key.privateJwk)).toEqual(
            JSON.parse(JSON.stringify(payload)),
          )
        },
      ),
      { numRuns: 50 },
    )
  })

  it('refuses any single-character change of a response JWE', async () => {
    const jwe = await encrypt({ vp_token: { q: ['eyJ...'] }, state: 's-1' })
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: jwe.length - 1 }), fc.constantFrom(...`${B64URL}.`), async (at, c) => {
        // The last character of a segment may differ in padding bits only; the others never.
        fc.pre(jwe[at] !== c && jwe[at + 1] !== '.' && at !== jwe.length - 1)
        expect(await failureOf(`${jwe.slice(0, at)}${c}${jwe.slice(at + 1)}`)).not.toBe('ok')
      }),
      { numRuns: 200 },
    )
  })

  it('fails only with invalid_request, never echoing odd header values raw, for any text or header', async () => {
    const header = fc.record(
      {
        alg: fc.oneof(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 }), fc.constant('ECDH-ES')),
        enc: fc.oneof(fc.string({ maxLength: 12 }), fc.constant('A128GCM')),
        kid: fc.string({ maxLength: 8 }),
        zip: fc.constant('DEF'),
        p2c: fc.integer(),
      },
      { requiredKeys: [] },
    )
    const segment = (value: unknown) => Buffer.from(JSON.stringify(value) ?? '').toString('base64url')
    const jwe = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: fc.constantFrom(...`${B64URL}.`), maxLength: 80 }),
      fc
        .tuple(
          header,
          fc.array(fc.string({ unit: fc.constantFrom(...B64URL), maxLength: 20 }), { minLength: 4, maxLength: 4 }),
        )
        .map(([h, rest]) => [segment(h), ...rest].join('.')),
    )
    await fc.assert(
      fc.asyncProperty(jwe, async (text) => {
        expect(await failureOf(text)).not.toBe('ok')
      }),
      { numRuns: 400 },
    )
  })
})
