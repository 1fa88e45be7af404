// Property-based tests of JAdES seal parsing and the seal's signature check (ETSI TS 119 182-1,
// RFC 7515 §7.2, RFC 7797; issue 12, "How we test from now on"): any well-formed seal reads back;
// any value, any payload text or bytes fails only with a SealFormatError; any single-byte change
// of the EC's sealed sample is refused by the signature check, which never throws.
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseJadesSeal, payloadDocument, SealFormatError } from './parse-jades-seal.ts'
import { verifyJadesSignature } from './verify-jades-signature.ts'

const samples = new URL('../../../../../shared/reference/elm/samples/', import.meta.url)
const SIGNED = JSON.parse(readFileSync(new URL('Sample-MC-Annex1-signed.jsonld', samples), 'utf8')) as Record<
  string,
  unknown
>

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const base64 = fc.base64String({ minLength: 4, maxLength: 24 })

function failureOf(run: () => unknown): string {
  try {
    run()
    return 'ok'
  } catch (e) {
    if (!(e instanceof SealFormatError)) throw new Error(`not a SealFormatError: ${String(e)}`, { cause: e })
    return e.message
  }
}

/** A protected header as the EDC platform writes one (elm.md, "Sealing in EDC"). */
const protectedHeader = fc.record(
  {
    alg: fc.constantFrom('RS256', 'ES256', 'PS256'),
    x5c: fc.array(base64, { minLength: 1, maxLength: 3 }),
    b64: fc.constant(false),
    crit: fc.constant(['b64', 'sigT']),
    sigT: fc.constant('2023-09-27T11:54:17Z'),
    kid: fc.string({ maxLength: 10 }),
  },
  { requiredKeys: ['alg', 'x5c'] },
)
/** Unsigned properties (§5.3.1): a signature time-stamp, certificate values, or another one. */
const unsignedProperty = fc.oneof(
  fc.record({ sigTst: fc.record({ tstTokens: fc.array(fc.record({ val: base64 }), { minLength: 1, maxLength: 2 }) }) }),
  fc.record({ xVals: fc.array(fc.record({ x509Cert: fc.record({ val: base64 }) }), { minLength: 1, maxLength: 2 }) }),
  fc.record({ rVals: fc.jsonValue({ maxDepth: 2 }) }),
)

describe('parseJadesSeal (property)', () => {
  it('reads back any well-formed seal, its etsiU entries encoded or clear', () => {
    fc.assert(
      fc.property(
        protectedHeader,
        fc.array(fc.tuple(unsignedProperty, fc.boolean()), { maxLength: 4 }),
        fc.boolean(),
        (header, entries, general) => {
          const signature = {
            protected: b64url(header),
            header: { etsiU: entries.map(([p, encoded]) => (encoded ? b64url(p) : p)) },
            signature: 'c2lnbmF0dXJl',
          }
          const jws = general ? { payload: '{}', signatures: [signature] } : { payload: '{}', ...signature }
          const parsed = parseJadesSeal(jws)
          const properties = entries.map(([p]) => JSON.parse(JSON.stringify(p)))
          expect(parsed.protectedHeader).toEqual(header)
          expect(parsed.unsignedProperties).toEqual(properties)
          expect(parsed.certificateValues).toEqual(
            properties.flatMap((p) => (p.xVals ?? []).map((x: { x509Cert: { val: string } }) => x.x509Cert.val)),
          )
          expect(parsed.signatureTimestamp).toEqual(properties.find((p) => p.sigTst)?.sigTst)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('fails only with a SealFormatError, for any value in the shape of a JWS', () => {
    const member = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.jsonValue({ maxDepth: 2 }).map(b64url),
      fc.jsonValue({ maxDepth: 2 }),
    )
    const signature = fc.dictionary(fc.constantFrom('protected', 'header', 'signature', 'x5c'), member)
    const value = fc.oneof(
      fc.dictionary(fc.constantFrom('payload', 'signatures', 'protected', 'header', 'signature'), member),
      fc.record({ payload: fc.string(), signatures: fc.array(signature, { maxLength: 3 }) }),
      fc.record({
        payload: fc.string(),
        signatures: fc.tuple(
          fc.record({
            protected: protectedHeader.map(b64url),
            header: fc.record({ etsiU: fc.array(member, { maxLength: 3 }) }),
            signature: fc.constant('c2ln'),
          }),
        ),
      }),
    )
    fc.assert(
      fc.property(value, (v) => {
        failureOf(() => parseJadesSeal(v as Record<string, unknown>))
      }),
      { numRuns: 500 },
    )
  })
})

describe('payloadDocument (property)', () => {
  it('reads back any JSON object, unencoded or base64url, as text or bytes', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })),
        fc.boolean(),
        fc.boolean(),
        (doc, b64, bytes) => {
          const text = JSON.stringify(doc)
          // Bytes are what jose verified: the document's own UTF-8 (RFC 7797 §3), never base64url.
          const input = bytes ? new TextEncoder().encode(text) : b64 ? Buffer.from(text).toString('base64url') : text
          expect(payloadDocument(input, bytes ? false : b64)).toEqual(JSON.parse(text))
        },
      ),
      { numRuns: 200 },
    )
  })

  it('fails only with a SealFormatError for any text or bytes — invalid UTF-8 included', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 })),
        fc.boolean(),
        (payload, b64) => {
          failureOf(() => payloadDocument(payload, b64))
        },
      ),
      { numRuns: 500 },
    )
    expect(failureOf(() => payloadDocument(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), false))).toBe(
      'the sealed payload is not UTF-8 text (RFC 8259 §8.1)',
    )
    expect(failureOf(() => payloadDocument(Buffer.from('{"a":"\xff"}', 'latin1').toString('base64url'), true))).toBe(
      'the sealed payload is not UTF-8 text (RFC 8259 §8.1)',
    )
  })
})

describe('verifyJadesSignature (property)', () => {
  const seal = parseJadesSeal(SIGNED)
  const payload = seal.jws.payload

  it('verifies the EC sample as sealed', async () => {
    expect((await verifyJadesSignature(seal)).ok).toBe(true)
  })

  it('refuses any single-character change of the sealed payload, and never throws', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: payload.length - 1 }),
        fc.constantFrom('a', '0', ' ', '"', 'é', '\\'),
        async (at, c) => {
          fc.pre(payload[at] !== c)
          const changed = {
            ...seal,
            jws: { ...seal.jws, payload: `${payload.slice(0, at)}${c}${payload.slice(at + 1)}` },
          }
          expect((await verifyJadesSignature(changed)).ok).toBe(false)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('refuses any single-character change of the signature or protected header, and never throws', async () => {
    const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('signature', 'protected'),
        fc.nat(),
        fc.constantFrom(...B64URL),
        async (member, pick, c) => {
          const value = seal.jws[member as 'signature' | 'protected']
          // The last character of a base64url segment may carry padding bits only; the others never.
          const at = pick % (value.length - 1)
          fc.pre(value[at] !== c)
          const changed = { ...seal, jws: { ...seal.jws, [member]: `${value.slice(0, at)}${c}${value.slice(at + 1)}` } }
          expect((await verifyJadesSignature(changed)).ok).toBe(false)
        },
      ),
      { numRuns: 60 },
    )
  })
})
