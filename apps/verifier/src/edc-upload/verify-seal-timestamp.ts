// The seal's time-stamps (ETSI TS 119 182-1 §5.3.4 `sigTst`, §5.2.6 `adoTst`): what they claim,
// whether they are about this seal, and whether a trusted TSA vouches for the time. Only a
// trusted `sigTst` moves the time the seal certificate is judged at (security.md: "validate EDC
// JAdES seals at the trusted timestamp's time, not at sigT and not today").
import { createHash, X509Certificate } from 'node:crypto'
import { type CertificateInput, type TstContainer, validateCertificateChain } from '@alma/trust'
import * as pkijs from 'pkijs'
import { type EdcUploadCheck, error, ok, skipped } from './checks.ts'
import { parseTimestampToken, type TimestampTokenClaims, TimestampTokenError } from './parse-timestamp-token.ts'

/** RFC 3161 §2.3: a TSA certificate has the extended key usage id-kp-timeStamping. */
const OID_KP_TIME_STAMPING = '1.3.6.1.5.5.7.3.8'
/** RFC 5280 §4.2.1.12 id-ce-extKeyUsage. */
const OID_EXT_KEY_USAGE = '2.5.29.37'

/** The outcome of checking the CMS signature of an RFC 3161 token. */
export type TimestampSignatureCheck =
  | {
      readonly ok: true
      /** The certificate whose key signed the token (RFC 5652 §5.3 `sid`), DER, PEM or base64. */
      readonly signerCertificate: CertificateInput
    }
  | { readonly ok: false; readonly reason: string }

/**
 * Verifies the CMS SignedData signature of an RFC 3161 token (RFC 5652 §5.4–5.6: messageDigest of
 * the TSTInfo, the signature over the signed attributes; RFC 3161 §2.4.2 with RFC 5035: the
 * signingCertificate(V2) attribute binds the signer certificate) and returns that certificate.
 * `timestamped` is what the token's messageImprint must be the digest of. Chain, validity and
 * `id-kp-timeStamping` are judged by this module, not by the callback. The default is
 * `verifyTimestampSignature` of `verify-timestamp-signature.ts` (pkijs).
 */
export type VerifyTimestampSignature = (token: Uint8Array, timestamped: Uint8Array) => Promise<TimestampSignatureCheck>

export interface SealTimestampInput {
  readonly sigTst?: TstContainer
  readonly adoTst?: TstContainer
  /** The JWS Signature Value as it appears in the file (base64url). */
  readonly signature: string
  /** The JWS Payload as it appears in the signing input (RFC 7797: the bytes themselves with b64:false). */
  readonly payloadInSigningInput: Uint8Array
  readonly trustAnchors: readonly CertificateInput[]
  readonly verifyTimestampSignature: VerifyTimestampSignature
  readonly now: Date
}

export interface SealTimestampResult {
  readonly check: EdcUploadCheck
  /** The time the seal certificate is judged at: the trusted `sigTst` genTime, else `now`. */
  readonly at: Date
  /** `trusted-timestamp` only when `sigTst` is verified and its TSA trusted. */
  readonly atSource: 'trusted-timestamp' | 'verification-time'
  readonly signatureTimestamp?: TimestampTokenClaims & { readonly tsa?: string }
  readonly contentTimestamp?: TimestampTokenClaims
}

function label(certificate: X509Certificate): string {
  return /(?:^|\n)CN=([^\n]*)/.exec(certificate.subject)?.[1] ?? certificate.subject.replace(/\n/g, ', ')
}

function readCertificates(ders: readonly Uint8Array[]): X509Certificate[] {
  return ders.flatMap((der) => {
    try {
      return [new X509Certificate(der)]
    } catch {
      return []
    }
  })
}

/**
 * Which of the token's certificates it names as the TSA, for the report only. Node's `keyUsage`
 * on X509Certificate is the extended key usage list (RFC 5280 §4.2.1.12).
 */
function claimsTimeStamping(certificate: X509Certificate): boolean {
  return (certificate.keyUsage ?? []).includes(OID_KP_TIME_STAMPING)
}

/**
 * RFC 3161 §2.3: the TSA certificate "MUST contain only one instance of the extended key usage
 * field extension … with KeyPurposeID having value id-kp-timeStamping. This extension MUST be
 * critical." A certificate for other purposes too (or a non-critical one) could be a CA's or a
 * server's whose signature was never meant to vouch for a time. Read with pkijs: Node does not
 * expose an extension's criticality.
 */
