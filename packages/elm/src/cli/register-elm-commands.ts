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

/** How the report names a seal this command read but did not verify (issue 12 §5: "sealed" only of a verified seal). */
function sealNote(parsed: ParsedEdc): string {
  if (!parsed.seal) return ''
  return ` (a ${parsed.seal.format} seal, ${String(parsed.seal.protectedHeader.alg)}, NOT verified by this command: verify the file with the verifier's POST /api/{rp}/edc-verifications)`
}

/** `alma elm build` and `alma elm report`. */
export function registerElmCommands(program: Command): Command {
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
      'print the Annex I report and the FORMAT check (EDC SHACL) of any EDC file (plain, upload wrapper, or JAdES-sealed; a seal is not verified); exit 1 unless both pass',
    )
    .argument('<file>', 'EDC JSON-LD file')
    .option('--json', 'print the report as JSON (the Annex I report, with `format`)')
    .action(async (file: string, options: { json?: boolean }) => {
      const parsed = parseEdc(readFileSync(file))
      const report = annexIReport(parsed)
      const format = await checkEdcFormat(parsed)
      if (!report.isMicroCredential || format.status !== 'OK') process.exitCode = 1
      if (options.json) {
        console.log(JSON.stringify({ ...report, format }, null, 2))
        return
      }
      console.log(`Annex I report of ${parsed.id}${sealNote(parsed)}\n${formatAnnexIReport(report)}`)
      console.log(`FORMAT: ${format.status} — ${format.reason}`)
    })
  return elm
}
