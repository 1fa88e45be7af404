// The verifier's CLI commands through the real `alma` bin (as the issuer's CLI test does): init
// twice (the second changes nothing), config errors that name the path, the operator commands,
// and serve until SIGTERM with real requests against it.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { createDevCa, encodePrivateKeyPem } from '@alma/trust'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVerifier } from '../verifier-server.ts'
import { loadVerifierCliConfig } from './cli-config.ts'
import { initVerifier } from './init-verifier.ts'

const execFileAsync = promisify(execFile)
const alma = new URL('../../../cli/bin/alma.js', import.meta.url).pathname
// Each spawn loads the TypeScript sources through tsx; on a shared, busy machine that is slow.
const SLOW = 180_000

async function almaCommand(...args: string[]) {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [alma, ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn' },
      // A command that should have ended but serves instead must not outlive the test.
      timeout: SLOW - 10_000,
      killSignal: 'SIGKILL',
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

const silent = { info() {}, warn() {}, error() {} }

/** Servers this file started, stopped for sure at the end even when a test failed half way. */
const children = new Set<ChildProcess>()
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

let root: string
let dir: string
let config: string
let port: number
let baseUrl: string
/** Stands in for the issuer's `.alma/ca`: the CA of the issuers' seal certificates. */
let issuerCaDir: string
let employerKey: string
let acmeKey: string

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'alma-verifier-cli-'))
  dir = join(root, '.alma', 'verifier')
  config = join(dir, 'verifier.json')
  port = await freePort()
  // A DNS name, so that the relying party's certificate and x509_san_dns: have one to name.
  baseUrl = `http://localhost:${port}`
  issuerCaDir = join(root, '.alma', 'ca')
  mkdirSync(issuerCaDir, { recursive: true })
  const ca = await createDevCa({ name: 'Alma Issuer Test CA', country: 'DE', now: new Date() })
  writeFileSync(join(issuerCaDir, 'ca.pem'), ca.certificatePem)
  writeFileSync(join(issuerCaDir, 'ca-key.pem'), await encodePrivateKeyPem(ca.privateKey), { mode: 0o600 })
})

