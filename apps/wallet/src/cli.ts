// The wallet's commands: `alma-wallet accept | list | show | status | present | remove`, or mounted
// under another program as `<program> wallet …` (registerWalletCommands). The wallet file and its
// passphrase come from options or ALMA_WALLET_FILE / ALMA_WALLET_PASSPHRASE; a missing passphrase
// or transaction code is asked for on the terminal. Errors end as one line on stderr, exit code 2.
//
// Run it directly: `npx tsx apps/wallet/src/cli.ts --help`.
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { Command, Option } from 'commander'
import { decodeJwt } from 'jose'
import { CredentialStore, type StoredCredential } from './credential-store.ts'
import { WalletError } from './errors.ts'
import { answerPresentationRequest, type ChooseDisclosures, describeDisclosed } from './present/answer-request.ts'
import { type ClaimPath, formatClaimPath, parseClaimPath } from './present/claim-paths.ts'
import { readSdJwt } from './present/create-sd-jwt-presentation.ts'
import { type AuthorizationStep, acceptCredentialOffer, type IssuanceFlow } from './receive/accept-offer.ts'
import { checkCredentialStatus } from './status/check-credential-status.ts'

/** The wallet file when neither `--wallet` nor ALMA_WALLET_FILE names one. */
export const DEFAULT_WALLET_FILE = '.alma/wallet.json'
export const WALLET_FILE_ENV = 'ALMA_WALLET_FILE'
export const WALLET_PASSPHRASE_ENV = 'ALMA_WALLET_PASSPHRASE'

/** Where the commands read and write; injectable for tests. */
export interface WalletCommandsOptions {
  readonly out?: (line: string) => void
  readonly err?: (line: string) => void
  /** The environment to read ALMA_WALLET_FILE / ALMA_WALLET_PASSPHRASE from; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Asks the user a question; default the terminal (hidden input for secrets). */
  readonly prompt?: (question: string, options?: { readonly hidden?: boolean }) => Promise<string>
}

interface GlobalOptions {
  wallet?: string
  passphrase?: string
  insecureLoopback?: boolean
}

interface Io {
  readonly out: (line: string) => void
  readonly err: (line: string) => void
  readonly env: Readonly<Record<string, string | undefined>>
  readonly prompt: (question: string, options?: { readonly hidden?: boolean }) => Promise<string>
}

/**
 * Mounts the wallet under `program` as `wallet accept | list | show | status | present | remove`.
 *
 * @example
 * ```ts
 * const program = new Command('alma')
 * registerWalletCommands(program)   // alma wallet accept 'openid-credential-offer://?…'
 * ```
 */
export function registerWalletCommands(program: Command, options: WalletCommandsOptions = {}): Command {
  const wallet = program
    .command('wallet')
    .description('a reference holder: receive credentials over OpenID4VCI 1.0, present them over OpenID4VP 1.0')
  addWalletCommands(wallet, options)
  return wallet
}

/**
 * The standalone `alma-wallet` program.
 *
 * @example
 * ```ts
 * await createWalletProgram().parseAsync(['list'], { from: 'user' })
 * ```
 */
export function createWalletProgram(options: WalletCommandsOptions = {}): Command {
  const program = new Command('alma-wallet')
    .description('a reference holder: receive credentials over OpenID4VCI 1.0, present them over OpenID4VP 1.0')
    .showHelpAfterError()
  addWalletCommands(program, options)
  return program
}

