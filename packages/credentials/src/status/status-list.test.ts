import { gzipSync } from 'node:zlib'
import { StatusList } from '@sd-jwt/jwt-status-list'
import { beforeAll, describe, expect, it } from 'vitest'
import { isCredentialError } from '../errors.ts'
import { createTestIssuer, decodeJws, FIXED_NOW, type TestIssuer } from '../test-fixtures.ts'
import { decodeBitstring, encodeBitstring, readBitstringStatus } from './bitstring.ts'
import { createBitstringStatusListCredential } from './create-bitstring-status-list-credential.ts'
import { createTokenStatusListJwt } from './create-token-status-list-jwt.ts'
import { readTokenStatus } from './read-token-status.ts'
import { decodeTokenStatusList, encodeTokenStatusList, tokenStatusAt } from './token-status-list.ts'
import { checkBitstringStatus, verifyBitstringStatusListCredential } from './verify-bitstring-status-list-credential.ts'

function codeOf(f: () => unknown): string | undefined {
  try {
    f()
  } catch (e) {
    return isCredentialError(e) ? e.code : `not a CredentialError: ${String(e)}`
  }
  return undefined
}

async function asyncCodeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (e) {
    return isCredentialError(e) ? e.code : `not a CredentialError: ${String(e)}`
  }
  return undefined
}

const snapshot = (statuses: number[]) => ({
  size: statuses.length,
  entries: statuses.flatMap((status, idx) => (status ? [{ idx, status }] : [])),
})

// Golden vectors of draft-ietf-oauth-status-list (draft-21 §4.1 "Status List in JSON Format",
// the 1-bit and 2-bit examples; unchanged since draft-02 §9.1). Found via the code search over
// implementations that pin them (e.g. eu-digital-identity-wallet "statium", walt.id, swiyu).
const IETF_1BIT = {
  statuses: [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1],
  bytes: [0xb9, 0xa3],
  lst: 'eNrbuRgAAhcBXQ',
}
const IETF_2BIT = { statuses: [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3], bytes: [0xc9, 0x44, 0xf9], lst: 'eNo76fITAAPfAgc' }

// W3C Bitstring Status List v1.0, §2.2 example BitstringStatusListCredential: the encodedList of
// an empty list of 131,072 entries (16 KiB of zero bytes).
const W3C_EMPTY_LIST = 'uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA'

describe('IETF Token Status List encoding (LSB-first, ZLIB)', () => {
  it('decodes the draft examples bit for bit', () => {
    for (const vector of [IETF_1BIT, IETF_2BIT]) {
      const bits = vector === IETF_1BIT ? 1 : 2
      const bytes = decodeTokenStatusList(vector.lst)
      expect([...bytes]).toEqual(vector.bytes)
      expect(vector.statuses.map((_, idx) => tokenStatusAt(bytes, bits, idx))).toEqual(vector.statuses)
    }
  })

  it('encodes the draft examples to the same bytes (and, at zlib level 9, the same lst)', () => {
    expect(encodeTokenStatusList(snapshot(IETF_1BIT.statuses), 1)).toBe(IETF_1BIT.lst)
    expect(encodeTokenStatusList(snapshot(IETF_2BIT.statuses), 2)).toBe(IETF_2BIT.lst)
    // @sd-jwt/jwt-status-list reads what we write.
    const list = StatusList.decompressStatusList(encodeTokenStatusList(snapshot(IETF_2BIT.statuses), 2), 2)
    expect(IETF_2BIT.statuses.map((_, i) => list.getStatus(i))).toEqual(IETF_2BIT.statuses)
  })

  it('refuses out-of-range indices, statuses too wide, and lists that inflate past the cap', () => {
    const bytes = decodeTokenStatusList(IETF_1BIT.lst)
    expect(codeOf(() => tokenStatusAt(bytes, 1, 16))).toBe('status_index_out_of_range')
    expect(codeOf(() => tokenStatusAt(bytes, 1, -1))).toBe('status_index_out_of_range')
    expect(codeOf(() => encodeTokenStatusList({ size: 4, entries: [{ idx: 1, status: 2 }] }, 1))).toBe('invalid_input')
    expect(codeOf(() => encodeTokenStatusList({ size: 4, entries: [{ idx: 4, status: 1 }] }, 1))).toBe(
      'status_index_out_of_range',
    )
    const bomb = encodeTokenStatusList({ size: 8 * 1024 * 1024, entries: [] }, 1) // 1 MiB of zeros, ~1 KiB compressed
    expect(bomb.length).toBeLessThan(2000)
    expect(codeOf(() => decodeTokenStatusList(bomb, { maxBytes: 64 * 1024 }))).toBe('status_list_too_large')
    expect(codeOf(() => decodeTokenStatusList('not*base64'))).toBe('status_list_invalid')
    expect(codeOf(() => decodeTokenStatusList('AAAA'))).toBe('status_list_invalid')
  })
})

