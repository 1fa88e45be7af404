// Property-based tests of the cohort CSV reader (RFC 4180; issue 12, "How we test from now on"):
// any records, written any RFC 4180 way, read back exactly; blank lines are skipped but counted in
// row numbers; the record cap holds; any text fails only with the module's own errors.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CsvLimitError, CsvSyntaxError, parseCsv } from './csv.ts'

const RUNS = { numRuns: 300 }
/** Cells of any text, with a bias to the characters that matter to CSV. */
const cell = fc.string({
  unit: fc.oneof(
    fc.constantFrom(',', '"', '\r', '\n', ' ', 'a', 'é', '\ufeff'),
    fc.string({ minLength: 1, maxLength: 1 }),
  ),
  maxLength: 8,
})
/** A record that is not a blank line (a single empty cell is one, and is skipped). */
const record = fc
  .array(cell, { minLength: 1, maxLength: 5 })
  .filter((cells) => !(cells.length === 1 && cells[0] === ''))

/** RFC 4180 §2: fields with a comma, a quote or a line break are quoted, quotes doubled; others may be. */
function writeCell(value: string, alwaysQuote: boolean): string {
  const mustQuote = /[",\r\n]/.test(value) || value.startsWith('\ufeff') || value === ''
  return mustQuote || alwaysQuote ? `"${value.replaceAll('"', '""')}"` : value
}

function write(
  records: readonly (readonly string[])[],
  style: { crlf: boolean; quoteAll: boolean; finalBreak: boolean; bom: boolean },
) {
  const eol = style.crlf ? '\r\n' : '\n'
  const body = records.map((cells) => cells.map((c) => writeCell(c, style.quoteAll)).join(',')).join(eol)
  return `${style.bom ? '\ufeff' : ''}${body}${style.finalBreak ? eol : ''}`
}

const style = fc.record({ crlf: fc.boolean(), quoteAll: fc.boolean(), finalBreak: fc.boolean(), bom: fc.boolean() })

describe('parseCsv (property)', () => {
  it('reads back any records, however they are written', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 6 }), style, (records, s) => {
        const parsed = parseCsv(write(records, s))
        expect(parsed.map((r) => r.cells)).toEqual(records)
        expect(parsed.map((r) => r.row)).toEqual(records.map((_, i) => i + 1))
      }),
      RUNS,
    )
  })

  it('skips blank lines, numbering rows as a spreadsheet does', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(record, fc.nat({ max: 2 })), { minLength: 1, maxLength: 6 }), (entries) => {
        let text = ''
        const rows: number[] = []
        let line = 1
        for (const [cells, blanksBefore] of entries) {
          text += '\n'.repeat(blanksBefore)
          line += blanksBefore
          rows.push(line)
          // Quoted, so a cell's own line breaks do not start new spreadsheet rows for this count.
          text += `${cells.map((c) => writeCell(c, true)).join(',')}\n`
          line++
        }
        const parsed = parseCsv(text)
        expect(parsed.map((r) => r.cells)).toEqual(entries.map(([cells]) => cells))
        expect(parsed.map((r) => r.row)).toEqual(rows)
      }),
      RUNS,
    )
  })

  it('stops at the record cap with CsvLimitError, and returns every record within it', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 8 }), fc.nat({ max: 8 }), (records, cap) => {
        const text = write(records, { crlf: false, quoteAll: true, finalBreak: true, bom: false })
        if (records.length > cap) {
          expect(() => parseCsv(text, { maxRecords: cap })).toThrow(new CsvLimitError(cap))
        } else {
          expect(parseCsv(text, { maxRecords: cap }).map((r) => r.cells)).toEqual(records)
        }
      }),
      RUNS,
    )
  })

  it('fails only with CsvSyntaxError or CsvLimitError, for any text', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: fc.constantFrom(',', '"', '\r', '\n', 'a', ' ', '\ufeff'), maxLength: 60 }),
    )
    fc.assert(
      fc.property(text, fc.option(fc.nat({ max: 5 }), { nil: undefined }), (t, cap) => {
        try {
          const records = parseCsv(t, cap === undefined ? {} : { maxRecords: cap })
          for (const r of records) expect(r.row).toBeGreaterThanOrEqual(1)
        } catch (e) {
          expect(e instanceof CsvSyntaxError || e instanceof CsvLimitError).toBe(true)
          if (e instanceof CsvSyntaxError) expect(e.row).toBeGreaterThanOrEqual(1)
        }
      }),
      { numRuns: 1000 },
    )
  })
})
