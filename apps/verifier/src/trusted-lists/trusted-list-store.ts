// The verifier's store of EU trusted lists: files in its data folder, no database (a set of signed
// XML files is what the EU publishes, what an operator can inspect, and what the verifier must
// verify again anyway when it loads them — a table would add a second copy to keep in step).
//
//   <store>/current -> versions/<id>      the installed set; replaced by one rename (atomic)
//   <store>/versions/<id>/lotl.xml        the EU List of Trusted Lists
//   <store>/versions/<id>/lists/<CC>.xml  the national lists
//   <store>/versions/<id>/lotl-signers.pem  the pinned LOTL signer certificates (Official Journal)
//   <store>/versions/<id>/installed.json  when and from where it was installed
//
// Each version folder has the layout of @alma/trust's trusted-list-folder.ts, so `current` is
// itself a folder `alma verifier trust update --from` accepts.
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { join, resolve } from 'node:path'
import {
  compareTrustedListSets,
  type Der,
  describeTrustedList,
  LISTS_FOLDER,
  LOTL_FILE,
  LOTL_SIGNERS_FILE,
  loadTrustAnchorsFromPem,
  readTrustedListFolder,
  type TrustAnchorSource,
  TrustError,
  type TrustedListChange,
  type TrustedListFiles,
  type TrustedListSet,
  trustedListAnchorSource,
  trustedListStaleness,
  verifyTrustedListSet,
} from '@alma/trust'

export const CURRENT_LINK = 'current'
export const VERSIONS_FOLDER = 'versions'
const INSTALLED_FILE = 'installed.json'
const LOCK_FILE = '.update.lock'

/** The set `current` points at, verified (stale lists kept: they are judged at each use). */
export interface InstalledTrustedLists {
  /** The version folder's name. */
  readonly version: string
  readonly set: TrustedListSet
  readonly files: TrustedListFiles
  readonly lotlSignersPem: string
}

function pinOf(pem: string, where: string): Der[] {
  let certificates: Der[]
  try {
    certificates = loadTrustAnchorsFromPem(pem)
  } catch (error) {
    throw new TrustError('trusted_list_signer_not_configured', `${where}: ${(error as Error).message}`)
  }
  if (certificates.length === 0)
    throw new TrustError('trusted_list_signer_not_configured', `${where} holds no PEM CERTIFICATE block`)
  return certificates
}

/** The version `current` names, or `undefined` when nothing is installed. */
export function currentVersion(storeDir: string): string | undefined {
  try {
    const target = readlinkSync(join(storeDir, CURRENT_LINK))
    return target.split('/').pop()
  } catch {
    return undefined
  }
}

/**
 * Reads and verifies the installed set (the LOTL against the pin stored with it, each national
 * list against the LOTL's pointers). `undefined` when nothing is installed; a {@link TrustError}
 * when the installed LOTL does not verify (the files were changed after installation).
 */
export function loadInstalledTrustedLists(storeDir: string, now: Date): InstalledTrustedLists | undefined {
  const version = currentVersion(storeDir)
  if (!version) return undefined
  const dir = join(storeDir, VERSIONS_FOLDER, version)
  const folder = readTrustedListFolder(dir)
  if (folder.lotlSignersPem === undefined) {
    throw new TrustError(
      'trusted_list_signer_not_configured',
      `${join(dir, LOTL_SIGNERS_FILE)} is missing: the installed LOTL has no pinned signer`,
    )
  }
  const lotlSigners = pinOf(folder.lotlSignersPem, join(dir, LOTL_SIGNERS_FILE))
  const set = verifyTrustedListSet(folder.files, { lotlSigners, now, refuseStale: false })
  return { version, set, files: folder.files, lotlSignersPem: folder.lotlSignersPem }
}

/** One line about an installed set, for start-up output and logs. */
export function describeInstalled(installed: InstalledTrustedLists | undefined, now: Date): string {
  if (!installed) return 'no EU trusted lists installed (alma verifier trust update --from DIR)'
  return describeTrustedListSet(installed.set, now)
}

