import { type BinaryLike, createPrivateKey, createPublicKey, type KeyLike, KeyObject, sign, verify } from 'node:crypto'
import type { ErrorFirstCallback, SignatureAlgorithm } from 'xml-crypto'

/** XMLDSig algorithm URIs (RFC 6931 §2.3.6 for ECDSA, RFC 6931 §2.3.2 / XMLDSig 1.1 for RSA). */
export const XMLDSIG_ECDSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256'
export const XMLDSIG_ECDSA_SHA384 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384'
export const XMLDSIG_ECDSA_SHA512 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512'
export const XMLDSIG_RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'
export const XMLDSIG_RSA_SHA512 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512'
export const XMLDSIG_RSA_PSS_SHA256 = 'http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1'
export const XMLDSIG_SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256'
export const XMLDSIG_SHA512 = 'http://www.w3.org/2001/04/xmlenc#sha512'
export const XMLDSIG_ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature'
export const XML_EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#'

// XMLDSig 1.1 §6.4.3 / RFC 4050 §3.3: an ECDSA SignatureValue is r || s, each as wide as the
// curve order, not the DER SEQUENCE OpenSSL produces by default.
function ecdsa(uri: string, hash: string): new () => SignatureAlgorithm {
  return class implements SignatureAlgorithm {
    getSignature(signedInfo: BinaryLike, privateKey: KeyLike, callback?: ErrorFirstCallback<string>): string {
      const value = sign(hash, Buffer.from(signedInfo as string), {
        key: privateKey instanceof KeyObject ? privateKey : createPrivateKey(privateKey),
        dsaEncoding: 'ieee-p1363',
      }).toString('base64')
      callback?.(null, value)
      return value
    }
    verifySignature(
      material: string,
      key: KeyLike,
      signatureValue: string,
      callback?: ErrorFirstCallback<boolean>,
    ): boolean {
      let ok = false
      try {
        const publicKey = key instanceof KeyObject ? key : createPublicKey(key)
        ok = verify(
          hash,
          Buffer.from(material),
          { key: publicKey, dsaEncoding: 'ieee-p1363' },
          Buffer.from(signatureValue, 'base64'),
        )
      } catch {
        ok = false
      }
      callback?.(null, ok)
      return ok
    }
    getAlgorithmName(): string {
      return uri
    }
  }
}

export const EcdsaSha256 = ecdsa(XMLDSIG_ECDSA_SHA256, 'sha256')
export const EcdsaSha384 = ecdsa(XMLDSIG_ECDSA_SHA384, 'sha384')
export const EcdsaSha512 = ecdsa(XMLDSIG_ECDSA_SHA512, 'sha512')