function addWalletCommands(parent: Command, options: WalletCommandsOptions): void {
  const io: Io = {
    out: options.out ?? ((line) => process.stdout.write(`${line}\n`)),
    err: options.err ?? ((line) => process.stderr.write(`${line}\n`)),
    env: options.env ?? process.env,
    prompt: options.prompt ?? terminalPrompt,
  }
  parent
    .option('--wallet <file>', `the wallet file (default $${WALLET_FILE_ENV}, else ${DEFAULT_WALLET_FILE})`)
    .option('--passphrase <passphrase>', `the wallet passphrase (better: $${WALLET_PASSPHRASE_ENV}, or asked)`)
    .option('--insecure-loopback', 'allow plain http to 127.0.0.1 / localhost (development only)')

  parent
    .command('accept')
    .description('accept a credential offer (openid-credential-offer://… by value or by reference)')
    .argument('<offer-uri>', 'the offer URI (from the QR code or link)')
    .option('--tx-code <code>', 'the transaction code from the issuer (asked for when needed)')
    .addOption(
      new Option('--flow <flow>', 'the grant to use when the offer has both').choices([
        'pre-authorized_code',
        'authorization_code',
      ]),
    )
    .option('--configuration <id...>', 'only these credential configurations of the offer')
    .option('--client-id <id>', 'the OAuth client id of the wallet', 'alma-wallet')
    .action(
      run(io, async (offerUri: string, flags: AcceptFlags, command: Command) => {
        const globals = command.optsWithGlobals<GlobalOptions>()
        const store = await openStore(io, globals, true)
        const loopback = await startLoopbackRedirect(io)
        try {
          const accepted = await acceptCredentialOffer(offerUri, {
            store,
            allowInsecureLoopback: globals.insecureLoopback === true,
            clientId: flags.clientId,
            redirectUri: loopback.redirectUri,
            authorize: loopback.authorize,
            ...(flags.txCode !== undefined ? { txCode: flags.txCode } : {}),
            ...(flags.flow ? { flow: flags.flow } : {}),
            ...(flags.configuration ? { configurationIds: flags.configuration } : {}),
            askTxCode: async ({ length, inputMode, description }) =>
              io.prompt(
                `${description ?? 'Transaction code'}${length ? ` (${length} ${inputMode === 'text' ? 'characters' : 'digits'})` : ''}: `,
              ),
          })
          io.out(`Received ${accepted.credentials.length} credential(s) from ${accepted.issuer} (${accepted.flow}):`)
          for (const c of accepted.credentials)
            io.out(`  ${c.id}  ${c.format.padEnd(11)}  ${c.name ?? c.configurationId}`)
          for (const warning of accepted.warnings) io.err(`warning: ${warning}`)
        } finally {
          await loopback.close()
        }
      }),
    )

  parent
    .command('list')
    .description('list the credentials in the wallet')
    .action(
      run(io, async (_flags: object, command: Command) => {
        const store = await openStore(io, command.optsWithGlobals<GlobalOptions>(), false)
        const credentials = store.list()
        if (credentials.length === 0) return io.out('The wallet is empty.')
        for (const c of credentials) {
          io.out(
            `${c.id}  ${c.format.padEnd(11)}  ${c.receivedAt.slice(0, 10)}  ${c.name ?? c.configurationId}  ${c.issuer}`,
          )
        }
      }),
    )

  parent
    .command('show')
    .description('show one credential: its record and its claims (never the private key)')
    .argument('<id>', 'the credential id, or a unique start of it')
    .option('--raw', 'print the credential as issued (compact JWT / SD-JWT)')
    .action(
      run(io, async (id: string, flags: { raw?: boolean }, command: Command) => {
        const store = await openStore(io, command.optsWithGlobals<GlobalOptions>(), false)
        const credential = store.get(id)
        if (flags.raw) return io.out(credential.credential)
        io.out(JSON.stringify(await describeCredential(credential), null, 2))
      }),
    )

  parent
    .command('present')
    .description('answer an OpenID4VP presentation request (openid4vp://…)')
    .argument('<request-uri>', 'the request URI (from the QR code or link)')
    .option('--disclose <paths>', 'the claims to disclose, comma-separated dotted paths (default: what is asked)')
    .option('--trust-anchor <pem-file...>', "CA certificates the verifier's x5c chain must lead to")
    .option('--allow-redirect-uri', 'answer unsigned requests of redirect_uri: verifiers (development only)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(
      run(io, async (requestUri: string, flags: PresentFlags, command: Command) => {
        const globals = command.optsWithGlobals<GlobalOptions>()
        const store = await openStore(io, globals, false)
        const trustAnchors = await Promise.all((flags.trustAnchor ?? []).map((file) => readFile(file, 'utf8')))
        const answer = await answerPresentationRequest(requestUri, {
          store,
          allowInsecureLoopback: globals.insecureLoopback === true,
          allowUnsignedRedirectUri: flags.allowRedirectUri === true,
          ...(trustAnchors.length > 0 ? { trustAnchors } : {}),
          chooseDisclosures: chooseOnTerminal(io, store, flags),
        })
        io.out(`Presented to ${answer.verifier.name ?? answer.verifier.clientId} (${answer.verifier.clientId}):`)
        for (const p of answer.presented)
          io.out(`  ${p.queryId}: ${p.credentialId} — ${describeDisclosed(p.disclosed)}`)
        if (answer.redirectUri) io.out(`Continue at: ${answer.redirectUri}`)
      }),
    )

  parent
    .command('status')
    .description("ask each credential's issuer status list whether it is still valid (exit 1 unless all are)")
    .argument('[id]', 'the credential id, or a unique start of it (default: every credential)')
    .action(
      run(io, async (id: string | undefined, _flags: object, command: Command) => {
        const globals = command.optsWithGlobals<GlobalOptions>()
        const store = await openStore(io, globals, false)
        const credentials = id === undefined ? store.all() : [store.get(id)]
        for (const credential of credentials) {
          const answer = await checkCredentialStatus(credential, {
            allowInsecureLoopback: globals.insecureLoopback === true,
          })
          io.out(`${credential.id} ${credential.format}: ${answer.status} — ${answer.reason}`)
          if (answer.status !== 'valid') process.exitCode = 1
        }
      }),
    )

  parent
    .command('remove')
    .description('delete a credential and its key from the wallet')
    .argument('<id>', 'the credential id, or a unique start of it')
    .action(
      run(io, async (id: string, _flags: object, command: Command) => {
        const store = await openStore(io, command.optsWithGlobals<GlobalOptions>(), false)
        const { id: removed } = store.get(id)
        await store.remove(removed)
        io.out(`Removed ${removed}.`)
      }),
    )
}

