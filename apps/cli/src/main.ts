import { ElmError, registerElmCommands } from '@alma/elm'
import { Command } from 'commander'

/** Commands that need no more than @alma/elm; any other first word also loads @alma/trust. */
const ELM_ONLY_COMMANDS = new Set(['elm'])

/** The main job: issuer, verifier and the reference wallet together. */
const DEPLOYMENT_COMMANDS = new Set(['up', 'demo'])

/** Commands of @alma/issuer (express, OpenID4VC libraries): loaded only for these, or for help. */
const ISSUER_COMMANDS = new Set(['issuer', 'award', 'revoke'])

/** Commands of @alma/verifier (express, OpenID4VP libraries): loaded only for these, or for help. */
const VERIFIER_COMMANDS = new Set(['verifier'])

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
  registerElmCommands(program, {
    // A seal's signature is checked with @alma/trust's JAdES check (elm cannot depend on trust),
    // loaded only when a report meets a sealed file, so `alma elm` keeps starting fast.
    verifySeal: async (file) => {
      const check = await (await import('@alma/trust')).verifyJadesSealFile(file)
      return { verified: check.sealed && check.verified, reason: check.reason }
    },
  })
  const command = argv.slice(2).find((arg) => !arg.startsWith('-'))
  if (command === undefined || !ELM_ONLY_COMMANDS.has(command)) {
    trust = await import('@alma/trust')
    trust.registerTrustCommands(program)
  }
  if (command === undefined || ISSUER_COMMANDS.has(command)) {
    const { registerIssuerCommands } = await import('@alma/issuer')
    registerIssuerCommands(program)
  }
  if (command === undefined || VERIFIER_COMMANDS.has(command)) {
    const { registerVerifierCommands } = await import('@alma/verifier')
    registerVerifierCommands(program)
  }
  if (command === undefined || DEPLOYMENT_COMMANDS.has(command)) {
    const { registerDeploymentCommands } = await import('./deployment/register-deployment-commands.ts')
    registerDeploymentCommands(program)
  }
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