describe('W3C Bitstring Status List encoding (index 0 = left-most bit, GZIP, multibase)', () => {
  it('reads the spec example as 131,072 valid entries', () => {
    expect(decodeBitstring(W3C_EMPTY_LIST)).toHaveLength(16_384)
    expect(readBitstringStatus(W3C_EMPTY_LIST, 0)).toBe(0)
    expect(readBitstringStatus(W3C_EMPTY_LIST, 131_071)).toBe(0)
    expect(codeOf(() => readBitstringStatus(W3C_EMPTY_LIST, 131_072))).toBe('status_index_out_of_range')
  })

  it('puts index 0 in the most significant bit of the first byte', () => {
    const encoded = encodeBitstring({
      size: 131_072,
      entries: [
        { idx: 0, status: 1 },
        { idx: 7, status: 1 },
        { idx: 9, status: 1 },
      ],
    })
    expect(encoded.startsWith('uH4sI')).toBe(true)
    const bytes = decodeBitstring(encoded)
    expect([bytes[0], bytes[1], bytes[2]]).toEqual([0b1000_0001, 0b0100_0000, 0])
    expect([0, 1, 7, 8, 9, 10].map((i) => readBitstringStatus(encoded, i))).toEqual([1, 0, 1, 0, 1, 0])
  })

  it('refuses short lists, non-multibase input and GZIP bombs', () => {
    expect(codeOf(() => encodeBitstring({ size: 1024, entries: [] }))).toBe('invalid_input')
    expect(codeOf(() => readBitstringStatus(W3C_EMPTY_LIST.slice(1), 0))).toBe('status_list_invalid')
    const short = `u${gzipSync(new Uint8Array(1024)).toString('base64url')}`
    expect(codeOf(() => readBitstringStatus(short, 0))).toBe('status_list_invalid')
    const bomb = `u${gzipSync(new Uint8Array(64 * 1024 * 1024)).toString('base64url')}`
    expect(codeOf(() => readBitstringStatus(bomb, 0))).toBe('status_list_too_large')
  })
})

describe('signed status lists', () => {
  let issuer: TestIssuer
  const did = 'did:web:uni-min.example'
  const uri = 'https://issuer.example/uni-min/status/token/1'
  const url = 'https://issuer.example/uni-min/status/revocation/1'

  beforeAll(async () => {
    issuer = await createTestIssuer(did)
  })

  const tokenList = () =>
    createTokenStatusListJwt({
      uri,
      issuer: { tenantId: issuer.tenantId, id: did },
      bits: 2,
      size: 1024,
      entries: [
        { idx: 3, status: 1 },
        { idx: 1000, status: 2 },
      ],
      now: FIXED_NOW,
      ttl: 3600,
      sign: issuer.signer,
    })

  it('Token Status List JWT: typ statuslist+jwt, sub = uri, and each index reads back', async () => {
    const jwt = await tokenList()
    const { header, payload } = decodeJws(jwt)
    expect(header).toMatchObject({ typ: 'statuslist+jwt', alg: 'ES256' })
    expect(header.x5c).toHaveLength(1) // the seal certificate; the trust anchor is not sent (HAIP 1.0 §6.1.1)
    expect(payload).toMatchObject({ sub: uri, iss: did, ttl: 3600, status_list: { bits: 2 } })
    const verify = { resolveIssuerKey: issuer.resolveIssuerKey, now: FIXED_NOW }
    const read = (idx: number) => readTokenStatus(jwt, { uri, idx, verify }).then((s) => s.status)
    expect(await Promise.all([read(0), read(3), read(1000), read(1023)])).toEqual([0, 1, 2, 0])
    expect(await asyncCodeOf(read(1024))).toBe('status_index_out_of_range')
  })

  it('Token Status List JWT: refuses a list for another uri, an expired list, and a wrong typ', async () => {
    const jwt = await tokenList()
    const verify = { resolveIssuerKey: issuer.resolveIssuerKey, now: FIXED_NOW }
    expect(await asyncCodeOf(readTokenStatus(jwt, { uri: `${uri}-other`, idx: 0, verify }))).toBe(
      'status_list_uri_mismatch',
    )
    const later = { ...verify, now: new Date(FIXED_NOW.getTime() + 2 * 86_400_000) }
    expect(await asyncCodeOf(readTokenStatus(jwt, { uri, idx: 0, verify: later }))).toBe('credential_expired')
    const asJwt = await issuer.signer.signJwt(issuer.tenantId, decodeJws(jwt).payload, { typ: 'JWT' })
    expect(await asyncCodeOf(readTokenStatus(asJwt, { uri, idx: 0, verify }))).toBe('jws_typ_invalid')
  })

  it('Bitstring Status List credential: a VC-JWT whose subject is a BitstringStatusList', async () => {
    const jwt = await createBitstringStatusListCredential({
      url,
      issuer: { tenantId: issuer.tenantId, did },
      purpose: 'revocation',
      size: 131_072,
      entries: [{ idx: 4711, status: 1 }],
      now: FIXED_NOW,
      sign: issuer.signer,
    })
    const { header, payload } = decodeJws(jwt)
    expect(header.typ).toBe('JWT')
    expect(payload.vc.type).toEqual(['VerifiableCredential', 'BitstringStatusListCredential'])
    expect(payload.vc.credentialSubject).toMatchObject({
      id: `${url}#list`,
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
    })

    const options = { resolveIssuerKey: issuer.resolveIssuerKey, now: FIXED_NOW }
    const { list } = await verifyBitstringStatusListCredential(jwt, { ...options, url })
    expect(readBitstringStatus(list.encodedList, 4711)).toBe(1)
    const entry = {
      type: 'BitstringStatusListEntry' as const,
      statusPurpose: 'revocation' as const,
      statusListIndex: '4711',
      statusListCredential: url,
    }
    expect(await checkBitstringStatus(entry, jwt, options)).toBe(1)
    expect(await checkBitstringStatus({ ...entry, statusListIndex: '4712' }, jwt, options)).toBe(0)
    expect(await asyncCodeOf(checkBitstringStatus({ ...entry, statusPurpose: 'suspension' }, jwt, options))).toBe(
      'status_list_invalid',
    )
    expect(await asyncCodeOf(checkBitstringStatus({ ...entry, statusListCredential: `${url}x` }, jwt, options))).toBe(
      'status_list_uri_mismatch',
    )
    expect(
      await asyncCodeOf(verifyBitstringStatusListCredential(jwt, { ...options, url, expectedIssuer: 'did:web:x' })),
    ).toBe('issuer_mismatch')
  })
})
