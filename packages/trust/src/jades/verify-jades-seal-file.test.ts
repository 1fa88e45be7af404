// The file-level JAdES check (what `alma elm report` runs) on the EC's sealed Annex I sample
// (../shared/reference/elm/samples, SOURCES.md) and copies of it changed by one byte.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { verifyJadesSealFile } from './verify-jades-seal-file.ts'

const samples = new URL('../../../../../shared/reference/elm/samples/', import.meta.url)
const SIGNED = readFileSync(new URL('Sample-MC-Annex1-signed.jsonld', samples))
const UNSIGNED = readFileSync(new URL('Sample-MC-Annex1-unsigned.jsonld', samples))

/** The sample with one byte of the sealed payload changed: the learner "Ana" becomes "Anb". */
function tampered(): Buffer {
  const copy = Buffer.from(SIGNED)
  const at = copy.indexOf('\\"Ana\\"')
  expect(at).toBeGreaterThan(0)
  expect(at).toBeLessThan(copy.indexOf('"signatures"'))
  copy[at + 4] = 'b'.charCodeAt(0)
  return copy
}

describe('verifyJadesSealFile', () => {
  it('verifies the EC sample: RS256 over the unencoded payload, with the key of its x5c leaf', async () => {
    const check = await verifyJadesSealFile(SIGNED)
    expect(check).toEqual({
      sealed: true,
      verified: true,
      alg: 'RS256',
      reason: expect.stringMatching(
        /^RS256 signature verified with the key of x5c\[0\] '.+', over ASCII\(BASE64URL\(protected header\)\) \|\| "\." \|\| the \d+ UTF-8 bytes of the payload as they stand in the file \(unencoded payload, b64:false, RFC 7797 §3\)$/,
      ),
    })
  })

  it('refuses a copy with one byte of the payload changed, naming why', async () => {
    const check = await verifyJadesSealFile(tampered())
    expect(check).toEqual({
      sealed: true,
      verified: false,
      alg: 'RS256',
      reason: expect.stringMatching(
        /^the RS256 signature does not verify with the key of x5c\[0\] '.+' over the protected header and the payload bytes: the file was changed after sealing, or sealed with another key$/,
      ),
    })
  })

  it('refuses a changed protected header and a seal that is no JAdES seal; says when there is no seal', async () => {
    const sample = JSON.parse(SIGNED.toString('utf8'))
    const header = JSON.parse(Buffer.from(sample.signatures[0].protected, 'base64url').toString('utf8'))
    const reheaded = {
      ...sample,
      signatures: [
        {
          ...sample.signatures[0],
          protected: Buffer.from(JSON.stringify({ ...header, alg: 'RS512' })).toString('base64url'),
        },
      ],
    }
    expect(await verifyJadesSealFile(JSON.stringify(reheaded))).toMatchObject({
      sealed: true,
      verified: false,
      alg: 'RS512',
    })
    const twoSignatures = { ...sample, signatures: [sample.signatures[0], sample.signatures[0]] }
    expect(await verifyJadesSealFile(JSON.stringify(twoSignatures))).toEqual({
      sealed: true,
      verified: false,
      reason: 'the file has 2 signatures; an EDC seal has exactly one',
    })
    expect(await verifyJadesSealFile(UNSIGNED)).toEqual({
      sealed: false,
      reason: 'the file is not a JWS JSON serialization (RFC 7515 §7.2)',
    })
    expect(await verifyJadesSealFile(new Uint8Array([0xff, 0xfe]))).toEqual({
      sealed: false,
      reason: 'the file is not UTF-8 text (RFC 8259 §8.1)',
    })
    expect(await verifyJadesSealFile('{"payload":"x","payload":"y","signatures":[]}')).toMatchObject({
      sealed: false,
      reason: expect.stringMatching(/^the file is not acceptable JSON: /),
    })
  })
})