interface AcceptFlags {
  txCode?: string
  flow?: IssuanceFlow
  configuration?: string[]
  clientId: string
}

interface PresentFlags {
  disclose?: string
  trustAnchor?: string[]
  allowRedirectUri?: boolean
  yes?: boolean
}

/** Runs an action; a WalletError becomes `alma-wallet: <message> (<code>)` and exit code 2. */
function run<A extends unknown[]>(io: Io, action: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await action(...args)
    } catch (error) {
      if (!(error instanceof WalletError)) throw error
      io.err(`alma-wallet: ${error.message} (${error.code})`)
      process.exitCode = 2
    }
  }
}

async function openStore(io: Io, globals: GlobalOptions, create: boolean): Promise<CredentialStore> {
  const path = resolve(globals.wallet ?? io.env[WALLET_FILE_ENV] ?? DEFAULT_WALLET_FILE)
  const passphrase =
    globals.passphrase ??
    io.env[WALLET_PASSPHRASE_ENV] ??
    (await io.prompt(`Passphrase for ${path}: `, { hidden: true }))
  return CredentialStore.open({ path, passphrase, create })
}

/** A credential for people: the record and its claims, without the holder's private key. */
async function describeCredential(credential: StoredCredential) {
  const { holderKey, credential: compact, ...record } = credential
  const claims =
    credential.format === 'dc+sd-jwt'
      ? (await readSdJwt(compact)).claims
      : (decodeJwt(compact) as Record<string, unknown>)
  return { ...record, holderKeyId: holderKey.id, claims }
}

