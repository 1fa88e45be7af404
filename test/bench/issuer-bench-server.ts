// The issuer under benchmark, in its own process: embedded store (PGlite in memory), the example
// alliance, the admin API, and an admin key printed for the client. Not a test; `pnpm bench:issuer` runs it.
import { createHash, randomBytes } from 'node:crypto'
import { mountAdminApi } from '@alma/issuer'
import { startTestIssuer } from '../../apps/issuer/src/testing/issuer-harness.ts'

const issuer = await startTestIssuer({ routes: [mountAdminApi] })
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
  await issuer.close()
  process.exit(0)
})
