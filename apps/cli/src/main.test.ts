import { execFile } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const alma = new URL('../bin/alma.js', import.meta.url).pathname
const examples = new URL('../../../config/examples/', import.meta.url).pathname
const samples = new URL('../../../../shared/reference/elm/samples/', import.meta.url).pathname

async function almaCommand(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [alma, ...args])
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

describe('the alma command', () => {
  it('elm build writes the EDC document and one PNG page per language, and reports Annex I', async () => {
    const out = mkdtempSync(join(tmpdir(), 'alma-cli-'))
    const result = await almaCommand(
      'elm',
      'build',
      `${examples}specification.json`,
      `${examples}awards/jonas-becker.json`,
      `${examples}organisations.json`,
      '--out',
      out,
      '--now',
      '2026-07-20T10:00:00Z',
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('A micro-credential in the sense of the Council Recommendation')
    const document = JSON.parse(readFileSync(join(out, 'jonas-becker.jsonld'), 'utf8'))
    expect(document.issued).toBe('2026-07-20T10:00:00Z')
    expect(existsSync(join(out, 'jonas-becker.en.png'))).toBe(true)
    expect(existsSync(join(out, 'jonas-becker.de.png'))).toBe(true)

    const report = await almaCommand('elm', 'report', join(out, 'jonas-becker.jsonld'), '--json')
    expect(report.code).toBe(0)
    expect(JSON.parse(report.stdout)).toMatchObject({
      isMicroCredential: true,
      missing: [],
      format: { status: 'OK', profile: 'generic-full' },
    })
  })

  it('elm report verifies the seal signature of a JAdES-sealed EDC file over its exact bytes, and exits 1 when it is not a micro-credential', async () => {
    const result = await almaCommand('elm', 'report', `${samples}Sample-MC-Annex1-signed.jsonld`)
    // Issue 12 §5: "sealed" is said only of a seal whose signature verified, and what was not checked is named.
    expect(result.stdout).toContain('(sealed: JAdES RS256, signature verified; certificate chain not checked)')
    expect(result.stdout).toMatch(/\nSEAL: OK — RS256 signature verified with the key of x5c\[0\] '.+', over /)
    expect(result.stdout).toContain('missing element(s) 11.')
    // The FORMAT check ran on a worker thread of the shipped command (bin/alma.js registers tsx there too).
    expect(result.stdout).toMatch(
      /FORMAT: OK — conforms to the EDC SHACL profile 'generic-full' \(\d+ triples, no violation\)/,
    )
    expect(result.code).toBe(1)
    const json = JSON.parse(
      (await almaCommand('elm', 'report', `${samples}Sample-MC-Annex1-signed.jsonld`, '--json')).stdout,
    )
    expect(json.seal).toEqual({
      format: 'JAdES',
      alg: 'RS256',
      certificateChain: 'not-checked',
      signature: 'verified',
      reason: expect.stringMatching(/^RS256 signature verified /),
    })
  }, 120_000)

  it('elm report of a copy with one byte of the sealed payload changed: seal signature INVALID, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alma-cli-'))
    const path = join(dir, 'tampered.jsonld')
    const copy = readFileSync(`${samples}Sample-MC-Annex1-signed.jsonld`)
    const at = copy.indexOf('\\"Ana\\"')
    expect(at).toBeGreaterThan(0)
    copy[at + 4] = 'b'.charCodeAt(0) // the learner "Ana" becomes "Anb"
    writeFileSync(path, copy)
    const result = await almaCommand('elm', 'report', path)
    expect(result.stdout).toContain('(JAdES RS256 seal signature INVALID)')
    expect(result.stdout).not.toContain('sealed:')
    expect(result.stdout).toMatch(
      /\nSEAL: ERROR — the RS256 signature does not verify with the key of x5c\[0\] '.+' over the protected header and the payload bytes: the file was changed after sealing, or sealed with another key\n/,
    )
    expect(result.code).toBe(1)
    const json = JSON.parse((await almaCommand('elm', 'report', path, '--json')).stdout)
    expect(json.seal).toMatchObject({ signature: 'INVALID', certificateChain: 'not-checked' })
  }, 120_000)

  it('elm report: a credential without an elm:EuropeanDigitalCredential node is not an EDC document (FORMAT ERROR, exit 1)', async () => {
    // Issue 12 §5: the shapes select by class, so such a graph used to "conform … (no violation)".
    const dir = mkdtempSync(join(tmpdir(), 'alma-cli-'))
    const path = join(dir, 'not-edc.jsonld')
    const sample = JSON.parse(readFileSync(`${samples}Sample-MC-Annex1-unsigned.jsonld`, 'utf8'))
    writeFileSync(path, JSON.stringify({ ...sample, type: ['VerifiableCredential'] }))
    const result = await almaCommand('elm', 'report', path)
    expect(result.stdout).toContain(
      'FORMAT: ERROR — not an EDC document: its graph has no elm:EuropeanDigitalCredential node',
    )
    expect(result.code).toBe(1)
  })

  it('elm build names the bad field and exits 2', async () => {
    const result = await almaCommand(
      'elm',
      'build',
      `${examples}specification.json`,
      `${examples}organisations.json`,
      `${examples}organisations.json`,
    )
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(
      /^alma: Invalid award: award.learner: .*award: Unrecognized keys: "issuer", "awardingBodies", "alliance"/,
    )
  })

  it('trust dev-ca and trust issue-seal write a development CA and a seal certificate it issued', async () => {
    const out = mkdtempSync(join(tmpdir(), 'alma-cli-trust-'))
    const caDir = join(out, 'ca')
    const sealDir = join(out, 'seal')
    const ca = await almaCommand('trust', 'dev-ca', '--out', caDir, '--name', 'Alma CLI Test CA', '--country', 'DE')
    expect(ca.code).toBe(0)
    expect(ca.stdout).toContain('development CA (not for production): C=DE, O=Alma CLI Test CA, CN=Alma CLI Test CA')
    const caCert = new X509Certificate(readFileSync(join(caDir, 'ca.pem')))
    expect(caCert.ca).toBe(true)
    expect(statSync(join(caDir, 'ca-key.pem')).mode & 0o777).toBe(0o600)

    const seal = await almaCommand(
      'trust',
      'issue-seal',
      '--ca-dir',
      caDir,
      '--org',
      'Universität A',
      '--cn',
      'Uni A Seal',
      '--country',
      'DE',
      '--org-id',
      'VATDE-123456789',
      '--out',
      sealDir,
    )
    expect(seal.code).toBe(0)
    const sealCert = new X509Certificate(readFileSync(join(sealDir, 'seal.pem')))
    expect(sealCert.subject).toContain('organizationIdentifier=VATDE-123456789')
    expect(sealCert.subject).toContain('O=Universität A')
    expect(sealCert.ca).toBe(false)
    expect(sealCert.checkIssued(caCert) && sealCert.verify(caCert.publicKey)).toBe(true)
    expect(readFileSync(join(sealDir, 'seal-chain.pem'), 'utf8')).toContain(caCert.toString().trim())
    expect(existsSync(join(sealDir, 'seal-key.pem'))).toBe(true)
  })

  it('trust commands report a TrustError with its code and exit 2', async () => {
    const out = mkdtempSync(join(tmpdir(), 'alma-cli-trust-'))
    expect((await almaCommand('trust', 'dev-ca', '--out', out)).code).toBe(0)
    const again = await almaCommand('trust', 'dev-ca', '--out', out)
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/^alma: refusing to overwrite .*ca\.pem.* \(use --force\) \(file_exists\)\n$/)
    const badId = await almaCommand(
      'trust',
      'issue-seal',
      '--ca-dir',
      out,
      '--org',
      'Uni B',
      '--cn',
      'Uni B',
      '--country',
      'FR',
      '--org-id',
      'FR12345',
      '--out',
      join(out, 'seal'),
    )
    expect(badId.code).toBe(2)
    expect(badId.stderr).toMatch(/^alma: .*does not have the ETSI EN 319 412-1 §5\.1\.4 form.*\(input_invalid\)\n$/)
    expect(existsSync(join(out, 'seal', 'seal.pem'))).toBe(false)
  })
})
