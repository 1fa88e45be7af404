import { X509Certificate as NodeX509Certificate } from 'node:crypto'
import { type Der, decodeCertificatePemBundle } from './pem.ts'

/**
 * Trust anchors from a PEM bundle: every `CERTIFICATE` block, in order, as DER. Text between the
 * blocks (comments, labels) is ignored. Throws `TypeError` naming the block that is not a
 * certificate: a broken bundle is a configuration error, not an empty trust store. An empty
 * result is legal here and makes every validation fail closed.
 *
 * @example
 * const anchors = loadTrustAnchorsFromPem(readFileSync('config/dev-trust-anchors.pem', 'utf8'))
 */
export function loadTrustAnchorsFromPem(text: string): Der[] {
  const anchors = decodeCertificatePemBundle(text)
  anchors.forEach((der, index) => {
    try {
      new NodeX509Certificate(der)
    } catch (cause) {
      throw new TypeError(`trust anchor bundle: CERTIFICATE block ${index + 1} is not a DER certificate`, { cause })
    }
  })
  return anchors
}
