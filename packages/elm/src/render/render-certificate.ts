import { Resvg } from '@resvg/resvg-js'
import { durationHours } from '../build/duration.ts'
import { ElmError } from '../errors.ts'
import type { LanguageMap } from '../input/index.ts'
import { type ParsedEdc, pickText } from '../parse/parse-edc.ts'
import { certificateFontFiles } from './fonts.ts'
import { certificateLabels } from './labels.ts'

/** Page size in CSS pixels: A4 landscape at 72 dpi, rendered at `scale`. */
const WIDTH = 842
const HEIGHT = 595

export interface RenderOptions {
  /** Pixel density relative to 72 dpi; 1 by default (842×595 px: sharp on screen, and it keeps a
   * credential that carries one page per language small). */
  scale?: number
}

function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

/** Greedy word wrap by an average glyph width; Noto Sans averages ~0.53 em per character. */
function wrap(value: string, fontSize: number, maxWidth: number, maxLines: number): string[] {
  const perLine = Math.max(8, Math.floor(maxWidth / (fontSize * 0.53)))
  const lines: string[] = []
  let line = ''
  for (const word of value.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word
    if (candidate.length <= perLine) {
      line = candidate
      continue
    }
    if (line) lines.push(line)
    line = word.length > perLine ? `${word.slice(0, perLine - 1)}…` : word
  }
  if (line) lines.push(line)
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines)
    kept[maxLines - 1] = `${kept[maxLines - 1]!.replace(/.$/, '')}…`
    return kept
  }
  return lines
}

function textBlock(lines: string[], x: number, y: number, size: number, lineHeight: number, attributes = ''): string {
  return lines
    .map(
      (line, index) =>
        `<text x="${x}" y="${y + index * lineHeight}" font-size="${size}" ${attributes}>${escapeXml(line)}</text>`,
    )
    .join('')
}

