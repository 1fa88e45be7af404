import { execFileSync } from 'node:child_process'
import { generateKeyPairSync, type KeyObject, webcrypto } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as pkijs from 'pkijs'
import { beforeAll, describe, expect, it } from 'vitest'
import { codeOf, createTestCa, type TestCa } from '../test-fixtures.ts'
import { generateKeyMaterial, importKeyMaterial, withCertificateChain } from './import-key.ts'

const ab = (bytes: Uint8Array) =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
const pem = (der: Buffer | string, label: string) =>
  `-----BEGIN ${label}-----\n${(typeof der === 'string' ? der : der.toString('base64')).match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`

/** Test fixture: builds a PKCS#12 file with pkijs (PBES2/AES-256-CBC bags, SHA-256 MAC). */
async function makePkcs12(privateKey: KeyObject, certificatesB64: string[], password: string): Promise<Uint8Array> {
  type EngineCrypto = ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto']
  const crypto = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as EngineCrypto })
  const pwd = ab(new TextEncoder().encode(password))
  const pbes2 = {
    password: pwd,
    contentEncryptionAlgorithm: { name: 'AES-CBC', length: 256 },
    hmacHashAlgorithm: 'SHA-256',
    iterationCount: 2048,
    contentType: '1.2.840.113549.1.7.1', // id-data
  } as unknown as Parameters<pkijs.PKCS8ShroudedKeyBag['makeInternalValues']>[0] // pkijs types want an `iv`; it makes one
  const pkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }))
  const keyBag = new pkijs.PKCS8ShroudedKeyBag({ parsedValue: pkijs.PrivateKeyInfo.fromBER(ab(pkcs8)) })
  await keyBag.makeInternalValues(pbes2, crypto)
  const certBags = certificatesB64.map(
    (b64) =>
      new pkijs.SafeBag({
        bagId: '1.2.840.113549.1.12.10.1.3',
        bagValue: new pkijs.CertBag({ parsedValue: pkijs.Certificate.fromBER(ab(Buffer.from(b64, 'base64'))) }),
      }),
  )
  const authenticatedSafe = new pkijs.AuthenticatedSafe({
    parsedValue: {
      safeContents: [
        {
          privacyMode: 0,
          value: new pkijs.SafeContents({
            safeBags: [new pkijs.SafeBag({ bagId: '1.2.840.113549.1.12.10.1.2', bagValue: keyBag })],
          }),
        },
        { privacyMode: 1, value: new pkijs.SafeContents({ safeBags: certBags }) },
      ],
    },
  })
  await authenticatedSafe.makeInternalValues({ safeContents: [{}, pbes2] }, crypto)
  const pfx = new pkijs.PFX({ parsedValue: { integrityMode: 0, authenticatedSafe } })
  await pfx.makeInternalValues(
    { password: pwd, iterations: 2048, pbkdf2HashAlgorithm: { name: 'SHA-256' }, hmacHashAlgorithm: 'SHA-256' },
    crypto,
  )
  return new Uint8Array(pfx.toSchema().toBER())
}

