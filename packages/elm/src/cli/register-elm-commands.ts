import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import type { Command } from 'commander'
import { buildEdc, CREDENTIAL_PROFILE_ISSUED_BY_MANDATE } from '../build/build-edc.ts'
import { ElmError } from '../errors.ts'
import { type ParsedEdc, parseEdc } from '../parse/parse-edc.ts'
import { annexIReport, formatAnnexIReport } from '../report/annex-i-report.ts'
import type { EdcShaclProfile } from '../shacl/validate-edc-shacl.ts'
import { createElmWorkers } from '../worker/elm-worker-pool.ts'

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new ElmError('invalid_input', `${path}: ${(error as Error).message}`, [], { cause: error })
  }
}

export interface BuildFilesResult {
  documentPath: string
  pagePaths: string[]
}

/** Builds the EDC document of one award and writes it with its certificate pages (PNG, one per language). */
export function buildEdcFiles(
  specPath: string,
  awardPath: string,
  organisationsPath: string,
  outDir: string,
  now?: Date,
) {
  const document = buildEdc(readJson(specPath), readJson(awardPath), readJson(organisationsPath), now ? { now } : {})
  mkdirSync(outDir, { recursive: true })
  const name = basename(awardPath, extname(awardPath))
  const documentPath = join(outDir, `${name}.jsonld`)
  writeFileSync(documentPath, `${JSON.stringify(document, null, 2)}\n`)
  const pagePaths = parseEdc(document).display.pages.map((page) => {
    const path = join(outDir, `${name}.${page.language}.png`)
    writeFileSync(path, Buffer.from(page.content, 'base64'))
    return path
  })
  return { document, documentPath, pagePaths }
}

/** FORMAT as EDC names it: the document against the EC's SHACL profile, OK or ERROR with the reason. */
export interface FormatCheck {
  readonly status: 'OK' | 'ERROR'
  readonly profile: EdcShaclProfile
  readonly reason: string
}

/**
 * Validates a parsed EDC with the SHACL profile its credential profiles call for, on a worker
 * thread with a deadline (the file may be anyone's). A document with no EDC node, beyond the
 * limits, or not JSON-LD is an ERROR that says so — never a pass on nothing (issue 12 §5).
 */
export async function checkEdcFormat(parsed: ParsedEdc, deadlineMs = 60_000): Promise<FormatCheck> {
  const profile: EdcShaclProfile = parsed.profiles.some((p) => p.id === CREDENTIAL_PROFILE_ISSUED_BY_MANDATE)
    ? 'issued-by-mandate'
    : 'generic-full'
  const workers = createElmWorkers({ size: 1 })
  try {
    const report = await workers.validateShacl(parsed.document, { profile, deadlineMs })
    const ignored = report.ignoredSchemaTriples
      ? `; ${report.ignoredSchemaTriples} rdfs/owl schema triples in the document were ignored`
      : ''
    if (report.conforms) {
      return {
        status: 'OK',
        profile,
        reason: `conforms to the EDC SHACL profile '${profile}' (${report.triples} triples, no violation${ignored})`,
      }
    }
    const shown = report.violations.slice(0, 5).map((v) => {
      const where = [...v.within, v.property].filter(Boolean).join('.') || v.focusNode
      return `${where}: ${v.message}`
    })
    const more = report.violations.length > shown.length ? `; and ${report.violations.length - shown.length} more` : ''
    return {
      status: 'ERROR',
      profile,
      reason: `${report.violations.length} violation(s) of the EDC SHACL profile '${profile}': ${shown.join('; ')}${more}${ignored}`,
    }
  } catch (error) {
    if (!(error instanceof ElmError)) throw error
    return { status: 'ERROR', profile, reason: error.message }
  } finally {
    await workers.close()
  }
}

/** What a seal verifier says of a sealed file's signature (the `alma` program passes @alma/trust's). */
export interface SealSignatureCheck {
  readonly verified: boolean
  readonly reason: string
}

export interface ElmCommandsOptions {
  /**
   * Checks a sealed file's signature over its exact bytes. @alma/elm cannot depend on @alma/trust
   * (trust depends on elm), so the `alma` program passes trust's `verifyJadesSealFile`; without it
   * a seal is reported as not verified.
   */
  readonly verifySeal?: (file: Uint8Array) => Promise<SealSignatureCheck>
}

