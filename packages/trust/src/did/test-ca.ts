// Test support (not exported): a throw-away CA made in the test, for local HTTPS servers and for
// certificate chains in key material. Nothing here is used at run time.
import 'reflect-metadata'
import { createPublicKey, type KeyObject, webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'

const subtle = webcrypto.subtle
const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const
const sha256 = { name: 'ECDSA', hash: 'SHA-256' } as const

/** A CA that can issue TLS server and leaf certificates. */
export interface TestCa {
  /** PEM of the CA certificate (pass as `ca` to TLS clients). */
  readonly certPem: string
  /** base64 DER of the CA certificate (for `x5c`). */
  readonly certB64: string
  /** A TLS server certificate for the given IP addresses and DNS names. */
  issueServer(names: { ips?: string[]; dns?: string[] }): Promise<{ certPem: string; keyPem: string }>
  /** A leaf certificate over `publicKey` (base64 DER). */
  issueLeaf(publicKey: KeyObject, subject: string): Promise<string>
}

async function generateEcKeys(): Promise<webcrypto.CryptoKeyPair> {
  return await subtle.generateKey(ecdsa, true, ['sign', 'verify'])
}

function pkcs8Pem(der: ArrayBuffer): string {
  return x509.PemConverter.encode(der, 'PRIVATE KEY')
}

/** Makes a new test CA (ECDSA P-256, valid from an hour ago for a day). */
export async function createTestCa(name = 'CN=Alma Test CA,O=Alma Tests,C=DE'): Promise<TestCa> {
  x509.cryptoProvider.set(webcrypto as never)
  const notBefore = new Date(Date.now() - 3_600_000)
  const notAfter = new Date(Date.now() + 86_400_000)
  const caKeys = await generateEcKeys()
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    name,
    keys: caKeys,
    notBefore,
    notAfter,
    signingAlgorithm: sha256,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  })
  let serial = 1
  const issue = (publicKey: x509.PublicKeyType, subject: string, extensions: x509.Extension[]) =>
    x509.X509CertificateGenerator.create({
      serialNumber: (++serial).toString(16).padStart(4, '0'),
      subject,
      issuer: caCert.subject,
      notBefore,
      notAfter,
      publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: sha256,
      extensions,
    })
  return {
    certPem: caCert.toString('pem'),
    certB64: Buffer.from(caCert.rawData).toString('base64'),
    async issueServer({ ips = [], dns = [] }) {
      const keys = await generateEcKeys()
      const cert = await issue(keys.publicKey, `CN=${dns[0] ?? ips[0] ?? 'server'}`, [
        new x509.SubjectAlternativeNameExtension([
          ...ips.map((value) => ({ type: 'ip' as const, value })),
          ...dns.map((value) => ({ type: 'dns' as const, value })),
        ]),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ])
      return { certPem: cert.toString('pem'), keyPem: pkcs8Pem(await subtle.exportKey('pkcs8', keys.privateKey)) }
    },
    async issueLeaf(publicKey, subject) {
      const spki = createPublicKey(publicKey).export({ format: 'der', type: 'spki' })
      const cert = await issue(new Uint8Array(spki), subject, [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
      ])
      return Buffer.from(cert.rawData).toString('base64')
    },
  }
}
