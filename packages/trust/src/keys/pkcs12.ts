import { webcrypto } from 'node:crypto'
import * as pkijs from 'pkijs'
import { TrustError } from '../errors.ts'

/** What a PKCS#12 file holds for us: one private key (PKCS#8 DER) and its certificates (DER). */
export interface Pkcs12Contents {
  readonly pkcs8: Uint8Array
  readonly certificates: readonly Uint8Array[]
}

// PKCS#12 bag types (RFC 7292 §4.2).
const KEY_BAG = '1.2.840.113549.1.12.10.1.1'
const PKCS8_SHROUDED_KEY_BAG = '1.2.840.113549.1.12.10.1.2'
const CERT_BAG = '1.2.840.113549.1.12.10.1.3'
// RFC 7292 §4.2.3: certId x509Certificate.
const X509_CERTIFICATE = '1.2.840.113549.1.9.22.1'

function engine(): pkijs.ICryptoEngine {
  // A local engine instead of pkijs.setEngine: no global state changed by importing this package.
  type EngineCrypto = ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto']
  return new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as EngineCrypto })
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}

/**
 * Reads a password-protected PKCS#12 file (RFC 7292): checks its MAC, decrypts the bags
 * (PBES2 with PBKDF2 and AES, the OpenSSL 3 default) and returns the single private key with the
 * certificates. Legacy RC2/3DES files are refused with a hint to re-export them.
 */
export async function readPkcs12(data: Uint8Array, password: string): Promise<Pkcs12Contents> {
  const crypto = engine()
  const pwd = toArrayBuffer(new TextEncoder().encode(password))
  try {
    const pfx = pkijs.PFX.fromBER(toArrayBuffer(data))
    // RFC 7292 §5.1: the MAC (password integrity mode) is checked before anything is decrypted.
    await pfx.parseInternalValues({ password: pwd, checkIntegrity: true }, crypto)
    const authenticatedSafe = pfx.parsedValue?.authenticatedSafe
    if (!authenticatedSafe) throw new Error('no authenticated safe')
    const contentCount = authenticatedSafe.safeContents.length
    await authenticatedSafe.parseInternalValues(
      { safeContents: Array.from({ length: contentCount }, () => ({ password: pwd })) },
      crypto,
    )
    const keys: Uint8Array[] = []
    const certificates: Uint8Array[] = []
    for (const contents of authenticatedSafe.parsedValue?.safeContents ?? []) {
      for (const bag of contents.value.safeBags) {
        if (bag.bagId === PKCS8_SHROUDED_KEY_BAG) {
          // RFC 7292 §4.2.2: an EncryptedPrivateKeyInfo; decrypted as CMS EncryptedData (PBES2).
          const shrouded = bag.bagValue as pkijs.PKCS8ShroudedKeyBag
          const encrypted = new pkijs.EncryptedData({
            encryptedContentInfo: new pkijs.EncryptedContentInfo({
              contentEncryptionAlgorithm: shrouded.encryptionAlgorithm,
              encryptedContent: shrouded.encryptedData,
            }),
          })
          keys.push(new Uint8Array(await encrypted.decrypt({ password: pwd }, crypto)))
        } else if (bag.bagId === KEY_BAG) {
          keys.push(new Uint8Array((bag.bagValue as pkijs.PrivateKeyInfo).toSchema().toBER()))
        } else if (bag.bagId === CERT_BAG) {
          const certBag = bag.bagValue as pkijs.CertBag
          if (certBag.certId !== X509_CERTIFICATE) continue
          const cert = certBag.parsedValue as pkijs.Certificate | undefined
          if (cert) certificates.push(new Uint8Array(cert.toSchema().toBER()))
        }
      }
    }
    if (keys.length !== 1) throw new Error(`expected one private key, found ${keys.length}`)
    return { pkcs8: keys[0]!, certificates }
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause)
    const legacy = /algorithm|not supported|unsupported/i.test(detail)
      ? ' (legacy RC2/3DES encryption is not supported; re-export with OpenSSL 3 defaults: AES-256-CBC, PBKDF2)'
      : ''
    throw new TrustError(
      'key_import_failed',
      `cannot read the PKCS#12 file: ${detail}${legacy}; check the password and the file`,
      { cause },
    )
  }
}
