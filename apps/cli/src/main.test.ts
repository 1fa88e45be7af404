import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
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
    expect(JSON.parse(report.stdout)).toMatchObject({ isMicroCredential: true, missing: [] })
  })

  it('elm report reads a JAdES-sealed EDC file and exits 1 when it is not a micro-credential', async () => {
    const result = await almaCommand('elm', 'report', `${samples}Sample-MC-Annex1-signed.jsonld`)
    expect(result.stdout).toContain('(sealed: JAdES, RS256)')
    expect(result.stdout).toContain('missing element(s) 11.')
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
})
