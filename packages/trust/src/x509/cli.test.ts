import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { registerTrustCommands } from './cli.ts'
import { parseSealCertificate } from './parse-seal-certificate.ts'
import { decodeCertificatePemBundle } from './pem.ts'
import { loadTrustAnchorsFromPem } from './trust-anchors.ts'
import { validateCertificateChain } from './validate-certificate-chain.ts'

const NOW = new Date('2025-03-01T12:00:00Z')
let dir: string
let lines: string[]

function program(): Command {
  const root = new Command('alma').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} })
  registerTrustCommands(root, { now: () => NOW, log: (line) => lines.push(line) })
  for (const command of root.commands) {
    command.exitOverride()
    for (const sub of command.commands) sub.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} })
  }
  return root
}

const run = (...args: string[]) => program().parseAsync(['node', 'alma', ...args])

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alma-trust-cli-'))
  lines = []
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('alma trust dev-ca / issue-seal', () => {
  it('creates a CA, refuses to overwrite it without --force, and issues a seal certificate it validates', async () => {
    const caDir = join(dir, 'ca')
    await run('trust', 'dev-ca', '--out', caDir, '--country', 'DE')
    expect(lines[0]).toBe('development CA (not for production): C=DE, O=Alma Development CA, CN=Alma Development CA')
    const caPem = await readFile(join(caDir, 'ca.pem'), 'utf8')
    expect(parseSealCertificate(caPem)).toMatchObject({ isCa: true, selfSigned: true, country: 'DE' })
    expect((await stat(join(caDir, 'ca-key.pem'))).mode & 0o777).toBe(0o600)

    await expect(run('trust', 'dev-ca', '--out', caDir)).rejects.toMatchObject({
      name: 'TrustError',
      code: 'file_exists',
      message: expect.stringMatching(/refusing to overwrite .*ca\.pem.*\(use --force\)/),
    })
    expect(await readFile(join(caDir, 'ca.pem'), 'utf8')).toBe(caPem)

    const sealDir = join(dir, 'seal')
    await run(
      'trust',
      'issue-seal',
      '--ca-dir',
      caDir,
      '--org',
      'Universität A',
      '--cn',
      'Uni A',
      '--country',
      'DE',
      '--org-id',
      'VATDE-123456789',
      '--crl-url',
      'http://crl.alma.test/ca.crl',
      '--out',
      sealDir,
    )
    const sealPem = await readFile(join(sealDir, 'seal.pem'), 'utf8')
    const parsed = parseSealCertificate(sealPem)
    expect(parsed.subject).toMatchObject({
      organizationName: 'Universität A',
      commonName: 'Uni A',
      country: 'DE',
      organizationIdentifier: 'VATDE-123456789',
    })
    expect(parsed.crlUrls).toEqual(['http://crl.alma.test/ca.crl'])
    expect(parsed.notBefore.toISOString()).toBe('2025-03-01T12:00:00.000Z')
    expect((await stat(join(sealDir, 'seal-key.pem'))).mode & 0o777).toBe(0o600)
    const chain = decodeCertificatePemBundle(await readFile(join(sealDir, 'seal-chain.pem'), 'utf8'))
    expect(chain).toHaveLength(2)
    const result = await validateCertificateChain({
      x5c: chain.map((der) => Buffer.from(der).toString('base64')),
      trustAnchors: loadTrustAnchorsFromPem(caPem),
      at: new Date('2025-06-01T00:00:00Z'),
    })
    expect(result.ok).toBe(true)

    await run('trust', 'dev-ca', '--out', caDir, '--force')
    expect(await readFile(join(caDir, 'ca.pem'), 'utf8')).not.toBe(caPem)
  })

  it('certifies a given public key and rejects a bad organizationIdentifier', async () => {
    const caDir = join(dir, 'ca')
    await run('trust', 'dev-ca', '--out', caDir)
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const keyFile = join(dir, 'tenant.pub.pem')
    await writeFile(keyFile, publicKey.export({ type: 'spki', format: 'pem' }))
    const sealDir = join(dir, 'seal')
    const base = [
      'trust',
      'issue-seal',
      '--ca-dir',
      caDir,
      '--org',
      'Uni B',
      '--cn',
      'Uni B',
      '--country',
      'FR',
      '--key',
      keyFile,
      '--out',
      sealDir,
    ]
    await run(...base, '--org-id', 'NTRFR-12345')
    const parsed = parseSealCertificate(await readFile(join(sealDir, 'seal.pem'), 'utf8'))
    expect(parsed.publicKeyJwk).toEqual(publicKey.export({ format: 'jwk' }))
    await expect(stat(join(sealDir, 'seal-key.pem'))).rejects.toThrow()
    await expect(run(...base, '--org-id', 'FR12345', '--force')).rejects.toMatchObject({
      code: 'input_invalid',
      message: expect.stringMatching(/does not have the ETSI EN 319 412-1 §5.1.4 form/),
    })
    await expect(run(...base, '--org-id', 'NTRFR-12345', '--force', '--days', '0')).rejects.toMatchObject({
      code: 'input_invalid',
    })
    await writeFile(keyFile, 'not a key')
    await expect(run(...base, '--org-id', 'NTRFR-12345', '--force')).rejects.toMatchObject({
      code: 'key_import_failed',
    })
  })
})
