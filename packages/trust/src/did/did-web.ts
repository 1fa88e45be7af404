import type { DIDDocument, JsonWebKey as DidJwk, ServiceEndpoint, VerificationMethod } from 'did-resolver'
import type { JWK } from 'jose'
import { TrustError } from '../errors.ts'
import { PRIVATE_JWK_MEMBERS } from '../keys/algorithms.ts'

/** DID Core v1.0 §4.1: the base context. */
export const DID_V1_CONTEXT = 'https://www.w3.org/ns/did/v1'
/** The JsonWebKey2020 suite context (W3C CCG "JSON Web Signature 2020"). */
export const JWS_2020_CONTEXT = 'https://w3id.org/security/suites/jws-2020/v1'

/** A did:web identifier taken apart (did:web method spec §3.1, "Method-Specific Identifier"). */
export interface DidWeb {
  readonly did: string
  /** The host name as written in the DID (case kept). */
  readonly host: string
  readonly port?: number
  /** Path segments after the host, e.g. `['members', 'uni-a']`. */
  readonly path: readonly string[]
}

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
const HOST_NAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`)
const PORT = /^[1-9][0-9]{0,4}$/
// did:web §3.1 allows percent-encoded path characters; we allow none (no `%2F`, `%40`, `%2E` tricks).
const PATH_SEGMENT = /^[A-Za-z0-9._~-]+$/

function invalid(did: string, why: string): TrustError {
  return new TrustError('did_invalid', `${did} is not a did:web we accept: ${why}`)
}

/**
 * Parses and strictly checks a did:web: a DNS host name, an optional port written `%3A<port>`
 * (did:web §3.1: "the colon MUST be percent encoded"), and path segments of unreserved characters.
 * Any other percent-encoding, userinfo, query, fragment or empty segment is refused.
 */
export function parseDidWeb(did: string): DidWeb {
  if (!did.startsWith('did:web:')) throw invalid(did, 'not did:web')
  const msi = did.slice('did:web:'.length)
  if (/[/?#@\s]/.test(msi)) throw invalid(did, 'a DID, not a DID URL, is expected (no "/", "?", "#" or "@")')
  const [hostPart = '', ...path] = msi.split(':')
  const portMatch = /^(.*)%3[Aa]([^%]*)$/.exec(hostPart)
  const host = portMatch ? portMatch[1]! : hostPart
  const portText = portMatch ? portMatch[2]! : undefined
  if (host.includes('%')) throw invalid(did, 'percent-encoding in the host other than the port separator %3A')
  if (!HOST_NAME.test(host)) throw invalid(did, `"${host}" is not a DNS host name`)
  if (portText !== undefined && (!PORT.test(portText) || Number(portText) > 65535)) {
    throw invalid(did, `"${portText}" is not a port`)
  }
  for (const segment of path) {
    if (!PATH_SEGMENT.test(segment) || segment === '.' || segment === '..') {
      throw invalid(did, `path segment "${segment}" is empty or has characters outside [A-Za-z0-9._~-]`)
    }
  }
  return portText === undefined ? { did, host, path } : { did, host, port: Number(portText), path }
}

/**
 * The URL of a did:web's DID document (did:web §3.2.2, "Read (Resolve)"): `https://<host>[:port]`,
 * then the path segments or `/.well-known`, then `/did.json`. The host is lower-cased.
 *
 * @example
 * ```ts
 * didWebToUrl('did:web:alliance.example:members:uni-a') // 'https://alliance.example/members/uni-a/did.json'
 * didWebToUrl('did:web:localhost%3A8443')                // 'https://localhost:8443/.well-known/did.json'
 * ```
 */
export function didWebToUrl(did: string): string {
  const { host, port, path } = parseDidWeb(did)
  const authority = port === undefined ? host.toLowerCase() : `${host.toLowerCase()}:${port}`
  const pathname = path.length > 0 ? path.join('/') : '.well-known'
  return `https://${authority}/${pathname}/did.json`
}

