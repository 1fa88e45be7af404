import { createPrivateKey, createPublicKey, KeyObject, webcrypto } from 'node:crypto'

/** DER bytes of a certificate, a CRL or a key. */
export type Der = Uint8Array

/** A certificate given as DER bytes, PEM text or base64 DER (as in a JOSE `x5c` entry, RFC 7515 §4.1.6). */
export type CertificateInput = Uint8Array | string

/** A copy of `der` backed by a plain ArrayBuffer, the form WebCrypto-typed APIs accept. */
export function bytes(der: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(der)
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g

function wrap64(base64: string): string {
  return base64.match(/.{1,64}/g)?.join('\n') ?? ''
}

/** Encodes DER bytes as one PEM block (RFC 7468 §2) with the given label. */
export function encodePem(der: Der, label: string): string {
  return `-----BEGIN ${label}-----\n${wrap64(Buffer.from(der).toString('base64'))}\n-----END ${label}-----\n`
}

/** Decodes every PEM block with `label` in `text` (RFC 7468 §2; text outside the blocks is ignored). */
export function decodePemBlocks(text: string, label: string): Der[] {
  const out: Der[] = []
  for (const match of text.matchAll(PEM_BLOCK)) {
    if (match[1] !== label) continue
    out.push(new Uint8Array(Buffer.from((match[2] ?? '').replace(/\s+/g, ''), 'base64')))
  }
  return out
}

/** PEM `CERTIFICATE` text for DER certificate bytes (RFC 7468 §5). */
export function encodeCertificatePem(der: Der): string {
  return encodePem(der, 'CERTIFICATE')
}

/** Every certificate of a PEM bundle (RFC 7468 §5), in order. */
export function decodeCertificatePemBundle(text: string): Der[] {
  return decodePemBlocks(text, 'CERTIFICATE')
}

/**
 * DER bytes of one certificate given as DER, PEM or base64 (standard or url-safe; an `x5c` entry
 * is standard base64 of DER, RFC 7515 §4.1.6). Throws `TypeError` when the text is neither.
 */
export function certificateToDer(input: CertificateInput): Der {
  if (typeof input !== 'string') return input
  if (input.includes('-----BEGIN')) {
    const [first] = decodeCertificatePemBundle(input)
    if (!first) throw new TypeError('no CERTIFICATE block in the PEM text')
    return first
  }
  const compact = input.replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) throw new TypeError('certificate is neither PEM nor base64 DER')
  return new Uint8Array(Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64'))
}

/** A node key object for a WebCrypto key (or the key object itself). */
function asKeyObject(key: webcrypto.CryptoKey | KeyObject): KeyObject {
  return key instanceof KeyObject ? key : KeyObject.from(key)
}

/** PKCS#8 PEM (`PRIVATE KEY`, RFC 5958 / RFC 7468 §10) of a private key. */
export async function encodePrivateKeyPem(key: webcrypto.CryptoKey | KeyObject): Promise<string> {
  const keyObject = asKeyObject(key)
  if (keyObject.type !== 'private') throw new TypeError('not a private key')
  return keyObject.export({ type: 'pkcs8', format: 'pem' }).toString()
}

/**
 * Reads a PEM private key (PKCS#8, or the SEC 1 / PKCS#1 forms OpenSSL writes) as a WebCrypto
 * signing key. EC keys become ECDSA keys, RSA keys RSASSA-PKCS1-v1_5 with SHA-256, Ed25519 keys Ed25519.
 */
export async function importSigningKeyPem(pem: string): Promise<webcrypto.CryptoKey> {
  return keyObjectToCryptoKey(createPrivateKey(pem))
}

/** The WebCrypto key for a node key object, to sign with (private) or to verify with (public). */
export async function keyObjectToCryptoKey(key: KeyObject): Promise<webcrypto.CryptoKey> {
  const algorithm = webCryptoAlgorithmFor(key)
  if (key.type === 'private') {
    const der = key.export({ type: 'pkcs8', format: 'der' })
    return webcrypto.subtle.importKey('pkcs8', der, algorithm, true, ['sign'])
  }
  const der = key.export({ type: 'spki', format: 'der' })
  return webcrypto.subtle.importKey('spki', der, algorithm, true, ['verify'])
}

function webCryptoAlgorithmFor(
  key: KeyObject,
): webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams | { name: string } {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve
      const namedCurve =
        curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : undefined
      if (!namedCurve) throw new TypeError(`unsupported EC curve ${String(curve)}`)
      return { name: 'ECDSA', namedCurve }
    }
    case 'rsa':
      return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
    case 'ed25519':
      return { name: 'Ed25519' }
    default:
      throw new TypeError(`unsupported key type ${String(key.asymmetricKeyType)}`)
  }
}

/** The SPKI DER of a public key given as a WebCrypto key, a node key object, a JWK or a PEM text. */
export async function publicKeyToSpki(
  key: webcrypto.CryptoKey | KeyObject | webcrypto.JsonWebKey | string,
): Promise<Der> {
  let keyObject: KeyObject
  if (typeof key === 'string') keyObject = createPublicKey(key)
  else if ('kty' in key) {
    // RFC 7517 §4: a JWK; only its public members are read.
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, k: _k, ...pub } = key as webcrypto.JsonWebKey
    keyObject = createPublicKey({ key: pub as import('node:crypto').JsonWebKey, format: 'jwk' })
  } else keyObject = asKeyObject(key as webcrypto.CryptoKey | KeyObject)
  const publicKey = keyObject.type === 'private' ? createPublicKey(keyObject) : keyObject
  return new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }))
}
