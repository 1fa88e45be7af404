// The issuer binding of an x5c-signed SD-JWT VC (issue 12, §1; security.md "Key ↔ issuer binding for
// every format"): the key that signed is the issuer's, not merely a key some trusted CA certified.
// What checkIssuerLinkage is for a jwt_vc_json (did:web ↔ seal certificate ↔ ELM issuer), this is
// for an SD-JWT VC, whose issuer is an https Credential Issuer Identifier and whose claims carry no
// ELM issuer object. Framework-free: the caller resolves the DID and looks up the metadata.

import { parseDidWeb } from '../did/did-web.ts'
import { hasPrivateJwkMembers } from '../keys/algorithms.ts'
import { type ParsedSealCertificate, parseSealCertificate } from '../x509/parse-seal-certificate.ts'
import type { TrustAnchors } from '../x509/trust-anchor-source.ts'
import {
  type CertificateCheckStatus,
  type ChainTrustAnchor,
  validateCertificateChain,
} from '../x509/validate-certificate-chain.ts'
import { certificateNamesIssuer, checkIssuerIdentifier } from './certificate-names-issuer.ts'
import {
  chainTrusted,
  checkDidKey,
  EDC_VERIFICATION_CONCEPTS,
  fromChain,
  sameCertificate,
  spkiOfCertificate,
  spkiOfJwk,
} from './check-issuer-linkage.ts'
import type { JwtVcIssuerKeys, PublishedJwk } from './jwt-vc-issuer-metadata.ts'
import { zLinkageDidDocument } from './z-linkage-inputs.ts'

export type SdJwtIssuerBindingCheckId =
  | 'issuer-identifier'
  | 'certificate-names-issuer'
  | 'certificate-chain-trusted'
  | 'certificate-valid-at-signing-time'
  | 'certificate-key-usage'
  | 'certificate-revocation'
  | 'certificate-qc-seal'
  | 'did-key-matches-certificate'
  | 'issuer-metadata-key'
  | 'organization-identifier-matches'
  | 'issuing-authority-matches'

export interface SdJwtIssuerBindingCheck {
  readonly id: SdJwtIssuerBindingCheckId
  /** The EDC verification concept the check reports under, where one fits. */
  readonly concept?: string
  readonly status: CertificateCheckStatus
  readonly reason: string
}

export interface SdJwtIssuerBindingResult {
  /** True when no check is ERROR. */
  readonly ok: boolean
  readonly checks: readonly SdJwtIssuerBindingCheck[]
  /** The seal certificate, when `x5c[0]` could be read. */
  readonly leaf?: ParsedSealCertificate
  /** The anchor the chain ended at, with which trusted list and service vouched when one did. */
  readonly anchor?: ChainTrustAnchor
}

/** The DID key the JWS header names (`kid` = a DID URL), resolved by the caller. */
export type SdJwtIssuerDid =
  | { readonly did: string; readonly kid: string; readonly didDocument: unknown }
  | { readonly did: string; readonly kid: string; readonly error: string }

export interface CheckSdJwtIssuerBindingInput {
  /** The credential's `iss`. */
  readonly iss: unknown
  /** The JOSE `x5c` of the issuer-signed JWT (leaf first): the key that verified the signature. */
  readonly x5c: readonly string[] | undefined
  /** The time the certificate is judged at. */
  readonly at: Date
  /** Configured trust anchors (PEM bundle, trusted lists judged at `at`). Empty fails closed. */
  readonly trustAnchors: TrustAnchors
  readonly crls?: ReadonlyMap<string, Uint8Array | string>
  readonly requireQcSeal?: boolean
  readonly requireRevocationCheck?: boolean
  /** Development: accept an http `iss` on a loopback host. */
  readonly allowLoopbackHttp?: boolean
  /**
   * The issuing authority the credential states: its `issuing_authority` claim (in the clear or
   * disclosed), `undefined` when the presentation does not show it.
   */
  readonly issuingAuthority?: unknown
  /** When the JWS header's `kid` is a DID URL: that DID's document, or why it did not resolve. */
  readonly did?: SdJwtIssuerDid
  /** What the issuer's JWT VC Issuer Metadata (SD-JWT VC §5) holds, as the caller looked it up. */
  readonly issuerMetadata: JwtVcIssuerKeys
}

const { OWNER } = EDC_VERIFICATION_CONCEPTS

function check(
  id: SdJwtIssuerBindingCheckId,
  status: CertificateCheckStatus,
  reason: string,
  concept?: string,
): SdJwtIssuerBindingCheck {
  return concept ? { id, concept, status, reason } : { id, status, reason }
}

