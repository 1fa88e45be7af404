// The default RFC 3161 verifier of `verifyUploadedEdc`: is the token's CMS signature the TSA's,
// over this TSTInfo, for these bytes? Built on pkijs `SignedData.verify`. Whether the TSA is
// trusted (id-kp-timeStamping, a chain to a configured anchor at genTime) is judged by
// `verify-seal-timestamp.ts`, the same way for this verifier and for an injected one.
import { createHash, webcrypto } from 'node:crypto'
import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'
import {
  type DecodedTimestampToken,
  decodeTimestampToken,
  OID_TST_INFO,
  TimestampTokenError,
} from './parse-timestamp-token.ts'
import type { TimestampSignatureCheck, VerifyTimestampSignature } from './verify-seal-timestamp.ts'

// RFC 5652 §11.1, §11.2: the attributes every SignerInfo with signed attributes carries.
const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3'
const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4'
// RFC 2634 §5.4 (ESS signingCertificate, ESSCertID with SHA-1) and RFC 5035 (signingCertificateV2).
const OID_SIGNING_CERTIFICATE = '1.2.840.113549.1.9.16.2.12'
const OID_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47'

/** Hashes an ESSCertID(v2) may name the TSA certificate with (RFC 5035: ESSCertIDv2 defaults to SHA-256). */
const CERT_HASHES = new Map([
  ['1.3.14.3.2.26', 'sha1'],
  ['2.16.840.1.101.3.4.2.1', 'sha256'],
  ['2.16.840.1.101.3.4.2.2', 'sha384'],
  ['2.16.840.1.101.3.4.2.3', 'sha512'],
])

/**
 * One engine over node:crypto's WebCrypto, passed to every pkijs call, instead of
 * `pkijs.setEngine`: importing this module changes no global state (as `@alma/trust`'s PKCS#12
 * reader does it; `@alma/trust` exports no pkijs initialiser).
 */
type EngineCrypto = ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto']
const engine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as EngineCrypto })

/** Why pkijs refused, by its `SignedDataVerifyError.code` (style.md, practice 4: never by message text). */
const PKIJS_REFUSALS: Record<number, string> = {
  2: 'the token carries no certificates, so its signer cannot be found (the TSA must be asked with certReq, RFC 3161 §2.4.1)',
  3: "no certificate in the token matches its SignerInfo's sid (RFC 5652 §5.3)",
  7: 'its digest algorithm is not supported',
  9: 'its signed attributes lack content-type (RFC 5652 §11.1)',
  10: 'its signed attributes lack message-digest (RFC 5652 §11.2)',
}

class Refused extends Error {}

/** pkijs takes detached data as an ArrayBuffer; a Node Buffer's `.buffer` may be a shared pool. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return new Uint8Array(bytes).buffer
}

/** The one value of the one attribute of type `oid`; a repeated attribute is refused (RFC 5652 §11). */
function single(attributes: readonly pkijs.Attribute[], oid: string, name: string): asn1js.AsnType | undefined {
  const found = attributes.filter((attribute) => attribute.type === oid)
  if (found.length === 0) return undefined
  if (found.length > 1 || found[0]!.values.length !== 1) throw new Refused(`its signed attributes repeat ${name}`)
  return found[0]!.values[0]
}

/**
 * RFC 3161 §2.4.2 and RFC 5652 §5.3, before any cryptography: one signer (the TSA), signed
 * attributes present, and their content-type the TSTInfo's (pkijs checks only that it is there).
 */
function checkStructure({ signedData }: DecodedTimestampToken): pkijs.SignerInfo {
  // §2.4.2: "The time-stamp token MUST NOT contain any signatures other than the signature of the TSA."
  if (signedData.signerInfos.length !== 1) {
    throw new Refused(`it has ${signedData.signerInfos.length} SignerInfos; a time-stamp token has exactly one`)
  }
  const signerInfo = signedData.signerInfos[0]!
  // §2.4.2 requires the signingCertificate attribute, so a SignerInfo without signed attributes,
  // whose signature would then be over the TSTInfo alone, is not a time-stamp token.
  const attributes = signerInfo.signedAttrs?.attributes
  if (!attributes) throw new Refused('its SignerInfo has no signed attributes (RFC 3161 §2.4.2)')
  // RFC 5652 §11.1: the content-type attribute "MUST have the same value as eContentType"; it is
  // what binds the signature to a TSTInfo rather than to other content of the TSA's.
  const contentType = single(attributes, OID_CONTENT_TYPE, 'content-type')
  if (contentType) {
    const value = contentType instanceof asn1js.ObjectIdentifier ? contentType.getValue() : 'not an OID'
    if (value !== OID_TST_INFO)
      throw new Refused(`its signed content-type is ${value}, not id-ct-TSTInfo (RFC 5652 §11.1)`)
  }
  single(attributes, OID_MESSAGE_DIGEST, 'message-digest')
  return signerInfo
}

/**
 * RFC 3161 §2.4.2: the TSTInfo's messageImprint is the digest of what was time-stamped. pkijs
 * checks it too, inside `verify`, but reports it with a code it shares with other failures.
 */
