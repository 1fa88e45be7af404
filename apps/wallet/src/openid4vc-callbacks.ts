// The callbacks the @openid4vc libraries take (they are storage- and crypto-free): hashing,
// randomness, HTTP, and signing with the holder's keys.
import { createHash, randomBytes } from 'node:crypto'
import { isIP } from 'node:net'
import type { HashAlgorithm, SignJwtCallback } from '@openid4vc/oauth2'
import { getGlobalConfig, setGlobalConfig } from '@openid4vc/utils'
import { WalletError } from './errors.ts'
import { findHolderKey, type HolderKey, signWithHolderKey } from './holder-keys.ts'

/** Transport options every wallet operation takes. */
export interface TransportOptions {
  /**
   * Allow plain `http://` to loopback addresses (127.0.0.0/8, ::1, localhost), for a local issuer
   * or verifier in development and tests. Off by default: everything else needs https. Turning it
   * on also flips the @openid4vc libraries' process-wide `allowInsecureUrls` switch; the wallet's
   * own fetch guard still refuses http to any host that is not loopback.
   */
  readonly allowInsecureLoopback?: boolean
  /** The fetch to use (default the global one); wrapped by the same guard. */
  readonly fetch?: typeof fetch
}

/** The library's `hash` callback: SHA-256/384/512 with node:crypto. */
export function hashWith(data: Uint8Array, algorithm: HashAlgorithm): Uint8Array {
  const name = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' }[algorithm]
  if (!name) throw new WalletError('input_invalid', `hash algorithm ${algorithm} is not supported`)
  return createHash(name).update(data).digest()
}

/** The library's `generateRandom` callback (PKCE verifiers, DPoP `jti`, state). */
export function randomWith(length: number): Uint8Array {
  return randomBytes(length)
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '')
  if (host === 'localhost') return true
  if (isIP(host) === 4) return host.startsWith('127.')
  return host === '::1'
}

/**
 * A fetch that only speaks https, or http to loopback when `allowInsecureLoopback` is set
 * (protocols.md, "Interop traps": the insecure switch is for loopback in development only).
 */
export function guardedFetch(options: TransportOptions = {}): typeof fetch {
  const base = options.fetch ?? globalThis.fetch
  if (options.allowInsecureLoopback && !getGlobalConfig().allowInsecureUrls) {
    setGlobalConfig({ allowInsecureUrls: true })
  }
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    if (url.protocol !== 'https:') {
      const allowed = url.protocol === 'http:' && options.allowInsecureLoopback === true && isLoopbackHost(url.hostname)
      if (!allowed) {
        return Promise.reject(
          new WalletError(
            'insecure_url',
            url.protocol === 'http:' && isLoopbackHost(url.hostname)
              ? `${url.origin} is plain http; allow it with allowInsecureLoopback (development only)`
              : `${url.origin} is not https; the wallet talks to issuers and verifiers over https only`,
          ),
        )
      }
    }
    return base(input, init)
  }
}

/** Checks that a URL the wallet is about to use is https, or loopback http when allowed. */
export function assertUsableUrl(value: string, options: TransportOptions, what: string): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch (cause) {
    throw new WalletError('input_invalid', `${what} is not a URL`, { cause })
  }
  if (url.protocol === 'https:') return url
  if (url.protocol === 'http:' && options.allowInsecureLoopback && isLoopbackHost(url.hostname)) return url
  throw new WalletError('insecure_url', `${what} ${url.origin} is not https`)
}

/**
 * The library's `signJwt` callback over a set of holder keys: it signs with the key whose public
 * half the library names (`method: 'jwk'`), the only signer method the wallet uses for proofs
 * (OpenID4VCI 1.0 §8.2.1.1 `jwk` header) and DPoP (RFC 9449 §4.2).
 */
export function signJwtWithHolderKeys(keys: () => readonly HolderKey[]): SignJwtCallback {
  return async (signer, { header, payload }) => {
    if (signer.method !== 'jwk') {
      throw new WalletError('input_invalid', `the wallet signs with its own JWKs only, not by ${signer.method}`)
    }
    const key = await findHolderKey(keys(), signer.publicJwk)
    return { jwt: await signWithHolderKey(key, header, payload), signerJwk: signer.publicJwk }
  }
}
