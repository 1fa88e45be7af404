// `alma verifier trust update --from DIR` through the real `alma` bin: a first folder installs and
// says so, the next reports what changed (sequence numbers, a service withdrawn, one added), a bad
// folder exits 2 naming the problem with the store unchanged; the verifier built from the same
// configuration uses what was installed. Lists made by test CAs, in a temporary folder.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import {
  ADDITIONAL_SERVICE_INFO_FOR_ESEALS,
  createDevCa,
  type DevCa,
  SERVICE_STATUS_GRANTED,
  SERVICE_STATUS_WITHDRAWN,
  SERVICE_TYPE_CA_QC,
} from '@alma/trust'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTrustedListKit,
  type KitBuildInput,
  type TrustedListKit,
  writeTrustedListFolder,
} from '../../../../packages/trust/src/trusted-list/trusted-list-test-kit.ts'
import { createVerifier } from '../verifier-server.ts'
import { loadVerifierCliConfig } from './cli-config.ts'
import { initVerifier } from './init-verifier.ts'

const execFileAsync = promisify(execFile)
const alma = new URL('../../../cli/bin/alma.js', import.meta.url).pathname
// Each spawn loads the TypeScript sources through tsx; on a shared, busy machine that is slow.
const SLOW = 180_000
const DAY = 24 * 3600 * 1000

