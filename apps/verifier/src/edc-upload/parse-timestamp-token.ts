// Reads what an RFC 3161 time-stamp token claims, with pkijs. Parsing only (style.md, practice 3):
// no key is used here; whether the claim can be relied on — the TSA's CMS signature and
// certificate — is `verify-timestamp-signature.ts` and `verify-seal-timestamp.ts`.
import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'

/** RFC 5652 §5.1 id-signedData. */
const OID_SIGNED_DATA = '1.2.840.113549.1.7.2'
/** RFC 3161 §2.4.2 id-ct-TSTInfo. */
export const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4'

/** Digest algorithms a message imprint may use, by OID (RFC 5754 §2); SHA-1 is not accepted. */
const HASHES = new Map<string, { name: 'sha256' | 'sha384' | 'sha512'; length: number }>([
  ['2.16.840.1.101.3.4.2.1', { name: 'sha256', length: 32 }],
  ['2.16.840.1.101.3.4.2.2', { name: 'sha384', length: 48 }],
  ['2.16.840.1.101.3.4.2.3', { name: 'sha512', length: 64 }],
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

/** The token read with pkijs, for `verify-timestamp-signature.ts`; not part of the module's API. */
export interface DecodedTimestampToken {
  readonly claims: TimestampTokenClaims
  readonly signedData: pkijs.SignedData
  readonly tstInfo: pkijs.TSTInfo
}

export class TimestampTokenError extends Error {
  override readonly name = 'TimestampTokenError'
}

/** A copy in an ArrayBuffer of its own: a Node Buffer may be a view into a shared pool. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return new Uint8Array(bytes).buffer
}

/** The single ASN.1 element `bytes` consists of; an incomplete element or trailing bytes are refused. */
function readOne(bytes: Uint8Array, what: string): asn1js.AsnType {
  const decoded = asn1js.fromBER(ownBuffer(bytes))
  if (decoded.offset === -1 || decoded.result.error) {
    throw new TimestampTokenError(`${what} is not readable ASN.1: ${decoded.result.error || 'truncated'}`)
  }
  if (decoded.offset !== bytes.length) throw new TimestampTokenError(`trailing bytes after ${what}`)
  return decoded.result
}

/**
 * RFC 3161 §2.4.2: genTime is UTC (`Z`) with seconds, and fractions without trailing zeros. Read
 * from the encoded text rather than trusted to asn1js, which takes a time without `Z` as local
 * time: the moment a seal is judged at must not depend on the server's time zone.
 */
function genTimeOf(tstInfo: asn1js.AsnType): Date {
  const element = tstInfo instanceof asn1js.Sequence ? tstInfo.valueBlock.value[4] : undefined
  if (!(element instanceof asn1js.GeneralizedTime)) throw new TimestampTokenError('TSTInfo.genTime is missing')
  const text = Buffer.from(element.valueBlock.valueHexView).toString('latin1')
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*[1-9]))?Z$/.exec(text)
  if (!match) throw new TimestampTokenError(`TSTInfo.genTime '${text}' is not of the form YYYYMMDDhhmmss[.f]Z`)
  const [, y, mo, d, h, mi, s, fraction] = match
  const millis = fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), millis))
  if (Number.isNaN(date.getTime()) || date.getUTCDate() !== Number(d)) {
    throw new TimestampTokenError(`TSTInfo.genTime '${text}' is not a date`)
  }
  return date
}

/** Lower-case hex of a non-negative INTEGER, without the sign octet (X.690 §8.3.2). */
function integerHex(value: asn1js.Integer): string {
  const hex = Buffer.from(value.valueBlock.valueHexView).toString('hex')
  return hex.length > 2 && hex.startsWith('00') ? hex.slice(2) : hex
}

