// The issuer under benchmark, in its own process: embedded store (PGlite in memory), the example
// alliance, the admin API, and an admin key printed for the client. Not a test; `pnpm bench:issuer` runs it.
import { createHash, randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import type { AddressInfo } from 'node:net'
import { mountAdminApi } from '@alma/issuer'
import { dropSchema, openStore } from '@alma/store'
import express from 'express'
import { startTestIssuer } from '../../apps/issuer/src/testing/issuer-harness.ts'

// BENCH_PROFILE=file: a V8 CPU profile of the timed flows (started on SIGUSR2 by the client
// after its preparation), written on SIGTERM: where the time goes.
const profiler = process.env.BENCH_PROFILE ? new Session() : undefined
if (profiler) {
  profiler.connect()
  await profiler.post('Profiler.enable')
  process.on('SIGUSR2', () => void profiler.post('Profiler.start'))
}
// BENCH_DATABASE_URL: the same run on PostgreSQL (a fresh schema) instead of the embedded store.
const databaseUrl = process.env.BENCH_DATABASE_URL
const schema = `bench_${process.pid}`
const store = databaseUrl ? await openStore({ databaseUrl, schema, maxConnections: 16 }) : undefined
const issuer = await startTestIssuer({ routes: [mountAdminApi], ...(store ? { store } : {}) })
const apiKey = randomBytes(32).toString('base64url')
await issuer.store.apiKeys.create({
  tenantId: 'uni-a',
  id: 'bench',
  secretHash: createHash('sha256').update(apiKey).digest('hex'),
  scopes: ['read', 'awards:write', 'offers:write'],
  now: new Date(),
})
// The same-run baseline: express 5 with the same body parsers answering each of a flow's three
// requests with a fixed body of about the issuer's sizes, doing nothing else — the most this
// machine serves through express with this client, before any OAuth, crypto or store work.
const baseline = express()
  .use(express.urlencoded({ extended: false }), express.json())
  .post(
    '/token',
    (_req, res) => void res.json({ access_token: 'x'.repeat(520), token_type: 'Bearer', expires_in: 300 }),
  )
  .post('/nonce', (_req, res) => void res.set('cache-control', 'no-store').json({ c_nonce: 'x'.repeat(43) }))
  .post('/credential', (_req, res) => void res.json({ credentials: [{ credential: 'x'.repeat(6000) }] }))
  .listen(0, '127.0.0.1')
await new Promise((resolve) => baseline.once('listening', resolve))
const baselineUrl = `http://127.0.0.1:${(baseline.address() as AddressInfo).port}`
process.stdout.write(`${JSON.stringify({ url: issuer.url, apiKey, baselineUrl })}\n`)
process.on('SIGTERM', async () => {
  if (profiler && process.env.BENCH_PROFILE) {
    const { profile } = await profiler.post('Profiler.stop')
    writeFileSync(process.env.BENCH_PROFILE, JSON.stringify(profile))
  }
  baseline.close()
  await issuer.close()
  if (store && databaseUrl) {
    await store.close()
    await dropSchema(databaseUrl, schema)
  }
  process.exit(0)
})
