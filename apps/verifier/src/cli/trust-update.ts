// `alma verifier trust update --from DIR`: validate a folder of EU trusted lists and make it the
// verifier's trusted-list store (trusted-lists/trusted-list-store.ts), saying what changed.
import { describeTrustedListChange } from '@alma/trust'
import {
  describeTrustedListSet,
  TrustedListUpdateRefused,
  updateTrustedListStore,
} from '../trusted-lists/trusted-list-store.ts'
import { CliError } from './cli-config.ts'

export interface TrustUpdateOptions {
  /** The verifier's store (`trustedListsDir`). */
  readonly storeDir: string
  /** The folder to install: lotl.xml, lists/<CC>.xml, lotl-signers.pem. */
  readonly from: string
  readonly acceptNewLotlSigners: boolean
  readonly now: Date
  readonly out: (line: string) => void
}

/**
 * Installs the folder or throws a {@link CliError} naming every problem, one per line, with the
 * store unchanged. A running `alma verifier serve` reads the new set within ten seconds.
 */
export function runTrustUpdate(options: TrustUpdateOptions): void {
  let update: ReturnType<typeof updateTrustedListStore>
  try {
    update = updateTrustedListStore(options.storeDir, options.from, {
      now: options.now,
      acceptNewLotlSigners: options.acceptNewLotlSigners,
      source: options.from,
    })
  } catch (error) {
    if (error instanceof TrustedListUpdateRefused) {
      throw new CliError(
        `trust update refused, nothing changed (${options.storeDir}):\n${error.problems.map((p) => `  ${p}`).join('\n')}`,
      )
    }
    throw error
  }
  const { out } = options
  out(`trusted lists from ${options.from} installed in ${options.storeDir} (version ${update.version})`)
  if (update.replacedBroken) out(`  the set installed before did not verify and was replaced: ${update.replacedBroken}`)
  if (update.pinChanged) out('  the pinned LOTL signer certificates are now those of the folder’s lotl-signers.pem')
  out(`  ${describeTrustedListSet(update.set, options.now)}`)
  if (update.ignored.length > 0) out(`  not read (not *.xml): ${update.ignored.join(', ')}`)
  if (update.changes.length === 0) out('  no change')
  else {
    out(`  ${update.changes.length} change(s):`)
    for (const change of update.changes) out(`    ${describeTrustedListChange(change)}`)
  }
}
