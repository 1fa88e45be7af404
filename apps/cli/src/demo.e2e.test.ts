// The README's start command (`pnpm start` = `alma demo`): documents built, then a credential
// offer redeemed by a wallet over OpenID4VCI on loopback, in both formats, with the checks shown.
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const run = promisify(execFile)
const alma = new URL('../bin/alma.js', import.meta.url).pathname

it('alma demo builds the documents and issues one to a wallet in both formats', async () => {
  const out = mkdtempSync(join(tmpdir(), 'alma-demo-'))
  const { stdout } = await run(process.execPath, [alma, 'demo', '--out', out], { maxBuffer: 16 * 1024 * 1024 })
  expect(stdout).toContain('A micro-credential in the sense of the Council Recommendation')
  expect(stdout).toMatch(/transaction code \(sent to the learner separately\): \d{6}/)
  expect(stdout).toContain('wallet: received digital-learning-content_jwt_vc_json')
  expect(stdout).toContain('issuer linkage (did:web ↔ eIDAS seal ↔ ELM issuer): OK')
  expect(stdout).toMatch(/SD-JWT VC verified: Ana Andromeda, .*EQF 6, 5 ECTS/)
  expect(stdout).toContain('audit log: award.created, offer.created, credential.issued, credential.issued')
}, 120_000)