/** One line about a verified set: the LOTL, the national lists, which are stale or were refused. */
export function describeTrustedListSet(set: TrustedListSet, now: Date): string {
  const stale = [set.lotl, ...set.lists].filter((l) => trustedListStaleness(l, now)).map((l) => l.schemeTerritory)
  return [
    `EU trusted lists: ${describeTrustedList(set.lotl)}, next update ${set.lotl.nextUpdate.toISOString()}`,
    `${set.lists.length} national list(s)${set.lists.length ? ` (${set.lists.map((l) => `${l.schemeTerritory} seq ${l.sequenceNumber}`).join(', ')})` : ''}`,
    ...(stale.length ? [`stale, not used: ${stale.join(', ')}`] : []),
    ...(set.problems.length ? [`refused: ${set.problems.map((p) => `${p.territory} (${p.code})`).join(', ')}`] : []),
  ].join('; ')
}

export interface TrustedListStore extends TrustAnchorSource {
  /** The set in use, if any. */
  installed(): InstalledTrustedLists | undefined
  /** Reads `current` again now when it points at another version (the timer does this too). */
  refresh(): void
  close(): void
}

export interface OpenTrustedListStoreOptions {
  /** The clock lists are judged stale by. */
  readonly now: () => Date
  /** How often `current` is looked at for a new version; 10 s by default, 0 = only on `refresh()`. */
  readonly recheckMs?: number
  readonly onReload?: (installed: InstalledTrustedLists | undefined) => void
  readonly onError?: (error: unknown) => void
}

/**
 * The anchors of the installed set, following `current`: an update installed while the verifier
 * runs is read within `recheckMs` (off the request path, on a timer). A new version that does not
 * verify leaves the verifier with no trusted-list anchor (fail closed) and reports through
 * `onError`. Throws at open when the installed set does not verify: a start-up error.
 */
export function openTrustedListStore(storeDir: string, options: OpenTrustedListStoreOptions): TrustedListStore {
  const dir = resolve(storeDir)
  let version = currentVersion(dir)
  let installed = loadInstalledTrustedLists(dir, options.now())
  let anchors: TrustAnchorSource | undefined = installed
    ? trustedListAnchorSource(installed.set, { now: options.now })
    : undefined
  const refresh = () => {
    const next = currentVersion(dir)
    if (next === version) return
    version = next
    try {
      installed = loadInstalledTrustedLists(dir, options.now())
      anchors = installed ? trustedListAnchorSource(installed.set, { now: options.now }) : undefined
      options.onReload?.(installed)
    } catch (error) {
      installed = undefined
      anchors = undefined
      options.onError?.(error)
    }
  }
  const recheckMs = options.recheckMs ?? 10_000
  const timer = recheckMs > 0 ? setInterval(refresh, recheckMs) : undefined
  timer?.unref()
  return {
    kind: 'trust-anchor-source',
    isEmpty: () => anchors?.isEmpty() ?? true,
    lookup: (subjects, at) => anchors?.lookup(subjects, at) ?? { anchors: [], untrusted: [] },
    installed: () => installed,
    refresh,
    close: () => {
      if (timer) clearInterval(timer)
    },
  }
}

/** An update that was refused: nothing changed; `problems` say why, one per line. */
export class TrustedListUpdateRefused extends Error {
  override readonly name = 'TrustedListUpdateRefused'
  constructor(readonly problems: readonly string[]) {
    super(`trusted-list update refused, nothing changed: ${problems.join('; ')}`)
  }
}

export interface UpdateTrustedListStoreOptions {
  readonly now: Date
  /**
   * Take the new folder's `lotl-signers.pem` although it pins other certificates than the
   * installed ones (after checking them against the Official Journal). Without it such an update
   * is refused: whoever hands over a folder must not be able to choose what the LOTL is checked with.
   */
  readonly acceptNewLotlSigners?: boolean
  /** Recorded in installed.json. */
  readonly source?: string
}

