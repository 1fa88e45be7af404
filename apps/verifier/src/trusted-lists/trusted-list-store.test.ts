// The verifier's trusted-list store on disk: validated installs swapped in atomically, changes
// reported, bad folders (and replays of older lists) refused with the store unchanged, and a
// running store following `current`. Lists made by test CAs; real files in a temporary folder.
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ADDITIONAL_SERVICE_INFO_FOR_ESEALS,
  createDevCa,
  type DevCa,
  SERVICE_STATUS_GRANTED,
  SERVICE_STATUS_WITHDRAWN,
  SERVICE_TYPE_CA_QC,
} from '@alma/trust'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTrustedListKit,
  type KitBuildInput,
  type TrustedListKit,
  writeTrustedListFolder,
} from '../../../../packages/trust/src/trusted-list/trusted-list-test-kit.ts'
import {
  CURRENT_LINK,
  currentVersion,
  loadInstalledTrustedLists,
  openTrustedListStore,
  TrustedListUpdateRefused,
  updateTrustedListStore,
} from './trusted-list-store.ts'

const NOW = new Date('2026-10-01T00:00:00Z')
const ISSUED = new Date('2026-09-01T00:00:00Z')
const NEXT = new Date('2027-03-01T00:00:00Z')
const GRANTED = new Date('2026-01-01T00:00:00Z')

let root: string
let kit: TrustedListKit
let sealCa: DevCa
let otherCa: DevCa
let count = 0

const folder = () => join(root, `in-${++count}`)

