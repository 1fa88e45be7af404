import { createPublicKey, type JsonWebKey, X509Certificate } from 'node:crypto'
import { hasPrivateJwkMembers } from '../keys/algorithms.ts'
import { memoizeByDer } from '../x509/certificate-cache.ts'
import { type ParsedSealCertificate, parseSealCertificate } from '../x509/parse-seal-certificate.ts'
import { certificateToDer, type Der } from '../x509/pem.ts'
import type { TrustAnchors } from '../x509/trust-anchor-source.ts'
import {
  type CertificateCheck,
  type CertificateCheckId,
  type CertificateCheckStatus,
  type ChainTrustAnchor,
  validateCertificateChain,
} from '../x509/validate-certificate-chain.ts'
import { alpha2ToAlpha3, countryCodeOfUri } from './countries.ts'
import {
  type ElmIssuerIdentity,
  type LinkageVerificationMethod,
  zElmIssuerIdentity,
  zLinkageDidDocument,
} from './z-linkage-inputs.ts'

/** EDC verification check concepts (`http://data.europa.eu/snb/verification/`; elm.md, "Sealing in EDC"). */
export const EDC_VERIFICATION_CONCEPTS = {
  OWNER: 'http://data.europa.eu/snb/verification/1faf8d450f',
  SEAL: 'http://data.europa.eu/snb/verification/f9c2016fe9',
  EXPIRY: 'http://data.europa.eu/snb/verification/94d828f160',
  REVOCATION: 'http://data.europa.eu/snb/verification/271aef9eb4',
} as const

export type LinkageCheckId =
  | 'did-key-matches-certificate'
  | 'certificate-chain-trusted'
  | 'certificate-valid-at-signing-time'
  | 'certificate-key-usage'
  | 'certificate-revocation'
  | 'certificate-qc-seal'
  | 'organization-identifier-matches'
  | 'countries-agree'
  | 'issuer-id-is-did'

export interface LinkageCheck {
  id: LinkageCheckId
  /** The EDC verification concept the check reports under, where one fits. */
  concept?: string
  status: CertificateCheckStatus
  reason: string
}

export interface IssuerLinkageResult {
  /** True when no check is ERROR. */
  ok: boolean
  checks: LinkageCheck[]
  /** The seal certificate, when `x5c[0]` could be read. */
  leaf?: ParsedSealCertificate
  /** The anchor the chain ended at, with which trusted list and service vouched when one did. */
  anchor?: ChainTrustAnchor
}

export interface CheckIssuerLinkageInput {
  /** The issuer's DID, e.g. `did:web:uni-a.example`. */
  did: string
  /** The resolved DID document of `did`. */
  didDocument: unknown
  /** The seal certificate chain presented with the credential (JOSE `x5c`, leaf first). */
  x5c: readonly string[] | undefined
  /** The ELM `issuer` object of the credential (an EDC Organisation). */
  elmIssuer: unknown
  /** The signing time (a trusted timestamp's time where there is one). */
  at: Date
  /** Configured trust anchors (PEM bundle, trusted lists judged at `at`). Empty fails closed. */
  trustAnchors: TrustAnchors
  /** CRLs the configuration provides, by distribution point URL. */
  crls?: ReadonlyMap<string, Uint8Array | string>
  /** The JWS `kid` (a DID URL): when given, only that assertion method is compared. */
  kid?: string
  /** Also require QcCompliance and QcType e-seal (adds `certificate-qc-seal`). */
  requireQcSeal?: boolean
  /** A CRL that is named but not provided is an ERROR instead of SKIPPED. */
  requireRevocationCheck?: boolean
}

const { OWNER, SEAL, EXPIRY, REVOCATION } = EDC_VERIFICATION_CONCEPTS

function linkageCheck(
  id: LinkageCheckId,
  status: CertificateCheckStatus,
  reason: string,
  concept?: string,
): LinkageCheck {
  return concept ? { id, concept, status, reason } : { id, status, reason }
}

/** The SPKI DER of a public JWK (its JOSE members set aside), or `undefined` when it is not a key. */
export function spkiOfJwk(jwk: Record<string, unknown>): Buffer | undefined {
  try {
    const { x5c: _x5c, kid: _kid, alg: _alg, use: _use, key_ops: _ops, ...key } = jwk
    return createPublicKey({ key: key as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'der' })
  } catch {
    return undefined
  }
}

