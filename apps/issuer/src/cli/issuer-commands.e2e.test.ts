// The issuer's CLI commands through the real `alma` bin (as apps/cli/src/main.test.ts does):
// init twice (the second changes nothing), a cohort from CSV, serve until SIGTERM, key rotation.
import { execFile, spawn } from 'node:child_process'
import { generateKeyPairSync, type webcrypto } from 'node:crypto'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { issueSealCertificate, loadDevCa } from '@alma/trust'
import { beforeAll, describe, expect, it } from 'vitest'
import { eidasIdentifierOf } from '../issuance/provision-tenant.ts'
import { freePort } from '../testing/issuer-harness.ts'
import { exampleTenants } from './init-issuer.ts'

const execFileAsync = promisify(execFile)
const alma = new URL('../../../cli/bin/alma.js', import.meta.url).pathname

async function almaCommand(...args: string[]) {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [alma, ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn' },
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

let dir: string
let config: string
let baseUrl: string
let keys: Record<string, string>

beforeAll(async () => {
  dir = join(mkdtempSync(join(tmpdir(), 'alma-issuer-cli-')), '.alma')
  config = join(dir, 'issuer.json')
  baseUrl = `http://127.0.0.1:${await freePort()}`
})

describe('alma issuer init', () => {
  it('creates the data dir, a 0600 KEK, the dev CA, two tenants, their course and an admin key each', async () => {
    const r = await almaCommand('issuer', 'init', '--dir', dir, '--base-url', baseUrl)
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/WARNING: .*kek is a DEVELOPMENT key-encryption key/)
    for (const what of [
      'configuration',
      'key-encryption key',
      'development CA',
      'database (PGlite)',
      'tenant uni-a',
      'tenant uni-b',
    ])
      expect(r.stdout).toMatch(new RegExp(`^  ${what.replace(/[()]/g, '\\$&')} +created`, 'm'))
    expect(r.stdout).toMatch(/course uni-b\/digital-learning-content +created +Annex I: all mandatory elements present/)
    keys = Object.fromEntries(
      [...r.stdout.matchAll(/admin API key (uni-[ab]) +created +(alma_\S+)/g)].map((m) => [m[1]!, m[2]!]),
    )
    expect(Object.keys(keys).sort()).toEqual(['uni-a', 'uni-b'])
    expect(statSync(join(dir, 'kek')).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'ca', 'ca-key.pem')).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(dir, 'ca', 'ca.pem'), 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/)
    expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({
      baseUrl,
      mode: 'development',
      dataDir: 'data',
      kekFile: 'kek',
    })
  })

  it('a second run says what exists and changes nothing', async () => {
    const kek = readFileSync(join(dir, 'kek'), 'utf8')
    const ca = readFileSync(join(dir, 'ca', 'ca.pem'), 'utf8')
    const r = await almaCommand('issuer', 'init', '--dir', dir)
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).not.toMatch(/created/)
    expect(r.stdout).not.toMatch(/alma_/)
    expect(r.stdout).toMatch(/admin API key uni-a +exists/)
    expect(r.stdout).toMatch(/Everything exists: nothing changed\.\n$/)
    expect(readFileSync(join(dir, 'kek'), 'utf8')).toBe(kek)
    expect(readFileSync(join(dir, 'ca', 'ca.pem'), 'utf8')).toBe(ca)
  })
})

