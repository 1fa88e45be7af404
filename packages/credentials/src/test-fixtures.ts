// Test support (not exported from the package): EDC documents built with @alma/elm's fixtures, and
// issuers whose keys live in an in-memory keyring with a dev-CA seal certificate, as in
// production but without a database. Nothing here reaches the network.
import { createPublicKey, generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto'
import { buildEdc, type EdcDocument } from '@alma/elm'
import {
  createDevCa,
  createDidWebDocument,
  createSigner,
  createTenantKeyring,
  generateKeyMaterial,
  issueSealCertificate,
  jwkToDidJwk,
  type KeyRecord,
  type KeyRecordRepository,
  parseDidWeb,
  parseKek,
  resolveDidJwk,
  type Signer,
  withCertificateChain,
} from '@alma/trust'
import { Resolver } from 'did-resolver'
import type { JWK } from 'jose'
import { counterIds, FIXED_NOW, minimalInputs, ONE_PIXEL_PNG, readExample } from '../../elm/src/test-fixtures.ts'
import { didIssuerKeyResolver } from './jose/did-issuer-key.ts'
import type { ResolveIssuerKey } from './jose/verify-jws.ts'

export { FIXED_NOW }

/** The key-record repository over a Map (the real one is in packages/store); CAS state changes. */
export function memoryKeyRepository(): KeyRecordRepository {
  const rows = new Map<string, KeyRecord>()
  const key = (tenantId: string, kid: string) => `${tenantId}\u0000${kid}`
  return {
    async save(record) {
      if (rows.has(key(record.tenantId, record.kid))) throw new Error('duplicate key')
      rows.set(key(record.tenantId, record.kid), structuredClone(record))
    },
    async listByTenant(tenantId) {
      return [...rows.values()].filter((r) => r.tenantId === tenantId).map((r) => structuredClone(r))
    },
    async updateState(change) {
      const row = rows.get(key(change.tenantId, change.kid))
      if (!row || row.state !== change.from) return false
      rows.set(key(change.tenantId, change.kid), { ...row, state: change.to, stateChangedAt: change.at })
      return true
    },
  }
}

/** The minimal micro-credential of @alma/elm's fixtures (issuer did:web:uni-min.example). */
export function minimalEdc(): EdcDocument {
  const { specification, award, organisations } = minimalInputs()
  return buildEdc(specification, award, organisations, {
    now: FIXED_NOW,
    newId: counterIds(),
    pages: { en: ONE_PIXEL_PNG },
  })
}

/** The example deployment's joint award (issuer did:web:alliance.example:members:uni-a). */
export function exampleEdc(): EdcDocument {
  return buildEdc(
    readExample('specification.json'),
    readExample('awards/ana-andromeda.json'),
    readExample('organisations.json'),
    { now: FIXED_NOW, newId: counterIds(), pages: { en: ONE_PIXEL_PNG, de: ONE_PIXEL_PNG } },
  )
}

export interface TestIssuer {
  readonly tenantId: string
  readonly did: string
  readonly signer: Signer
  readonly publicJwk: JWK
  /** The dev CA's certificate (the trust anchor of the seal certificate in `x5c`). */
  readonly caCertificate: X509Certificate
  /** A did-resolver that knows this issuer's did:web document and computes did:jwk / did:key. */
  readonly resolver: Resolver
  readonly resolveIssuerKey: ResolveIssuerKey
  /** Resolves the key from `x5c` if its leaf was issued by the dev CA (HAIP-style, for https issuers). */
  readonly resolveByX5c: ResolveIssuerKey
}

/** What the seal certificate of a {@link createTestIssuer} issuer says. */
export interface TestIssuerCertificate {
  /** Subject O (and CN); `Test University` by default. */
  readonly organizationName?: string
  /** The Credential Issuer Identifier the certificate names (subjectAltName URI and host); none by default. */
  readonly issuerIdentifier?: string
}

/** An issuer tenant with an ES256 key, a dev-CA seal certificate and a local did:web document. */
export async function createTestIssuer(
  did: string,
  tenantId = 'uni-a',
  certificate: TestIssuerCertificate = {},
): Promise<TestIssuer> {
  const keyring = createTenantKeyring({
    repository: memoryKeyRepository(),
    kek: parseKek(Buffer.alloc(32, 7).toString('base64url')),
    now: () => FIXED_NOW,
  })
  const material = await generateKeyMaterial('ES256')
  const ca = await createDevCa({ name: 'Alma Test CA', country: 'DE', now: new Date('2026-01-01T00:00:00Z') })
  const seal = await issueSealCertificate(ca, {
    publicKey: createPublicKey(material.privateKey),
    organizationName: certificate.organizationName ?? 'Test University',
    commonName: certificate.organizationName ?? 'Test University',
    country: 'DE',
    organizationIdentifier: 'VATDE-123456789',
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2028-01-01T00:00:00Z'),
    ...(certificate.issuerIdentifier ? { issuerIdentifier: certificate.issuerIdentifier } : {}),
  })
  const record = await keyring.add(tenantId, await withCertificateChain(material, seal.x5c))
  const signer = createSigner({ keyring, kidFor: (_tenant, kid) => `${did}#${kid}` })
  const { host, path, port } = parseDidWeb(did)
  const document = createDidWebDocument({
    host: port ? `${host}%3A${port}` : host,
    path: [...path],
    keys: [{ kid: record.kid, publicJwk: record.publicJwk }],
  })
  const resolver = new Resolver({
    web: async (requested) =>
      requested === did
        ? { didDocument: document, didResolutionMetadata: {}, didDocumentMetadata: {} }
        : { didDocument: null, didResolutionMetadata: { error: 'notFound' }, didDocumentMetadata: {} },
    jwk: (requested) => resolveDidJwk(requested),
  })
  const caCertificate = new X509Certificate(Buffer.from(ca.certificateDer))
  return {
    tenantId,
    did,
    signer,
    publicJwk: record.publicJwk,
    caCertificate,
    resolver,
    resolveIssuerKey: didIssuerKeyResolver(resolver),
    resolveByX5c: async ({ header }) => {
      const x5c = header.x5c
      if (!Array.isArray(x5c) || typeof x5c[0] !== 'string') throw new Error('no x5c')
      const leaf = new X509Certificate(Buffer.from(x5c[0], 'base64'))
      if (!leaf.verify(caCertificate.publicKey)) throw new Error('x5c leaf not issued by the test CA')
      return leaf.publicKey
    },
  }
}

/** A wallet key pair (P-256) and its did:jwk. */
export function createHolder(): { privateKey: KeyObject; publicJwk: JWK; did: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const publicJwk = publicKey.export({ format: 'jwk' }) as JWK
  return { privateKey, publicJwk, did: jwkToDidJwk(publicJwk) }
}

/** Decodes a compact JWS's header and payload without verifying (for assertions on what we built). */
// biome-ignore lint/suspicious/noExplicitAny: assertions in tests read arbitrary JSON members
type Json = Record<string, any>

export function decodeJws(jws: string): { header: Json; payload: Json } {
  const [h, p] = jws.split('.')
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')),
  }
}
