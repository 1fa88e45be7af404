import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import type { Command } from 'commander'
import { buildEdc } from '../build/build-edc.ts'
import { ElmError } from '../errors.ts'
import { parseEdc } from '../parse/parse-edc.ts'
import { annexIReport, formatAnnexIReport } from '../report/annex-i-report.ts'

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
    .description('print the Annex I report of any EDC file (plain, upload wrapper, or JAdES-sealed)')
    .argument('<file>', 'EDC JSON-LD file')
    .option('--json', 'print the report as JSON')
    .action((file: string, options: { json?: boolean }) => {
      const parsed = parseEdc(readFileSync(file))
      const report = annexIReport(parsed)
      if (options.json) {
        console.log(JSON.stringify(report, null, 2))
        return
      }
      const sealed = parsed.seal ? ` (sealed: ${parsed.seal.format}, ${String(parsed.seal.protectedHeader.alg)})` : ''
      console.log(`Annex I report of ${parsed.id}${sealed}\n${formatAnnexIReport(report)}`)
      if (!report.isMicroCredential) process.exitCode = 1
    })
  return elm
}
