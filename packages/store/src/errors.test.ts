// Values a caller sent that the database cannot hold map to one stable code, on every backend
// (security.md, "No 5xx from junk": NUL bytes in path parameters reached PostgreSQL as 22021,
// which no caller mapped, and became 500s).
import { describe, expect, it } from 'vitest'
import { isStoreError, StoreError, toStoreError } from './errors.ts'
import { type BackendContext, describeEachBackend } from './test-backends.ts'

async function codeOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run()
    return 'ok'
  } catch (e) {
    return isStoreError(e) ? `${e.code} (${e.message.match(/SQLSTATE (\w+)/)?.[1] ?? '?'})` : `not a StoreError: ${e}`
  }
}

function valueSuite(ctx: BackendContext): void {
  it('text with a NUL byte → value_invalid (22021)', async () => {
    expect(await codeOf(() => ctx.store().sql.query('SELECT $1::text AS t', ['a\u0000b']))).toBe(
      'value_invalid (22021)',
    )
  })

  it('a lookup by an id with a NUL byte → value_invalid, through a repository', async () => {
    const lookup = () => ctx.store().offers.getOfferForWallet('uni-a', '\u0000', new Date())
    expect(await codeOf(lookup)).toBe('value_invalid (22021)')
  })

  it('JSON with a \\u0000 escape → value_invalid (22P05)', async () => {
    expect(await codeOf(() => ctx.store().sql.query('SELECT $1::jsonb AS j', ['{"a":"\\u0000"}']))).toBe(
      'value_invalid (22P05)',
    )
  })

  it('a number out of range → value_invalid (22003)', async () => {
    expect(await codeOf(() => ctx.store().sql.query('SELECT $1::int AS i', ['99999999999']))).toBe(
      'value_invalid (22003)',
    )
  })

  it('well-formed text still round-trips, including characters beyond the BMP', async () => {
    const { rows } = await ctx.store().sql.query<{ t: string }>('SELECT $1::text AS t', ['Zoë 🎓 \u2028'])
    expect(rows[0]?.t).toBe('Zoë 🎓 \u2028')
  })
}

describeEachBackend('values the database cannot hold', 'errors', valueSuite)

describe('toStoreError', () => {
  it('maps by SQLSTATE, never by message text', () => {
    const driverError = (code: string) => Object.assign(new Error('whatever the driver says'), { code })
    expect(toStoreError(driverError('22021'), 'x').code).toBe('value_invalid')
    expect(toStoreError(driverError('22P05'), 'x').code).toBe('value_invalid')
    expect(toStoreError(driverError('54000'), 'x').code).toBe('value_invalid')
    expect(toStoreError(driverError('23505'), 'x').code).toBe('duplicate')
    expect(toStoreError(driverError('08006'), 'x').code).toBe('database_error')
    expect(toStoreError(new StoreError('not_found', 'gone'), 'x').code).toBe('not_found')
  })
})