/** DID Web §3.1: a did:web names the same place as an http(s) issuer identifier (host, port, path). */
export function didWebNamesIssuer(did: string, iss: string): boolean {
  if (!did.startsWith('did:web:')) return false
  try {
    const { host, port, path } = parseDidWeb(did)
    const issuer = new URL(iss)
    const authority = port === undefined ? host.toLowerCase() : `${host.toLowerCase()}:${port}`
    return authority === issuer.host && `/${path.join('/')}` === (issuer.pathname.replace(/\/$/, '') || '/')
  } catch {
    return false
  }
}

function checkDid(
  input: CheckSdJwtIssuerBindingInput,
  iss: string,
  leaf: ParsedSealCertificate | undefined,
  x5c: string[],
): SdJwtIssuerBindingCheck {
  const did = input.did as SdJwtIssuerDid
  const id: SdJwtIssuerBindingCheckId = 'did-key-matches-certificate'
  if (!didWebNamesIssuer(did.did, iss)) {
    return check(id, 'ERROR', `the signing key's DID ${did.did} is not the did:web of the issuer ${iss}`, OWNER)
  }
  // The header points at the DID: the issuer publishes keys there, so not finding them fails closed.
  if ('error' in did) return check(id, 'ERROR', `${did.did} does not resolve, failing closed: ${did.error}`, OWNER)
  const found = checkDidKey({ did: did.did, didDocument: did.didDocument, kid: did.kid }, leaf, x5c)
  return check(id, found.status, found.reason, OWNER)
}

function checkMetadataKey(
  metadata: JwtVcIssuerKeys,
  leaf: ParsedSealCertificate | undefined,
  x5c: string[],
): SdJwtIssuerBindingCheck {
  const id: SdJwtIssuerBindingCheckId = 'issuer-metadata-key'
  switch (metadata.outcome) {
    case 'not-published':
      return check(
        id,
        'SKIPPED',
        `the issuer publishes no JWT VC Issuer Metadata at ${metadata.url} (${metadata.reason}): the key was not compared with published keys`,
        OWNER,
      )
    case 'unreachable':
      return metadata.knownToPublish
        ? check(
            id,
            'ERROR',
            `the issuer publishes its keys at ${metadata.url}, which is unreachable (${metadata.reason}): failing closed`,
            OWNER,
          )
        : check(
            id,
            'SKIPPED',
            `the JWT VC Issuer Metadata at ${metadata.url} is unreachable (${metadata.reason}) and the issuer is not known to publish keys there: the key was not compared with published keys`,
            OWNER,
          )
    case 'invalid':
      return check(
        id,
        'ERROR',
        `the JWT VC Issuer Metadata at ${metadata.url} is not usable: ${metadata.reason}`,
        OWNER,
      )
    case 'published':
      break
  }
  if (!leaf) return check(id, 'ERROR', 'no seal certificate (x5c) was presented', OWNER)
  const leaked = metadata.keys.filter((k) => hasPrivateJwkMembers(k))
  if (leaked.length > 0) {
    return check(id, 'ERROR', `the JWT VC Issuer Metadata at ${metadata.url} publishes private key material`, OWNER)
  }
  const key = spkiOfCertificate(leaf.der)
  const match = metadata.keys.find((k) => spkiOfJwk(k)?.equals(key) ?? false)
  if (!match) {
    return check(
      id,
      'ERROR',
      `the signing key of '${leaf.subject.organizationName ?? leaf.subject.dn}' is not one of the ${metadata.keys.length} key(s) the issuer publishes at ${metadata.url}`,
      OWNER,
    )
  }
  const published = match.x5c?.[0]
  if (published !== undefined && !sameCertificate(published, x5c[0] as string)) {
    return check(
      id,
      'ERROR',
      `the issuer publishes the signing key at ${metadata.url} with another certificate than the presented x5c`,
      OWNER,
    )
  }
  return check(
    id,
    'OK',
    `the signing key is one the issuer publishes at ${metadata.url}${published ? ', with the same certificate' : ''}`,
    OWNER,
  )
}

/** The certificates the issuer publishes with its keys (JWK `x5c`, RFC 7517 §4.7): DID document and metadata. */
function publishedCertificates(input: CheckSdJwtIssuerBindingInput): { where: string; leaf: ParsedSealCertificate }[] {
  const found: { where: string; jwk: PublishedJwk }[] = []
  if (input.issuerMetadata.outcome === 'published') {
    for (const jwk of input.issuerMetadata.keys) found.push({ where: input.issuerMetadata.url, jwk })
  }
  if (input.did && 'didDocument' in input.did) {
    const doc = zLinkageDidDocument.safeParse(input.did.didDocument)
    if (doc.success) {
      const methods = [
        ...(doc.data.verificationMethod ?? []),
        ...(doc.data.assertionMethod ?? []).filter((m) => typeof m !== 'string'),
      ]
      for (const vm of methods) if (vm.publicKeyJwk) found.push({ where: input.did.did, jwk: vm.publicKeyJwk })
    }
  }
  return found.flatMap(({ where, jwk }) => {
    const first = jwk.x5c?.[0]
    if (!first) return []
    try {
      return [{ where, leaf: parseSealCertificate(first) }]
    } catch {
      return []
    }
  })
}