/** The certificate's public key (SPKI DER); memoised, the same issuers' certificates recur. */
export const spkiOfCertificate: (der: Der) => Buffer = memoizeByDer((der) =>
  new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' }),
)

/** Whether two certificates (base64 DER or PEM) are the same bytes. */
export function sameCertificate(a: string, b: string): boolean {
  try {
    return Buffer.from(certificateToDer(a)).equals(Buffer.from(certificateToDer(b)))
  } catch {
    return false
  }
}

/**
 * DID document ↔ certificate (elm.md, "our eIDAS link" 1–2): the DID document is the DID's, and an
 * assertionMethod key (the `kid` one when given; DID Core §5.3.3) is a public JWK equal to the
 * leaf certificate's key; when that JWK carries `x5c` (RFC 7517 §4.7), its first certificate is
 * the presented leaf. The rest of a chain is path-building material, judged by the chain check.
 */
export function checkDidKey(
  input: Pick<CheckIssuerLinkageInput, 'did' | 'didDocument' | 'kid'>,
  leaf: ParsedSealCertificate | undefined,
  x5c: string[],
): LinkageCheck {
  const id: LinkageCheckId = 'did-key-matches-certificate'
  const error = (reason: string) => linkageCheck(id, 'ERROR', reason, OWNER)
  if (typeof input.did !== 'string' || input.did === '') return error('no DID was given')
  const parsed = zLinkageDidDocument.safeParse(input.didDocument)
  if (!parsed.success)
    return error(`the DID document is missing or malformed (${parsed.error.issues[0]?.path.join('.') || 'root'})`)
  const doc = parsed.data
  if (doc.id !== input.did) return error(`the DID document's id '${doc.id}' is not the DID '${input.did}'`)
  if (!leaf) return error('no seal certificate (x5c) was presented')

  const absolute = (ref: string) => (ref.startsWith('#') ? `${input.did}${ref}` : ref)
  const methods = new Map((doc.verificationMethod ?? []).map((vm) => [absolute(vm.id), vm]))
  const assertion: LinkageVerificationMethod[] = (doc.assertionMethod ?? []).flatMap((entry) => {
    if (typeof entry !== 'string') return [{ ...entry, id: absolute(entry.id) }]
    const vm = methods.get(absolute(entry))
    return vm ? [{ ...vm, id: absolute(entry) }] : []
  })
  if (assertion.length === 0) return error(`the DID document of ${input.did} lists no assertionMethod key`)
  let candidates = assertion
  if (input.kid !== undefined) {
    const kid = absolute(input.kid)
    candidates = assertion.filter((vm) => vm.id === kid)
    if (candidates.length === 0) return error(`the key '${kid}' is not an assertionMethod of ${input.did}`)
  }
  const leaked = candidates.filter((vm) => vm.publicKeyJwk && hasPrivateJwkMembers(vm.publicKeyJwk))
  if (leaked.length > 0)
    return error(`the DID document publishes private key material in ${leaked.map((vm) => vm.id).join(', ')}`)

  const certificateKey = spkiOfCertificate(leaf.der)
  const match = candidates.find((vm) => {
    const spki = vm.publicKeyJwk ? spkiOfJwk(vm.publicKeyJwk) : undefined
    return spki?.equals(certificateKey) ?? false
  })
  if (!match) {
    return error(
      `no assertionMethod key of ${input.did} (${candidates.map((vm) => vm.id).join(', ')}) equals the public key of the seal certificate '${leaf.subject.commonName ?? leaf.subject.dn}'`,
    )
  }
  const jwkX5c = match.publicKeyJwk?.x5c
  if (jwkX5c && jwkX5c.length > 0) {
    if (!sameCertificate(jwkX5c[0] as string, x5c[0] as string)) {
      return error(`the x5c of ${match.id} names another certificate than the presented x5c`)
    }
    return linkageCheck(
      id,
      'OK',
      `${match.id} is the seal certificate's key, and its x5c names the same certificate`,
      OWNER,
    )
  }
  return linkageCheck(id, 'OK', `${match.id} is the seal certificate's key (the JWK carries no x5c)`, OWNER)
}

