/**
 * `pnpm bench:elm`: prints figures, asserts nothing (tests never assert wall-clock times).
 * - documents/s: buildEdc over inputs prepared once (prepareBuildInputs: specification and
 *   organisations validated once; the award validated per document) with pages given, as the issuer
 *   does for a cohort when pages come from its (specification, learner, language) cache;
 * - the same with raw inputs (all three validated on every call);
 * - the same run's baseline: a JSON round trip of the built document, the floor of any builder;
 * - ms per rendered certificate page (SVG → PNG with the shipped Noto Sans);
 * - memory (RSS, heap) after the runs.
 */
import { readFileSync } from 'node:fs'
import { buildEdc, parseEdc, prepareBuildInputs, renderCertificatePage } from '@alma/elm'

const examples = new URL('../../config/examples/', import.meta.url)
const read = (name: string) => JSON.parse(readFileSync(new URL(name, examples), 'utf8'))
const specification = read('specification.json')
const organisations = read('organisations.json')
const awards = ['ana-andromeda.json', 'jonas-becker.json', 'camille-durand.json'].map((name) => read(`awards/${name}`))
const documents = Number(process.env.BENCH_DOCUMENTS ?? 1000)
const pagesToRender = Number(process.env.BENCH_PAGES ?? 30)

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

// Render once; the bench of builds reuses the pages as the issuer's cache would.
const first = buildEdc(specification, awards[0], organisations)
const parsed = parseEdc(first)
const pages = Object.fromEntries(parsed.display.pages.map((page) => [page.language, page.content]))

const prepared = prepareBuildInputs(specification, organisations)
for (let i = 0; i < 100; i++) buildEdc(prepared, awards[i % awards.length], { pages }) // warm-up

let started = performance.now()
for (let i = 0; i < documents; i++) buildEdc(prepared, awards[i % awards.length], { pages })
const buildSeconds = (performance.now() - started) / 1000

started = performance.now()
for (let i = 0; i < documents; i++) buildEdc(specification, awards[i % awards.length], organisations, { pages })
const rawBuildSeconds = (performance.now() - started) / 1000

const serialized = JSON.stringify(first)
started = performance.now()
for (let i = 0; i < documents; i++) JSON.parse(JSON.stringify(JSON.parse(serialized)))
const baselineSeconds = (performance.now() - started) / 1000

const renderTimes: number[] = []
for (let i = 0; i < pagesToRender; i++) {
  const t = performance.now()
  renderCertificatePage(parsed, i % 2 === 0 ? 'en' : 'de')
  renderTimes.push(performance.now() - t)
}
renderTimes.sort((a, b) => a - b)
const memory = process.memoryUsage()
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0)

console.log(`ELM benchmark (Node ${process.version}, one core)`)
console.log(
  `  buildEdc, prepared inputs:  ${(documents / buildSeconds).toFixed(0)} documents/s (${documents} documents, ${(serialized.length / 1024).toFixed(0)} KB each with 2 pages)`,
)
console.log(
  `  buildEdc, raw inputs:       ${(documents / rawBuildSeconds).toFixed(0)} documents/s (all inputs validated each time)`,
)
console.log(`  baseline JSON round trip:   ${(documents / baselineSeconds).toFixed(0)} documents/s (the same document)`)
console.log(
  `  certificate page render:    p50 ${percentile(renderTimes, 50).toFixed(1)} ms, p99 ${percentile(renderTimes, 99).toFixed(1)} ms (${pagesToRender} pages, 842×595 px PNG)`,
)
console.log(`  memory:                     RSS ${mb(memory.rss)} MB, heap used ${mb(memory.heapUsed)} MB`)
