// Test support for @alma/trust and for the packages that build on it (packages/credentials):
// fixed JWKs, an in-memory key repository, keyrings and signers, did:web keys with their DID
// documents and resolvers, and a throw-away CA. Nothing outside tests imports this module, and
// index.ts does not export it; other packages reach it as `@alma/trust/test-fixtures`.
import { createPublicKey, generateKeyPairSync, type KeyObject, webcrypto } from 'node:crypto'
import type { DIDDocument, DIDResolutionResult, Resolvable } from 'did-resolver'
import type { JWK } from 'jose'
import { createDidWebDocument } from './did/did-web.ts'
import { isTrustError } from './errors.ts'
import { keyIdOf, publicJwkOf } from './keys/algorithms.ts'
import { type Kek, parseKek } from './keys/kek.ts'
import type { KeyRecord, KeyRecordRepository, KeyStateChange } from './keys/key-record.ts'
import { createTenantKeyring, type TenantKeyring, type TenantKeyringOptions } from './keys/keyring.ts'
import { createSigner, type Signer, type SignerOptions } from './keys/signer.ts'
import type { ResolvedAddress } from './net/index.ts'
import { x509 } from './x509/provider.ts'

// ---------------------------------------------------------------------------------------------
// Network

/** DNS for the tests of the SSRF guard: every name answers with the given addresses; the names asked are kept. */
export function fakeDns(...addresses: string[]) {
  const calls: string[] = []
  const lookup = async (hostname: string): Promise<ResolvedAddress[]> => {
    calls.push(hostname)
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
  }
  return { lookup, calls }
}

// ---------------------------------------------------------------------------------------------
// Errors

/** The `code` of the TrustError `promise` rejects with; `undefined` when it resolves. */
export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (e) {
    return isTrustError(e) ? e.code : `not a TrustError: ${String(e)}`
  }
  return undefined
}

/** The `code` of the TrustError `run` throws; `undefined` when it returns. */
export function codeOfCall(run: () => unknown): string | undefined {
  try {
    run()
  } catch (e) {
    return isTrustError(e) ? e.code : `not a TrustError: ${String(e)}`
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Keys

/** A fixed P-256 public JWK (the ES256 example key of RFC 7515 Appendix A.3). */
export const P256_JWK = Object.freeze({
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
} as const)

/** A fixed Ed25519 public JWK (RFC 8037 Appendix A.2). */
export const ED25519_JWK = Object.freeze({
  kty: 'OKP',
  crv: 'Ed25519',
  x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
} as const)

/** A KEK: random, or derived from `fill` (every byte the same) where a test wants it stable. */
export function testKek(fill?: number): Kek {
  const bytes = fill === undefined ? webcrypto.getRandomValues(new Uint8Array(32)) : new Uint8Array(32).fill(fill)
  return parseKek(Buffer.from(bytes).toString('base64url'))
}

/** A clock that moves `stepMs` forward on every reading, so records get distinct, ordered times. */
export function tickingClock(start = '2026-01-01T00:00:00Z', stepMs = 1000): () => Date {
  let t = Date.parse(start)
  return () => {
    t += stepMs
    return new Date(t)
  }
}

/** {@link memoryKeyRecordRepository}, with its stored rows to look at. */
export interface MemoryKeyRecordRepository extends KeyRecordRepository {
  /** The stored records, as JSON text (what a database would hold), by `[tenantId, kid]`. */
  readonly rows: ReadonlyMap<string, string>
}

/**
 * A {@link KeyRecordRepository} over a Map (the real one lives in packages/store). Like the
 * database, it stores records as JSON, refuses a second (tenantId, kid), and applies state changes
 * as compare-and-set.
 */
export function memoryKeyRecordRepository(): MemoryKeyRecordRepository {
  const rows = new Map<string, string>()
  const key = (tenantId: string, kid: string) => JSON.stringify([tenantId, kid])
  return {
    rows,
    async save(record) {
      if (rows.has(key(record.tenantId, record.kid))) throw new Error('duplicate key')
      rows.set(key(record.tenantId, record.kid), JSON.stringify(record))
    },
    async listByTenant(tenantId) {
      return [...rows.values()].map((r) => JSON.parse(r) as KeyRecord).filter((r) => r.tenantId === tenantId)
    },
    async updateState(change: KeyStateChange) {
      const row = rows.get(key(change.tenantId, change.kid))
      if (!row) return false
      const record = JSON.parse(row) as KeyRecord
      if (record.state !== change.from) return false
      rows.set(
        key(change.tenantId, change.kid),
        JSON.stringify({ ...record, state: change.to, stateChangedAt: change.at }),
      )
      return true
    },
  }
}

/** A keyring over a fresh {@link memoryKeyRecordRepository} and a random {@link testKek}, unless given. */
export function testKeyring(options: Partial<TenantKeyringOptions> = {}): {
  keyring: TenantKeyring
  repository: KeyRecordRepository
  kek: Kek
} {
  const repository = options.repository ?? memoryKeyRecordRepository()
  const kek = options.kek ?? testKek()
  const keyring = createTenantKeyring({ ...options, repository, kek })
  return { keyring, repository, kek }
}

/** A jose signer over a {@link testKeyring} (or the keyring given). */
export function testSigner(options: Partial<SignerOptions> = {}): Signer & { keyring: TenantKeyring } {
  const keyring = options.keyring ?? testKeyring().keyring
  return Object.assign(createSigner({ ...options, keyring }), { keyring })
}

// ---------------------------------------------------------------------------------------------
// DIDs

/**
 * A resolver over fixed DID documents. `aliases` maps a DID to the id of the document it answers
 * with, for documents that are about another DID than the one resolved.
 */
export function staticResolver(documents: readonly DIDDocument[], aliases: Record<string, string> = {}): Resolvable {
  return {
    async resolve(didUrl: string): Promise<DIDResolutionResult> {
      const did = didUrl.split('#')[0] ?? didUrl
      const id = aliases[did] ?? did
      const didDocument = documents.find((d) => d.id === id)
      return didDocument
        ? { didResolutionMetadata: {}, didDocument, didDocumentMetadata: {} }
        : {
            didResolutionMetadata: { error: 'notFound', message: `${did} is unknown` },
            didDocument: null,
            didDocumentMetadata: {},
          }
    },
  }
}

/** A did:web identity with one generated key, as {@link didWebKey} returns it. */
export interface DidWebKeyFixture {
  readonly did: string
  /** The DID URL of the key: `<did>#<RFC 7638 thumbprint>`. */
  readonly kid: string
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  readonly publicJwk: JWK
  readonly document: DIDDocument
  /** A {@link staticResolver} that knows only this document. */
  readonly resolver: Resolvable
}

/** Generates a key (P-256 unless `ed25519`) and the did:web document of `host` (and `path`) that lists it. */
export async function didWebKey(
  host: string,
  options: { path?: string; type?: 'p256' | 'ed25519' } = {},
): Promise<DidWebKeyFixture> {
  const { privateKey, publicKey } =
    options.type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const publicJwk = publicJwkOf(publicKey)
  const thumbprint = await keyIdOf(publicJwk)
  const document = createDidWebDocument({
    host,
    ...(options.path ? { path: options.path } : {}),
    keys: [{ kid: thumbprint, publicJwk }],
  })
  return {
    did: document.id,
    kid: `${document.id}#${thumbprint}`,
    privateKey,
    publicKey,
    publicJwk,
    document,
    resolver: staticResolver([document]),
  }
}

// ---------------------------------------------------------------------------------------------
// A throw-away CA, for local HTTPS servers and for certificate chains in key material. For seal
// certificates with eIDAS QC statements use createDevCa (x509/dev-ca.ts) instead.

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const
const sha256 = { name: 'ECDSA', hash: 'SHA-256' } as const

/** A CA that can issue TLS server and leaf certificates. */
export interface TestCa {
  /** PEM of the CA certificate (pass as `ca` to TLS clients). */
  readonly certPem: string
  /** base64 DER of the CA certificate (for `x5c`). */
  readonly certB64: string
  /** A TLS server certificate for the given IP addresses and DNS names. */
  issueServer(names: { ips?: string[]; dns?: string[] }): Promise<{ certPem: string; keyPem: string }>
  /** A leaf certificate over `publicKey` (base64 DER). */
  issueLeaf(publicKey: KeyObject, subject: string): Promise<string>
}

async function generateEcKeys(): Promise<webcrypto.CryptoKeyPair> {
  return await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])
}

