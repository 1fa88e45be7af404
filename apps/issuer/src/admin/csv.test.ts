import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CsvLimitError, CsvSyntaxError, parseCsv } from './csv.ts'

const cells = (text: string) => parseCsv(text).map((r) => r.cells)

describe('parseCsv (RFC 4180)', () => {
  it('reads plain fields with LF, CRLF and no final line break', () => {
    expect(cells('a,b\nc,d\n')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ])
    expect(cells('a,b\r\nc,d')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ])
  })

  it('reads quoted fields with commas, escaped quotes and line breaks', () => {
    expect(cells('"x, y","say ""hi""","two\r\nlines"\r\nz,,""\r\n')).toEqual([
      ['x, y', 'say "hi"', 'two\r\nlines'],
      ['z', '', ''],
    ])
  })

  it('drops a BOM, skips blank lines and numbers records as a spreadsheet does', () => {
    const records = parseCsv('\uFEFFh1,h2\r\n\r\n"a\nb",c\nd,e\n')
    expect(records[0]).toEqual({ row: 1, cells: ['h1', 'h2'] })
    expect(records.map((r) => r.row)).toEqual([1, 3, 4])
    expect(records[1]!.cells).toEqual(['a\nb', 'c'])
  })

  it('keeps empty trailing cells and a lone empty quoted field', () => {
    expect(cells('a,\n""\n')).toEqual([['a', ''], ['']])
  })

  it('refuses a quote inside an unquoted field, text after a closing quote and an unclosed quote', () => {
    expect(() => parseCsv('ab"c\n')).toThrow(CsvSyntaxError)
    expect(() => parseCsv('"ab"c\n')).toThrow(/text after a closing quote/)
    expect(() => parseCsv('a\n"open\n')).toThrow(expect.objectContaining({ row: 2 }))
  })

  it('stops at the record after maxRecords, without reading the rest (the row cap of a cohort)', () => {
    expect(parseCsv('h\na\nb\n', { maxRecords: 3 }).map((r) => r.cells)).toEqual([['h'], ['a'], ['b']])
    expect(() => parseCsv('h\na\nb\nc\n"unclosed', { maxRecords: 3 })).toThrow(CsvLimitError)
    expect(() => parseCsv('h\na\nb\nc\n', { maxRecords: 3 })).toThrow(expect.objectContaining({ maxRecords: 3 }))
    // Blank lines are not records.
    expect(parseCsv('h\n\n\na\n', { maxRecords: 2 })).toHaveLength(2)
  })
})

/** RFC 4180 as a writer produces it: every field quoted, quotes doubled, CRLF between records. */
function writeCsv(records: readonly (readonly string[])[]): string {
  return records.map((cells) => cells.map((c) => `"${c.replaceAll('"', '""')}"`).join(',')).join('\r\n')
}

describe('parseCsv (properties)', () => {
  const cell = fc.string({ unit: 'grapheme', maxLength: 12 })
  const record = fc.array(cell, { minLength: 1, maxLength: 6 })

  it('reads back whatever an RFC 4180 writer wrote, record for record', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 20 }), (records) => {
        // A record of one empty unquoted field would be a blank line; quoted, it is a record.
        const parsed = parseCsv(writeCsv(records))
        expect(parsed.map((r) => r.cells)).toEqual(records)
        expect(parsed.map((r) => r.row)).toEqual(records.map((_, i) => i + 1))
      }),
    )
  })

  it('on any text, returns records or throws one of its two errors: never anything else, never hangs', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', ',', '"', '\r', '\n', 'é', '\uFEFF'), maxLength: 60 }),
        (text) => {
          try {
            const records = parseCsv(text, { maxRecords: 5 })
            expect(records.length).toBeLessThanOrEqual(5)
            for (const r of records) expect(r.cells.length).toBeGreaterThan(0)
          } catch (error) {
            expect(error instanceof CsvSyntaxError || error instanceof CsvLimitError).toBe(true)
          }
        },
      ),
    )
  })
})
