// The verifier's configuration file, validated before anything starts: every error names the file
// and the setting (style.md, practice 6), and production keeps the security.md rules (an empty
// trust store fails closed; only configured did:web DIDs are resolved).
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDevCa } from '@alma/trust'
import { beforeAll, describe, expect, it } from 'vitest'
import { CliError, loadVerifierCliConfig } from './cli-config.ts'

let dir: string
let caPem: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'alma-verifier-config-'))
  writeFileSync(join(dir, 'kek'), `${randomBytes(32).toString('base64url')}\n`)
  caPem = (await createDevCa({ name: 'Config Test CA', country: 'DE', now: new Date() })).certificatePem
  const other = (await createDevCa({ name: 'Other Test CA', country: 'FR', now: new Date() })).certificatePem
  writeFileSync(join(dir, 'ca.pem'), caPem)
  writeFileSync(join(dir, 'bundle.pem'), `# two anchors\n${caPem}\n${other}`)
  writeFileSync(join(dir, 'not-a-cert.pem'), 'hello')
})

const production = {
  baseUrl: 'https://verifier.example.org',
  mode: 'production',
  dataDir: 'data',
  kekFile: 'kek',
  trustAnchorFiles: ['ca.pem'],
  allowedDids: ['did:web:issuer.example.org:uni-a'],
}

let count = 0
function load(settings: unknown, env: Record<string, string | undefined> = {}) {
  const file = join(dir, `config-${++count}.json`)
  writeFileSync(file, typeof settings === 'string' ? settings : JSON.stringify(settings))
  return { file, result: () => loadVerifierCliConfig(file, env) }
}

function failure(settings: unknown, env: Record<string, string | undefined> = {}): string {
  const { file, result } = load(settings, env)
  try {
    result()
  } catch (error) {
    expect(error).toBeInstanceOf(CliError)
    const message = (error as Error).message
    expect(message).not.toContain('\n')
    return message.replace(file, '<file>')
  }
  throw new Error('expected a CliError')
}

describe('loadVerifierCliConfig', () => {
  it('reads a production file: paths relative to it, every certificate of a bundle an anchor', () => {
    const { result } = load({ ...production, trustAnchorFiles: ['ca.pem', 'bundle.pem'], caDir: 'ca' })
    const loaded = result()
    expect(loaded.config).toMatchObject({ baseUrl: production.baseUrl, mode: 'production', dataDir: join(dir, 'data') })
    expect(loaded.trustAnchors).toHaveLength(3)
    expect(loaded.trustAnchors[0]).toBe(caPem)
    expect(loaded.trustAnchorFiles).toEqual([join(dir, 'ca.pem'), join(dir, 'bundle.pem')])
    expect(loaded.caDir).toBe(join(dir, 'ca'))
    expect(loaded.allowedDids).toEqual(production.allowedDids)
    expect(loaded.devAllowList).toEqual([])
  })

  it('development: no trust anchors and no allowedDids are allowed (serve warns)', () => {
    const { result } = load({
      baseUrl: 'http://localhost:8490',
      kekFile: 'kek',
      devAllowList: ['http://127.0.0.1:4000'],
    })
    expect(result()).toMatchObject({ trustAnchors: [], devAllowList: ['http://127.0.0.1:4000'], allowedDids: [] })
  })

  it.each([
    ['a bad baseUrl', { ...production, baseUrl: 'verifier.example.org' }, /^<file>: baseUrl: /],
    [
      'a baseUrl without http(s)',
      { baseUrl: 'localhost:8490', kekFile: 'kek' },
      /^<file>: baseUrl: must be an http\(s\) URL/,
    ],
    [
      'production over http',
      { ...production, baseUrl: 'http://verifier.example.org' },
      /^<file>: baseUrl: production needs an https URL$/,
    ],
    ['an unknown setting', { ...production, port: 80 }, /^<file>: \(root\): Unrecognized key: "port"$/],
    [
      'production without trust anchors',
      { ...production, trustAnchorFiles: [] },
      /^<file>: trustAnchorFiles: production needs at least one trust anchor/,
    ],
    [
      'production without allowedDids',
      { ...production, allowedDids: undefined },
      /^<file>: allowedDids: production resolves only configured DIDs/,
    ],
    [
      'production with a devAllowList',
      { ...production, devAllowList: ['http://127.0.0.1:4000'] },
      /^<file>: devAllowList: development only/,
    ],
    [
      'an allowed DID that is not did:web',
      { ...production, allowedDids: ['did:key:z6Mk'] },
      /^<file>: allowedDids\[0\]: did:key:z6Mk is not a did:web DID$/,
    ],
    [
      'a devAllowList entry that is not an origin',
      { baseUrl: 'http://localhost:8490', kekFile: 'kek', devAllowList: ['http://127.0.0.1:4000/path'] },
      /^<file>: devAllowList\[0\]: http:\/\/127\.0\.0\.1:4000\/path is not an origin/,
    ],
    [
      'trustAnchorFiles not a list',
      { ...production, trustAnchorFiles: 'ca.pem' },
      /^<file>: trustAnchorFiles: must be a list$/,
    ],
    ['a missing KEK file', { ...production, kekFile: 'no-kek' }, /^<file>: kekFile: cannot read .*no-kek \(ENOENT\)$/],
    ['not JSON', '{ "baseUrl": ', /^cannot read the verifier configuration <file>: .*run alma verifier init first/],
  ])('%s: names the file and the setting', (_name, settings, expected) => {
    expect(failure(settings)).toMatch(expected)
  })

  it('a missing or broken trust anchor file is named with its index and absolute path', () => {
    expect(failure({ ...production, trustAnchorFiles: ['ca.pem', 'gone.pem'] })).toBe(
      `<file>: trustAnchorFiles[1]: cannot read ${join(dir, 'gone.pem')} (ENOENT)`,
    )
    expect(failure({ ...production, trustAnchorFiles: ['not-a-cert.pem'] })).toBe(
      `<file>: trustAnchorFiles[0]: ${join(dir, 'not-a-cert.pem')} holds no PEM CERTIFICATE block`,
    )
  })

  it('production without kekFile needs ALMA_KEK', () => {
    const { kekFile: _kekFile, ...noKek } = production
    expect(failure(noKek)).toMatch(/^<file>: kekFile: none given, and ALMA_KEK is not set/)
    const { result } = load(noKek, { ALMA_KEK: randomBytes(32).toString('base64url') })
    expect(result().kek.key).toHaveLength(32)
  })
})