function checkImprint({ claims }: DecodedTimestampToken, timestamped: Uint8Array): void {
  const digest = createHash(claims.messageImprint.hash).update(timestamped).digest()
  if (!digest.equals(claims.messageImprint.digest)) {
    throw new Refused(`its TSTInfo messageImprint is not the ${claims.messageImprint.hash} of the time-stamped data`)
  }
}

/**
 * RFC 5652 §5.4–5.6 via pkijs: the signer certificate found by `sid` among the token's
 * certificates (§5.3), the message-digest attribute over the TSTInfo, the signature over the DER
 * signed attributes. `checkChain: false`: pkijs would judge the chain at genTime against anchors of
 * its own; the chain is judged once, by `@alma/trust`, in `verify-seal-timestamp.ts`.
 */
async function checkSignature({ signedData }: DecodedTimestampToken, timestamped: Uint8Array) {
  let result: pkijs.SignedDataVerifyResult
  try {
    result = await signedData.verify(
      { signer: 0, data: ownBuffer(timestamped), checkChain: false, extendedMode: true },
      engine,
    )
  } catch (e) {
    if (e instanceof pkijs.SignedDataVerifyError) {
      throw new Refused(PKIJS_REFUSALS[e.code] ?? `pkijs refused it (SignedData.verify code ${e.code}: ${e.message})`)
    }
    throw e
  }
  if (result.signatureVerified !== true || !result.signerCertificate) {
    throw new Refused("the signature over its signed attributes does not verify with the signer certificate's key")
  }
  return result.signerCertificate
}

/**
 * RFC 3161 §2.4.2 (with RFC 5816 for v2): the signingCertificate(V2) attribute names the TSA
 * certificate by its hash, so the certificate judged afterwards is the one the TSA meant, not
 * another carrying the same key. RFC 2634 §5.4 (kept by RFC 5035): the first ESSCertID is the signer's.
 */
function checkSigningCertificate(signerInfo: pkijs.SignerInfo, signer: pkijs.Certificate): void {
  const attributes = signerInfo.signedAttrs?.attributes ?? []
  const v2 = single(attributes, OID_SIGNING_CERTIFICATE_V2, 'signingCertificateV2')
  const v1 = v2 ? undefined : single(attributes, OID_SIGNING_CERTIFICATE, 'signingCertificate')
  const value = v2 ?? v1
  if (!value) throw new Refused('its signed attributes name no signingCertificate(V2) (RFC 3161 §2.4.2)')

  // SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies … OPTIONAL }
  const certs = value instanceof asn1js.Sequence ? value.valueBlock.value[0] : undefined
  const first = certs instanceof asn1js.Sequence ? certs.valueBlock.value[0] : undefined
  if (!(first instanceof asn1js.Sequence)) throw new Refused('its signingCertificate attribute names no certificate')
  // ESSCertID ::= SEQUENCE { certHash (SHA-1), … }; ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash, … }
  const [head, next] = first.valueBlock.value
  let hashOid = '1.3.14.3.2.26'
  let certHash = head
  if (v2) {
    hashOid = '2.16.840.1.101.3.4.2.1'
    if (head instanceof asn1js.Sequence) {
      hashOid = new pkijs.AlgorithmIdentifier({ schema: head }).algorithmId
      certHash = next
    }
  }
  const hash = CERT_HASHES.get(hashOid)
  if (!hash) throw new Refused(`its signingCertificateV2 hashes the certificate with ${hashOid}, which is not accepted`)
  if (!(certHash instanceof asn1js.OctetString)) throw new Refused('its ESSCertID has no certHash')
  const expected = createHash(hash).update(new Uint8Array(signer.toSchema().toBER())).digest()
  if (!expected.equals(new Uint8Array(certHash.valueBlock.valueHexView))) {
    throw new Refused('its signingCertificate attribute names another certificate than the one whose key signed it')
  }
}

/**
 * Verifies the CMS signature of an RFC 3161 TimeStampToken over `timestamped` (the bytes its
 * messageImprint must be the digest of) and returns the TSA certificate that signed it, DER. Says
 * nothing of whether that TSA is trusted: the caller checks id-kp-timeStamping and the chain.
 *
 * @example
 * const signed = await verifyTimestampSignature(tokenDer, Buffer.from(jwsSignature, 'ascii'))
 * if (signed.ok) judgeTsa(signed.signerCertificate)
 */
export const verifyTimestampSignature: VerifyTimestampSignature = async (
  token: Uint8Array,
  timestamped: Uint8Array,
): Promise<TimestampSignatureCheck> => {
  try {
    const decoded = decodeTimestampToken(token)
    const signerInfo = checkStructure(decoded)
    checkImprint(decoded, timestamped)
    const signer = await checkSignature(decoded, timestamped)
    checkSigningCertificate(signerInfo, signer)
    return { ok: true, signerCertificate: new Uint8Array(signer.toSchema().toBER()) }
  } catch (e) {
    if (e instanceof Refused || e instanceof TimestampTokenError) return { ok: false, reason: e.message }
    // A malformed attribute pkijs or asn1js could not read is a refusal too, not a crash.
    return { ok: false, reason: `it cannot be verified: ${e instanceof Error ? e.message : String(e)}` }
  }
}
