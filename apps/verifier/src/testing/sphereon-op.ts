// Test-only: @sphereon/did-auth-siop 0.20.1 as the wallet (the OP side of OpenID4VP). The library
// parses the link, fetches request_uri and picks how the request object must be verified from the
// client_id prefix, but leaves the check itself to the wallet (verifyJwtCallback). This one checks
// what a wallet must (OpenID4VP 1.0 §5.9.3): under x509_san_dns: / x509_hash: the x5c leaf chains to
// the CA the wallet trusts, is valid now and is named by the client_id; under
// decentralized_identifier: the kid is a key of the client_id's DID, whose did:web document is
// fetched over http on loopback only (DID Web §3.2 asks https; loopback is the test's only
// exception). Sphereon itself fetches http URLs without a switch, so no insecure-URL setting is
// needed.
import { createHash, X509Certificate } from 'node:crypto'
import {
  type CreateJwtCallback,
  Dcql,
  OP,
  ResponseIss,
  ResponseMode,
  SupportedVersion,
  type VerifyJwtCallback,
} from '@sphereon/did-auth-siop'
import { CompactEncrypt, compactVerify, importJWK, importX509, type JWK } from 'jose'

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/** Why the last request object was refused by the callback (the library only sees `false`). */
export interface RequestCheckLog {
  refusals: string[]
}

function prefixed(clientId: unknown, prefix: string): string | undefined {
  return typeof clientId === 'string' && clientId.startsWith(`${prefix}:`)
    ? clientId.slice(prefix.length + 1)
    : undefined
}

/** The leaf must be issued by `trustedCa` (directly, or through the other x5c certificates). */
function chainsTo(x5c: readonly string[], trustedCa: X509Certificate, now: Date): X509Certificate {
  const certs = x5c.map((c) => new X509Certificate(Buffer.from(c, 'base64')))
  for (const cert of certs) {
    if (new Date(cert.validFrom) > now || new Date(cert.validTo) < now) {
      throw new Error(`certificate ${cert.subject} is not valid now`)
    }
  }
  for (let i = 0; i < certs.length; i++) {
    const cert = certs[i]!
    const issuer = certs[i + 1]
    if (issuer) {
      if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) throw new Error('the x5c chain is broken')
      continue
    }
    if (cert.fingerprint256 === trustedCa.fingerprint256) break
    if (!cert.checkIssued(trustedCa) || !cert.verify(trustedCa.publicKey)) {
      throw new Error('the x5c chain does not end at the trusted CA')
    }
  }
  return certs[0]!
}

/** did:web → its did.json URL (DID Web §3.2), http for loopback hosts only. */
export function didWebDocumentUrl(did: string): string {
  const [scheme, method, host, ...path] = did.split(':')
  if (scheme !== 'did' || method !== 'web' || !host) throw new Error(`not a did:web: ${did}`)
  const authority = decodeURIComponent(host)
  const hostname = authority.replace(/:\d+$/, '')
  if (!LOOPBACK.has(hostname)) throw new Error(`this test wallet resolves did:web on loopback only, not ${authority}`)
  const suffix = path.length > 0 ? path.map(decodeURIComponent).join('/') : '.well-known'
  return `http://${authority}/${suffix}/did.json`
}

async function didKey(didUrl: string): Promise<JWK> {
  const did = didUrl.split('#')[0]!
  const response = await fetch(didWebDocumentUrl(did), { redirect: 'error' })
  if (response.status !== 200) throw new Error(`${did} did not resolve: ${response.status}`)
  const document = (await response.json()) as {
    id?: string
    verificationMethod?: { id: string; publicKeyJwk?: JWK }[]
    assertionMethod?: (string | { id: string })[]
    authentication?: (string | { id: string })[]
  }
  if (document.id !== did) throw new Error(`the DID document names ${document.id}, not ${did}`)
  const absolute = (id: string) => (id.startsWith('#') ? `${did}${id}` : id)
  const method = document.verificationMethod?.find((m) => absolute(m.id) === didUrl)
  if (!method?.publicKeyJwk) throw new Error(`${didUrl} is not a verification method of ${did}`)
  const referenced = [...(document.assertionMethod ?? []), ...(document.authentication ?? [])].some(
    (r) => absolute(typeof r === 'string' ? r : r.id) === didUrl,
  )
  if (!referenced) throw new Error(`${didUrl} is not an assertion or authentication key`)
  return method.publicKeyJwk
}

export interface SphereonWalletOptions {
  /** The CA (PEM) of the verifiers this wallet trusts under the x509 prefixes. */
  readonly trustedCa: string
  readonly now?: () => Date
}

/**
 * An OP that verifies request objects as above and answers OpenID4VP 1.0 only (the highest version
 * the library knows; its other one is draft 28). Requests are checked, never signed by the OP, and
 * no id_token is asked for (response_type=vp_token), so createJwtCallback is never called.
 */