export function fromChain(
  checks: CertificateCheck[],
  source: CertificateCheckId,
  id: LinkageCheckId,
  concept: string,
): LinkageCheck {
  const found = checks.find((c) => c.id === source)
  if (!found) return linkageCheck(id, 'ERROR', `internal: no ${source} result`, concept)
  return linkageCheck(id, found.status, found.reason, concept)
}

// RFC 5280 §6.1: "chain trusted" is the path to an anchor and the CA constraints along it.
export function chainTrusted(checks: CertificateCheck[]): LinkageCheck {
  const chain = checks.find((c) => c.id === 'certificate-chain-trusted')
  const constraints = checks.find((c) => c.id === 'certificate-basic-constraints')
  if (!chain) return linkageCheck('certificate-chain-trusted', 'ERROR', 'internal: no chain result', SEAL)
  if (chain.status !== 'OK' || !constraints)
    return linkageCheck('certificate-chain-trusted', chain.status, chain.reason, SEAL)
  if (constraints.status === 'ERROR')
    return linkageCheck('certificate-chain-trusted', 'ERROR', constraints.reason, SEAL)
  return linkageCheck('certificate-chain-trusted', 'OK', chain.reason, SEAL)
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}

function conceptId(concept: string | { id: string } | undefined): string | undefined {
  if (concept === undefined) return undefined
  return typeof concept === 'string' ? concept : concept.id
}

/** ETSI EN 319 412-1 §5.1.4: the organizationIdentifier is compared as is, no normalisation. */
function checkOrganizationIdentifier(
  leaf: ParsedSealCertificate | undefined,
  issuer: ElmIssuerIdentity | undefined,
): LinkageCheck {
  const id: LinkageCheckId = 'organization-identifier-matches'
  if (!leaf) return linkageCheck(id, 'ERROR', 'no seal certificate (x5c) was presented', OWNER)
  if (!issuer) return linkageCheck(id, 'ERROR', 'no ELM issuer was given', OWNER)
  const certificateId = leaf.organizationIdentifier
  if (!certificateId)
    return linkageCheck(id, 'ERROR', 'the seal certificate has no organizationIdentifier (2.5.4.97)', OWNER)
  const notations = asArray(issuer.eIDASIdentifier).flatMap((identifier) =>
    identifier.notation ? [identifier.notation] : [],
  )
  if (notations.length === 0) return linkageCheck(id, 'ERROR', 'the ELM issuer has no eIDASIdentifier.notation', OWNER)
  if (notations.includes(certificateId)) {
    return linkageCheck(
      id,
      'OK',
      `the certificate's organizationIdentifier '${certificateId}' is the ELM issuer's eIDASIdentifier`,
      OWNER,
    )
  }
  return linkageCheck(
    id,
    'ERROR',
    `the certificate's organizationIdentifier '${certificateId}' is not the ELM issuer's eIDASIdentifier.notation '${notations.join("', '")}'`,
    OWNER,
  )
}

/**
 * Certificate C (X.520 countryName, ISO 3166-1 alpha-2) against the ELM issuer's countries (EU
 * country authority URIs, alpha-3): `eIDASIdentifier.spatial` must be it, and when the issuer has
 * addresses one of them must be in it (EDC adds the certificate's country as a location).
 */
function checkCountries(leaf: ParsedSealCertificate | undefined, issuer: ElmIssuerIdentity | undefined): LinkageCheck {
  const id: LinkageCheckId = 'countries-agree'
  const error = (reason: string) => linkageCheck(id, 'ERROR', reason, OWNER)
  if (!leaf) return error('no seal certificate (x5c) was presented')
  if (!issuer) return error('no ELM issuer was given')
  if (!leaf.country) return error('the seal certificate has no country (C)')
  const alpha3 = alpha2ToAlpha3(leaf.country)
  if (!alpha3) return error(`the seal certificate's country '${leaf.country}' is not an ISO 3166-1 alpha-2 code`)
  const spatial = asArray(issuer.eIDASIdentifier).flatMap((identifier) => {
    const uri = conceptId(identifier.spatial)
    return uri ? [uri] : []
  })
  const addresses = asArray(issuer.location)
    .flatMap((location) => asArray(location.address))
    .flatMap((address) => {
      const uri = conceptId(address.countryCode)
      return uri ? [uri] : []
    })
  if (spatial.length === 0 && addresses.length === 0) {
    return error('the ELM issuer names no country (eIDASIdentifier.spatial or a location address countryCode)')
  }
  const code = (uri: string) => countryCodeOfUri(uri) ?? uri
  const wrongSpatial = spatial.filter((uri) => countryCodeOfUri(uri) !== alpha3)
  if (wrongSpatial.length > 0) {
    return error(
      `eIDASIdentifier.spatial is ${wrongSpatial.map(code).join(', ')}, the certificate's country is ${leaf.country} (${alpha3})`,
    )
  }
  if (addresses.length > 0 && !addresses.some((uri) => countryCodeOfUri(uri) === alpha3)) {
    return error(
      `none of the ELM issuer's address countries (${addresses.map(code).join(', ')}) is the certificate's country ${leaf.country} (${alpha3})`,
    )
  }
  return linkageCheck(id, 'OK', `the certificate's country ${leaf.country} is the ELM issuer's ${alpha3}`, OWNER)
}

