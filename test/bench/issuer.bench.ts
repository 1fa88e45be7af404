/**
 * `pnpm bench:issuer` (issue 4, "Benchmark"): prints figures, asserts nothing.
 * - The issuer runs in its own process (test/bench/issuer-bench-server.ts) on the embedded store.
 * - Offers are created beforehand through the admin API (awards render their certificate pages
 *   once, so a few awards carry many offers).
 * - Then N full pre-authorized flows — token → nonce → credential with a jwt proof — at
 *   concurrency C from this process; prints flows/s, p50/p99 latency per flow, the issuer's RSS,
 *   and, in the same run, the raw jose ES256 sign rate on this machine as the ceiling.
 * Env: BENCH_FLOWS (default 2000), BENCH_CONCURRENCY (16), BENCH_FORMAT (dc_sd_jwt | jwt_vc_json), BENCH_AWARDS (20),
 * BENCH_DATABASE_URL (run on PostgreSQL instead of the embedded store), BENCH_PROFILE (CPU profile file).
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import { request } from 'undici'

const flows = Number(process.env.BENCH_FLOWS ?? 2000)
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16)
const format = process.env.BENCH_FORMAT ?? 'dc_sd_jwt'
const awardCount = Number(process.env.BENCH_AWARDS ?? 20)
const course = 'digital-learning-content'
const configurationId = `${course}_${format}`
const examples = new URL('../../config/examples/', import.meta.url)
const award = JSON.parse(readFileSync(new URL('awards/ana-andromeda.json', examples), 'utf8'))

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

/** CPU time (user + system) a process has used so far, in ms (proc(5): fields 14 and 15, in clock ticks). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
}

/**
 * One HTTP exchange of a timed flow, through undici's `request`: the client shares the two cores
 * with the issuer, and the global `fetch` costs it about three times as much CPU per request here.
 */
async function post(url: string, headers: Record<string, string>, body?: string) {
  const response = await request(url, { method: 'POST', headers, ...(body === undefined ? {} : { body }) })
  return { status: response.statusCode, text: await response.body.text() }
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024
}

// Ceiling: raw jose ES256 signatures per second on one core, in this run.
async function joseSignRate(): Promise<number> {
  const { privateKey } = await generateKeyPair('ES256')
  const payload = { iss: 'https://issuer.example', sub: 'x'.repeat(64), vct: 'urn:example', iat: 1 }
  const end = performance.now() + 2000
  let n = 0
  while (performance.now() < end) {
    await new SignJWT(payload).setProtectedHeader({ alg: 'ES256' }).sign(privateKey)
    n++
  }
  return n / 2
}

