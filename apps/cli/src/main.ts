import { fileURLToPath } from 'node:url'
import { buildEdcFiles, ElmError, registerElmCommands } from '@alma/elm'
import { Command } from 'commander'

const examples = fileURLToPath(new URL('../../../config/examples/', import.meta.url))

/** Commands that need no more than @alma/elm; any other first word also loads @alma/trust. */
const ELM_ONLY_COMMANDS = new Set(['elm', 'demo'])

/** Commands of @alma/issuer (express, OpenID4VC libraries): loaded only for these, or for help. */
const ISSUER_COMMANDS = new Set(['issuer', 'award', 'revoke'])

/** The trust module once loaded, so that its errors can be told apart (`instanceof TrustError`). */
let trust: typeof import('@alma/trust') | undefined

/**
 * The `alma` program for `argv`. @alma/trust (Veramo, xml-crypto, pkijs: about a second to load)
 * is loaded only when the command is not one of {@link ELM_ONLY_COMMANDS}, so `alma trust …` and
 * `alma --help` list it and `alma elm …` starts fast.
 */
export async function createProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('alma')
    .description('Alma: issue and verify European micro-credentials (ELM / EDC, OpenID4VCI, OpenID4VP)')
    .showHelpAfterError()
  registerElmCommands(program)
  const command = argv.slice(2).find((arg) => !arg.startsWith('-'))
  if (command === undefined || !ELM_ONLY_COMMANDS.has(command)) {
    trust = await import('@alma/trust')
    trust.registerTrustCommands(program)
  }
  if (command === undefined || ISSUER_COMMANDS.has(command)) {
    const { registerIssuerCommands } = await import('@alma/issuer')
    registerIssuerCommands(program)
  }
  program
    .command('demo')
    .description(
      'build the example micro-credentials of the demo alliance, print their Annex I reports, then issue one to a wallet over OpenID4VCI',
    )
    .option('-o, --out <dir>', 'output folder', '.alma/demo')
    .option('--no-issue', 'only build the documents (no issuer, no wallet)')
    .action(async (options: { out: string; issue: boolean }) => {
      const { annexIReport, formatAnnexIReport } = await import('@alma/elm')
      for (const [awardFile, organisationsFile] of [
        ['ana-andromeda.json', 'organisations.json'],
        ['jonas-becker.json', 'organisations-mandate.json'],
      ] as const) {
        const started = performance.now()
        const { document, documentPath, pagePaths } = buildEdcFiles(
          `${examples}specification.json`,
          `${examples}awards/${awardFile}`,
          `${examples}${organisationsFile}`,
          options.out,
        )
        console.log(`\n${awardFile} (${organisationsFile}) built in ${Math.round(performance.now() - started)} ms`)
        console.log(`  EDC document: ${documentPath}`)
        for (const path of pagePaths) console.log(`  certificate page: ${path}`)
        console.log(formatAnnexIReport(annexIReport(document)).replace(/^/gm, '  '))
      }
      if (options.issue) {
        const { runIssuanceDemo } = await import('@alma/issuer')
        await runIssuanceDemo({ examples })
      }
    })
  return program
}

try {
  await (await createProgram()).parseAsync(process.argv)
} catch (error) {
  if (error instanceof ElmError) {
    console.error(`alma: ${error.message}`)
    // The message names the first five issues (parseBuildInputs); the rest follow here.
    for (const issue of error.issues.slice(5)) console.error(`  ${issue.path}: ${issue.message}`)
    process.exitCode = 2
  } else if (trust && error instanceof trust.TrustError) {
    // The code is stable (scripts may match it); the message says what to fix.
    console.error(`alma: ${error.message} (${error.code})`)
    process.exitCode = 2
  } else {
    throw error
  }
}
