// Test-only: an issuer in its own process over a shared PostgreSQL schema, for scale-out tests.
// Env: DATABASE_URL, STORE_SCHEMA, ALMA_KEK, BASE_URL (the shared public URL), PORT.
import { openStore } from '@alma/store'
import { parseKek } from '@alma/trust'
import { mountAdminApi } from '../admin/index.ts'
import { startIssuer } from '../issuer-server.ts'
import { quietLog } from './issuer-harness.ts'

const env = (name: string): string => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is required`)
  return value
}

const store = await openStore({ databaseUrl: env('DATABASE_URL'), schema: env('STORE_SCHEMA') })
const issuer = await startIssuer({
  config: { baseUrl: env('BASE_URL') },
  store,
  kek: parseKek(env('ALMA_KEK')),
  port: Number(env('PORT')),
  log: quietLog,
  routes: [mountAdminApi],
})
process.stdout.write(`ready ${issuer.url}\n`)
process.on('SIGTERM', async () => {
  await issuer.close()
  await store.close()
  process.exit(0)
})
