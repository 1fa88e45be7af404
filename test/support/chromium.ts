// Browser tests drive Debian's Chromium through playwright-core (never a downloaded browser):
// `apt-get install -y chromium`. Without it, browser tests skip and say why.
import { existsSync, mkdirSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const CHROMIUM_MISSING = `browser tests skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`
export const hasChromium = existsSync(CHROMIUM_PATH)

/** Where browser tests save their screenshots (test output, not committed). */
export const SCREENSHOT_DIR = new URL('../../test-output/screenshots/', import.meta.url).pathname

export async function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // CI runs as root in a container: Chromium's sandbox needs user namespaces it may not have.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  })
}
