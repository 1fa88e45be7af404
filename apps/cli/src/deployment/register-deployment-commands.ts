// `alma up` (the README's start command) and `alma demo`: the main job of issue 6.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Command } from 'commander'
import {
  ALLIANCE_TENANT,
  type DemoDeployment,
  MEMBER_TENANTS,
  RELYING_PARTY,
  startDemoDeployment,
} from './demo-deployment.ts'
import { runRoundTrip } from './round-trip.ts'

const out = (line: string) => console.log(line)

function port(value: string, name: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} ${value} is not a port`)
  return n
}

function printUrls(d: DemoDeployment): void {
  const issuer = d.issuer.ctx.config.baseUrl
  const verifier = d.verifier.ctx.config.baseUrl
  out('\nAlma is running (development: embedded store, dev KEK and dev CA in the deployment folder)')
  out(`  issuer            ${issuer}`)
  for (const tenant of [ALLIANCE_TENANT, ...MEMBER_TENANTS]) {
    out(`    ${tenant.padEnd(15)} ${issuer}/.well-known/openid-credential-issuer/${tenant}`)
  }
  out(`    admin API       ${issuer}/admin/openapi.json`)
  out(`    admin web app   ${issuer}/ui/`)
  out(`    alliance registry ${d.allianceRegistryUrl}`)
  out(`  verifier          ${verifier}`)
  out(`    relying party   ${RELYING_PARTY}: API ${verifier}/api/${RELYING_PARTY}/presentation-requests`)
  out(`    API key         ${d.relyingPartyKey}`)
  out(`    OpenAPI         ${verifier}/api/openapi.json`)
  out(`    web app         ${verifier}/ui/`)
  for (const [tenant, key] of Object.entries(d.newAdminKeys)) out(`  admin API key ${tenant}: ${key} (shown once)`)
}

export function registerDeploymentCommands(program: Command): void {
  program
    .command('up')
    .description(
      'start the issuer (alliance, uni-a, uni-b), the verifier (relying party employer) and their web apps on the ' +
        'embedded store; on first run make dev keys, the dev CA and certificates; run the round trip once; print the URLs',
    )
    .option('--dir <dir>', 'deployment folder (kept between runs)', '.alma/deployment')
    .option('--issuer-port <port>', 'issuer port', '8480')
    .option('--verifier-port <port>', 'verifier port', '8490')
    .option('--no-demo', 'do not run the round trip on start')
    .option('--once', 'stop after the round trip (for scripts and tests)')
    .action(async (opts: { dir: string; issuerPort: string; verifierPort: string; demo: boolean; once?: boolean }) => {
      out(`alma up: ${opts.dir}`)
      const deployment = await startDemoDeployment({
        dir: opts.dir,
        issuerPort: port(opts.issuerPort, '--issuer-port'),
        verifierPort: port(opts.verifierPort, '--verifier-port'),
        out,
      })
      try {
        if (opts.demo) {
          const { verdict } = await runRoundTrip(deployment, out)
          if (verdict !== 'verified') process.exitCode = 1
        }
        printUrls(deployment)
      } catch (error) {
        await deployment.close()
        throw error
      }
      if (opts.once) {
        await deployment.close()
        return
      }
      out('\nCtrl-C stops both.')
      await new Promise<void>((resolve) => {
        const stop = () => resolve()
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
      out('alma up: draining requests and stopping')
      await deployment.close()
    })

  program
    .command('demo')
    .description(
      'the whole round trip on a fresh deployment in a temporary folder: award, offer, the reference wallet redeems it, ' +
        'a relying party requests, the wallet presents, the verified result — each step printed',
    )
    .option('--issuer-port <port>', 'issuer port', '8481')
    .option('--verifier-port <port>', 'verifier port', '8491')
    .option('--qr', 'print the offer as a QR code in the terminal')
    .action(async (opts: { issuerPort: string; verifierPort: string; qr?: boolean }) => {
      const started = performance.now()
      const dir = await mkdtemp(join(tmpdir(), 'alma-demo-'))
      try {
        out('alma demo: a fresh development deployment (generated KEK, dev CA, embedded store) in a temporary folder')
        const deployment = await startDemoDeployment({
          dir,
          issuerPort: port(opts.issuerPort, '--issuer-port'),
          verifierPort: port(opts.verifierPort, '--verifier-port'),
          out,
        })
        try {
          const { verdict } = await runRoundTrip(deployment, out, { qr: opts.qr === true })
          if (verdict !== 'verified') process.exitCode = 1
        } finally {
          await deployment.close()
        }
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
      out(`alma demo: finished in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    })
}