function checkIssuerId(did: string, issuer: ElmIssuerIdentity | undefined): LinkageCheck {
  const id: LinkageCheckId = 'issuer-id-is-did'
  if (!issuer) return linkageCheck(id, 'ERROR', 'no ELM issuer was given', OWNER)
  if (typeof did !== 'string' || did === '') return linkageCheck(id, 'ERROR', 'no DID was given', OWNER)
  if (!issuer.id) return linkageCheck(id, 'ERROR', 'the ELM issuer has no id', OWNER)
  if (issuer.id !== did)
    return linkageCheck(id, 'ERROR', `the ELM issuer's id '${issuer.id}' is not the DID '${did}'`, OWNER)
  return linkageCheck(id, 'OK', `the ELM issuer's id is ${did}`, OWNER)
}

/**
 * Checks that the three identities of an issuer agree (elm.md, "Sealing in EDC, and our eIDAS
 * link"): its DID (and DID document), its eIDAS seal certificate (`x5c`) and the ELM `issuer`.
 * Returns named checks, each OK / ERROR / SKIPPED with a reason and, where one fits, the EDC
 * verification concept it reports under (OWNER, SEAL, EXPIRY, REVOCATION). Missing inputs are
 * ERRORs, never OK (fail closed); `ok` is true when no check is ERROR.
 *
 * @example
 * const { ok, checks } = await checkIssuerLinkage({ did, didDocument, x5c: header.x5c,
 *   elmIssuer: credential.issuer, at: signingTime, trustAnchors })
 */
export async function checkIssuerLinkage(input: CheckIssuerLinkageInput): Promise<IssuerLinkageResult> {
  const x5c = Array.isArray(input.x5c) ? [...input.x5c] : []
  let leaf: ParsedSealCertificate | undefined
  if (x5c.length > 0) {
    try {
      leaf = parseSealCertificate(x5c[0] as string)
    } catch {
      leaf = undefined
    }
  }
  const issuerParse = zElmIssuerIdentity.safeParse(input.elmIssuer)
  const issuer = issuerParse.success ? issuerParse.data : undefined

  const chain = await validateCertificateChain({
    x5c,
    trustAnchors: input.trustAnchors ?? [],
    at: input.at,
    ...(input.crls ? { crls: input.crls } : {}),
    requireQcSeal: input.requireQcSeal === true,
    requireRevocationCheck: input.requireRevocationCheck === true,
  })

  const checks: LinkageCheck[] = [
    checkDidKey(input, leaf, x5c),
    chainTrusted(chain.checks),
    fromChain(chain.checks, 'certificate-validity', 'certificate-valid-at-signing-time', EXPIRY),
    fromChain(chain.checks, 'certificate-key-usage', 'certificate-key-usage', SEAL),
    fromChain(chain.checks, 'certificate-revocation', 'certificate-revocation', REVOCATION),
  ]
  if (input.requireQcSeal) checks.push(fromChain(chain.checks, 'certificate-qc-seal', 'certificate-qc-seal', SEAL))
  checks.push(checkOrganizationIdentifier(leaf, issuer), checkCountries(leaf, issuer), checkIssuerId(input.did, issuer))
  return {
    ok: checks.every((c) => c.status !== 'ERROR'),
    checks,
    ...(leaf ? { leaf } : {}),
    ...(chain.anchor ? { anchor: chain.anchor } : {}),
  }
}