/** Makes a new test CA (ECDSA P-256, valid from an hour ago for a day). */
export async function createTestCa(name = 'CN=Alma Test CA,O=Alma Tests,C=DE'): Promise<TestCa> {
  const notBefore = new Date(Date.now() - 3_600_000)
  const notAfter = new Date(Date.now() + 86_400_000)
  const caKeys = await generateEcKeys()
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    name,
    keys: caKeys,
    notBefore,
    notAfter,
    signingAlgorithm: sha256,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  })
  let serial = 1
  const issue = (publicKey: x509.PublicKeyType, subject: string, extensions: x509.Extension[]) =>
    x509.X509CertificateGenerator.create({
      serialNumber: (++serial).toString(16).padStart(4, '0'),
      subject,
      issuer: caCert.subject,
      notBefore,
      notAfter,
      publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: sha256,
      extensions,
    })
  return {
    certPem: caCert.toString('pem'),
    certB64: Buffer.from(caCert.rawData).toString('base64'),
    async issueServer({ ips = [], dns = [] }) {
      const keys = await generateEcKeys()
      const cert = await issue(keys.publicKey, `CN=${dns[0] ?? ips[0] ?? 'server'}`, [
        new x509.SubjectAlternativeNameExtension([
          ...ips.map((value) => ({ type: 'ip' as const, value })),
          ...dns.map((value) => ({ type: 'dns' as const, value })),
        ]),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ])
      const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)
      return { certPem: cert.toString('pem'), keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') }
    },
    async issueLeaf(publicKey, subject) {
      const spki = createPublicKey(publicKey).export({ format: 'der', type: 'spki' })
      const cert = await issue(new Uint8Array(spki), subject, [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
      ])
      return Buffer.from(cert.rawData).toString('base64')
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Seal certificates

/** The subject and validity of a typical seal certificate (for issueSealCertificate), without its key. */
export const SEAL_FIELDS = Object.freeze({
  organizationName: 'Universität A',
  commonName: 'Uni A Seal',
  country: 'DE',
  organizationIdentifier: 'VATDE-123456789',
  notBefore: new Date('2025-01-01T00:00:00Z'),
  notAfter: new Date('2026-01-01T00:00:00Z'),
})
