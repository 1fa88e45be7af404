// The admin app's files, served as they are (no build step): read once, by name from a fixed
// list, so nothing else in this folder (tests, TypeScript) is ever served.
import { readFileSync } from 'node:fs'

const HTML = 'text/html; charset=utf-8'
const JS = 'text/javascript; charset=utf-8'
const CSS = 'text/css; charset=utf-8'
const SVG = 'image/svg+xml'

/** Every file the browser may ask for under `/ui/`, with its media type. */
export const WEB_ASSETS = {
  'index.html': HTML,
  'app.css': CSS,
  'icon.svg': SVG,
  'app.js': JS,
  'api.js': JS,
  'dom.js': JS,
  'i18n.js': JS,
  'ui.js': JS,
  'view-sign-in.js': JS,
  'view-courses.js': JS,
  'view-award.js': JS,
  'view-award-detail.js': JS,
  'view-credentials.js': JS,
} as const satisfies Record<string, string>

export interface WebAsset {
  readonly type: string
  readonly body: Buffer
}

/** Reads the files beside this module; a missing one fails at start-up, not at the first request. */
export function loadWebAssets(): ReadonlyMap<string, WebAsset> {
  return new Map(
    Object.entries(WEB_ASSETS).map(([name, type]) => [
      name,
      { type, body: readFileSync(new URL(`./${name}`, import.meta.url)) },
    ]),
  )
}