function timeStampingProblem(certificate: X509Certificate): string | undefined {
  const name = `the TSA certificate '${label(certificate)}'`
  let parsed: pkijs.Certificate
  try {
    parsed = pkijs.Certificate.fromBER(new Uint8Array(certificate.raw))
  } catch {
    return `${name} cannot be read for its extended key usage`
  }
  const usages = (parsed.extensions ?? []).filter((extension) => extension.extnID === OID_EXT_KEY_USAGE)
  const [usage] = usages
  const purposes = usage?.parsedValue instanceof pkijs.ExtKeyUsage ? usage.parsedValue.keyPurposes : []
  if (!usage || !purposes.includes(OID_KP_TIME_STAMPING)) {
    return `${name} lacks the extended key usage id-kp-timeStamping (RFC 3161 §2.3)`
  }
  if (usages.length > 1 || purposes.length !== 1) {
    return `${name} has extended key usages besides id-kp-timeStamping (RFC 3161 §2.3: only that one)`
  }
  if (!usage.critical) return `${name} has a non-critical extended key usage (RFC 3161 §2.3: it must be critical)`
  return undefined
}

function firstToken(container: TstContainer): Uint8Array {
  return new Uint8Array(Buffer.from((container.tstTokens[0] as { val: string }).val.replace(/\s+/g, ''), 'base64'))
}

function imprintMatches(claims: TimestampTokenClaims, input: Uint8Array): boolean {
  const digest = createHash(claims.messageImprint.hash).update(input).digest()
  return digest.equals(Buffer.from(claims.messageImprint.digest))
}

const iso = (date: Date) => date.toISOString()