export function sphereonWallet(options: SphereonWalletOptions): { op: OP; log: RequestCheckLog } {
  const trustedCa = new X509Certificate(options.trustedCa)
  const now = options.now ?? (() => new Date())
  const log: RequestCheckLog = { refusals: [] }

  const verifyJwt: VerifyJwtCallback = async (verifier, jwt) => {
    try {
      if (jwt.header.typ !== 'oauth-authz-req+jwt') throw new Error(`typ ${jwt.header.typ} is not oauth-authz-req+jwt`)
      const clientId = (jwt.payload as { client_id?: string }).client_id
      if (verifier.method === 'x5c') {
        const leaf = chainsTo(verifier.x5c, trustedCa, now())
        const dns = prefixed(clientId, 'x509_san_dns')
        const hash = prefixed(clientId, 'x509_hash')
        if (dns !== undefined) {
          if (leaf.checkHost(dns, { subject: 'never' }) !== dns) throw new Error(`the certificate does not name ${dns}`)
        } else if (hash !== undefined) {
          if (createHash('sha256').update(leaf.raw).digest('base64url') !== hash) {
            throw new Error('the certificate hash is not the client_id')
          }
        } else {
          throw new Error(`an x5c-signed request under client_id ${clientId}`)
        }
        await compactVerify(jwt.raw, await importX509(leaf.toString(), verifier.alg))
        return true
      }
      if (verifier.method === 'did') {
        const did = prefixed(clientId, 'decentralized_identifier')
        if (!did || verifier.didUrl.split('#')[0] !== did)
          throw new Error(`kid ${verifier.didUrl} is not a key of ${clientId}`)
        const jwk = await didKey(verifier.didUrl)
        await compactVerify(jwt.raw, await importJWK(jwk, verifier.alg))
        return true
      }
      throw new Error(`request objects verified by ${verifier.method} are not accepted`)
    } catch (e) {
      log.refusals.push(e instanceof Error ? e.message : String(e))
      return false
    }
  }

  const noJwtsToCreate: CreateJwtCallback = async () => {
    throw new Error('this wallet signs no id_token; the VP JWT is made before createAuthorizationResponse')
  }

  const op = OP.builder()
    .withIssuer(ResponseIss.SELF_ISSUED_V2)
    .withResponseMode(ResponseMode.DIRECT_POST)
    .withSupportedVersions([SupportedVersion.OID4VP_v1])
    .withVerifyJwtCallback(verifyJwt)
    .withCreateJwtCallback(noJwtsToCreate)
    .withExpiresIn(300)
    .build()
  return { op, log }
}

/**
 * Sphereon 0.20.1's own pre-send check (`AuthorizationResponse.fromVerifiedAuthorizationRequest`
 * → `Dcql.assertValidDcqlPresentationResult`) decides whether a jwt_vc_json credential is holder
 * bound from `decoded.proof.verificationMethod` only (`hasCryptographicHolderBinding`), an LDP
 * notion a VC-JWT never has; so every VC-JWT fails a DCQL query that needs holder binding, which is
 * the default (OpenID4VP 1.0 §6.1 `require_cryptographic_holder_binding`). Our VC-JWTs are bound
 * by `cnf.jwk` (RFC 7800), as a VC-JWT may also be by `sub` (VC Data Model 1.1 §6.3.1). While `run`
 * runs, the wallet's self-check also counts those; nothing else in the library changes, and the
 * verifier checks the binding itself.
 */
export async function withVcJwtHolderBinding<T>(run: () => Promise<T>): Promise<T> {
  const original = Dcql.toDcqlJwtCredential
  Dcql.toDcqlJwtCredential = (vc) => {
    const credential = original(vc)
    const decoded = vc.decoded as { cnf?: { jwk?: unknown; kid?: unknown }; sub?: unknown }
    const bound = Boolean(decoded?.cnf?.jwk || decoded?.cnf?.kid || typeof decoded?.sub === 'string')
    return bound ? { ...credential, cryptographic_holder_binding: true } : credential
  }
  try {
    return await run()
  } finally {
    Dcql.toDcqlJwtCredential = original
  }
}

/**
 * The `createJarmResponse` callback of `OP.submitAuthorizationResponse` for direct_post.jwt: the
 * library leaves the encryption to the wallet. OpenID4VP 1.0 §8.3: a JWE to the key in the
 * request's client_metadata.jwks, ECDH-ES, with an `enc` the verifier lists in
 * encrypted_response_enc_values_supported (A128GCM when it lists none).
 */
export async function encryptResponse(input: {
  authorizationResponsePayload: unknown
  clientMetadata: { jwks?: { keys: JWK[] } }
}): Promise<{ response: string }> {
  const metadata = input.clientMetadata as {
    jwks?: { keys: JWK[] }
    encrypted_response_enc_values_supported?: string[]
  }
  const jwk = metadata.jwks?.keys.find((k) => k.kty === 'EC' && (k.use === undefined || k.use === 'enc'))
  if (!jwk) throw new Error('the request has no key to encrypt the response to')
  const enc = metadata.encrypted_response_enc_values_supported?.[0] ?? 'A128GCM'
  const response = await new CompactEncrypt(
    new TextEncoder().encode(JSON.stringify(input.authorizationResponsePayload)),
  )
    .setProtectedHeader({ alg: 'ECDH-ES', enc, ...(jwk.kid ? { kid: jwk.kid } : {}) })
    .encrypt(await importJWK(jwk, 'ECDH-ES'))
  return { response }
}