function formatDate(value: string | undefined, language: string): string | undefined {
  if (!value) return undefined
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return value
  return new Intl.DateTimeFormat(language, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(
    date,
  )
}

/** The certificate page of one EDC document in one language, as an SVG string. */
export function certificateSvg(edc: ParsedEdc, language: string): string {
  const t = certificateLabels(language)
  const pick = (map: LanguageMap | undefined) => pickText(map, language)
  const achievement = edc.achievements[0]
  const spec = achievement?.specification
  const bodies = achievement?.awardingBodies.map((body) => pick(body.legalName)).filter(Boolean) ?? []
  const learner = pick(edc.learner.fullName) ?? [pick(edc.learner.givenName), pick(edc.learner.familyName)].join(' ')
  const title = pick(achievement?.title) ?? pick(edc.display.title) ?? ''
  const grade = pick(achievement?.assessments[0]?.grade)
  const hours = spec?.volumeOfLearning ? durationHours(spec.volumeOfLearning) : undefined
  const facts: [string, string][] = []
  if (spec?.eqfLevelNumber) facts.push([t.level, String(spec.eqfLevelNumber)])
  if (spec?.ects !== undefined) facts.push([t.credits, String(spec.ects)])
  if (hours !== undefined) facts.push([t.workload, `${hours} ${t.hours}`])
  if (grade) facts.push([t.grade, grade])
  const awarded = formatDate(achievement?.awardingDate ?? edc.issued, language)
  if (awarded) facts.push([t.awardedOn, awarded])

  const outcomes = spec?.learningOutcomes.map((outcome) => pick(outcome.title) ?? '') ?? []
  const shownOutcomes = outcomes.slice(0, 4)
  const left = 64
  const width = WIDTH - 2 * left
  let y = 150
  const parts: string[] = []
  parts.push(
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fbfaf7"/>`,
    `<rect x="18" y="18" width="${WIDTH - 36}" height="${HEIGHT - 36}" fill="none" stroke="#1d3557" stroke-width="3"/>`,
    `<rect x="26" y="26" width="${WIDTH - 52}" height="${HEIGHT - 52}" fill="none" stroke="#a8b8cc" stroke-width="1"/>`,
    textBlock(wrap(bodies.join(' · '), 15, width, 2), left, 72, 15, 19, 'font-weight="700" fill="#1d3557"'),
    `<text x="${left}" y="116" font-size="30" font-weight="700" fill="#1d3557">${escapeXml(t.heading)}</text>`,
  )
  parts.push(`<text x="${left}" y="${y}" font-size="14" fill="#444">${escapeXml(t.certifies)}</text>`)
  y += 34
  parts.push(`<text x="${left}" y="${y}" font-size="26" font-weight="700" fill="#111">${escapeXml(learner)}</text>`)
  y += 28
  parts.push(`<text x="${left}" y="${y}" font-size="14" fill="#444">${escapeXml(t.completed)}</text>`)
  y += 32
  const titleLines = wrap(title, 22, width, 2)
  parts.push(textBlock(titleLines, left, y, 22, 28, 'font-weight="700" fill="#1d3557"'))
  y += titleLines.length * 28 + 8
  facts.forEach(([label, value], index) => {
    const x = left + (index % 3) * (width / 3)
    const row = y + Math.floor(index / 3) * 40
    parts.push(
      `<text x="${x}" y="${row}" font-size="11" fill="#667">${escapeXml(label)}</text>`,
      `<text x="${x}" y="${row + 18}" font-size="15" font-weight="700" fill="#111">${escapeXml(value)}</text>`,
    )
  })
  y += Math.ceil(facts.length / 3) * 40 + 10
  if (shownOutcomes.length) {
    parts.push(
      `<text x="${left}" y="${y}" font-size="12" font-weight="700" fill="#1d3557">${escapeXml(t.outcomes)}</text>`,
    )
    y += 18
    for (const outcome of shownOutcomes) {
      const line = wrap(outcome, 12, width - 16, 1)[0] ?? ''
      parts.push(`<text x="${left + 10}" y="${y}" font-size="12" fill="#222">• ${escapeXml(line)}</text>`)
      y += 17
    }
    if (outcomes.length > shownOutcomes.length) {
      parts.push(
        `<text x="${left + 10}" y="${y}" font-size="11" fill="#667">${escapeXml(t.more(outcomes.length - shownOutcomes.length))}</text>`,
      )
    }
  }
  const issuer = pick(edc.issuer.legalName)
  const footer = [issuer ? `${t.issuedBy}: ${issuer}` : undefined, edc.id ? `${t.credentialId}: ${edc.id}` : undefined]
    .filter(Boolean)
    .join('  ·  ')
  parts.push(
    `<text x="${left}" y="${HEIGHT - 44}" font-size="10" font-style="italic" fill="#667">${escapeXml(footer)}</text>`,
  )
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Noto Sans">${parts.join('')}</svg>`
}

/** Renders one certificate page to PNG. */
export function renderCertificatePage(edc: ParsedEdc, language: string, options: RenderOptions = {}): Uint8Array {
  const svg = certificateSvg(edc, language)
  try {
    const resvg = new Resvg(svg, {
      fitTo: { mode: 'width', value: Math.round(WIDTH * (options.scale ?? 1)) },
      font: { loadSystemFonts: false, fontFiles: certificateFontFiles(), defaultFontFamily: 'Noto Sans' },
    })
    return resvg.render().asPng()
  } catch (error) {
    throw new ElmError('render_failed', 'The certificate page could not be rendered', [], { cause: error })
  }
}

/** One page per display language of the document (the primary language when none is listed). */
export function renderCertificatePages(edc: ParsedEdc, options: RenderOptions = {}): Record<string, Uint8Array> {
  const languages = edc.display.languages.length ? edc.display.languages : [edc.display.primaryLanguage ?? 'en']
  return Object.fromEntries(languages.map((language) => [language, renderCertificatePage(edc, language, options)]))
}