const server = spawn(
  process.execPath,
  ['--import', 'tsx', new URL('./issuer-bench-server.ts', import.meta.url).pathname],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  },
)
const { url, apiKey, baselineUrl } = await new Promise<{ url: string; apiKey: string; baselineUrl: string }>(
  (resolve, reject) => {
    createInterface({ input: server.stdout! }).once('line', (line) => resolve(JSON.parse(line)))
    server.once('exit', (code) => reject(new Error(`issuer exited with ${code}`)))
  },
)
const admin = (path: string, body: unknown) =>
  fetch(`${url}/admin/uni-a${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then(async (r) => {
    if (!r.ok) throw new Error(`admin ${path}: ${r.status} ${await r.text()}`)
    return r.json() as Promise<Record<string, unknown>>
  })

try {
  // Preparation (not timed): awards, then offers through the admin API; each offer's code.
  const awardIds: string[] = []
  for (let i = 0; i < awardCount; i++) {
    const created = await admin('/awards', { specificationId: course, award })
    awardIds.push(String(created.id ?? (created.award as { id: string }).id))
  }
  const codes: string[] = []
  for (let i = 0; i < flows; i++) {
    const offer = await admin(`/awards/${awardIds[i % awardIds.length]}/offers`, {
      credentialConfigurationIds: [configurationId],
      grants: 'pre-authorized_code',
    })
    const byReference = decodeURIComponent(
      String(offer.credentialOfferUri ?? offer.offerUri).split('credential_offer_uri=')[1] ?? '',
    )
    const object = (await (await fetch(byReference)).json()) as {
      grants: Record<string, { 'pre-authorized_code': string }>
    }
    codes.push(String(object.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']?.['pre-authorized_code']))
  }
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk: JWK = await exportJWK(publicKey)
  const issuerId = `${url}/uni-a`

  // Per-step latencies, to say where a flow's time goes.
  const steps = { token: [] as number[], nonce: [] as number[], proof: [] as number[], credential: [] as number[] }
  /** One pre-authorized flow against `base` (the tenant, or the baseline app): its latency in ms. */
  async function flow(base: string, code: string): Promise<number> {
    const started = performance.now()
    let mark = started
    const step = (name: keyof typeof steps) => {
      const t = performance.now()
      steps[name].push(t - mark)
      mark = t
    }
    const tokenResponse = await post(
      `${base}/token`,
      { 'content-type': 'application/x-www-form-urlencoded' },
      new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
        'pre-authorized_code': code,
      }).toString(),
    )
    if (tokenResponse.status !== 200) throw new Error(`token: ${tokenResponse.status} ${tokenResponse.text}`)
    const token = JSON.parse(tokenResponse.text) as { access_token: string }
    step('token')
    const { c_nonce } = JSON.parse((await post(`${base}/nonce`, {})).text) as { c_nonce: string }
    step('nonce')
    const proof = await new SignJWT({ aud: issuerId, nonce: c_nonce, iat: Math.floor(Date.now() / 1000) })
      .setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk })
      .sign(privateKey)
    step('proof')
    const response = await post(
      `${base}/credential`,
      { 'content-type': 'application/json', authorization: `Bearer ${token.access_token}` },
      JSON.stringify({ credential_configuration_id: configurationId, proofs: { jwt: [proof] } }),
    )
    if (response.status !== 200) throw new Error(`credential: ${response.status} ${response.text}`)
    step('credential')
    return performance.now() - started
  }

  /** Runs the flows of `items` at the benchmark's concurrency: latencies, seconds, CPU ms per flow of both processes. */
  async function run(items: readonly string[], one: (item: string) => Promise<number>) {
    const latencies: number[] = []
    let next = 0
    const serverCpuBefore = cpuMsOf(server.pid!)
    const clientCpuBefore = process.cpuUsage()
    const started = performance.now()
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < items.length) latencies.push(await one(items[next++]!))
      }),
    )
    const seconds = (performance.now() - started) / 1000
    const clientCpu = process.cpuUsage(clientCpuBefore)
    return {
      latencies: latencies.sort((a, b) => a - b),
      seconds,
      serverCpuPerFlow: (cpuMsOf(server.pid!) - serverCpuBefore) / latencies.length,
      clientCpuPerFlow: (clientCpu.user + clientCpu.system) / 1000 / latencies.length,
    }
  }

  // Warm-up (not counted): a few flows so JIT and caches are warm.
  const warm = Math.min(50, Math.floor(flows / 10))
  for (let i = 0; i < warm; i++) await flow(issuerId, codes[i]!)
  for (let i = 0; i < warm; i++) await flow(baselineUrl, 'baseline')
  // The baseline first, so that a CPU profile (BENCH_PROFILE) covers the issuer's flows alone.
  const baseline = await run(
    codes.slice(warm).map(() => 'baseline'),
    (code) => flow(baselineUrl, code),
  )
  if (process.env.BENCH_PROFILE) {
    server.kill('SIGUSR2')
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  for (const values of Object.values(steps)) values.length = 0
  const measured = await run(codes.slice(warm), (code) => flow(issuerId, code))
  const measuredSteps = structuredClone(steps)
  const { latencies, seconds } = measured
  const rss = rssOf(server.pid!)
  const signRate = await joseSignRate()
  console.log(
    `issuer benchmark: ${latencies.length} pre-authorized flows (${configurationId}), concurrency ${concurrency}, ${process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'embedded store (PGlite)'}`,
  )
  console.log(`  flows/s            ${(latencies.length / seconds).toFixed(0)}`)
  console.log(
    `  latency p50 / p99  ${percentile(latencies, 50).toFixed(1)} ms / ${percentile(latencies, 99).toFixed(1)} ms`,
  )
  const p50 = (values: number[]) =>
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    ).toFixed(1)
  console.log(
    `  per step p50       token ${p50(measuredSteps.token)} ms, nonce ${p50(measuredSteps.nonce)} ms, proof (client) ${p50(measuredSteps.proof)} ms, credential ${p50(measuredSteps.credential)} ms`,
  )
  console.log(
    `  CPU per flow       issuer ${measured.serverCpuPerFlow.toFixed(2)} ms, client ${measured.clientCpuPerFlow.toFixed(2)} ms`,
  )
  console.log(`  issuer RSS         ${(rss / 1024 / 1024).toFixed(0)} MB`)
  console.log(
    `  ceiling: jose ES256 signs/s on one core in this run: ${signRate.toFixed(0)} (a flow signs twice: token and credential)`,
  )
  console.log(
    `  baseline, same run: express 5 answering the three requests with fixed bodies (same client, same proofs): ${(baseline.latencies.length / baseline.seconds).toFixed(0)} flows/s, p99 ${percentile(baseline.latencies, 99).toFixed(1)} ms, server CPU ${baseline.serverCpuPerFlow.toFixed(2)} ms + client ${baseline.clientCpuPerFlow.toFixed(2)} ms per flow`,
  )
  console.log(`  reference (architecture.md): Sphereon reference issuer 371–591 flows/s, in memory`)
} finally {
  const exited = new Promise((resolve) => server.once('exit', resolve))
  server.kill('SIGTERM')
  await exited
}