describe('importKeyMaterial', () => {
  let ca: TestCa
  beforeAll(async () => {
    ca = await createTestCa()
  })

  it('imports PKCS#8, SEC1, PKCS#1 and encrypted PKCS#8 PEM keys with the right algorithm', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    const ed = generateKeyPairSync('ed25519').privateKey
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    const cases = [
      { pem: ec.export({ format: 'pem', type: 'pkcs8' }).toString(), alg: 'ES256' },
      { pem: ec.export({ format: 'pem', type: 'sec1' }).toString(), alg: 'ES256' },
      { pem: ed.export({ format: 'pem', type: 'pkcs8' }).toString(), alg: 'EdDSA' },
      { pem: rsa.export({ format: 'pem', type: 'pkcs1' }).toString(), alg: 'RS256' },
    ]
    for (const c of cases) {
      const material = await importKeyMaterial({ format: 'pem', pem: c.pem })
      expect(material.alg).toBe(c.alg)
      expect(material.publicJwk).not.toHaveProperty('d')
      expect(material.kid).toMatch(/^[A-Za-z0-9_-]{43}$/)
    }
    const encrypted = ec
      .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'open sesame' })
      .toString()
    const material = await importKeyMaterial({ format: 'pem', pem: encrypted, passphrase: 'open sesame' })
    expect(material.publicJwk.x).toBe(ec.export({ format: 'jwk' }).x)
    expect(await codeOf(importKeyMaterial({ format: 'pem', pem: encrypted, passphrase: 'wrong' }))).toBe(
      'key_import_failed',
    )
  })

  it('imports PKCS#8 DER, and the kid is the same for the same key', async () => {
    const generated = await generateKeyMaterial('EdDSA')
    const der = new Uint8Array(generated.privateKey.export({ format: 'der', type: 'pkcs8' }))
    const imported = await importKeyMaterial({ format: 'pkcs8', der })
    expect(imported.kid).toBe(generated.kid)
    expect(imported.alg).toBe('EdDSA')
  })

  it('refuses keys we do not sign with: P-384, RSA-1024, a public key, two keys', async () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' })
    expect(await codeOf(importKeyMaterial({ format: 'pem', pem: p384.toString() }))).toBe('key_unsupported')
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    })
    expect(await codeOf(importKeyMaterial({ format: 'pem', pem: rsa1024.toString() }))).toBe('key_unsupported')
    const pub = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString()
    expect(await codeOf(importKeyMaterial({ format: 'pem', pem: pub }))).toBe('key_import_failed')
    const two =
      generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() +
      generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    expect(await codeOf(importKeyMaterial({ format: 'pem', pem: two }))).toBe('key_import_failed')
  })

  it('orders a PEM certificate chain leaf first, and rejects a certificate for another key', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const leaf = await ca.issueLeaf(privateKey, 'CN=Uni A Seal,O=Uni A,C=DE')
    const bundle =
      pem(ca.certB64, 'CERTIFICATE') + privateKey.export({ format: 'pem', type: 'pkcs8' }) + pem(leaf, 'CERTIFICATE')
    const material = await importKeyMaterial({ format: 'pem', pem: bundle })
    expect(material.x5c).toEqual([leaf, ca.certB64])

    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    const wrong = other.export({ format: 'pem', type: 'pkcs8' }) + pem(leaf, 'CERTIFICATE')
    await expect(importKeyMaterial({ format: 'pem', pem: wrong })).rejects.toThrowError(/no certificate .* matches/)
  })

  it('attaches a chain issued later to generated material', async () => {
    const material = await generateKeyMaterial()
    const leaf = await ca.issueLeaf(material.privateKey, 'CN=Uni B Seal,O=Uni B,C=FR')
    const withChain = await withCertificateChain(material, [ca.certB64, leaf])
    expect(withChain.x5c).toEqual([leaf, ca.certB64])
    expect(withChain.kid).toBe(material.kid)
  })

  it('imports a PKCS#12 file with the key and its chain (made with pkijs)', async () => {
    for (const alg of ['ES256', 'RS256'] as const) {
      const { privateKey } =
        alg === 'ES256'
          ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
          : generateKeyPairSync('rsa', { modulusLength: 2048 })
      const leaf = await ca.issueLeaf(privateKey, `CN=Seal ${alg},O=Uni A,C=DE`)
      const p12 = await makePkcs12(privateKey, [ca.certB64, leaf], 'p12 password ü')
      const material = await importKeyMaterial({ format: 'pkcs12', data: p12, password: 'p12 password ü' })
      expect(material.alg).toBe(alg)
      expect(material.x5c).toEqual([leaf, ca.certB64])
      expect(material.privateKey.export({ format: 'jwk' }).d).toBe(privateKey.export({ format: 'jwk' }).d)
    }
  })

  it('rejects a PKCS#12 file with a wrong password or corrupted bytes', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const p12 = await makePkcs12(privateKey, [await ca.issueLeaf(privateKey, 'CN=x')], 'right')
    expect(await codeOf(importKeyMaterial({ format: 'pkcs12', data: p12, password: 'wrong' }))).toBe(
      'key_import_failed',
    )
    const corrupted = p12.slice()
    corrupted[corrupted.length - 40] = (corrupted[corrupted.length - 40] ?? 0) ^ 0xff
    expect(await codeOf(importKeyMaterial({ format: 'pkcs12', data: corrupted, password: 'right' }))).toBe(
      'key_import_failed',
    )
    expect(await codeOf(importKeyMaterial({ format: 'pkcs12', data: new Uint8Array([1, 2, 3]), password: 'x' }))).toBe(
      'key_import_failed',
    )
  })

  // Interop: a .p12 exported by the OpenSSL 3 CLI (its defaults: PBES2/AES-256-CBC, SHA-256 MAC).
  // OpenSSL is used by this test only; the importer itself never shells out.
  const openssl = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((p) => existsSync(p))
  it.skipIf(!openssl)('imports a PKCS#12 file exported by the OpenSSL CLI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alma-p12-'))
    try {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const leaf = await ca.issueLeaf(privateKey, 'CN=OpenSSL Seal,O=Uni C,C=IT')
      writeFileSync(join(dir, 'key.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }))
      writeFileSync(join(dir, 'chain.pem'), pem(leaf, 'CERTIFICATE') + pem(ca.certB64, 'CERTIFICATE'))
      execFileSync(openssl!, [
        'pkcs12',
        '-export',
        '-inkey',
        join(dir, 'key.pem'),
        '-in',
        join(dir, 'chain.pem'),
        '-out',
        join(dir, 'seal.p12'),
        '-passout',
        'pass:secret',
      ])
      const data = new Uint8Array(readFileSync(join(dir, 'seal.p12')))
      const material = await importKeyMaterial({ format: 'pkcs12', data, password: 'secret' })
      expect(material.alg).toBe('ES256')
      expect(material.x5c).toEqual([leaf, ca.certB64])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