export interface TrustedListUpdate {
  readonly version: string
  readonly previousVersion?: string
  readonly set: TrustedListSet
  readonly changes: readonly TrustedListChange[]
  /** True when the pinned LOTL signers were set or replaced by this update. */
  readonly pinChanged: boolean
  /** Files of `lists/` that are not XML and were left out. */
  readonly ignored: readonly string[]
  /** Why the set installed before did not verify, when it did not (it was replaced). */
  readonly replacedBroken?: string
}

function sameCertificates(a: readonly Der[], b: readonly Der[]): boolean {
  const key = (list: readonly Der[]) =>
    list
      .map((d) => Buffer.from(d).toString('base64'))
      .sort()
      .join()
  return key(a) === key(b)
}

/**
 * Validates the folder `fromDir` (layout of trusted-list-folder.ts) strictly — the LOTL signed by
 * the pinned signers, every national list signed by a signer the LOTL names for it and of that
 * territory, none stale, none older than the installed one (TSLSequenceNumber, clause 5.3.2: a
 * replayed old list would bring back a withdrawn service) — and installs it as the new `current`
 * with one rename. On any problem it throws {@link TrustedListUpdateRefused} and the store is as
 * it was. One update at a time (a lock file).
 */
export function updateTrustedListStore(
  storeDir: string,
  fromDir: string,
  options: UpdateTrustedListStoreOptions,
): TrustedListUpdate {
  const dir = resolve(storeDir)
  mkdirSync(join(dir, VERSIONS_FOLDER), { recursive: true })
  const lockPath = join(dir, LOCK_FILE)
  let lock: number
  try {
    lock = openSync(lockPath, 'wx')
  } catch {
    throw new TrustedListUpdateRefused([
      `another update holds ${lockPath}; if none is running, remove that file and try again`,
    ])
  }
  try {
    return install(dir, resolve(fromDir), options)
  } finally {
    closeSync(lock)
    unlinkSync(lockPath)
  }
}