describe('alma award --csv', () => {
  it('awards a good file and prints a report per row', async () => {
    const csv = join(dir, 'good.csv')
    writeFileSync(
      csv,
      'given_name,family_name,email,grade,awarding_date\r\nAda,Lovelace,ada@example.org,Pass,2026-07-15\r\n' +
        'Grace,"Hopper, Rear Adm.",grace@example.org,Pass,2026-07-15\r\n',
    )
    const r = await almaCommand('award', '--tenant', 'uni-a', '--csv', csv, '--config', config)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^ {2}row 2: ok +Ada Lovelace +award [0-9a-f-]{36}$/m)
    expect(r.stdout).toMatch(/^ {2}row 3: ok +Grace Hopper, Rear Adm\. +award [0-9a-f-]{36}$/m)
    expect(r.stdout).toMatch(/2 award\(s\) stored \(ready\), 0 row\(s\) failed/)
    // The file is checked whole, then awarded row by row as a cohort job (issue 12 §3).
    expect(r.stdout).toMatch(/^alma award: uni-a\/digital-learning-content, .*good\.csv \(cohort job [0-9a-f-]{36}\)$/m)
    // Not a terminal: plain progress lines on stderr, the check's and the awarding's.
    expect(r.stderr).toMatch(/^checking rows: 2\/2$/m)
    expect(r.stderr).toMatch(/^awarding: 0\/2$/m)
    expect(r.stderr).toMatch(/^awarding: 2\/2$/m)
  })

  it('with --mode valid-rows: awards the good rows, reports the bad one with its columns, exits 1', async () => {
    const csv = join(dir, 'partly.csv')
    writeFileSync(
      csv,
      'given_name,family_name,email,grade,awarding_date\nKatherine,Johnson,kj@example.org,Pass,2026-07-15\nEve,,eve@,Pass,2026-07-15\n',
    )
    const r = await almaCommand('award', '--tenant', 'uni-a', '--csv', csv, '--config', config, '--mode', 'valid-rows')
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^ {2}row 2: ok +Katherine Johnson +award [0-9a-f-]{36}$/m)
    expect(r.stdout).toMatch(/^ {2}row 3: error +Eve — family_name: is required; email: /m)
    expect(r.stdout).toMatch(/^1 award\(s\) stored \(ready\), 1 row\(s\) failed$/m)
  })

  it('with a bad row: names its columns, stores nothing, exits 1', async () => {
    const csv = join(dir, 'bad.csv')
    writeFileSync(
      csv,
      'given_name,family_name,email,grade,awarding_date\nAlan,Turing,alan@example.org,Pass,2026-07-15\nBob,,bob@,Pass,2026-13-01\n',
    )
    const r = await almaCommand('award', '--tenant', 'uni-a', '--csv', csv, '--config', config)
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^ {2}row 2: ok +Alan Turing$/m)
    expect(r.stdout).toMatch(
      /^ {2}row 3: error +Bob — family_name: is required; email: .*; awarding_date: must be a real calendar date/m,
    )
    expect(r.stdout).toMatch(/nothing was stored/)
  })

  it('revoke names an unknown credential and exits 2', async () => {
    const r = await almaCommand('revoke', '--tenant', 'uni-a', '--credential', 'urn:uuid:nope', '--config', config)
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('alma: no issued credential urn:uuid:nope (not_found)\n')
  })
})

