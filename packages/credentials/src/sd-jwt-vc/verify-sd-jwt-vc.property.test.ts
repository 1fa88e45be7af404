// Property-based tests of SD-JWT VC parsing and verification (RFC 9901 §7; issue 12, "How we
// test from now on"): any claims, split any way between the clear and disclosures, with any subset
// of disclosures presented, read back exactly; any text fails only with a CredentialError; any
// single-character change of a presentation (issuer JWT, disclosure, KB-JWT) is refused.
import { createHash, generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import { type JWK, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { isCredentialError } from '../errors.ts'
import { type VerifySdJwtVcOptions, verifySdJwtVc } from './verify-sd-jwt-vc.ts'

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const NOW = new Date('2026-07-20T12:00:00Z')
const IAT = Math.floor(NOW.getTime() / 1000)
const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const holderKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const holderJwk = holderKey.publicKey.export({ format: 'jwk' }) as JWK
const NONCE = 'n-42'
const AUD = 'x509_hash:verifier.example'

const digest = (s: string) => createHash('sha256').update(s, 'ascii').digest('base64url')
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

const options = (keyBinding: boolean): VerifySdJwtVcOptions => ({
  resolveIssuerKey: async () => issuerKey.publicKey,
  now: NOW,
  requireKeyBinding: keyBinding,
  ...(keyBinding ? { expectedNonce: NONCE, expectedAud: AUD } : {}),
})

/** Claim names a subject may have: not the JWT / SD-JWT mechanics, which are tested elsewhere. */
const RESERVED = new Set(['iss', 'sub', 'aud', 'jti', 'iat', 'nbf', 'exp', 'vct', 'vct#integrity', 'cnf', 'status'])
const claimName = fc
  .string({ minLength: 1, maxLength: 10 })
  .filter((n) => !RESERVED.has(n) && !n.startsWith('_') && n !== '...')
const claims = fc.dictionary(claimName, fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 6 })

interface Issued {
  /** `<issuer-jwt>~` and each disclosure with its claim. */
  readonly jwt: string
  readonly disclosures: readonly { readonly name: string; readonly encoded: string }[]
  readonly clear: Record<string, unknown>
}

/** An SD-JWT VC whose claims marked `disclose` are selectively disclosable, with decoys. */
async function issue(all: Record<string, unknown>, disclose: (name: string) => boolean, salt: string): Promise<Issued> {
  const clear: Record<string, unknown> = {}
  const disclosures: { name: string; encoded: string }[] = []
  for (const [name, value] of Object.entries(all)) {
    if (disclose(name)) disclosures.push({ name, encoded: encode([`${salt}-${name}`, name, value]) })
    else clear[name] = value
  }
  const decoys = [digest(`decoy-${salt}-1`), digest(`decoy-${salt}-2`)]
  const payload = {
    iss: 'https://issuer.example/uni-a',
    vct: 'urn:eu.europa.ec.eudi:learning:1',
    iat: IAT,
    cnf: { jwk: holderJwk },
    _sd_alg: 'sha-256',
    _sd: [...disclosures.map((d) => digest(d.encoded)), ...decoys].sort(),
    ...clear,
  }
  const jwt = await new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', typ: 'dc+sd-jwt' })
    .sign(issuerKey.privateKey)
  return { jwt, disclosures, clear }
}

/** A presentation of the chosen disclosures, with a KB-JWT over it (RFC 9901 §4.3) when asked. */
async function present(issued: Issued, chosen: readonly string[], keyBinding: boolean): Promise<string> {
  const presented = `${[issued.jwt, ...chosen].join('~')}~`
  if (!keyBinding) return presented
  const kb = await new SignJWT({ iat: IAT, aud: AUD, nonce: NONCE, sd_hash: digest(presented) })
    .setProtectedHeader({ alg: 'ES256', typ: 'kb+jwt' })
    .sign(holderKey.privateKey)
  return `${presented}${kb}`
}

async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run()
    return 'ok'
  } catch (e) {
    if (!isCredentialError(e)) throw new Error(`not a CredentialError: ${String(e)}`, { cause: e })
    return e.code
  }
}

describe('verifySdJwtVc (property)', () => {
  it('reads back exactly the clear claims and the disclosures presented, in any order', async () => {
    await fc.assert(
      fc.asyncProperty(
        claims,
        fc.func(fc.boolean()),
        fc.func(fc.boolean()),
        fc.boolean(),
        async (all, disclosable, shown, keyBinding) => {
          const issued = await issue(all, disclosable, 'salt')
          const chosen = issued.disclosures.filter((d) => shown(d.name))
          const verified = await verifySdJwtVc(
            await present(issued, chosen.map((d) => d.encoded).reverse(), keyBinding),
            options(keyBinding),
          )
          const expected = JSON.parse(
            JSON.stringify({ ...issued.clear, ...Object.fromEntries(chosen.map((d) => [d.name, all[d.name]])) }),
          )
          expect(verified.claims).toEqual(expected)
          expect(Object.keys(verified.disclosed).sort()).toEqual(chosen.map((d) => d.name).sort())
        },
      ),
      { numRuns: 60 },
    )
  })

  it('refuses any single-character change of a presentation — issuer JWT, disclosure or KB-JWT', async () => {
    const issued = await issue({ given_name: 'Ana', ects: 6, grade: 'Pass' }, (n) => n !== 'grade', 'fixed')
    const presentation = await present(
      issued,
      issued.disclosures.map((d) => d.encoded),
      true,
    )
    expect(await outcome(() => verifySdJwtVc(presentation, options(true)))).toBe('ok')
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: presentation.length - 1 }), fc.constantFrom(...`${B64URL}.~`), async (at, c) => {
        fc.pre(presentation[at] !== c)
        const changed = `${presentation.slice(0, at)}${c}${presentation.slice(at + 1)}`
        expect(await outcome(() => verifySdJwtVc(changed, options(true)))).not.toBe('ok')
      }),
      { numRuns: 300 },
    )
  })

  it('refuses a disclosure the issuer never signed, whatever it holds', async () => {
    const issued = await issue({ given_name: 'Ana' }, () => true, 'fixed')
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 2 }), claimName, async (value, name) => {
        const forged = encode(['forged-salt', name, value])
        const presented = `${[issued.jwt, ...issued.disclosures.map((d) => d.encoded), forged].join('~')}~`
        expect(await outcome(() => verifySdJwtVc(presented, options(false)))).toBe('disclosure_unreferenced')
      }),
      { numRuns: 100 },
    )
  })

  it('fails only with a CredentialError for any text, and for junk disclosures after a valid JWT', async () => {
    const issued = await issue({ given_name: 'Ana' }, () => true, 'fixed')
    const junkDisclosure = fc.oneof(
      fc.string({ unit: fc.constantFrom(...B64URL), minLength: 1, maxLength: 40 }),
      fc.jsonValue({ maxDepth: 2 }).map(encode),
      fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 4 }).map(encode),
    )
    const text = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: fc.constantFrom(...`${B64URL}.~`), maxLength: 120 }),
      fc.array(junkDisclosure, { minLength: 1, maxLength: 4 }).map((ds) => `${[issued.jwt, ...ds].join('~')}~`),
    )
    await fc.assert(
      fc.asyncProperty(text, async (compact) => {
        await outcome(() => verifySdJwtVc(compact, options(false)))
      }),
      { numRuns: 300 },
    )
  })
})