/**
 * ETSI EN 319 412-1 §5.1.4: the organisation an issuer is certified as is its organizationIdentifier.
 * An SD-JWT VC states no identifier, so the presented certificate's is compared with those of the
 * certificates the issuer publishes with its keys — another organisation's certificate, even one
 * naming the issuer's URL, does not pass.
 */
function checkOrganizationIdentifier(
  input: CheckSdJwtIssuerBindingInput,
  leaf: ParsedSealCertificate | undefined,
): SdJwtIssuerBindingCheck {
  const id: SdJwtIssuerBindingCheckId = 'organization-identifier-matches'
  if (!leaf) return check(id, 'ERROR', 'no seal certificate (x5c) was presented', OWNER)
  const published = publishedCertificates(input)
  const identifiers = [
    ...new Set(published.flatMap((p) => (p.leaf.organizationIdentifier ? [p.leaf.organizationIdentifier] : []))),
  ]
  const presented = leaf.organizationIdentifier
  if (identifiers.length === 0) {
    return check(
      id,
      'SKIPPED',
      `the issuer publishes no certificate to compare with; the seal certificate's organizationIdentifier is ${presented ? `'${presented}'` : 'absent'}`,
      OWNER,
    )
  }
  const where = [...new Set(published.map((p) => p.where))].join(', ')
  if (!presented) {
    return check(
      id,
      'ERROR',
      `the seal certificate has no organizationIdentifier (2.5.4.97); the certificates the issuer publishes (${where}) are for '${identifiers.join("', '")}'`,
      OWNER,
    )
  }
  if (!identifiers.includes(presented)) {
    return check(
      id,
      'ERROR',
      `the seal certificate's organizationIdentifier '${presented}' is not the issuer's '${identifiers.join("', '")}' (the certificates it publishes at ${where})`,
      OWNER,
    )
  }
  return check(
    id,
    'OK',
    `the seal certificate's organizationIdentifier '${presented}' is the one of the certificates the issuer publishes`,
    OWNER,
  )
}

/** Names compared as people read them: Unicode NFC, spaces collapsed, case folded. */
function comparableName(value: string): string {
  return value.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase()
}

/**
 * The issuing authority the credential states is the organisation the certificate names (subject
 * O, ETSI EN 319 412-3 §4.2.1; EDC writes the certificate's O as the ELM issuer's legalName, elm.md
 * "Sealing in EDC"). Awarding bodies other than the sealer are not compared: a joint award or a
 * credential issued by mandate is sealed by one organisation on behalf of others.
 */
function checkIssuingAuthority(stated: unknown, leaf: ParsedSealCertificate | undefined): SdJwtIssuerBindingCheck {
  const id: SdJwtIssuerBindingCheckId = 'issuing-authority-matches'
  if (!leaf) return check(id, 'ERROR', 'no seal certificate (x5c) was presented', OWNER)
  const organisation = leaf.subject.organizationName
  const certified = `'${organisation ?? '(no O)'}'${leaf.organizationIdentifier ? ` (${leaf.organizationIdentifier})` : ''}`
  if (stated === undefined) {
    return check(
      id,
      'SKIPPED',
      `the presentation shows no issuing_authority; the seal certificate is for ${certified}`,
      OWNER,
    )
  }
  if (typeof stated !== 'string' || stated.trim() === '') {
    return check(id, 'ERROR', 'the credential states an issuing_authority that is not a name', OWNER)
  }
  if (!organisation) {
    return check(
      id,
      'ERROR',
      `the credential's issuing_authority is '${stated}', and the seal certificate names no organisation (O)`,
      OWNER,
    )
  }
  if (comparableName(stated) !== comparableName(organisation)) {
    return check(
      id,
      'ERROR',
      `the credential's issuing_authority '${stated}' is not the seal certificate's organisation ${certified}`,
      OWNER,
    )
  }
  return check(
    id,
    'OK',
    `the credential's issuing_authority is the seal certificate's organisation ${certified}`,
    OWNER,
  )
}