async function almaCommand(...args: string[]) {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [alma, ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn' },
      timeout: SLOW - 10_000,
      killSignal: 'SIGKILL',
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

let root: string
let config: string
let store: string
let kit: TrustedListKit
let sealCa: DevCa
let newCa: DevCa
let now: Date

const withdrawnAt = () => new Date(Math.floor(now.getTime() / 1000) * 1000 - DAY)
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

function lists(sequence: number, options: { withdrawn?: boolean; added?: boolean } = {}): KitBuildInput {
  const since = new Date(now.getTime() - 30 * DAY)
  return {
    lotlSequenceNumber: 386 + sequence,
    issueDate: new Date(now.getTime() - DAY),
    nextUpdate: new Date(now.getTime() + 180 * DAY),
    lists: [
      {
        territory: 'DE',
        sequenceNumber: 42 + sequence,
        providers: [
          {
            name: 'Example QTSP GmbH',
            services: [
              {
                serviceType: SERVICE_TYPE_CA_QC,
                serviceName: 'Qualified seal CA',
                certificates: [sealCa.certificateDer],
                additionalServiceInformation: [ADDITIONAL_SERVICE_INFO_FOR_ESEALS],
                ...(options.withdrawn
                  ? {
                      status: SERVICE_STATUS_WITHDRAWN,
                      statusStartingTime: withdrawnAt(),
                      history: [{ status: SERVICE_STATUS_GRANTED, statusStartingTime: since }],
                    }
                  : { statusStartingTime: since }),
              },
              ...(options.added
                ? [
                    {
                      serviceType: SERVICE_TYPE_CA_QC,
                      serviceName: 'New seal CA',
                      statusStartingTime: since,
                      certificates: [newCa.certificateDer],
                      additionalServiceInformation: [ADDITIONAL_SERVICE_INFO_FOR_ESEALS],
                    },
                  ]
                : []),
            ],
          },
        ],
      },
    ],
  }
}

beforeAll(async () => {
  now = new Date()
  root = mkdtempSync(join(tmpdir(), 'alma-trust-update-'))
  const dir = join(root, '.alma', 'verifier')
  config = join(dir, 'verifier.json')
  store = join(dir, 'trusted-lists')
  const silent = () => {}
  await initVerifier({
    dir,
    baseUrl: 'http://localhost:8490',
    relyingParty: { id: 'employer', name: 'Example Employer GmbH' },
    trustAnchorFiles: [],
    out: silent,
    warn: silent,
  })
  kit = await createTrustedListKit(now)
  sealCa = await createDevCa({ name: 'Example QTSP Seal CA', country: 'DE', now: new Date(now.getTime() - 60 * DAY) })
  newCa = await createDevCa({ name: 'New QTSP Seal CA', country: 'DE', now: new Date(now.getTime() - 60 * DAY) })
}, SLOW)
afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

describe('alma verifier trust update', () => {
  it(
    'installs a folder of lists into the verifier’s data folder and prints what it holds',
    async () => {
      const from = writeTrustedListFolder(join(root, 'eu-1'), await kit.build(lists(0)), kit.lotlSignersPem)
      const r = await almaCommand('verifier', 'trust', 'update', '--from', from, '--config', config)
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      const lines = r.stdout.trimEnd().split('\n')
      expect(lines[0]).toMatch(
        new RegExp(`^trusted lists from ${from} installed in ${store} \\(version \\S+-lotl386-\\w+\\)$`),
      )
      expect(lines.slice(1)).toEqual([
        '  the pinned LOTL signer certificates are now those of the folder’s lotl-signers.pem',
        expect.stringMatching(
          /^ {2}EU trusted lists: the EU list of trusted lists \(seq 386, issued \S+\), next update \S+; 1 national list\(s\) \(DE seq 42\)$/,
        ),
        '  1 change(s):',
        '    DE: list added (seq 42, 1 service(s))',
      ])
    },
    SLOW,
  )

  it(
    'reports sequence numbers that moved, a service withdrawn and one added',
    async () => {
      const from = writeTrustedListFolder(
        join(root, 'eu-2'),
        await kit.build(lists(1, { withdrawn: true, added: true })),
      )
      const r = await almaCommand('verifier', 'trust', 'update', '--from', from, '--config', config)
      expect(r.code).toBe(0)
      expect(r.stdout).toContain(
        [
          '  4 change(s):',
          '    EU LOTL: sequence number 386 → 387',
          '    DE: sequence number 42 → 43',
          `    DE: service withdrawn: 'Qualified seal CA' of 'Example QTSP GmbH' (CA/QC), granted → withdrawn since ${iso(withdrawnAt())}`,
          "    DE: service added: 'New seal CA' of 'Example QTSP GmbH' (CA/QC), granted",
        ].join('\n'),
      )
    },
    SLOW,
  )

  it(
    'refuses a bad folder with exit code 2, naming why, and changes nothing',
    async () => {
      const installed = readlinkSync(join(store, 'current'))
      const de = readFileSync(join(store, installed, 'lists', 'DE.xml'), 'utf8')
      const rogue = await createDevCa({ name: 'Rogue DE Signer', country: 'DE', now: new Date(now.getTime() - DAY) })
      const input = lists(2)
      const from = writeTrustedListFolder(
        join(root, 'eu-3'),
        await kit.build({ ...input, lists: [{ ...input.lists[0]!, signedBy: rogue }] }),
      )
      const r = await almaCommand('verifier', 'trust', 'update', '--from', from, '--config', config)
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toBe(
        [
          `alma: trust update refused, nothing changed (${store}):`,
          "  DE: the list of DE is not signed by a certificate the LOTL names for DE: the list's signer certificate (C=DE, O=Rogue DE Signer, CN=Rogue DE Signer) is not one of the pinned signer certificates (trusted_list_signer_not_pinned)",
          '',
        ].join('\n'),
      )
      expect(readlinkSync(join(store, 'current'))).toBe(installed)
      expect(readFileSync(join(store, installed, 'lists', 'DE.xml'), 'utf8')).toBe(de)

      const missing = await almaCommand(
        'verifier',
        'trust',
        'update',
        '--from',
        join(root, 'nowhere'),
        '--config',
        config,
      )
      expect(missing.code).toBe(2)
      expect(missing.stderr).toBe(
        `alma: trust update refused, nothing changed (${store}):\n  cannot read ${join(root, 'nowhere', 'lotl.xml')} (ENOENT)\n`,
      )
    },
    SLOW,
  )

  it('the verifier built from that configuration uses the installed lists', async () => {
    const loaded = loadVerifierCliConfig(config)
    expect(loaded.trustedListsDir).toBe(store)
    const { ctx } = await createVerifier({
      config: loaded.config,
      kek: loaded.kek,
      trustAnchors: loaded.trustAnchors,
      trustedListsDir: loaded.trustedListsDir,
      log: pino({ level: 'silent' }),
    })
    try {
      expect(ctx.trustedLists?.installed()?.set.lists.map((l) => [l.schemeTerritory, l.sequenceNumber])).toEqual([
        ['DE', 43],
      ])
      expect(ctx.trustedLists?.isEmpty()).toBe(false)
    } finally {
      ctx.trustedLists?.close()
      await ctx.elmWorkers.close()
      await ctx.store.close()
    }
  })
})