function input(overrides: { lotl?: number; de?: number; status?: string; extra?: boolean } = {}): KitBuildInput {
  return {
    lotlSequenceNumber: overrides.lotl ?? 386,
    issueDate: ISSUED,
    nextUpdate: NEXT,
    lists: [
      {
        territory: 'DE',
        sequenceNumber: overrides.de ?? 42,
        providers: [
          {
            name: 'Example QTSP GmbH',
            services: [
              {
                serviceType: SERVICE_TYPE_CA_QC,
                serviceName: 'Qualified seal CA',
                status: overrides.status ?? SERVICE_STATUS_GRANTED,
                statusStartingTime: overrides.status ? new Date('2026-09-20T00:00:00Z') : GRANTED,
                certificates: [sealCa.certificateDer],
                additionalServiceInformation: [ADDITIONAL_SERVICE_INFO_FOR_ESEALS],
                ...(overrides.status
                  ? { history: [{ status: SERVICE_STATUS_GRANTED, statusStartingTime: GRANTED }] }
                  : {}),
              },
              ...(overrides.extra
                ? [
                    {
                      serviceType: SERVICE_TYPE_CA_QC,
                      serviceName: 'Second seal CA',
                      statusStartingTime: GRANTED,
                      certificates: [otherCa.certificateDer],
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

async function writeFolder(overrides: Parameters<typeof input>[0] = {}, withPin = true): Promise<string> {
  return writeTrustedListFolder(folder(), await kit.build(input(overrides)), withPin ? kit.lotlSignersPem : undefined)
}

/** The store's files, to show a refused update changed nothing. */
function snapshot(store: string) {
  const version = currentVersion(store)
  return {
    version,
    lotl: version ? readFileSync(join(store, 'versions', version, 'lotl.xml'), 'utf8') : undefined,
    de: version ? readFileSync(join(store, 'versions', version, 'lists', 'DE.xml'), 'utf8') : undefined,
  }
}

function refusal(run: () => unknown): readonly string[] {
  try {
    run()
  } catch (error) {
    if (error instanceof TrustedListUpdateRefused) return error.problems
    throw error
  }
  throw new Error('expected the update to be refused')
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'alma-tl-store-'))
  kit = await createTrustedListKit(NOW)
  sealCa = await createDevCa({ name: 'Example QTSP Seal CA', country: 'DE', now: new Date('2025-06-01Z') })
  otherCa = await createDevCa({ name: 'Second QTSP Seal CA', country: 'DE', now: new Date('2025-06-01Z') })
})
afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

describe('updateTrustedListStore', () => {
  it('installs a valid folder, reports what changed, and swaps the next one in', async () => {
    const store = join(root, 'store-a')
    const first = updateTrustedListStore(store, await writeFolder(), { now: NOW })
    expect(first.changes).toEqual([{ kind: 'list-added', territory: 'DE', sequenceNumber: 42, services: 1 }])
    expect(first.pinChanged).toBe(true)
    expect(readlinkSync(join(store, CURRENT_LINK))).toBe(join('versions', first.version))
    expect(loadInstalledTrustedLists(store, NOW)?.set.lists.map((l) => l.sequenceNumber)).toEqual([42])

    // The next update: no pin in the folder (the installed one is kept), a service withdrawn, one added.
    const second = updateTrustedListStore(
      store,
      await writeFolder({ lotl: 387, de: 43, status: SERVICE_STATUS_WITHDRAWN, extra: true }, false),
      { now: NOW },
    )
    expect(second.previousVersion).toBe(first.version)
    expect(second.pinChanged).toBe(false)
    expect(second.changes).toEqual([
      { kind: 'lotl-sequence', from: 386, to: 387 },
      { kind: 'list-sequence', territory: 'DE', from: 42, to: 43 },
      {
        kind: 'service-status',
        territory: 'DE',
        service: "'Qualified seal CA' of 'Example QTSP GmbH' (CA/QC)",
        from: SERVICE_STATUS_GRANTED,
        to: SERVICE_STATUS_WITHDRAWN,
        since: new Date('2026-09-20T00:00:00Z'),
      },
      {
        kind: 'service-added',
        territory: 'DE',
        service: "'Second seal CA' of 'Example QTSP GmbH' (CA/QC)",
        status: SERVICE_STATUS_GRANTED,
      },
    ])
    expect(currentVersion(store)).toBe(second.version)
    // The pin travelled with the new version; the version before is kept, older ones are not.
    expect(readFileSync(join(store, 'versions', second.version, 'lotl-signers.pem'), 'utf8')).toBe(kit.lotlSignersPem)
    expect(existsSync(join(store, 'versions', first.version))).toBe(true)
    const third = updateTrustedListStore(store, await writeFolder({ lotl: 388, de: 44 }, false), { now: NOW })
    expect(existsSync(join(store, 'versions', first.version))).toBe(false)
    expect(existsSync(join(store, 'versions', second.version))).toBe(true)
    expect(third.changes.map((c) => c.kind)).toEqual([
      'lotl-sequence',
      'list-sequence',
      'service-status',
      'service-removed',
    ])
  })

  it('refuses a bad folder and changes nothing, naming every problem', async () => {
    const store = join(root, 'store-b')
    updateTrustedListStore(store, await writeFolder(), { now: NOW })
    const before = snapshot(store)

    // A national list signed by a key the LOTL does not name for DE.
    const rogue = await createDevCa({ name: 'Rogue Signer', country: 'DE', now: new Date('2026-01-01Z') })
    const badSigner = writeTrustedListFolder(
      folder(),
      await kit.build({
        ...input({ lotl: 387, de: 43 }),
        lists: [{ ...input().lists[0]!, sequenceNumber: 43, signedBy: rogue }],
      }),
    )
    expect(refusal(() => updateTrustedListStore(store, badSigner, { now: NOW }))).toEqual([
      "DE: the list of DE is not signed by a certificate the LOTL names for DE: the list's signer certificate (C=DE, O=Rogue Signer, CN=Rogue Signer) is not one of the pinned signer certificates (trusted_list_signer_not_pinned)",
    ])
    // A LOTL not signed by the pinned signer.
    const impostor = await createDevCa({ name: 'Impostor', country: 'BE', now: new Date('2026-01-01Z') })
    const badLotl = writeTrustedListFolder(
      folder(),
      await kit.build({ ...input({ lotl: 387 }), lotlSignedBy: impostor }),
    )
    expect(refusal(() => updateTrustedListStore(store, badLotl, { now: NOW }))).toEqual([
      "the EU list of trusted lists: the list's signer certificate (C=BE, O=Impostor, CN=Impostor) is not one of the pinned signer certificates",
    ])
    // A stale national list.
    const stale = writeTrustedListFolder(
      folder(),
      await kit.build({
        ...input({ lotl: 387 }),
        lists: [{ ...input().lists[0]!, sequenceNumber: 43, nextUpdate: new Date('2026-09-30Z') }],
      }),
    )
    expect(refusal(() => updateTrustedListStore(store, stale, { now: NOW }))).toEqual([
      'DE: the trusted list of DE (seq 43, issued 2026-09-01T00:00:00Z) is stale: its NextUpdate 2026-09-30T00:00:00Z has passed (now 2026-10-01T00:00:00Z); its anchors are not used (fail closed) (trusted_list_expired)',
    ])
    // A replay of older lists (a withdrawal would be undone).
    const older = await writeFolder({ lotl: 385, de: 41 })
    expect(refusal(() => updateTrustedListStore(store, older, { now: NOW }))).toEqual([
      'EU: the EU list of trusted lists (seq 385, issued 2026-09-01T00:00:00Z) is older than what is installed, the EU list of trusted lists (seq 386, issued 2026-09-01T00:00:00Z) (sequence number went back) (trusted_list_rollback)',
      'DE: the trusted list of DE (seq 41, issued 2026-09-01T00:00:00Z) is older than what is installed, the trusted list of DE (seq 42, issued 2026-09-01T00:00:00Z) (sequence number went back) (trusted_list_rollback)',
    ])
    // Another pin, not accepted; no lotl.xml at all.
    const otherPin = await writeFolder({ lotl: 387, de: 43 })
    writeFileSync(join(otherPin, 'lotl-signers.pem'), impostor.certificatePem)
    expect(refusal(() => updateTrustedListStore(store, otherPin, { now: NOW }))[0]).toMatch(
      /lotl-signers\.pem pins other LOTL signer certificates than the installed ones; check them against the Official Journal and pass --accept-lotl-signers to replace the pin$/,
    )
    const empty = folder()
    expect(refusal(() => updateTrustedListStore(store, empty, { now: NOW }))).toEqual([
      `cannot read ${join(empty, 'lotl.xml')} (ENOENT)`,
    ])
    expect(snapshot(store)).toEqual(before)
    expect(existsSync(join(store, '.update.lock'))).toBe(false)
  })

  it('needs a pin the first time, and replaces the pin only when told to', async () => {
    const store = join(root, 'store-c')
    const unpinned = await writeFolder({}, false)
    expect(refusal(() => updateTrustedListStore(store, unpinned, { now: NOW }))[0]).toBe(
      `${join(unpinned, 'lotl-signers.pem')} is missing and nothing is installed yet: put the LOTL signer certificates the EU publishes in the Official Journal there (PEM)`,
    )
    expect(currentVersion(store)).toBeUndefined()
    updateTrustedListStore(store, await writeFolder(), { now: NOW })
    // A new pin (the Commission's next signer), accepted: the LOTL signed by it installs.
    const next = await createDevCa({ name: 'Next EU LOTL Signer', country: 'BE', now: new Date('2026-01-01Z') })
    const files = await kit.build({ ...input({ lotl: 387 }), lotlSignedBy: next })
    const dir = writeTrustedListFolder(folder(), files, next.certificatePem)
    expect(refusal(() => updateTrustedListStore(store, dir, { now: NOW }))[0]).toContain('pass --accept-lotl-signers')
    const update = updateTrustedListStore(store, dir, { now: NOW, acceptNewLotlSigners: true })
    expect(update.pinChanged).toBe(true)
    expect(loadInstalledTrustedLists(store, NOW)?.lotlSignersPem).toBe(next.certificatePem)
  })

  it('refuses a second update while one holds the lock', async () => {
    const store = join(root, 'store-d')
    updateTrustedListStore(store, await writeFolder(), { now: NOW })
    writeFileSync(join(store, '.update.lock'), '')
    expect(refusal(() => updateTrustedListStore(store, folder(), { now: NOW }))).toEqual([
      `another update holds ${join(store, '.update.lock')}; if none is running, remove that file and try again`,
    ])
  })
})

describe('openTrustedListStore', () => {
  it('follows current to a new version, and refuses to open a set whose files were changed', async () => {
    const store = join(root, 'store-e')
    const empty = openTrustedListStore(store, { now: () => NOW, recheckMs: 0 })
    expect(empty.isEmpty()).toBe(true)
    expect(empty.installed()).toBeUndefined()
    updateTrustedListStore(store, await writeFolder(), { now: NOW })
    empty.refresh()
    expect(empty.installed()?.set.lotl.sequenceNumber).toBe(386)
    expect(empty.isEmpty()).toBe(false)
    empty.close()

    const version = currentVersion(store) as string
    const file = join(store, 'versions', version, 'lotl.xml')
    writeFileSync(file, readFileSync(file, 'utf8').replace('<TSLSequenceNumber>386<', '<TSLSequenceNumber>999<'))
    expect(() => openTrustedListStore(store, { now: () => NOW, recheckMs: 0 })).toThrow(
      "the EU list of trusted lists: the trusted list's XML signature does not verify with the pinned signer certificate",
    )
  })
})