describe('alma verifier init', () => {
  it(
    'creates the configuration, a 0600 KEK, the dev CA, the database, the relying party and its API key',
    async () => {
      const r = await almaCommand(
        'verifier',
        'init',
        '--dir',
        dir,
        '--base-url',
        baseUrl,
        '--trust-anchor',
        join(issuerCaDir, 'ca.pem'),
        '--dev-allow',
        'http://127.0.0.1:4000',
      )
      expect(r.code).toBe(0)
      expect(r.stderr).toMatch(/WARNING: .*kek is a DEVELOPMENT key-encryption key/)
      for (const what of [
        'configuration',
        'key-encryption key',
        'development CA',
        'database (PGlite)',
        'relying party employer',
      ])
        expect(r.stdout).toMatch(new RegExp(`^  ${what.replace(/[()]/g, '\\$&')} +created`, 'm'))
      expect(r.stdout).toMatch(/development CA +created +.*\(not for production: /)
      expect(r.stdout).toContain(`did:web:localhost%3A${port}:employer (Example Employer GmbH)`)
      employerKey = /API key employer +created +(alma_rp_\S+)/.exec(r.stdout)?.[1] ?? ''
      expect(employerKey).toMatch(/^alma_rp_/)
      expect(statSync(join(dir, 'kek')).mode & 0o777).toBe(0o600)
      expect(statSync(join(dir, 'ca', 'ca-key.pem')).mode & 0o777).toBe(0o600)
      expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({
        baseUrl,
        mode: 'development',
        dataDir: 'data',
        kekFile: 'kek',
        caDir: 'ca',
        trustAnchorFiles: ['../ca/ca.pem'],
        devAllowList: ['http://127.0.0.1:4000'],
      })
    },
    SLOW,
  )

  it(
    'a second run says what exists and changes nothing',
    async () => {
      const kek = readFileSync(join(dir, 'kek'), 'utf8')
      const ca = readFileSync(join(dir, 'ca', 'ca.pem'), 'utf8')
      const settings = readFileSync(config, 'utf8')
      const r = await almaCommand('verifier', 'init', '--dir', dir)
      expect(r.code).toBe(0)
      expect(r.stderr).toBe('')
      expect(r.stdout).not.toMatch(/created/)
      expect(r.stdout).not.toMatch(/alma_rp_/)
      for (const what of ['configuration', 'key-encryption key', 'development CA', 'database (PGlite)'])
        expect(r.stdout).toMatch(new RegExp(`^  ${what.replace(/[()]/g, '\\$&')} +exists`, 'm'))
      expect(r.stdout).toMatch(/relying party employer +exists/)
      expect(r.stdout).toMatch(/API key employer +exists/)
      expect(r.stdout).toMatch(/Everything exists: nothing changed\.\n$/)
      expect(readFileSync(join(dir, 'kek'), 'utf8')).toBe(kek)
      expect(readFileSync(join(dir, 'ca', 'ca.pem'), 'utf8')).toBe(ca)
      expect(readFileSync(config, 'utf8')).toBe(settings)
    },
    SLOW,
  )

  it(
    "with --ca-dir: one dev CA serves both, the issuer's CA signs the relying party's certificate and is trusted",
    async () => {
      const shared = join(root, '.alma', 'verifier-shared')
      const lines: string[] = []
      await initVerifier({
        dir: shared,
        baseUrl,
        caDir: issuerCaDir,
        out: (line) => lines.push(line),
        warn: () => {},
      })
      expect(lines.join('\n')).toMatch(/development CA +exists +.*\(given by --ca-dir: C=DE, O=Alma Issuer Test CA/)
      const file = join(shared, 'verifier.json')
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
        caDir: '../ca',
        trustAnchorFiles: ['../ca/ca.pem'],
      })
      expect(existsSync(join(shared, 'ca'))).toBe(false)
      const loaded = loadVerifierCliConfig(file)
      const { ctx } = await createVerifier({ ...loaded, log: silent })
      try {
        const rp = await ctx.relyingParty('employer')
        const issuerCa = new X509Certificate(readFileSync(join(issuerCaDir, 'ca.pem')))
        const leaf = new X509Certificate(Buffer.from(rp.key.x5c[0]!, 'base64'))
        expect(leaf.checkIssued(issuerCa) && leaf.verify(issuerCa.publicKey)).toBe(true)
        expect(ctx.trustAnchors).toHaveLength(1)
        expect(new X509Certificate(ctx.trustAnchors[0]!).fingerprint256).toBe(issuerCa.fingerprint256)
      } finally {
        await ctx.store.close()
      }
    },
    SLOW,
  )
})

describe('configuration errors', () => {
  it(
    'a bad baseUrl or a missing trust anchor file: exit 2, one line naming the file and the setting',
    async () => {
      const settings = JSON.parse(readFileSync(config, 'utf8')) as Record<string, unknown>
      // Beside the good file, so that its relative paths (kek, data, ca) still resolve.
      const badUrl = join(dir, 'bad-url.json')
      writeFileSync(badUrl, JSON.stringify({ ...settings, baseUrl: 'localhost:8490' }))
      const missingAnchor = join(dir, 'missing-anchor.json')
      writeFileSync(missingAnchor, JSON.stringify({ ...settings, trustAnchorFiles: ['../ca/ca.pem', 'nowhere.pem'] }))
      const [url, anchor] = await Promise.all([
        almaCommand('verifier', 'serve', '--config', badUrl),
        almaCommand('verifier', 'serve', '--config', missingAnchor),
      ])
      expect(url.code).toBe(2)
      expect(url.stderr).toMatch(new RegExp(`^alma: ${escapeRegExp(badUrl)}: baseUrl: [^\n]+\n$`))
      expect(anchor.code).toBe(2)
      expect(anchor.stderr).toBe(
        `alma: ${missingAnchor}: trustAnchorFiles[1]: cannot read ${join(dir, 'nowhere.pem')} (ENOENT)\n`,
      )
      for (const r of [url, anchor]) expect(r.stdout).toBe('')
    },
    SLOW,
  )
})

