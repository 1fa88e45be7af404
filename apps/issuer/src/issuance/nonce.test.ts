import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { cNonceExpiry, createCNonce } from './nonce.ts'

const key = randomBytes(32)
const expiresAt = new Date('2026-11-23T12:05:00Z')

describe('c_nonce (VCI 1.0 §7)', () => {
  it('carries its expiry under a MAC bound to the tenant', () => {
    const nonce = createCNonce(key, 'uni-a', expiresAt)
    expect(nonce).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/)
    expect(cNonceExpiry(key, 'uni-a', nonce)).toEqual(expiresAt)
    expect(createCNonce(key, 'uni-a', expiresAt)).not.toBe(nonce)
  })

  it('is not accepted for another tenant, under another key, or when changed', () => {
    const nonce = createCNonce(key, 'uni-a', expiresAt)
    expect(cNonceExpiry(key, 'uni-b', nonce)).toBeUndefined()
    expect(cNonceExpiry(randomBytes(32), 'uni-a', nonce)).toBeUndefined()
    const [expiry, random, tag] = nonce.split('.') as [string, string, string]
    const later = (Number.parseInt(expiry, 36) + 3600).toString(36)
    expect(cNonceExpiry(key, 'uni-a', `${later}.${random}.${tag}`)).toBeUndefined()
    const flipped = `${tag.startsWith('A') ? 'B' : 'A'}${tag.slice(1)}`
    expect(cNonceExpiry(key, 'uni-a', `${expiry}.${random}.${flipped}`)).toBeUndefined()
    // The tag's last character carries 4 spare bits: another spelling of one MAC would be a fresh
    // hash when spent, so one nonce could be spent 16 times.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    for (const c of alphabet.replace(nonce.at(-1)!, '')) {
      expect(cNonceExpiry(key, 'uni-a', `${nonce.slice(0, -1)}${c}`), c).toBeUndefined()
    }
    expect(cNonceExpiry(key, 'uni-a', 'not-a-nonce')).toBeUndefined()
    expect(cNonceExpiry(key, 'uni-a', `${nonce}.${'x'.repeat(200)}`)).toBeUndefined()
  })
})