function decode(der: Uint8Array): DecodedTimestampToken {
  // RFC 3161 §2.4.2: TimeStampToken ::= ContentInfo, of type id-signedData.
  const contentInfo = new pkijs.ContentInfo({ schema: readOne(der, 'the token') })
  if (contentInfo.contentType !== OID_SIGNED_DATA) {
    throw new TimestampTokenError(`contentType ${contentInfo.contentType} is not id-signedData`)
  }
  const signedData = new pkijs.SignedData({ schema: contentInfo.content })

  // RFC 5652 §5.2: the encapsulated content is the TSTInfo, DER in a primitive OCTET STRING.
  const encap = signedData.encapContentInfo
  if (encap.eContentType !== OID_TST_INFO) {
    throw new TimestampTokenError(`eContentType ${encap.eContentType} is not id-ct-TSTInfo`)
  }
  const eContent = encap.eContent
  if (!(eContent instanceof asn1js.OctetString) || eContent.idBlock.isConstructed) {
    throw new TimestampTokenError('eContent is not a primitive OCTET STRING')
  }
  const tstInfoSchema = readOne(new Uint8Array(eContent.getValue()), 'TSTInfo')
  const tstInfo = new pkijs.TSTInfo({ schema: tstInfoSchema })

  // RFC 3161 §2.4.2: TSTInfo ::= SEQUENCE { version (v1), policy, messageImprint, serialNumber, genTime, … }.
  if (tstInfo.version !== 1) throw new TimestampTokenError(`TSTInfo.version is ${tstInfo.version}, expected 1`)
  const algorithm = tstInfo.messageImprint.hashAlgorithm.algorithmId
  const hash = HASHES.get(algorithm)
  if (!hash) throw new TimestampTokenError(`messageImprint hash algorithm ${algorithm} is not SHA-256/384/512`)
  const digest = new Uint8Array(tstInfo.messageImprint.hashedMessage.valueBlock.valueHexView)
  if (digest.length !== hash.length) {
    throw new TimestampTokenError(`messageImprint is ${digest.length} bytes, not a ${hash.name} digest`)
  }

  // RFC 5652 §10.2.2: only X.509 certificates are reported; other CertificateChoices are skipped.
  // pkijs keeps each certificate's TBS bytes as read, so re-encoding gives back the DER it carried.
  const certificates = (signedData.certificates ?? [])
    .filter((certificate) => certificate instanceof pkijs.Certificate)
    .map((certificate) => new Uint8Array(certificate.toSchema().toBER()))

  return {
    signedData,
    tstInfo,
    claims: {
      der,
      genTime: genTimeOf(tstInfoSchema),
      policy: tstInfo.policy,
      serialNumber: integerHex(tstInfo.serialNumber),
      messageImprint: { hash: hash.name, digest },
      certificates,
    },
  }
}

/**
 * Reads an RFC 3161 TimeStampToken with pkijs (the token and its TSTInfo, for
 * `verify-timestamp-signature.ts`). Throws `TimestampTokenError` naming what is malformed.
 */
export function decodeTimestampToken(der: Uint8Array): DecodedTimestampToken {
  if (der.length > MAX_TIMESTAMP_TOKEN_BYTES) {
    throw new TimestampTokenError(`the token is ${der.length} bytes; at most ${MAX_TIMESTAMP_TOKEN_BYTES} are read`)
  }
  try {
    return decode(der)
  } catch (error) {
    if (error instanceof TimestampTokenError) {
      throw new TimestampTokenError(`malformed RFC 3161 token: ${error.message}`)
    }
    // pkijs and asn1js throw plain errors for a structure that does not fit the schema.
    const why = error instanceof Error ? error.message : String(error)
    throw new TimestampTokenError(`malformed RFC 3161 token: ${why}`, { cause: error })
  }
}

/**
 * Reads the claims of an RFC 3161 TimeStampToken (§2.4.2: a CMS ContentInfo whose SignedData
 * encapsulates a DER TSTInfo). Throws `TimestampTokenError` naming what is malformed. Nothing is
 * verified here: the result says what the token claims, not that a TSA signed it.
 *
 * @example
 * const { genTime, messageImprint } = parseTimestampToken(tokenDer)
 */
export function parseTimestampToken(der: Uint8Array): TimestampTokenClaims {
  return decodeTimestampToken(der).claims
}