/**
 * The did:web for a host (optionally `host:port`) and an optional path (`members/uni-a` or
 * `['members', 'uni-a']`), with the port colon percent-encoded (did:web §3.1).
 */
export function didWebFor(host: string, path?: string | readonly string[]): string {
  const [name = '', port, ...more] = host.split(':')
  if (more.length > 0) throw new TrustError('did_invalid', `"${host}" is not host or host:port`)
  const segments = path === undefined ? [] : typeof path === 'string' ? path.split(/[/:]/).filter(Boolean) : path
  const did = ['did:web', port === undefined ? name : `${name}%3A${port}`, ...segments].join(':')
  parseDidWeb(did)
  return did
}

/** A key to list in a DID document. */
export interface DidDocumentKey {
  /** The fragment of the verification method id (our RFC 7638 thumbprint). */
  readonly kid: string
  readonly publicJwk: JWK
  /** The seal certificate chain, base64 DER, leaf first (RFC 7517 §4.7); carried in `publicKeyJwk.x5c`. */
  readonly x5c?: readonly string[]
}

/** A service entry; an `id` starting with `#` is made absolute. */
export interface DidDocumentService {
  readonly id: string
  readonly type: string
  readonly serviceEndpoint: ServiceEndpoint | ServiceEndpoint[]
}

/** Input of {@link createDidWebDocument}. */
export interface CreateDidWebDocumentInput {
  /** `uni-a.example` or `uni-a.example:8443`. */
  readonly host: string
  /** `members/uni-a` or `['members', 'uni-a']` for path-based DIDs. */
  readonly path?: string | readonly string[]
  /** Active key first, then the published (retired-for-signing) keys that must still verify. */
  readonly keys: readonly DidDocumentKey[]
  readonly services?: readonly DidDocumentService[]
}

/**
 * Builds a tenant's DID document: DID Core v1.0 with `JsonWebKey2020` verification methods whose
 * `publicKeyJwk` carries the seal chain in `x5c` (elm.md, "our eIDAS link"), each key listed under
 * `assertionMethod` (credential signing) and `authentication`.
 *
 * @example
 * ```ts
 * const doc = createDidWebDocument({ host: 'alliance.example', path: 'members/uni-a',
 *   keys: (await keyring.verificationKeys('uni-a')).map((r) => ({ kid: r.kid, publicJwk: r.publicJwk, x5c: r.x5c })) })
 * doc.id // 'did:web:alliance.example:members:uni-a'
 * ```
 */
export function createDidWebDocument(input: CreateDidWebDocumentInput): DIDDocument {
  const did = didWebFor(input.host, input.path)
  if (input.keys.length === 0) throw new TrustError('config_invalid', `${did}: a DID document needs at least one key`)
  const seen = new Set<string>()
  const verificationMethod: VerificationMethod[] = input.keys.map((key) => {
    if (seen.has(key.kid)) throw new TrustError('config_invalid', `${did}: key ${key.kid} is listed twice`)
    seen.add(key.kid)
    const leaked = PRIVATE_JWK_MEMBERS.filter((m) => m in key.publicJwk)
    if (leaked.length > 0) {
      throw new TrustError('config_invalid', `${did}: key ${key.kid} has private members ${leaked.join(', ')}`)
    }
    const { x5c: _ignored, ...publicJwk } = key.publicJwk
    const jwk: DidJwk = { ...(publicJwk as DidJwk), kid: key.kid, ...(key.x5c ? { x5c: [...key.x5c] } : {}) }
    return { id: `${did}#${key.kid}`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: jwk }
  })
  const refs = verificationMethod.map((vm) => vm.id)
  const document: DIDDocument = {
    '@context': [DID_V1_CONTEXT, JWS_2020_CONTEXT],
    id: did,
    verificationMethod,
    assertionMethod: [...refs],
    authentication: [...refs],
  }
  if (input.services && input.services.length > 0) {
    document.service = input.services.map((s) => ({
      id: s.id.startsWith('#') ? `${did}${s.id}` : s.id,
      type: s.type,
      serviceEndpoint: s.serviceEndpoint,
    }))
  }
  return document
}
