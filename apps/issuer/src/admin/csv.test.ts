import { describe, expect, it } from 'vitest'
import { CsvSyntaxError, parseCsv } from './csv.ts'

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
})
