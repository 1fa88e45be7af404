import { describe, expect, it } from 'vitest'
import { expandClaimPath, formatClaimPath, isPrefixOf, parseClaimPath } from './claim-paths.ts'

// The example credential of OpenID4VP 1.0 §7.4 (claims path pointer examples).
const CLAIMS = {
  name: 'Arthur Dent',
  address: { street_address: '42 Market Street', locality: 'Milliways', postal_code: '12345' },
  degrees: [
    { type: 'Bachelor of Science', university: 'University of Betelgeuse' },
    { type: 'Master of Science', university: 'University of Betelgeuse' },
  ],
  nationalities: ['British', 'Betelgeusian'],
}

describe('claims path pointers (OpenID4VP 1.0 §7)', () => {
  it('selects as the spec examples do', () => {
    expect(expandClaimPath(['name'], CLAIMS)).toEqual([['name']])
    expect(expandClaimPath(['address'], CLAIMS)).toEqual([['address']])
    expect(expandClaimPath(['address', 'street_address'], CLAIMS)).toEqual([['address', 'street_address']])
    expect(expandClaimPath(['degrees', null, 'type'], CLAIMS)).toEqual([
      ['degrees', 0, 'type'],
      ['degrees', 1, 'type'],
    ])
    expect(expandClaimPath(['nationalities', 1], CLAIMS)).toEqual([['nationalities', 1]])
  })

  it('selects nothing for missing claims, indexes out of range, or a type mismatch', () => {
    expect(expandClaimPath(['birth_date'], CLAIMS)).toEqual([])
    expect(expandClaimPath(['nationalities', 2], CLAIMS)).toEqual([])
    expect(expandClaimPath(['name', null], CLAIMS)).toEqual([])
    expect(expandClaimPath(['degrees', 'type'], CLAIMS)).toEqual([])
  })

  it('reads and writes dotted paths against the claims', () => {
    expect(parseClaimPath('degrees.1.type', CLAIMS)).toEqual(['degrees', 1, 'type'])
    expect(parseClaimPath('address.postal_code', CLAIMS)).toEqual(['address', 'postal_code'])
    expect(formatClaimPath(['degrees', 0, 'type'])).toBe('degrees.0.type')
    expect(isPrefixOf(['degrees'], ['degrees', 0, 'type'])).toBe(true)
    expect(isPrefixOf(['degrees', 1], ['degrees', 0, 'type'])).toBe(false)
  })
})
