// The check of a cohort file (issue 12 §3): it builds nothing, lets the event loop run while it
// reads a long file, and answers any text with a report or one of its named errors.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IssuerError } from '../errors.ts'
import { checkCohortCsv, MAX_COHORT_ROWS } from './cohort.ts'

const HEADER = 'given_name,family_name,email,grade,awarding_date'
const rows = (n: number) => Array.from({ length: n }, (_, i) => `Learner,N${i},l${i}@example.org,Pass,2026-07-15`)

describe('checkCohortCsv', () => {
  it('lets callbacks queued before it run while it checks 500 rows (it yields; it does not hold the loop)', async () => {
    const csv = [HEADER, ...rows(499), 'Bob,Builder,bob@,Pass,2026-07-15'].join('\n')
    let turned = false
    let turnedBeforeLastRow: boolean | undefined
    setImmediate(() => {
      turned = true
    })
    const result = await checkCohortCsv(csv, (done, total) => {
      if (done === total) turnedBeforeLastRow = turned
    })
    expect(turnedBeforeLastRow).toBe(true)
    expect(result.rows).toHaveLength(500)
    expect(result.rows[499]?.report).toEqual({
      row: 501,
      ok: false,
      learner: 'Bob Builder',
      issues: [{ path: 'email', message: expect.any(String) }],
    })
    expect(result.rows[0]).toEqual({
      report: { row: 2, ok: true, learner: 'Learner N0' },
      input: {
        learner: { givenName: 'Learner', familyName: 'N0', email: 'l0@example.org' },
        grade: 'Pass',
        awardingDate: '2026-07-15',
      },
    })
  })

  it('names the required columns left empty, the cell count, and refuses a file over the row cap', async () => {
    const { rows: checked } = await checkCohortCsv(`${HEADER}\n,Lovelace,,,2026-07-15\nA,B\n`)
    expect(checked.map((r) => r.report)).toEqual([
      {
        row: 2,
        ok: false,
        learner: 'Lovelace',
        issues: [
          { path: 'given_name', message: 'is required' },
          { path: 'grade', message: 'is required' },
        ],
      },
      { row: 3, ok: false, learner: 'A B', issues: [{ path: '(row)', message: 'has 2 cells, the header 5' }] },
    ])
    await expect(checkCohortCsv([HEADER, ...rows(MAX_COHORT_ROWS + 1)].join('\n'))).rejects.toMatchObject({
      code: 'payload_too_large',
      description: `cohort CSV: more than ${MAX_COHORT_ROWS} learner rows; at most ${MAX_COHORT_ROWS} per file, split it`,
    })
  })

  it('answers any text with a report per row or an invalid_input naming the problem, never another error', async () => {
    const cell = fc.oneof(
      fc.constantFrom('Ada', '', 'Pass', '2026-07-15', 'x@example.org', '2026-13-01', 'Given_Name', 'grade'),
      fc.string({ maxLength: 6 }),
    )
    const line = fc.array(cell, { minLength: 1, maxLength: 6 }).map((cells) => cells.join(','))
    const text = fc.oneof(
      fc.array(line, { maxLength: 6 }).map((lines) => [HEADER, ...lines].join('\n')),
      fc.array(line, { maxLength: 6 }).map((lines) => lines.join('\r\n')),
      fc.string({ maxLength: 80 }),
    )
    await fc.assert(
      fc.asyncProperty(text, async (csv) => {
        try {
          const { rows: checked } = await checkCohortCsv(csv)
          expect(checked.length).toBeGreaterThan(0)
          for (const { report, input } of checked) {
            if (report.ok) expect(input).toBeDefined()
            else expect(report.issues.length).toBeGreaterThan(0)
          }
        } catch (error) {
          expect(error).toBeInstanceOf(IssuerError)
          expect((error as IssuerError).code).toBe('invalid_input')
          expect((error as IssuerError).extra?.issues).toEqual(
            expect.arrayContaining([expect.objectContaining({ path: expect.any(String) })]),
          )
        }
      }),
    )
  })
})
