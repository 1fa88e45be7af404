// A small RFC 4180 reader (no CSV dependency is available): quoted fields with "" escapes and
// line breaks inside, CRLF or LF, a UTF-8 BOM, and a missing final line break. No trimming, no
// type guessing: every cell is text, and an empty cell is ''.

export interface CsvRecord {
  /** 1-based number of the record in the file, the header being 1 (as a spreadsheet numbers rows). */
  readonly row: number
  readonly cells: readonly string[]
}

export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError'
  constructor(
    message: string,
    readonly row: number,
  ) {
    super(message)
  }
}

/** More records than the caller accepts: parsing stopped there (a cohort's row cap). */
export class CsvLimitError extends Error {
  override readonly name = 'CsvLimitError'
  constructor(readonly maxRecords: number) {
    super(`more than ${maxRecords} records`)
  }
}

export interface ParseCsvOptions {
  /** Stop with {@link CsvLimitError} at the record after this many (the header counts). */
  readonly maxRecords?: number
}

/**
 * Splits CSV text into records. Throws {@link CsvSyntaxError} on a quote inside an unquoted
 * field, text after a closing quote, or an unclosed quote; {@link CsvLimitError} once there are
 * more than `maxRecords` records, without reading the rest. Blank lines are skipped.
 *
 * @example
 * ```ts
 * parseCsv('a,b\r\n"x, ""y""",z\n') // [{ row: 1, cells: ['a','b'] }, { row: 2, cells: ['x, "y"','z'] }]
 * ```
 */
export function parseCsv(text: string, options: ParseCsvOptions = {}): CsvRecord[] {
  const maxRecords = options.maxRecords ?? Number.POSITIVE_INFINITY
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const records: CsvRecord[] = []
  let cells: string[] = []
  let cell = ''
  let i = 0
  let row = 1
  let quoted = false
  const endRecord = () => {
    cells.push(cell)
    if (!(cells.length === 1 && cells[0] === '' && !quoted)) {
      if (records.length === maxRecords) throw new CsvLimitError(maxRecords)
      records.push({ row, cells })
    }
    row++
    cells = []
    cell = ''
    quoted = false
  }
  while (i < src.length) {
    const c = src[i]!
    if (c === '"') {
      if (cell !== '' || quoted) throw new CsvSyntaxError('a quote inside an unquoted field', row)
      quoted = true
      i++
      for (;;) {
        const q = src.indexOf('"', i)
        if (q === -1) throw new CsvSyntaxError('a quoted field is not closed', row)
        cell += src.slice(i, q)
        if (src[q + 1] === '"') {
          cell += '"'
          i = q + 2
        } else {
          i = q + 1
          break
        }
      }
      const next = src[i]
      if (next !== undefined && next !== ',' && next !== '\r' && next !== '\n') {
        throw new CsvSyntaxError('text after a closing quote', row)
      }
    } else if (c === ',') {
      cells.push(cell)
      cell = ''
      quoted = false
      i++
    } else if (c === '\r' || c === '\n') {
      endRecord()
      i += c === '\r' && src[i + 1] === '\n' ? 2 : 1
    } else {
      if (quoted) throw new CsvSyntaxError('text after a closing quote', row)
      const stop = nextSpecial(src, i)
      cell += src.slice(i, stop)
      i = stop
    }
  }
  if (cell !== '' || cells.length > 0 || quoted) endRecord()
  return records
}

function nextSpecial(src: string, from: number): number {
  for (let j = from; j < src.length; j++) {
    const c = src[j]
    if (c === ',' || c === '\r' || c === '\n' || c === '"') return j
  }
  return src.length
}
