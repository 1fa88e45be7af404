import { createPublicKey, ECDH, type JsonWebKey as NodeJwk } from 'node:crypto'
import type { DIDDocument, DIDResolutionResult, JsonWebKey as DidJwk } from 'did-resolver'
import type { JWK } from 'jose'
import { TrustError } from '../errors.ts'
import { DID_V1_CONTEXT, JWS_2020_CONTEXT } from './did-web.ts'
import { failedResolution } from './fetch-did-web.ts'

// did:key (W3C CCG did:key Method v0.7 §3.1): `did:key:` + multibase(base58btc, multicodec ‖ key).
// Multicodec table: ed25519-pub 0xed, p256-pub 0x1200 (compressed point).
const ED25519_PUB = 0xed
const P256_PUB = 0x1200

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const BASE58_INDEX = new Map([...BASE58_ALPHABET].map((c, i) => [c, i]))

function base58Decode(text: string): Uint8Array {
  let value = 0n
  for (const c of text) {
    const digit = BASE58_INDEX.get(c)
    if (digit === undefined) throw new Error(`"${c}" is not a base58btc character`)
    value = value * 58n + BigInt(digit)
  }
  const bytes: number[] = []
  while (value > 0n) {
    bytes.unshift(Number(value & 0xffn))
    value >>= 8n
  }
  for (const c of text) {
    if (c !== '1') break
    bytes.unshift(0)
  }
  return new Uint8Array(bytes)
}

function base58Encode(bytes: Uint8Array): string {
  let value = 0n
  for (const b of bytes) value = (value << 8n) | BigInt(b)
  let out = ''
  while (value > 0n) {
    out = BASE58_ALPHABET[Number(value % 58n)] + out
    value /= 58n
  }
  for (const b of bytes) {
    if (b !== 0) break
    out = `1${out}`
  }
  return out
}

/** Unsigned LEB128 varint, as multicodec uses it. */
function readVarint(bytes: Uint8Array): { value: number; length: number } {
  let value = 0
  for (let i = 0; i < Math.min(bytes.length, 4); i++) {
    const b = bytes[i]!
    value |= (b & 0x7f) << (7 * i)
    if ((b & 0x80) === 0) return { value, length: i + 1 }
  }
  throw new Error('bad multicodec varint')
}

function writeVarint(value: number): number[] {
  const out: number[] = []
  let v = value
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80)
    v >>>= 7
  }
  out.push(v)
  return out
}

/** The public JWK inside a did:key (P-256 and Ed25519). */
export function didKeyToJwk(did: string): JWK {
  if (!did.startsWith('did:key:z')) throw new TrustError('did_invalid', `${did}: not a base58btc did:key`)
  const encoded = did.slice('did:key:z'.length)
  if (encoded.length > 200) throw new TrustError('did_invalid', `${did.slice(0, 40)}…: too long for a did:key`)
  let bytes: Uint8Array
  let codec: { value: number; length: number }
  try {
    bytes = base58Decode(encoded)
    codec = readVarint(bytes)
  } catch (cause) {
    throw new TrustError('did_invalid', `${did}: ${(cause as Error).message}`, { cause })
  }
  const key = bytes.subarray(codec.length)
  let jwk: JWK
  if (codec.value === ED25519_PUB && key.length === 32) {
    jwk = { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key).toString('base64url') }
  } else if (codec.value === P256_PUB && key.length === 33) {
    let point: Buffer
    try {
      // SEC 1 §2.3.4: decompress the point to get y.
      point = ECDH.convertKey(Buffer.from(key), 'prime256v1', undefined, undefined, 'uncompressed') as Buffer
    } catch (cause) {
      throw new TrustError('did_invalid', `${did}: not a point on P-256`, { cause })
    }
    jwk = {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    }
  } else {
    throw new TrustError(
      'did_invalid',
      `${did}: unsupported key type (multicodec 0x${codec.value.toString(16)}, ${key.length} bytes); P-256 and Ed25519 are supported`,
    )
  }
  try {
    createPublicKey({ key: jwk as NodeJwk, format: 'jwk' })
  } catch (cause) {
    throw new TrustError('did_invalid', `${did}: the key is not valid`, { cause })
  }
  return jwk
}

/** The did:key of a P-256 or Ed25519 public JWK (P-256 in compressed form). */
export function jwkToDidKey(jwk: JWK): string {
  let codec: number
  let key: Uint8Array
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.x) {
    codec = ED25519_PUB
    key = Buffer.from(jwk.x, 'base64url')
  } else if (jwk.kty === 'EC' && jwk.crv === 'P-256' && jwk.x && jwk.y) {
    codec = P256_PUB
    const y = Buffer.from(jwk.y, 'base64url')
    key = Buffer.concat([Buffer.from([(y[31] ?? 0) & 1 ? 0x03 : 0x02]), Buffer.from(jwk.x, 'base64url')])
  } else {
    throw new TrustError('key_unsupported', 'did:key is made for P-256 and Ed25519 keys only')
  }
  return `did:key:z${base58Encode(new Uint8Array([...writeVarint(codec), ...key]))}`
}

/** The DID document of a did:key (did:key §3.1.2, with a JsonWebKey2020 verification method). */
export function didKeyDocument(did: string): DIDDocument {
  const publicKeyJwk = didKeyToJwk(did)
  const id = `${did}#${did.slice('did:key:'.length)}`
  return {
    '@context': [DID_V1_CONTEXT, JWS_2020_CONTEXT],
    id: did,
    verificationMethod: [{ id, type: 'JsonWebKey2020', controller: did, publicKeyJwk: publicKeyJwk as DidJwk }],
    authentication: [id],
    assertionMethod: [id],
    capabilityInvocation: [id],
    capabilityDelegation: [id],
  }
}

/** A did-resolver method resolver for did:key. */
export async function resolveDidKey(did: string): Promise<DIDResolutionResult> {
  try {
    return {
      didResolutionMetadata: { contentType: 'application/did+json' },
      didDocument: didKeyDocument(did),
      didDocumentMetadata: {},
    }
  } catch (e) {
    return failedResolution('invalidDid', 'invalid_did', (e as Error).message)
  }
}