describe('alma verifier add-relying-party and api-key', () => {
  it(
    'adds a relying party and makes it a key with the scopes asked for',
    async () => {
      const added = await almaCommand(
        'verifier',
        'add-relying-party',
        '--config',
        config,
        '--id',
        'acme',
        '--name',
        'Acme Recruiting SE',
        '--webhook-url',
        'http://127.0.0.1:9/hook',
      )
      expect(added.code).toBe(0)
      expect(added.stdout).toContain('relying party acme created: Acme Recruiting SE')
      expect(added.stdout).toContain(`DID        did:web:localhost%3A${port}:acme  (${baseUrl}/acme/did.json)`)
      expect(added.stdout).toContain(`API        ${baseUrl}/api/acme/presentation-requests`)

      const key = await almaCommand(
        'verifier',
        'api-key',
        '--config',
        config,
        '--relying-party',
        'acme',
        '--scopes',
        'presentations:write',
      )
      expect(key.code).toBe(0)
      expect(key.stdout).toMatch(/^alma_rp_\S+\n$/)
      expect(key.stderr).toMatch(/for acme \(presentations:write\): shown once/)
      acmeKey = key.stdout.trim()
    },
    SLOW,
  )

  it(
    'an unknown scope or relying party: exit 2 naming it',
    async () => {
      const [scope, again] = await Promise.all([
        almaCommand('verifier', 'api-key', '--config', config, '--relying-party', 'acme', '--scopes', 'admin'),
        almaCommand('verifier', 'add-relying-party', '--config', config, '--id', 'acme', '--name', 'Acme'),
      ])
      expect(scope.code).toBe(2)
      expect(scope.stderr).toBe(
        'alma: --scopes admin: not a scope; one of presentations:write, presentations:read, edc:verify\n',
      )
      expect(again.code).toBe(2)
      expect(again.stderr).toBe('alma: --id acme: exists already\n')
    },
    SLOW,
  )

  it(
    'rotate-key makes a new active key with a new certificate; retire-key takes out the previous one, never the active one',
    async () => {
      const added = await almaCommand(
        'verifier',
        'add-relying-party',
        '--config',
        config,
        '--id',
        'rotor',
        '--name',
        'Rotor GmbH',
      )
      expect(added.code).toBe(0)
      const rotated = await almaCommand('verifier', 'rotate-key', '--config', config, '--relying-party', 'rotor')
      expect(rotated.code).toBe(0)
      const active = /key (\S+) is active \(certificate from /.exec(rotated.stdout)?.[1]
      const previous = /previous {3}(\S+): still signs the requests made with it/.exec(rotated.stdout)?.[1]
      expect(active && previous && active !== previous).toBe(true)
      expect(rotated.stdout).toMatch(/client id {2}x509_hash:[A-Za-z0-9_-]{43}\n/)
      expect(rotated.stdout).toContain(`alma verifier retire-key --relying-party rotor --kid ${previous}`)

      const activeRefused = await almaCommand(
        'verifier',
        'retire-key',
        '--config',
        config,
        '--relying-party',
        'rotor',
        '--kid',
        active!,
      )
      expect(activeRefused.code).toBe(2)
      expect(activeRefused.stderr).toMatch(
        new RegExp(`^alma: --kid ${active}: key ${active} cannot go from active to retired \\(rotate first`),
      )
      const retired = await almaCommand(
        'verifier',
        'retire-key',
        '--config',
        config,
        '--relying-party',
        'rotor',
        '--kid',
        previous!,
      )
      expect(retired.code).toBe(0)
      expect(retired.stdout).toBe(`relying party rotor: key ${previous} retired\n`)
      const unknown = await almaCommand('verifier', 'rotate-key', '--config', config, '--relying-party', 'nobody')
      expect(unknown.code).toBe(2)
      expect(unknown.stderr).toBe(
        'alma: --relying-party nobody: no such relying party (alma verifier add-relying-party makes one)\n',
      )
    },
    SLOW,
  )
})

describe('alma verifier serve', () => {
  it(
    'serves the API, OpenAPI, DID documents and the web app with the keys made above; stops on SIGTERM',
    async () => {
      const child = spawn(process.execPath, [alma, 'verifier', 'serve', '--config', config], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, LOG_LEVEL: 'warn' },
      })
      children.add(child)
      const lines = createInterface({ input: child.stdout! })
      const output: string[] = []
      let stderr = ''
      child.stderr!.on('data', (chunk) => {
        stderr += String(chunk)
      })
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
      await new Promise<void>((resolve, reject) => {
        lines.on('line', (line) => {
          output.push(line)
          if (line.startsWith('  no relying party') || /^ {2}employer: /.test(line)) resolve()
        })
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output.join('\n')}${stderr}`)))
      })
      // Listening on the base URL's port; requests go to the loopback address it is bound to.
      const local = `http://127.0.0.1:${port}`
      try {
        expect(output).toContain(`alma verifier: listening on ${baseUrl} (configuration ${config})`)
        expect(output).toContain(`  OpenAPI  ${baseUrl}/api/openapi.json`)
        expect(output).toContain(`  web app  ${baseUrl}/ui/`)
        expect(output.join('\n')).toMatch(/1 trust anchor\(s\) from 1 file\(s\); development: /)

        const health = await fetch(`${local}/health`)
        expect(health.status).toBe(200)
        expect(await health.json()).toEqual({ status: 'ok' })
        const openapi = await fetch(`${local}/api/openapi.json`)
        expect(openapi.status).toBe(200)
        expect(((await openapi.json()) as { openapi: string }).openapi).toMatch(/^3\.1/)
        const did = await fetch(`${local}/employer/did.json`)
        expect(did.status).toBe(200)
        expect(((await did.json()) as { id: string }).id).toBe(`did:web:localhost%3A${port}:employer`)
        const ui = await fetch(`${local}/ui/`)
        expect(ui.status).toBe(200)
        expect(ui.headers.get('content-security-policy')).toMatch(/default-src 'none'/)

        const create = (rp: string, key: string) =>
          fetch(`${local}/api/${rp}/presentation-requests`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ template: { type: 'any-micro-credential' } }),
          })
        const made = await create('acme', acmeKey)
        expect(made.status).toBe(201)
        const body = (await made.json()) as { clientId: string; status: string }
        expect(body.clientId).toMatch(/^x509_hash:[A-Za-z0-9_-]{43}$/)
        expect(body.status).toMatch(new RegExp(`^${escapeRegExp(baseUrl)}/api/acme/presentation-requests/`))
        expect((await create('employer', employerKey)).status).toBe(201)
        // The acme key is bound to acme, and has presentations:write only.
        expect((await create('employer', acmeKey)).status).toBe(403)
        const list = await fetch(`${local}/api/acme/presentation-requests`, {
          headers: { authorization: `Bearer ${acmeKey}` },
        })
        expect(list.status).toBe(403)
        expect(((await list.json()) as { error: string }).error).toBe('insufficient_scope')
      } finally {
        child.kill('SIGTERM')
      }
      expect(await exited).toBe(0)
      expect(output).toContain('alma verifier: SIGTERM, draining requests and stopping')
      expect(output).toContain('alma verifier: stopped')
    },
    SLOW,
  )
})

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
