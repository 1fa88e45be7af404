/**
 * `pnpm bench:verifier` (issue 5, "Benchmark"): prints figures, asserts nothing.
 * - The issuer and the verifier run in this process on the embedded store; the wallet runs in its
 *   own process (test/bench/verifier-bench-wallet.ts).
 * - Full presentation round trips (create request → signed request object → SD-JWT + KB-JWT →
 *   direct_post.jwt → result) at concurrency C: round trips/s, p50/p99, verifier RSS.
 * - In the same run: pure verification/s of one jwt_vc_json credential — our whole pipeline on a
 *   VP JWT (signature, issuer trust with x5c chain and linkage, holder binding, validity, status,
 *   policy, Annex I), and Veramo's verifyCredential on the same VC-JWT (the baseline).
 * Env: BENCH_FLOWS (default 1000), BENCH_CONCURRENCY (16), BENCH_SECONDS (per verification rate, 3),
 * BENCH_PROFILE (a file: V8 CPU profile of this process during the round trips: where the time goes).
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { createInterface } from 'node:readline'
import { startTestIssuer } from '../../apps/issuer/src/testing/issuer-harness.ts'
import { issueBoth, vpJwt } from '../../apps/verifier/src/testing/hand-wallet.ts'
import { veramoVerifier } from '../../apps/verifier/src/testing/veramo-verifier.ts'
import { startTestVerifier } from '../../apps/verifier/src/testing/verifier-harness.ts'
import { verifyPresentedCredential } from '../../apps/verifier/src/verification/verify-presented-credential.ts'

const flows = Number(process.env.BENCH_FLOWS ?? 1000)
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16)
const rateSeconds = Number(process.env.BENCH_SECONDS ?? 3)

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024
}

/** Calls `fn` for `seconds` (after a short warm-up); returns calls per second. */
async function rate(seconds: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await fn()
  const end = performance.now() + seconds * 1000
  let n = 0
  const t0 = performance.now()
  while (performance.now() < end) {
    await fn()
    n++
  }
  return n / ((performance.now() - t0) / 1000)
}

const issuer = await startTestIssuer()
const verifier = await startTestVerifier({
  trustAnchors: [String(issuer.ca?.certificatePem)],
  devAllowList: [issuer.url],
  webhookIntervalMs: 0,
})
try {
  const issued = await issueBoth(issuer)

  // Pure verification of one jwt_vc_json credential.
  const audience = 'x509_san_dns:verifier.example'
  const nonce = 'bench-nonce-0123456789abcdef'
  const vp = await vpJwt(issued.vcJwt, issued.keys[0]!, { aud: audience, nonce })
  const deps = {
    didResolver: verifier.ctx.didResolver,
    trustAnchors: verifier.ctx.trustAnchors,
    fetchStatusList: (url: string) => verifier.ctx.fetchStatusList(url),
  }
  const query = { id: 'edc', format: 'jwt_vc_json', meta: { type_values: [['VerifiableCredential']] } }
  const check = await verifyPresentedCredential(
    { credential: { format: 'jwt_vc_json', vp }, nonce, audience, credentialQuery: query },
    deps,
  )
  if (check.verdict !== 'verified') throw new Error(`pipeline: ${JSON.stringify(check.steps)}`)
  const ours = await rate(rateSeconds, () =>
    verifyPresentedCredential(
      { credential: { format: 'jwt_vc_json', vp }, nonce, audience, credentialQuery: query },
      deps,
    ),
  )
  // The floor under any verifier of this VP: decoding the VP's payload and the VC's (base64url,
  // UTF-8, JSON.parse) and hashing the two signing inputs once, checking nothing.
  const decodeOnly = await rate(rateSeconds, async () => {
    const payloadOf = (jws: string) => JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8'))
    const vcJwt = payloadOf(vp).vp.verifiableCredential[0] as string
    payloadOf(vcJwt)
    for (const jws of [vp, vcJwt])
      createHash('sha256')
        .update(jws.slice(0, jws.lastIndexOf('.')))
        .digest()
  })
  const veramo = veramoVerifier([issuer.url])
  if (!(await veramo(issued.vcJwt))) throw new Error('Veramo does not verify the credential')
  const theirs = await rate(rateSeconds, () => veramo(issued.vcJwt))

  // Round trips, the wallet in its own process.
  const profiler = process.env.BENCH_PROFILE ? new Session() : undefined
  if (profiler) {
    profiler.connect()
    await profiler.post('Profiler.enable')
    await profiler.post('Profiler.start')
  }
  const cpuBefore = process.cpuUsage()
  const wallet = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./verifier-bench-wallet.ts', import.meta.url).pathname],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        BENCH_JOB: JSON.stringify({
          verifierUrl: verifier.url,
          rpId: verifier.rpId,
          apiKey: verifier.apiKey,
          caPem: verifier.ca.certificatePem,
          sdJwt: issued.sdJwt,
          holderJwk: issued.keys[1]!.privateJwk,
          flows,
          concurrency,
        }),
      },
    },
  )
  const report = await new Promise<{ latencies: number[]; seconds: number; walletCpuPerFlow: number }>(
    (resolve, reject) => {
      createInterface({ input: wallet.stdout! }).once('line', (line) => resolve(JSON.parse(line)))
      wallet.once('exit', (code) => code !== 0 && reject(new Error(`wallet exited with ${code}`)))
    },
  )
  if (profiler && process.env.BENCH_PROFILE) {
    const { profile } = await profiler.post('Profiler.stop')
    writeFileSync(process.env.BENCH_PROFILE, JSON.stringify(profile))
  }
  const cpu = process.cpuUsage(cpuBefore)
  const latencies = report.latencies.sort((a, b) => a - b)
  // Includes the wallet's warm-up round trips, a few percent at the default counts.
  const serverCpuPerFlow = (cpu.user + cpu.system) / 1000 / latencies.length
  const jwtBytes = issued.vcJwt.length
  console.log(
    `verifier benchmark: ${latencies.length} presentation round trips (dc+sd-jwt, direct_post.jwt), concurrency ${concurrency}, embedded store (PGlite)`,
  )
  console.log(`  round trips/s      ${(latencies.length / report.seconds).toFixed(0)}`)
  console.log(
    `  latency p50 / p99  ${percentile(latencies, 50).toFixed(1)} ms / ${percentile(latencies, 99).toFixed(1)} ms`,
  )
  console.log(
    `  CPU per round trip verifier+issuer ${serverCpuPerFlow.toFixed(2)} ms, wallet ${report.walletCpuPerFlow.toFixed(2)} ms`,
  )
  console.log(`  verifier+issuer RSS ${(rssOf(process.pid) / 1024 / 1024).toFixed(0)} MB (one process)`)
  console.log(
    `pure verification of one jwt_vc_json credential (${(jwtBytes / 1024).toFixed(0)} KB VC-JWT with the EDC), same run:`,
  )
  console.log(`  our pipeline (VP JWT, all eight steps)  ${ours.toFixed(0)}/s`)
  console.log(`  Veramo verifyCredential (VC-JWT only)   ${theirs.toFixed(0)}/s`)
  console.log(`  ratio                                   ${(ours / theirs).toFixed(2)}×`)
  console.log(
    `  floor, same run: only decoding the VP and VC payloads and hashing both signing inputs: ${decodeOnly.toFixed(0)}/s (${(decodeOnly / theirs).toFixed(1)}× Veramo)`,
  )
  console.log('  aim (issue 5): ≥ 800 round trips/s, p99 < 50 ms; verification ≥ 10× Veramo')
} finally {
  await verifier.close()
  await issuer.close()
}
