import { StoreError } from '@alma/store'
import { RequestInputError } from '@alma/trust'
import { describe, expect, it } from 'vitest'
import { type IssuerError, toIssuerError } from './errors.ts'

const publicPart = (e: IssuerError) => ({ code: e.code, status: e.status, description: e.description })

describe('toIssuerError: bad input is answered as bad input, whichever layer found it (issue 12 §5)', () => {
  it('a refusal of the request-input checks keeps its code, status and description', () => {
    expect(
      publicPart(toIssuerError(new RequestInputError('unsupported_media_type', 'unsupported body encoding'))),
    ).toEqual({ code: 'unsupported_media_type', status: 415, description: 'unsupported body encoding' })
    expect(
      publicPart(toIssuerError(new RequestInputError('payload_too_large', 'the request body is too large'))),
    ).toEqual({ code: 'payload_too_large', status: 413, description: 'the request body is too large' })
  })

  it('a value the store cannot hold → 400 invalid_request, the driver detail kept for the log only', () => {
    const cause = new StoreError('value_invalid', 'query failed: invalid byte sequence for encoding "UTF8": 0x00')
    const e = toIssuerError(cause)
    expect(publicPart(e)).toEqual({
      code: 'invalid_request',
      status: 400,
      description: 'a value in the request cannot be stored (a NUL, invalid text, or too long)',
    })
    expect(e.cause).toBe(cause)
  })

  it('any other store failure is still a 500 that says nothing', () => {
    expect(publicPart(toIssuerError(new StoreError('database_error', 'connection lost')))).toEqual({
      code: 'server_error',
      status: 500,
      description: 'the issuer could not handle this request',
    })
  })
})
