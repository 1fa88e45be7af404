import { createPrivateKey, generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto'
import type { JWK } from 'jose'
import { TrustError } from '../errors.ts'
import { algorithmForKey, keyIdOf, publicJwkOf, type SigningAlgorithm } from './algorithms.ts'
import { readPkcs12 } from './pkcs12.ts'

/**
 * Key material to import.
 * - `pem`: a private key (PKCS#8 `PRIVATE KEY`, `ENCRYPTED PRIVATE KEY` with `passphrase`,
 *   SEC1 `EC PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`), optionally followed by its `CERTIFICATE` chain.
 * - `pkcs8`: a PKCS#8 DER private key.
 * - `pkcs12`: a PKCS#12 (.p12/.pfx) file with one key and its certificate chain (RFC 7292).
 */
export type KeyMaterialInput =
  | { readonly format: 'pem'; readonly pem: string; readonly passphrase?: string }
  | { readonly format: 'pkcs8'; readonly der: Uint8Array }
  | { readonly format: 'pkcs12'; readonly data: Uint8Array; readonly password: string }

/** A private key ready to store: its algorithm, public JWK, key id and certificate chain. */
export interface KeyMaterial {
  readonly privateKey: KeyObject
  readonly alg: SigningAlgorithm
  /** Public JWK (RFC 7517), without `kid`. */
  readonly publicJwk: JWK
  /** RFC 7638 thumbprint of `publicJwk`. */
  readonly kid: string
  /**
   * The certificate chain in `x5c` form (RFC 7517 §4.7: base64 DER, leaf first, each certifying the
   * one before). Absent when none was imported.
   */
  readonly x5c?: readonly string[]
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g
const PEM_PRIVATE_KEY = /-----BEGIN ((?:ENCRYPTED |EC |RSA )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/g

async function toKeyMaterial(privateKey: KeyObject, certificates: readonly Uint8Array[]): Promise<KeyMaterial> {
  const alg = algorithmForKey(privateKey)
  const publicJwk = publicJwkOf(privateKey)
  const kid = await keyIdOf(publicJwk)
  const x5c = certificates.length > 0 ? orderChain(privateKey, certificates) : undefined
  return x5c ? { privateKey, alg, publicJwk, kid, x5c } : { privateKey, alg, publicJwk, kid }
}

/**
 * Orders certificates as `x5c` wants them: the leaf whose public key is the private key's, then its
 * issuer, and so on. Certificates that are not on that path are dropped.
 */
function orderChain(privateKey: KeyObject, certificates: readonly Uint8Array[]): string[] {
  let parsed: X509Certificate[]
  try {
    parsed = certificates.map((der) => new X509Certificate(der))
  } catch (cause) {
    throw new TrustError('key_import_failed', 'a certificate in the key material cannot be parsed', { cause })
  }
  const publicKey = publicJwkOf(privateKey)
  const leaf = parsed.find((cert) => sameJwk(publicJwkOf(cert.publicKey), publicKey))
  if (!leaf) {
    throw new TrustError('key_import_failed', 'no certificate in the key material matches the private key')
  }
  const chain = [leaf]
  const rest = parsed.filter((cert) => cert !== leaf)
  for (let current = leaf; ; ) {
    if (current.checkIssued(current)) break // self-issued: the chain ends here
    const issuer = rest.find((cert) => !chain.includes(cert) && current.checkIssued(cert))
    if (!issuer) break
    chain.push(issuer)
    current = issuer
  }
  return chain.map((cert) => cert.raw.toString('base64'))
}

function sameJwk(a: JWK, b: JWK): boolean {
  return a.kty === b.kty && a.crv === b.crv && a.x === b.x && a.y === b.y && a.n === b.n && a.e === b.e
}

function parsePrivateKey(create: () => KeyObject, what: string): KeyObject {
  try {
    const key = create()
    if (key.type !== 'private') throw new Error(`not a private key (${key.type})`)
    return key
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause)
    throw new TrustError('key_import_failed', `cannot read the ${what}: ${detail}`, { cause })
  }
}

/**
 * Imports a private key with its certificate chain, checking that the key is of an accepted kind
 * (ES256, EdDSA, RS256) and that the leaf certificate carries its public key.
 *
 * @example
 * ```ts
 * const material = await importKeyMaterial({ format: 'pkcs12', data: readFileSync('seal.p12'), password })
 * material.alg // 'RS256'; material.x5c?.length // 2
 * ```
 */
export async function importKeyMaterial(input: KeyMaterialInput): Promise<KeyMaterial> {
  switch (input.format) {
    case 'pem': {
      const keys = [...input.pem.matchAll(PEM_PRIVATE_KEY)].map((m) => m[0])
      if (keys.length !== 1) {
        throw new TrustError('key_import_failed', `expected one PEM private key, found ${keys.length}`)
      }
      const privateKey = parsePrivateKey(
        () => createPrivateKey({ key: keys[0]!, format: 'pem', passphrase: input.passphrase }),
        'PEM private key',
      )
      const certificates = [...input.pem.matchAll(PEM_CERTIFICATE)].map((m) => pemToDer(m[0]))
      return toKeyMaterial(privateKey, certificates)
    }
    case 'pkcs8': {
      const der = Buffer.from(input.der)
      return toKeyMaterial(
        parsePrivateKey(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), 'PKCS#8 private key'),
        [],
      )
    }
    case 'pkcs12': {
      const { pkcs8, certificates } = await readPkcs12(input.data, input.password)
      const der = Buffer.from(pkcs8)
      return toKeyMaterial(
        parsePrivateKey(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), 'PKCS#12 private key'),
        certificates,
      )
    }
    default:
      throw new TrustError('key_import_failed', 'unknown key material format')
  }
}

function pemToDer(pem: string): Uint8Array {
  const body = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '')
  return new Uint8Array(Buffer.from(body, 'base64'))
}

/**
 * Generates a fresh key. ES256 is the default; EdDSA and RS256 (3072 bits) are possible.
 */
export async function generateKeyMaterial(alg: SigningAlgorithm = 'ES256'): Promise<KeyMaterial> {
  const { privateKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 3072 })
  return toKeyMaterial(privateKey, [])
}

/**
 * Attaches a certificate chain (`x5c`, leaf first) to generated or imported material, e.g. after the
 * dev CA has issued the seal certificate for a generated key; the leaf must carry the key.
 */
export async function withCertificateChain(material: KeyMaterial, x5c: readonly string[]): Promise<KeyMaterial> {
  return toKeyMaterial(
    material.privateKey,
    x5c.map((b64) => new Uint8Array(Buffer.from(b64, 'base64'))),
  )
}