/**
 * Checks that the key which signed an SD-JWT VC is its issuer's (issue 12 §1), as named checks,
 * each OK / ERROR / SKIPPED with a reason:
 *
 * - `issuer-identifier`: `iss` is an https URL (loopback http with `allowLoopbackHttp`);
 * - `certificate-names-issuer`: the x5c leaf identifies `iss` — a subjectAltName URI equal to it, or
 *   a dNSName equal to the host of an `iss` without a path (SD-JWT VC "Issuer Signature
 *   Mechanisms", X.509; HAIP 1.0 §6.1.1);
 * - the chain checks of {@link validateCertificateChain} (path to a configured anchor — never an
 *   anchor inside x5c, never a self-signed leaf —, validity at `at`, key usage, revocation);
 * - `did-key-matches-certificate` (when the header's `kid` is a DID URL): that DID is the did:web of
 *   `iss`, it resolved, and its assertion key is the certificate's key;
 * - `issuer-metadata-key`: where the issuer publishes JWT VC Issuer Metadata, the key is one of its
 *   keys. No metadata (404), or metadata unreachable for an issuer not known to publish there, is
 *   SKIPPED and says so; unreachable for an issuer known to publish, or invalid, is ERROR;
 * - `organization-identifier-matches`: the certificate's organizationIdentifier is that of the
 *   certificates the issuer publishes with its keys (SKIPPED when it publishes none);
 * - `issuing-authority-matches`: a stated `issuing_authority` is the certificate's organisation (O).
 *
 * `ok` is true when no check is ERROR. Never throws for bad input.
 *
 * @example
 * const binding = await checkSdJwtIssuerBinding({ iss: payload.iss, x5c: header.x5c, at: now,
 *   trustAnchors, issuingAuthority: payload.issuing_authority,
 *   issuerMetadata: await lookUpJwtVcIssuerKeys(payload.iss, fetchDocument) })
 * if (!binding.ok) reject(binding.checks.filter((c) => c.status === 'ERROR'))
 */
export async function checkSdJwtIssuerBinding(input: CheckSdJwtIssuerBindingInput): Promise<SdJwtIssuerBindingResult> {
  const x5c = Array.isArray(input.x5c) ? input.x5c.filter((c): c is string => typeof c === 'string') : []
  let leaf: ParsedSealCertificate | undefined
  try {
    leaf = x5c[0] === undefined ? undefined : parseSealCertificate(x5c[0])
  } catch {
    leaf = undefined
  }
  const identifier = checkIssuerIdentifier(input.iss, { allowLoopbackHttp: input.allowLoopbackHttp === true })
  const iss = typeof input.iss === 'string' ? input.iss : ''
  const checks: SdJwtIssuerBindingCheck[] = [
    check('issuer-identifier', identifier.ok ? 'OK' : 'ERROR', identifier.reason, OWNER),
  ]
  if (!leaf) {
    checks.push(check('certificate-names-issuer', 'ERROR', 'no readable seal certificate (x5c) was presented', OWNER))
  } else {
    const named = certificateNamesIssuer(leaf, iss)
    checks.push(check('certificate-names-issuer', named.ok ? 'OK' : 'ERROR', named.reason, OWNER))
  }

  const chain = await validateCertificateChain({
    x5c,
    trustAnchors: input.trustAnchors ?? [],
    at: input.at,
    ...(input.crls ? { crls: input.crls } : {}),
    requireQcSeal: input.requireQcSeal === true,
    requireRevocationCheck: input.requireRevocationCheck === true,
  })
  const { SEAL, EXPIRY, REVOCATION } = EDC_VERIFICATION_CONCEPTS
  const fromLinkage = (c: { id: string; concept?: string; status: CertificateCheckStatus; reason: string }) =>
    check(c.id as SdJwtIssuerBindingCheckId, c.status, c.reason, c.concept)
  checks.push(
    fromLinkage(chainTrusted(chain.checks)),
    fromLinkage(fromChain(chain.checks, 'certificate-validity', 'certificate-valid-at-signing-time', EXPIRY)),
    fromLinkage(fromChain(chain.checks, 'certificate-key-usage', 'certificate-key-usage', SEAL)),
    fromLinkage(fromChain(chain.checks, 'certificate-revocation', 'certificate-revocation', REVOCATION)),
  )
  if (input.requireQcSeal) {
    checks.push(fromLinkage(fromChain(chain.checks, 'certificate-qc-seal', 'certificate-qc-seal', SEAL)))
  }
  if (input.did) checks.push(checkDid(input, iss, leaf, x5c))
  checks.push(
    checkMetadataKey(input.issuerMetadata, leaf, x5c),
    checkOrganizationIdentifier(input, leaf),
    checkIssuingAuthority(input.issuingAuthority, leaf),
  )
  return {
    ok: checks.every((c) => c.status !== 'ERROR'),
    checks,
    ...(leaf ? { leaf } : {}),
    ...(chain.anchor ? { anchor: chain.anchor } : {}),
  }
}
