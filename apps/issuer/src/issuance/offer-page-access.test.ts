// The offer page's form token (offer-page-access.ts): a MAC'd value bound to the tenant, the offer
// and an expiry. Read from a form a stranger can fill with anything, so besides the examples a
// property-based test: no value but one minted for this offer is ever accepted, and none throws.
import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { closedStateOf, createOfferFormToken, offerFormTokenExpiry } from './offer-page-access.ts'

const key = randomBytes(32)
const expiresAt = new Date('2026-07-15T12:30:00Z')

describe('the form token', () => {
  it('reads back its expiry for the offer and tenant it was made for, and for no other', () => {
    const token = createOfferFormToken(key, 'uni-a', 'offer-1', expiresAt)
    expect(token).toMatch(/^[0-9a-z]+\.[\w-]{22}\.[\w-]{22}$/)
    expect(offerFormTokenExpiry(key, 'uni-a', 'offer-1', token)).toEqual(expiresAt)
    expect(offerFormTokenExpiry(key, 'uni-a', 'offer-2', token)).toBeUndefined()
    expect(offerFormTokenExpiry(key, 'uni-b', 'offer-1', token)).toBeUndefined()
    expect(offerFormTokenExpiry(randomBytes(32), 'uni-a', 'offer-1', token)).toBeUndefined()
    // Two tokens for one offer differ (each form is spent once).
    expect(createOfferFormToken(key, 'uni-a', 'offer-1', expiresAt)).not.toBe(token)
  })

  it('refuses a later expiry written into a real token, a cut one, and what is not a string', () => {
    const token = createOfferFormToken(key, 'uni-a', 'offer-1', expiresAt)
    const [, random, tag] = token.split('.')
    const later = Math.floor(expiresAt.getTime() / 1000 + 86_400).toString(36)
    expect(offerFormTokenExpiry(key, 'uni-a', 'offer-1', `${later}.${random}.${tag}`)).toBeUndefined()
    expect(offerFormTokenExpiry(key, 'uni-a', 'offer-1', token.slice(0, -1))).toBeUndefined()
    expect(offerFormTokenExpiry(key, 'uni-a', 'offer-1', `${token}.x`)).toBeUndefined()
    expect(offerFormTokenExpiry(key, 'uni-a', 'offer-1', `${token}${'a'.repeat(128)}`)).toBeUndefined()
    // The tag's last character carries 4 spare bits: no other spelling of it is accepted.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    for (const c of alphabet.replace(token.at(-1)!, '')) {
      expect(offerFormTokenExpiry(key, 'uni-a', 'offer-1', `${token.slice(0, -1)}${c}`), c).toBeUndefined()
    }
    for (const value of [undefined, null, 42, [token], { token }]) {
      expect(offerFormTokenExpiry(key, 'uni-a', 'offer-1', value)).toBeUndefined()
    }
  })

  it('accepts no value it did not make, whatever it is (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.anything()), (value) => {
        expect(offerFormTokenExpiry(key, 'uni-a', 'offer-1', value)).toBeUndefined()
      }),
    )
  })

  // Also the spare bits of the tag's last base64url character: another spelling of one MAC would
  // hash differently and so be spendable again.
  it('any change of one character of a real token is refused (property)', () => {
    const token = createOfferFormToken(key, 'uni-a', 'offer-1', expiresAt)
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.string({ minLength: 1, maxLength: 1 }), (at, c) => {
        fc.pre(token[at] !== c)
        const changed = `${token.slice(0, at)}${c}${token.slice(at + 1)}`
        expect(offerFormTokenExpiry(key, 'uni-a', 'offer-1', changed)).toBeUndefined()
      }),
    )
  })
})

describe('closedStateOf', () => {
  const offer = {
    tenantId: 'uni-a',
    id: 'offer-1',
    awardId: 'award-1',
    credentialConfigurationIds: [],
    txCodeRequired: true,
    txCodeAttempts: 0,
    maxTxCodeAttempts: 5,
    expiresAt,
    createdAt: new Date('2026-07-15T12:00:00Z'),
  }
  const before = new Date('2026-07-15T12:29:59Z')

  it('names each state the page shows; an offered offer past its expiry is expired', () => {
    expect(closedStateOf({ ...offer, state: 'offered' }, before)).toBeUndefined()
    expect(closedStateOf({ ...offer, state: 'offered' }, expiresAt)).toBe('expired')
    expect(closedStateOf({ ...offer, state: 'token_issued' }, before)).toBe('redeemed')
    expect(closedStateOf({ ...offer, state: 'credential_issued' }, before)).toBe('redeemed')
    expect(closedStateOf({ ...offer, state: 'burnt' }, before)).toBe('burnt')
    expect(closedStateOf({ ...offer, state: 'expired' }, before)).toBe('expired')
    expect(closedStateOf({ ...offer, state: 'withdrawn' }, before)).toBe('withdrawn')
  })
})
