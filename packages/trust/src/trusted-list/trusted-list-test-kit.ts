// Test support (not exported from the package): an EU trusted-list setup made by test CAs — a
// LOTL signer (standing for the certificates the Official Journal publishes), one list signer per
// member state, the LOTL pointing at each national list with its signer, signed lists, and the
// folder layout of trusted-list-folder.ts written to disk.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createDevCa, type DevCa } from '../x509/dev-ca.ts'
import {
  type CreateTrustedListInput,
  type CreateTrustedListPointer,
  createTrustedList,
  signTrustedList,
} from './create-trusted-list.ts'
import { LISTS_FOLDER, LOTL_FILE, LOTL_SIGNERS_FILE } from './trusted-list-folder.ts'
import type { TrustedListFiles } from './verify-trusted-list-set.ts'

export interface KitNationalList {
  readonly territory: string
  readonly sequenceNumber: number
  readonly issueDate?: Date
  readonly nextUpdate?: Date
  readonly providers: CreateTrustedListInput['providers']
  /** Sign with this instead of the territory's signer (a key the LOTL does not name). */
  readonly signedBy?: DevCa
}

export interface KitBuildInput {
  readonly lotlSequenceNumber?: number
  readonly issueDate: Date
  readonly nextUpdate: Date
  readonly lists: readonly KitNationalList[]
  /** Sign the LOTL with this instead of the pinned LOTL signer. */
  readonly lotlSignedBy?: DevCa
  /** Extra or replacement pointers; by default one XML pointer per list, naming its territory's signer. */
  readonly pointers?: readonly CreateTrustedListPointer[]
}

export interface TrustedListKit {
  /** The pinned LOTL signer (what the EU publishes in the Official Journal). */
  readonly lotlSigner: DevCa
  /** `lotl-signers.pem`: the pinned LOTL signer certificate. */
  readonly lotlSignersPem: string
  /** The list signer of a territory, made on first use. */
  signerOf(territory: string): Promise<DevCa>
  build(input: KitBuildInput): Promise<TrustedListFiles>
}

export async function createTrustedListKit(now: Date): Promise<TrustedListKit> {
  const start = new Date(now.getTime() - 365 * 24 * 3600 * 1000)
  const lotlSigner = await createDevCa({ name: 'Test EU LOTL Signer', country: 'BE', now: start })
  const signers = new Map<string, DevCa>()
  const signerOf = async (territory: string) => {
    let signer = signers.get(territory)
    if (!signer) {
      signer = await createDevCa({
        name: `Test ${territory} Trusted List Signer`,
        country: territory === 'EL' ? 'GR' : territory === 'UK' ? 'GB' : territory,
        now: start,
      })
      signers.set(territory, signer)
    }
    return signer
  }
  return {
    lotlSigner,
    lotlSignersPem: lotlSigner.certificatePem,
    signerOf,
    async build(input) {
      const pointers: CreateTrustedListPointer[] = input.pointers
        ? [...input.pointers]
        : await Promise.all(
            input.lists.map(async (list) => ({
              territory: list.territory,
              signerCertificates: [(await signerOf(list.territory)).certificateDer],
            })),
          )
      const lotl = await signTrustedList(
        createTrustedList({
          schemeTerritory: 'EU',
          sequenceNumber: input.lotlSequenceNumber ?? 300,
          issueDate: input.issueDate,
          nextUpdate: input.nextUpdate,
          schemeOperatorName: 'European Commission',
          pointers,
          providers: [],
        }),
        (input.lotlSignedBy ?? lotlSigner).privateKey,
        (input.lotlSignedBy ?? lotlSigner).certificateDer,
      )
      const lists = await Promise.all(
        input.lists.map(async (list) => {
          const signer = list.signedBy ?? (await signerOf(list.territory))
          const xml = await signTrustedList(
            createTrustedList({
              schemeTerritory: list.territory,
              sequenceNumber: list.sequenceNumber,
              issueDate: list.issueDate ?? input.issueDate,
              nextUpdate: list.nextUpdate ?? input.nextUpdate,
              schemeOperatorName: `Supervisory body of ${list.territory}`,
              providers: list.providers,
            }),
            signer.privateKey,
            signer.certificateDer,
          )
          return { territory: list.territory, xml }
        }),
      )
      return { lotl, lists }
    },
  }
}

/** Writes a set in the folder layout: `lotl.xml`, `lists/<CC>.xml`, and `lotl-signers.pem` when given. */
export function writeTrustedListFolder(dir: string, files: TrustedListFiles, lotlSignersPem?: string): string {
  mkdirSync(join(dir, LISTS_FOLDER), { recursive: true })
  writeFileSync(join(dir, LOTL_FILE), files.lotl)
  for (const list of files.lists) writeFileSync(join(dir, LISTS_FOLDER, `${list.territory}.xml`), list.xml)
  if (lotlSignersPem !== undefined) writeFileSync(join(dir, LOTL_SIGNERS_FILE), lotlSignersPem)
  return dir
}
