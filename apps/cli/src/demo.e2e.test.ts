// The README's commands of the main job (issue 6): `alma demo` runs the whole round trip on a fresh
// deployment and prints each step; `alma up` (pnpm start) brings up issuer, verifier and the demo
// alliance in a folder, runs the round trip, prints the URLs — and a second start reuses everything.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, expect, it } from 'vitest'

const run = promisify(execFile)
const alma = new URL('../bin/alma.js', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'alma-up-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function expectRoundTrip(stdout: string) {
  expect(stdout).toMatch(/transaction code, sent to the learner separately: \d{6}/)
  expect(stdout).toContain('received dc+sd-jwt   digital-learning-content_dc_sd_jwt')
  expect(stdout).toContain('received jwt_vc_json digital-learning-content_jwt_vc_json')
  // The EU learning credential keeps its title and issuer in the clear; the holder chose the rest.
  expect(stdout).toContain('presented dc+sd-jwt, disclosing awarding_bodies')
  expect(stdout).toMatch(/facts shown: achievement_title=.*, issuing_authority=.*, awarding_bodies=/)
  expect(stdout).toContain('verdict: VERIFIED')
  expect(stdout).toMatch(/OK {6}issuer-trust .*an active member of Demo Alliance of European Universities/)
  for (const step of ['format-and-query', 'signature', 'holder-binding', 'validity', 'status']) {
    expect(stdout).toMatch(new RegExp(`OK {6}${step}`))
  }
}

it('alma demo: award, offer, redeem, request, present, verified — each step printed', async () => {
  const { stdout } = await run(process.execPath, [alma, 'demo', '--issuer-port', '18481', '--verifier-port', '18491'], {
    maxBuffer: 16 * 1024 * 1024,
  })
  expectRoundTrip(stdout)
  expect(stdout).toMatch(/alma demo: finished in [\d.]+ s/)
}, 120_000)

it('alma up: first run makes the deployment, a second run reuses it; both print the URLs', async () => {
  const args = [alma, 'up', '--once', '--dir', dir, '--issuer-port', '18482', '--verifier-port', '18492']
  const first = (await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 })).stdout
  expect(first).toContain('development CA                           created')
  expect(first).toContain('tenant alliance                          created')
  expect(first).toContain('relying party employer                   created')
  expectRoundTrip(first)
  expect(first).toContain('Alma is running')
  expect(first).toMatch(/verifier {10}http:\/\/localhost:18492/)
  const key = /API key {9}(\S+)/.exec(first)?.[1]

  const second = (await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 })).stdout
  expect(second).toContain('development CA                           exists')
  expect(second).not.toContain('tenant alliance                          created')
  expectRoundTrip(second)
  expect(/API key {9}(\S+)/.exec(second)?.[1]).toBe(key)
}, 180_000)