/** The seal of a report: what was checked, said plainly (issue 12 §5: "sealed" only of a verified seal). */
interface SealReport {
  readonly format: string
  readonly alg: string
  readonly signature: 'verified' | 'INVALID' | 'not-checked'
  /** The certificate (chain to a trust anchor, validity at the time-stamp, owner) is the verifier's. */
  readonly certificateChain: 'not-checked'
  readonly reason: string
}

async function checkSeal(
  parsed: ParsedEdc,
  file: Uint8Array,
  verifySeal: ElmCommandsOptions['verifySeal'],
): Promise<SealReport | undefined> {
  if (!parsed.seal) return undefined
  const common = {
    format: parsed.seal.format,
    alg: String(parsed.seal.protectedHeader.alg),
    certificateChain: 'not-checked' as const,
  }
  if (!verifySeal)
    return { ...common, signature: 'not-checked', reason: 'this build of the command has no seal verifier' }
  const check = await verifySeal(file)
  return { ...common, signature: check.verified ? 'verified' : 'INVALID', reason: check.reason }
}

function sealNote(seal: SealReport | undefined): string {
  if (!seal) return ''
  const name = `${seal.format} ${seal.alg}`
  if (seal.signature === 'verified') return ` (sealed: ${name}, signature verified; certificate chain not checked)`
  if (seal.signature === 'INVALID') return ` (${name} seal signature INVALID)`
  return ` (a ${name} seal, NOT verified by this command: ${seal.reason})`
}

/** `alma elm build` and `alma elm report`. */
export function registerElmCommands(program: Command, options: ElmCommandsOptions = {}): Command {
  const elm = program.command('elm').description('European Learning Model micro-credentials (EDC documents)')
  elm
    .command('build')
    .description('build the EDC document of one award, with its certificate pages, and print its Annex I report')
    .argument('<specification>', 'micro-credential specification (JSON)')
    .argument('<award>', 'the learner and result (JSON)')
    .argument('<organisations>', 'issuer, awarding bodies, alliance (JSON)')
    .option('-o, --out <dir>', 'output folder', 'out')
    .option('--now <date-time>', 'issuing instant (default: now)')
    .action(
      (specPath: string, awardPath: string, organisationsPath: string, options: { out: string; now?: string }) => {
        const now = options.now ? new Date(options.now) : undefined
        const { document, documentPath, pagePaths } = buildEdcFiles(
          specPath,
          awardPath,
          organisationsPath,
          options.out,
          now,
        )
        console.log(`EDC document: ${documentPath}`)
        for (const path of pagePaths) console.log(`certificate page: ${path}`)
        console.log(`\nAnnex I report of ${document.id}\n${formatAnnexIReport(annexIReport(document))}`)
      },
    )
  elm
    .command('report')
    .description(
      'print the Annex I report, the FORMAT check (EDC SHACL) and, for a JAdES-sealed file, whether its seal signature verifies over the exact bytes (the certificate chain is not checked: the verifier does that) of any EDC file (plain, upload wrapper, or JAdES-sealed); exit 1 unless all pass',
    )
    .argument('<file>', 'EDC JSON-LD file')
    .option('--json', 'print the report as JSON (the Annex I report, with `format`, and `seal` for a sealed file)')
    .action(async (file: string, flags: { json?: boolean }) => {
      const bytes = readFileSync(file)
      const parsed = parseEdc(bytes)
      const report = annexIReport(parsed)
      const seal = await checkSeal(parsed, bytes, options.verifySeal)
      const format = await checkEdcFormat(parsed)
      if (!report.isMicroCredential || format.status !== 'OK' || seal?.signature === 'INVALID') process.exitCode = 1
      if (flags.json) {
        console.log(JSON.stringify({ ...report, format, ...(seal ? { seal } : {}) }, null, 2))
        return
      }
      console.log(`Annex I report of ${parsed.id}${sealNote(seal)}\n${formatAnnexIReport(report)}`)
      if (seal && seal.signature !== 'not-checked')
        console.log(`SEAL: ${seal.signature === 'verified' ? 'OK' : 'ERROR'} — ${seal.reason}`)
      console.log(`FORMAT: ${format.status} — ${format.reason}`)
    })
  return elm
}