function install(dir: string, fromDir: string, options: UpdateTrustedListStoreOptions): TrustedListUpdate {
  const problems: string[] = []
  let installed: InstalledTrustedLists | undefined
  let installedProblem: string | undefined
  try {
    installed = loadInstalledTrustedLists(dir, options.now)
  } catch (error) {
    // The installed set no longer verifies (its files were changed): nothing of it is relied on,
    // not even its pin, so the new folder must bring one; the report says what was replaced.
    if (!(error instanceof TrustError)) throw error
    installedProblem = error.message
  }
  let folder: ReturnType<typeof readTrustedListFolder>
  try {
    folder = readTrustedListFolder(fromDir)
  } catch (error) {
    throw new TrustedListUpdateRefused([(error as Error).message])
  }

  // The pin: the installed one, unless the operator accepts the folder's.
  let pinPem: string
  let pinChanged = false
  const folderPin = folder.lotlSignersPem
  if (folderPin === undefined) {
    if (!installed) {
      throw new TrustedListUpdateRefused([
        `${join(fromDir, LOTL_SIGNERS_FILE)} is missing and ${installedProblem ? `the installed set does not verify (${installedProblem})` : 'nothing is installed yet'}: put the LOTL signer certificates the EU publishes in the Official Journal there (PEM)`,
      ])
    }
    pinPem = installed.lotlSignersPem
  } else {
    let given: Der[]
    try {
      given = pinOf(folderPin, join(fromDir, LOTL_SIGNERS_FILE))
    } catch (error) {
      throw new TrustedListUpdateRefused([(error as Error).message])
    }
    if (installed && !sameCertificates(given, pinOf(installed.lotlSignersPem, 'the installed pin'))) {
      if (!options.acceptNewLotlSigners) {
        throw new TrustedListUpdateRefused([
          `${join(fromDir, LOTL_SIGNERS_FILE)} pins other LOTL signer certificates than the installed ones; check them against the Official Journal and pass --accept-lotl-signers to replace the pin`,
        ])
      }
      pinChanged = true
    }
    if (!installed) pinChanged = true
    pinPem = folderPin
  }

  let set: TrustedListSet
  try {
    set = verifyTrustedListSet(folder.files, {
      lotlSigners: pinOf(pinPem, LOTL_SIGNERS_FILE),
      now: options.now,
      refuseStale: true,
    })
  } catch (error) {
    throw new TrustedListUpdateRefused([(error as Error).message])
  }
  for (const problem of set.problems) problems.push(`${problem.territory}: ${problem.reason} (${problem.code})`)

  // No going back (clause 5.3.2: each issue has a higher sequence number).
  if (installed) {
    const older = (before: TrustedListSet['lotl'], after: TrustedListSet['lotl']) => {
      if (after.sequenceNumber < before.sequenceNumber)
        return `${describeTrustedList(after)} is older than what is installed, ${describeTrustedList(before)} (sequence number went back)`
      if (after.sequenceNumber === before.sequenceNumber && after.issueDate.getTime() !== before.issueDate.getTime())
        return `${describeTrustedList(after)} has the sequence number of what is installed, ${describeTrustedList(before)}, with another issue date`
      return undefined
    }
    const lotl = older(installed.set.lotl, set.lotl)
    if (lotl) problems.push(`EU: ${lotl} (trusted_list_rollback)`)
    for (const list of set.lists) {
      const before = installed.set.lists.find((l) => l.schemeTerritory === list.schemeTerritory)
      const back = before ? older(before, list) : undefined
      if (back) problems.push(`${list.schemeTerritory}: ${back} (trusted_list_rollback)`)
    }
  }
  if (problems.length > 0) throw new TrustedListUpdateRefused(problems)

  // Write the verified text into a new version folder, then point `current` at it in one rename.
  const stamp = options.now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')
  const version = `${stamp}-lotl${set.lotl.sequenceNumber}-${randomBytes(3).toString('hex')}`
  const staging = join(dir, VERSIONS_FOLDER, `.${version}.partial`)
  mkdirSync(join(staging, LISTS_FOLDER), { recursive: true })
  writeFileSync(join(staging, LOTL_FILE), folder.files.lotl)
  for (const list of folder.files.lists) writeFileSync(join(staging, LISTS_FOLDER, `${list.territory}.xml`), list.xml)
  writeFileSync(join(staging, LOTL_SIGNERS_FILE), pinPem)
  writeFileSync(
    join(staging, INSTALLED_FILE),
    `${JSON.stringify({ installedAt: options.now.toISOString(), from: options.source ?? fromDir, lotlSequenceNumber: set.lotl.sequenceNumber }, null, 2)}\n`,
  )
  renameSync(staging, join(dir, VERSIONS_FOLDER, version))
  const link = join(dir, `.${CURRENT_LINK}.${version}`)
  symlinkSync(join(VERSIONS_FOLDER, version), link)
  renameSync(link, join(dir, CURRENT_LINK))

  // Keep the version before (a process may still be reading it); older ones go.
  const previousVersion = installed?.version
  for (const name of readdirSync(join(dir, VERSIONS_FOLDER))) {
    if (name !== version && name !== previousVersion)
      rmSync(join(dir, VERSIONS_FOLDER, name), { recursive: true, force: true })
  }
  return {
    version,
    ...(previousVersion ? { previousVersion } : {}),
    set,
    changes: compareTrustedListSets(installed?.set, set),
    pinChanged,
    ignored: folder.ignored,
    ...(installedProblem ? { replacedBroken: installedProblem } : {}),
  }
}

/** Whether the store has a set installed (for the production start-up check). */
export function hasInstalledTrustedLists(storeDir: string): boolean {
  const version = currentVersion(storeDir)
  return version !== undefined && existsSync(join(storeDir, VERSIONS_FOLDER, version, LOTL_FILE))
}
