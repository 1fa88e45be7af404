// The issuer under benchmark, in its own process: embedded store (PGlite in memory), the example
// alliance, the admin API, and an admin key printed for the client. Not a test; `pnpm bench:issuer` runs it.
import { createHash, randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { mountAdminApi } from '@alma/issuer'
import { dropSchema, openStore } from '@alma/store'
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
process.stdout.write(`${JSON.stringify({ url: issuer.url, apiKey })}\n`)
process.on('SIGTERM', async () => {
  if (profiler && process.env.BENCH_PROFILE) {
    const { profile } = await profiler.post('Profiler.stop')
    writeFileSync(process.env.BENCH_PROFILE, JSON.stringify(profile))
  }
  await issuer.close()
  if (store && databaseUrl) {
    await store.close()
    await dropSchema(databaseUrl, schema)
  }
  process.exit(0)
})
