// A folder of EU trusted lists, offline: the layout Alma reads and writes.
//
//   <dir>/lotl.xml            the EU List of Trusted Lists (https://ec.europa.eu/tools/lotl/eu-lotl.xml)
//   <dir>/lists/<CC>.xml      a national trusted list, CC its SchemeTerritory (ISO 3166-1 alpha-2; EL, UK)
//   <dir>/lotl-signers.pem    the LOTL signer certificates the EU publishes in the Official Journal
//
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { TrustError } from '../errors.ts'
import type { TrustedListFiles } from './verify-trusted-list-set.ts'

export const LOTL_FILE = 'lotl.xml'
export const LISTS_FOLDER = 'lists'
export const LOTL_SIGNERS_FILE = 'lotl-signers.pem'

/** What a folder holds, read but not verified. */
export interface TrustedListFolder {
  readonly files: TrustedListFiles
  /** `lotl-signers.pem` as text, when the folder has one. */
  readonly lotlSignersPem?: string
  /** Files in `lists/` that are not `*.xml` and were not read (a README, a PDF list). */
  readonly ignored: readonly string[]
}

/** Per file; the largest national lists are a few MB. */
const MAX_FILE_BYTES = 32 * 1024 * 1024

function readCapped(path: string): string {
  let size: number
  try {
    const stat = statSync(path)
    if (!stat.isFile()) throw new TrustError('trusted_list_unreadable', `${path} is not a file`)
    size = stat.size
  } catch (error) {
    if (error instanceof TrustError) throw error
    const code = (error as NodeJS.ErrnoException).code
    throw new TrustError('trusted_list_unreadable', `cannot read ${path}${code ? ` (${code})` : ''}`)
  }
  if (size > MAX_FILE_BYTES) {
    throw new TrustError('trusted_list_too_large', `${path} is larger than ${MAX_FILE_BYTES} bytes`)
  }
  return readFileSync(path, 'utf8')
}

/**
 * Reads a trusted-list folder (layout above). Throws a {@link TrustError} `trusted_list_unreadable`
 * naming the path when `lotl.xml` is missing or a file cannot be read. `lists/` may be absent (no
 * national list); every `*.xml` in it is read under the territory its name gives.
 *
 * @example
 * const folder = readTrustedListFolder('/var/lib/alma/eu-lists')
 * const set = verifyTrustedListSet(folder.files, { lotlSigners: loadTrustAnchorsFromPem(folder.lotlSignersPem ?? ''), now, refuseStale: true })
 */
export function readTrustedListFolder(dir: string): TrustedListFolder {
  const lotl = readCapped(join(dir, LOTL_FILE))
  const listsDir = join(dir, LISTS_FOLDER)
  let names: string[] = []
  try {
    names = readdirSync(listsDir).sort()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOENT')
      throw new TrustError('trusted_list_unreadable', `cannot read ${listsDir}${code ? ` (${code})` : ''}`)
  }
  const lists: { territory: string; xml: string }[] = []
  const ignored: string[] = []
  for (const name of names) {
    if (!name.endsWith('.xml')) {
      ignored.push(name)
      continue
    }
    lists.push({ territory: name.slice(0, -'.xml'.length), xml: readCapped(join(listsDir, name)) })
  }
  let lotlSignersPem: string | undefined
  try {
    lotlSignersPem = readFileSync(join(dir, LOTL_SIGNERS_FILE), 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOENT')
      throw new TrustError(
        'trusted_list_unreadable',
        `cannot read ${join(dir, LOTL_SIGNERS_FILE)}${code ? ` (${code})` : ''}`,
      )
  }
  return { files: { lotl, lists }, ignored, ...(lotlSignersPem !== undefined ? { lotlSignersPem } : {}) }
}