const HASH_NAME = { sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' } as const

/**
 * Why the TSA certificate is not trusted at genTime, or `undefined` when it is. Judged at genTime:
 * a TSA certificate that expired since still vouches for what it signed while it was valid;
 * trust beyond the TSA key's lifetime is what archive time-stamps (`arcTst`) are for.
 */
async function tsaChainProblem(
  tsa: X509Certificate,
  claims: TimestampTokenClaims,
  trustAnchors: readonly CertificateInput[],
): Promise<string | undefined> {
  const chain = await validateCertificateChain({
    x5c: [
      tsa.raw.toString('base64'),
      ...claims.certificates.filter((c) => !tsa.raw.equals(c)).map((c) => Buffer.from(c).toString('base64')),
    ],
    trustAnchors,
    at: claims.genTime,
  })
  const failures = chain.checks.filter((c) => c.status === 'ERROR')
  if (failures.length === 0) return undefined
  return `its TSA certificate '${label(tsa)}' is not trusted at ${iso(claims.genTime)}: ${failures.map((c) => c.reason).join('; ')}`
}

/**
 * `adoTst` (§5.2.6, content time-stamp): the TSA saw the payload before the seal was made. Signed by
 * the sealer, so it is part of what `seal-signature` verified; here only its imprint is compared
 * (input: the JWS Payload as it appears in the signing input) and its time reported.
 */
function readContentTimestamp(
  adoTst: TstContainer | undefined,
  payload: Uint8Array,
): { claims?: TimestampTokenClaims; note?: string; problem?: string } {
  if (!adoTst) return {}
  let claims: TimestampTokenClaims
  try {
    claims = parseTimestampToken(firstToken(adoTst))
  } catch (e) {
    return { problem: `adoTst is not a readable RFC 3161 token (${e instanceof Error ? e.message : String(e)})` }
  }
  if (!imprintMatches(claims, payload)) {
    return { claims, problem: 'the content time-stamp adoTst is not over this payload: its message imprint differs' }
  }
  return {
    claims,
    note: `the content time-stamp adoTst says the payload existed at ${iso(claims.genTime)} (imprint matches; its TSA is not evaluated)`,
  }
}

/**
 * Checks the seal's time-stamps. `sigTst`: readable RFC 3161 token; message imprint over the
 * ASCII base64url JWS Signature Value (ETSI TS 119 182-1 §5.3.4: the time-stamp covers the
 * signature as written); the TSA's CMS signature, by `verifyTimestampSignature`; the TSA
 * certificate has id-kp-timeStamping (RFC 3161 §2.3) and chains to a configured anchor at genTime.
 * Only then is genTime the time the seal certificate is judged at; otherwise it is `now` (the
 * stricter time for a certificate that may have expired since), and the check says why.
 *
 * Status: ERROR when a time-stamp is malformed, not about this seal, or its CMS signature does not
 * verify (tampering); SKIPPED
 * `not-asked` without `sigTst`; SKIPPED `unknown` when `sigTst` is about this seal but its TSA
 * cannot be trusted; OK when it can.
 */
export async function verifySealTimestamp(input: SealTimestampInput): Promise<SealTimestampResult> {
  const untrusted = { at: input.now, atSource: 'verification-time' as const }
  const content = readContentTimestamp(input.adoTst, input.payloadInSigningInput)
  const contentPart = content.claims ? { contentTimestamp: content.claims } : {}
  if (content.problem) return { ...untrusted, ...contentPart, check: error('seal-timestamp', content.problem) }
  const withNote = (text: string) => (content.note ? `${text}; ${content.note}` : text)

  if (!input.sigTst) {
    return {
      ...untrusted,
      ...contentPart,
      check: skipped(
        'seal-timestamp',
        withNote(
          `the seal has no signature time-stamp (sigTst, ETSI TS 119 182-1 §5.3.4), so no time is proven: the certificate is judged at the verification time ${iso(input.now)}`,
        ),
        'not-asked',
      ),
    }
  }

  let claims: TimestampTokenClaims
  try {
    claims = parseTimestampToken(firstToken(input.sigTst))
  } catch (e) {
    const why = e instanceof TimestampTokenError ? e.message : String(e)
    return { ...untrusted, ...contentPart, check: error('seal-timestamp', `sigTst is not readable: ${why}`) }
  }
  const certificates = readCertificates(claims.certificates)
  const claimedTsa = certificates.find(claimsTimeStamping)
  const signatureTimestamp = { ...claims, ...(claimedTsa ? { tsa: claimedTsa.subject.replace(/\n/g, ', ') } : {}) }
  const result = { ...contentPart, signatureTimestamp }
  const says = `sigTst says the signature existed at ${iso(claims.genTime)} (TSA '${claimedTsa ? label(claimedTsa) : 'unnamed'}', policy ${claims.policy}, serial ${claims.serialNumber})`

  // §5.3.4: the imprint is computed over the base64url JWS Signature Value, as ASCII.
  if (!imprintMatches(claims, Buffer.from(input.signature, 'ascii'))) {
    return {
      ...untrusted,
      ...result,
      check: error(
        'seal-timestamp',
        `${says}, but its message imprint is not the ${HASH_NAME[claims.messageImprint.hash]} of this seal's signature value: the time-stamp belongs to another signature`,
      ),
    }
  }
  const about = `${says}; its imprint is the ${HASH_NAME[claims.messageImprint.hash]} of this seal's signature value`
  const notRelied = (why: string) => ({
    ...untrusted,
    ...result,
    check: skipped(
      'seal-timestamp',
      withNote(
        `${about}, but ${why}, so that time is not relied on: the certificate is judged at the verification time ${iso(input.now)}`,
      ),
      'unknown',
    ),
  })

  let signed: TimestampSignatureCheck
  try {
    signed = await input.verifyTimestampSignature(claims.der, Buffer.from(input.signature, 'ascii'))
  } catch (e) {
    signed = { ok: false, reason: e instanceof Error ? e.message : String(e) }
  }
  if (!signed.ok) {
    return {
      ...untrusted,
      ...result,
      check: error('seal-timestamp', `${about}, but the TSA’s CMS signature on it does not verify: ${signed.reason}`),
    }
  }

  let signer: X509Certificate
  try {
    signer = new X509Certificate(
      typeof signed.signerCertificate === 'string' && !signed.signerCertificate.includes('-----BEGIN')
        ? Buffer.from(signed.signerCertificate, 'base64')
        : signed.signerCertificate,
    )
  } catch {
    return notRelied('the RFC 3161 verifier returned no readable signer certificate')
  }
  const usageProblem = timeStampingProblem(signer)
  if (usageProblem) return notRelied(usageProblem)
  const problem = await tsaChainProblem(signer, claims, input.trustAnchors)
  if (problem) return notRelied(problem)
  return {
    ...result,
    at: claims.genTime,
    atSource: 'trusted-timestamp',
    check: ok(
      'seal-timestamp',
      withNote(
        `${about}; the TSA’s signature verifies and its certificate '${label(signer)}' chains to a configured trust anchor: the seal certificate is judged at ${iso(claims.genTime)}`,
      ),
    ),
  }
}