/**
 * The holder's choice on the terminal: `--disclose` (paths that a credential does not have are
 * left out for it), else what the verifier asks; shown, then confirmed unless `--yes`.
 */
function chooseOnTerminal(io: Io, store: CredentialStore, flags: PresentFlags): ChooseDisclosures {
  return async (choice) => {
    let chosen: readonly ClaimPath[] = choice.requested
    if (flags.disclose !== undefined) {
      const { claims } = await readSdJwt(store.get(choice.credential.id).credential)
      const wanted = flags.disclose
        .split(',')
        .map((text) => text.trim())
        .filter(Boolean)
        .map((text) => parseClaimPath(text, claims))
      const isDisclosable = (path: ClaimPath) =>
        choice.disclosable.some((d) => formatClaimPath(d) === formatClaimPath(path))
      chosen = wanted.filter(isDisclosable)
      const skipped = wanted.filter((path) => !isDisclosable(path)).map(formatClaimPath)
      if (skipped.length > 0) io.err(`note: ${choice.credential.id} has no disclosable ${skipped.join(', ')}`)
    }
    const verifier = choice.verifier.name ?? choice.verifier.clientId
    io.out(`${verifier} (${choice.verifier.clientId}, ${choice.verifier.authentication}) asks for ${choice.queryId}:`)
    io.out(`  credential: ${choice.credential.id} ${choice.credential.name ?? choice.credential.configurationId}`)
    io.out(`  requested:  ${choice.requested.map(formatClaimPath).join(', ') || '(no claims)'}`)
    io.out(`  disclosing: ${chosen.map(formatClaimPath).join(', ') || '(nothing selectively disclosable)'}`)
    if (!flags.yes) {
      const answer = await io.prompt('Send? [y/N] ')
      if (!/^y(es)?$/i.test(answer.trim())) {
        throw new WalletError('presentation_declined', 'nothing was sent: the presentation was declined')
      }
    }
    return chosen
  }
}

/**
 * The authorization code flow on a terminal (RFC 8252 §7.3, loopback redirect for native apps):
 * a listener on 127.0.0.1 catches the browser's redirect with the code.
 */
async function startLoopbackRedirect(io: Io) {
  let deliver: ((url: string) => void) | undefined
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (url.pathname !== '/callback') {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
    res.end('The wallet has your answer. You can close this window.')
    deliver?.(`${redirectUri}${url.search}`)
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`
  return {
    redirectUri,
    authorize: (step: AuthorizationStep) =>
      new Promise<string>((resolveRedirect, reject) => {
        io.out(`Open this address in your browser and approve the credential at ${step.issuer}:`)
        io.out(`  ${step.authorizationUrl}`)
        io.out('If the page asks for a transaction code, enter the one your institution sent you.')
        const timer = setTimeout(
          () => reject(new WalletError('authorization_denied', 'no answer from the browser within 10 minutes')),
          10 * 60_000,
        )
        deliver = (url) => {
          clearTimeout(timer)
          resolveRedirect(url)
        }
      }),
    close: () => new Promise<void>((done) => server.close(() => done())),
  }
}

/** Asks on the terminal; `hidden` input is not echoed (passphrases). */
async function terminalPrompt(question: string, options: { readonly hidden?: boolean } = {}): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new WalletError(
      'input_invalid',
      `${question.replace(/[:?\s]+$/, '')}: needed, and there is no terminal to ask on`,
    )
  }
  let muted = false
  const output = new Writable({
    write(chunk, encoding, callback) {
      if (!muted) process.stdout.write(chunk, encoding)
      callback()
    },
  })
  const readline = createInterface({ input: process.stdin, output, terminal: true })
  try {
    const pending = readline.question(question)
    muted = options.hidden === true
    return (await pending).trim()
  } finally {
    readline.close()
    if (muted) process.stdout.write('\n')
  }
}

// `tsx apps/wallet/src/cli.ts …` runs the standalone program.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await createWalletProgram().parseAsync(process.argv)
}