describe('alma issuer serve', () => {
  it('serves the admin API with the keys from init, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [alma, 'issuer', 'serve', '--config', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    })
    const lines = createInterface({ input: child.stdout! })
    const output: string[] = []
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    await new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => {
        output.push(line)
        if (line.startsWith('alma issuer: listening on')) resolve()
      })
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output.join('\n')}`)))
    })
    try {
      expect(output).toContain(`alma issuer: listening on ${baseUrl} (configuration ${config})`)
      const awards = await fetch(`${baseUrl}/admin/uni-a/awards`, {
        headers: { authorization: `Bearer ${keys['uni-a']}` },
      })
      expect(awards.status).toBe(200)
      // The good file's two learners and the partly good file's one; the bad file stored nothing.
      const body = (await awards.json()) as { total: number; items: { award: { learner: { givenName: string } } }[] }
      expect(body.total).toBe(3)
      expect(body.items.map((a) => a.award.learner.givenName).sort()).toEqual(['Ada', 'Grace', 'Katherine'])
      const forbidden = await fetch(`${baseUrl}/admin/uni-a/awards`, {
        headers: { authorization: `Bearer ${keys['uni-b']}` },
      })
      expect(forbidden.status).toBe(403)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
    expect(output).toContain('alma issuer: stopped')
  })
})

describe('alma issuer rotate-key / retire-key', () => {
  /**
   * A PEM file with a fresh P-256 key and its seal certificate from the deployment's dev CA, naming
   * `issuerIdentifier` as its subjectAltName when given.
   */
  async function sealPem(organizationIdentifier: string, issuerIdentifier?: string): Promise<string> {
    const ca = await loadDevCa(
      readFileSync(join(dir, 'ca', 'ca.pem'), 'utf8'),
      readFileSync(join(dir, 'ca', 'ca-key.pem'), 'utf8'),
    )
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const now = new Date()
    const seal = await issueSealCertificate(ca, {
      publicKey: publicKey.export({ format: 'jwk' }) as webcrypto.JsonWebKey,
      organizationName: 'Universität B',
      commonName: 'Universität B',
      country: 'DE',
      organizationIdentifier,
      notBefore: now,
      notAfter: new Date(now.getTime() + 365 * 24 * 3600 * 1000),
      ...(issuerIdentifier ? { issuerIdentifier } : {}),
    })
    const certificate = `-----BEGIN CERTIFICATE-----\n${seal.x5c[0]!.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`
    const file = join(dir, `seal-${organizationIdentifier}${issuerIdentifier ? '-named' : ''}.pem`)
    writeFileSync(file, `${privateKey.export({ format: 'pem', type: 'pkcs8' })}${certificate}`, { mode: 0o600 })
    return file
  }

  it('rotates to a dev-CA key, then to an imported seal of the same institution; refuses another institution’s seal; retires only rotated-out keys', async () => {
    const uniB = exampleTenants().find((t) => t.id === 'uni-b')!
    const eidas = eidasIdentifierOf(uniB.organisations)!
    const first = await almaCommand('issuer', 'rotate-key', '--tenant', 'uni-b', '--config', config)
    expect(first.code).toBe(0)
    const kid1 = /key (\S+) is active \(seal certificate /.exec(first.stdout)?.[1]
    const kid0 = /previous {3}(\S+): still in the DID document/.exec(first.stdout)?.[1]
    expect(kid1 && kid0 && kid1 !== kid0).toBe(true)
    expect(first.stdout).toContain(`alma issuer retire-key --tenant uni-b --kid ${kid0}`)

    const stranger = await sealPem('VATFR-12345678901')
    const refused = await almaCommand(
      'issuer',
      'rotate-key',
      '--tenant',
      'uni-b',
      '--pem',
      stranger,
      '--config',
      config,
    )
    expect(refused.code).toBe(2)
    expect(refused.stderr).toBe(
      `alma: ${stranger}: the certificate's organizationIdentifier VATFR-12345678901 is not the tenant's eIDAS identifier ${eidas}; verifiers would fail the issuer linkage\n`,
    )

    // The institution's own organisation, but a certificate that does not name the tenant's
    // Credential Issuer Identifier: SD-JWT VC verifiers would refuse what it seals (issue 12 §1).
    const unnamed = await sealPem(eidas)
    const refusedUnnamed = await almaCommand(
      'issuer',
      'rotate-key',
      '--tenant',
      'uni-b',
      '--pem',
      unnamed,
      '--config',
      config,
    )
    expect(refusedUnnamed.code).toBe(2)
    expect(refusedUnnamed.stderr).toBe(
      `alma: ${unnamed}: the seal certificate 'Universität B' has no subjectAltName, so it does not identify the issuer ${baseUrl}/uni-b; it needs a subjectAltName URI ${baseUrl}/uni-b, or SD-JWT VC verifiers refuse what it seals (HAIP 1.0 §6.1.1)\n`,
    )
    const otherTenant = await sealPem(eidas, `${baseUrl}/uni-a`)
    const refusedOther = await almaCommand(
      'issuer',
      'rotate-key',
      '--tenant',
      'uni-b',
      '--pem',
      otherTenant,
      '--config',
      config,
    )
    expect(refusedOther.code).toBe(2)
    expect(refusedOther.stderr).toMatch(
      new RegExp(
        `^alma: ${otherTenant}: the seal certificate 'Universität B' names URI ${baseUrl.replace(/[.]/g, '\\.')}/uni-a, iPAddress 127\\.0\\.0\\.1: no URI equal to it`,
      ),
    )

    const own = await almaCommand(
      'issuer',
      'rotate-key',
      '--tenant',
      'uni-b',
      '--pem',
      await sealPem(eidas, `${baseUrl}/uni-b`),
      '--config',
      config,
    )
    expect(own.code).toBe(0)
    const kid2 = /key (\S+) is active/.exec(own.stdout)?.[1]
    expect(own.stdout).toContain(`previous   ${kid1}:`)

    const active = await almaCommand('issuer', 'retire-key', '--tenant', 'uni-b', '--kid', kid2!, '--config', config)
    expect(active.code).toBe(2)
    expect(active.stderr).toMatch(
      new RegExp(`^alma: --kid ${kid2}: key ${kid2} cannot go from active to retired \\(rotate first`),
    )
    for (const kid of [kid0!, kid1!]) {
      const retired = await almaCommand('issuer', 'retire-key', '--tenant', 'uni-b', '--kid', kid, '--config', config)
      expect(retired.code).toBe(0)
      expect(retired.stdout).toBe(`tenant uni-b: key ${kid} retired\n`)
    }
  }, 180_000)
})
