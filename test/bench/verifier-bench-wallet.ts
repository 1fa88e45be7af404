// The wallet side of `pnpm bench:verifier`, in its own process: N full presentation round trips
// at concurrency C against a running verifier — create the request (relying-party API) → fetch
// and check the signed request object → SD-JWT + KB-JWT → encrypted direct_post.jwt → read the
// result. Prints one JSON line of latencies. Not a test.
import { createHash, X509Certificate } from 'node:crypto'
import { CompactEncrypt, compactVerify, decodeProtectedHeader, importJWK, importX509, type JWK, SignJWT } from 'jose'
import { request as send } from 'undici'

interface Job {
  verifierUrl: string
  rpId: string
  apiKey: string
  caPem: string
  sdJwt: string
  holderJwk: JWK
  flows: number
  concurrency: number
}

const job = JSON.parse(process.env.BENCH_JOB ?? '{}') as Job
const ca = new X509Certificate(job.caPem)
const holderKey = await importJWK(job.holderJwk, 'ES256')
const [issuerJwt, ...disclosures] = job.sdJwt.split('~').filter(Boolean)
const api = `${job.verifierUrl}/api/${job.rpId}/presentation-requests`
const headers = { authorization: `Bearer ${job.apiKey}`, 'content-type': 'application/json' }
const wanted = ['level_of_learning_experience', 'ects_credits', 'awarding_bodies']
const kept = disclosures.filter((d) => wanted.includes(JSON.parse(Buffer.from(d, 'base64url').toString())[1]))
const presented = `${[issuerJwt, ...kept].join('~')}~`
const sdHash = createHash('sha256').update(presented).digest('base64url')

/**
 * One HTTP exchange through undici's `request`: the wallet shares the two cores with the verifier,
 * and the global `fetch` costs it about three times as much CPU per request here.
 */
async function http(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const response = await send(url, { method: (init.method ?? 'GET') as 'GET', headers: init.headers, body: init.body })
  return { status: response.statusCode, text: await response.body.text() }
}

async function roundTrip(): Promise<number> {
  const started = performance.now()
  const created = JSON.parse(
    (
      await http(api, {
        method: 'POST',
        headers,
        body: JSON.stringify({ template: { type: 'eqf-ects', minEqfLevel: 4, minEcts: 1 }, formats: ['dc+sd-jwt'] }),
      })
    ).text,
  ) as { id: string; authorizationRequestUri: string }
  const requestUri = new URL(created.authorizationRequestUri).searchParams.get('request_uri')!
  const jwt = (await http(requestUri)).text
  const header = decodeProtectedHeader(jwt)
  const leaf = new X509Certificate(Buffer.from(String(header.x5c?.[0]), 'base64'))
  if (!leaf.verify(ca.publicKey)) throw new Error('request object not signed under the CA')
  const request = JSON.parse(
    new TextDecoder().decode((await compactVerify(jwt, await importX509(leaf.toString(), 'ES256'))).payload),
  )
  const kb = await new SignJWT({
    aud: request.client_id,
    nonce: request.nonce,
    iat: Math.floor(Date.now() / 1000),
    sd_hash: sdHash,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'kb+jwt' })
    .sign(holderKey)
  const queryId = request.dcql_query.credentials[0].id
  const encryptionJwk = request.client_metadata.jwks.keys[0] as JWK
  const response = await new CompactEncrypt(
    new TextEncoder().encode(JSON.stringify({ vp_token: { [queryId]: [presented + kb] }, state: request.state })),
  )
    .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A128GCM', kid: encryptionJwk.kid })
    .encrypt(await importJWK(encryptionJwk, 'ECDH-ES'))
  const answer = await http(request.response_uri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ response: response }).toString(),
  })
  if (answer.status !== 200) throw new Error(`response_uri: ${answer.status} ${answer.text}`)
  const result = JSON.parse((await http(`${api}/${created.id}`, { headers })).text) as { result?: { verdict: string } }
  if (result.result?.verdict !== 'verified') throw new Error(`verdict ${JSON.stringify(result).slice(0, 500)}`)
  return performance.now() - started
}

const warm = Math.min(30, Math.floor(job.flows / 10))
for (let i = 0; i < warm; i++) await roundTrip()
const latencies: number[] = []
let started = 0
let remaining = job.flows
const cpuBefore = process.cpuUsage()
const t0 = performance.now()
await Promise.all(
  Array.from({ length: job.concurrency }, async () => {
    while (remaining > 0) {
      remaining--
      started++
      latencies.push(await roundTrip())
    }
  }),
)
const seconds = (performance.now() - t0) / 1000
const cpu = process.cpuUsage(cpuBefore)
const walletCpuPerFlow = (cpu.user + cpu.system) / 1000 / latencies.length
process.stdout.write(`${JSON.stringify({ latencies, seconds, started, walletCpuPerFlow })}\n`)
