// Reads what an RFC 3161 time-stamp token claims. Parsing only (style.md, practice 3): whether the
// claim can be relied on — the TSA's CMS signature and certificate — is `verify-seal-timestamp.ts`.
import {
  child,
  children,
  type DerElement,
  DerError,
  generalizedTimeOf,
  integerHex,
  oidOf,
  readDer,
  TAG,
} from './read-der.ts'

/** RFC 5652 §5.1 id-signedData. */
const OID_SIGNED_DATA = '1.2.840.113549.1.7.2'
/** RFC 3161 §2.4.2 id-ct-TSTInfo. */
const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4'

/** Digest algorithms a message imprint may use, by OID (RFC 5754 §2); SHA-1 is not accepted. */
const HASHES = new Map<string, 'sha256' | 'sha384' | 'sha512'>([
  ['2.16.840.1.101.3.4.2.1', 'sha256'],
  ['2.16.840.1.101.3.4.2.2', 'sha384'],
  ['2.16.840.1.101.3.4.2.3', 'sha512'],
])

/** A token larger than this is not a time-stamp token (real ones are 3–10 KB). */
export const MAX_TIMESTAMP_TOKEN_BYTES = 64 * 1024

export interface TimestampTokenClaims {
  /** The token as given (DER ContentInfo). */
  readonly der: Uint8Array
  /** TSTInfo.genTime (RFC 3161 §2.4.2): when the TSA says it saw the imprint. */
  readonly genTime: Date
  /** TSTInfo.policy: the TSA policy OID under which the token was issued. */
  readonly policy: string
  /** TSTInfo.serialNumber, lower-case hex. */
  readonly serialNumber: string
  /** TSTInfo.messageImprint: the digest the TSA time-stamped, and with which algorithm. */
  readonly messageImprint: { readonly hash: 'sha256' | 'sha384' | 'sha512'; readonly digest: Uint8Array }
  /** SignedData.certificates (RFC 5652 §5.1): DER certificates the token carries, in order. */
  readonly certificates: readonly Uint8Array[]
}

export class TimestampTokenError extends Error {
  override readonly name = 'TimestampTokenError'
}

/**
 * Reads the claims of an RFC 3161 TimeStampToken (§2.4.2: a CMS ContentInfo whose SignedData
 * encapsulates a DER TSTInfo). Throws `TimestampTokenError` naming what is malformed. Nothing is
 * verified here: the result says what the token claims, not that a TSA signed it.
 */
export function parseTimestampToken(der: Uint8Array): TimestampTokenClaims {
  if (der.length > MAX_TIMESTAMP_TOKEN_BYTES) {
    throw new TimestampTokenError(`the token is ${der.length} bytes; at most ${MAX_TIMESTAMP_TOKEN_BYTES} are read`)
  }
  try {
    const contentInfo = readDer(der)
    if (contentInfo.tag !== TAG.SEQUENCE) throw new DerError('ContentInfo is not a SEQUENCE')
    const contentType = oidOf(child(contentInfo, 0, TAG.OID, 'ContentInfo.contentType'))
    if (contentType !== OID_SIGNED_DATA) throw new DerError(`contentType ${contentType} is not id-signedData`)
    const explicit = child(contentInfo, 1, TAG.CONTEXT_0, 'ContentInfo.content')
    const [signedData] = children(explicit)
    if (!signedData || signedData.tag !== TAG.SEQUENCE) throw new DerError('SignedData is not a SEQUENCE')

    // RFC 5652 §5.1: version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls, signerInfos.
    const parts = children(signedData)
    const encap = parts[2]
    if (!encap || encap.tag !== TAG.SEQUENCE) throw new DerError('SignedData.encapContentInfo is missing')
    const eContentType = oidOf(child(encap, 0, TAG.OID, 'encapContentInfo.eContentType'))
    if (eContentType !== OID_TST_INFO) throw new DerError(`eContentType ${eContentType} is not id-ct-TSTInfo`)
    const [eContent] = children(child(encap, 1, TAG.CONTEXT_0, 'encapContentInfo.eContent'))
    if (!eContent || eContent.tag !== TAG.OCTET_STRING) throw new DerError('eContent is not a DER OCTET STRING')

    const certificates = parts
      .filter((part) => part.tag === TAG.CONTEXT_0)
      .flatMap((set) => children(set))
      .filter((entry) => entry.tag === TAG.SEQUENCE) // other certificate formats ([0]…[3]) are skipped
      .map((entry) => new Uint8Array(entry.raw))

    return { der, ...readTstInfo(readDer(eContent.contents)), certificates }
  } catch (error) {
    if (error instanceof DerError) throw new TimestampTokenError(`malformed RFC 3161 token: ${error.message}`)
    throw error
  }
}

// RFC 3161 §2.4.2: TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime, … }.
function readTstInfo(tstInfo: DerElement): Omit<TimestampTokenClaims, 'der' | 'certificates'> {
  if (tstInfo.tag !== TAG.SEQUENCE) throw new DerError('TSTInfo is not a SEQUENCE')
  const version = integerHex(child(tstInfo, 0, TAG.INTEGER, 'TSTInfo.version'))
  if (version !== '01') throw new DerError(`TSTInfo.version is ${version}, expected 1`)
  const policy = oidOf(child(tstInfo, 1, TAG.OID, 'TSTInfo.policy'))
  const imprint = child(tstInfo, 2, TAG.SEQUENCE, 'TSTInfo.messageImprint')
  const algorithm = oidOf(child(child(imprint, 0, TAG.SEQUENCE, 'messageImprint.hashAlgorithm'), 0, TAG.OID, 'OID'))
  const hash = HASHES.get(algorithm)
  if (!hash) throw new DerError(`messageImprint hash algorithm ${algorithm} is not SHA-256/384/512`)
  const digest = new Uint8Array(child(imprint, 1, TAG.OCTET_STRING, 'messageImprint.hashedMessage').contents)
  const serialNumber = integerHex(child(tstInfo, 3, TAG.INTEGER, 'TSTInfo.serialNumber'))
  const genTime = generalizedTimeOf(child(tstInfo, 4, TAG.GENERALIZED_TIME, 'TSTInfo.genTime'))
  return { genTime, policy, serialNumber, messageImprint: { hash, digest } }
}
