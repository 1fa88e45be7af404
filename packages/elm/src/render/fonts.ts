import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import woff from 'woff2sfnt-sfnt2woff'

/**
 * Noto Sans (OFL-1.1) from the `@fontsource/noto-sans` registry package, never the system's, so a
 * page looks the same everywhere. We take its per-script subsets (Latin, Latin Extended, Greek,
 * Cyrillic: every alphabet of the EU's official languages) rather than the whole font: resvg
 * re-reads the face for each glyph it lays out, and a 30 KB subset lays out about five times
 * faster than the 630 KB full font. resvg reads TrueType only, so the WOFF files are unwrapped to
 * TrueType once per process into a cache folder named by their content.
 */
const SUBSETS = ['latin', 'latin-ext', 'greek', 'greek-ext', 'cyrillic', 'cyrillic-ext']
const STYLES = ['400-normal', '700-normal', '400-italic']

let cached: string[] | undefined

export function certificateFontFiles(): string[] {
  if (cached) return cached
  const require = createRequire(import.meta.url)
  const sources = SUBSETS.flatMap((subset) =>
    STYLES.map((style) => require.resolve(`@fontsource/noto-sans/files/noto-sans-${subset}-${style}.woff`)),
  )
  const contents = sources.map((path) => readFileSync(path))
  const digest = createHash('sha256')
  for (const content of contents) digest.update(content)
  const folder = join(tmpdir(), `alma-fonts-${digest.digest('hex').slice(0, 16)}`)
  mkdirSync(folder, { recursive: true })
  cached = sources.map((path, index) => {
    const target = join(
      folder,
      path
        .split('/')
        .pop()!
        .replace(/\.woff$/, '.ttf'),
    )
    if (!existsSync(target)) writeFileSync(target, woff.toSfnt(contents[index]!))
    return target
  })
  return cached
}
