// Test-only: hand-built OpenID4VCI requests for the negative (attack) e2e tests, so every bad
// variant of a DPoP proof, key proof or token request can be made (security.md, "Issuance").
import {
  createHash,
  createHmac,
  createPrivateKey,
  sign as cryptoSign,
  type JsonWebKey as NodeJsonWebKey,
  randomUUID,
} from 'node:crypto'
import type { Offer } from '@alma/store'
import { base64url, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose'
import { expect } from 'vitest'
import { cNonceExpiry } from '../issuance/nonce.ts'
import type { CreatedOffer } from '../issuance/offers.ts'
import { hashValue } from '../issuance/secrets.ts'
import { COURSE_ID, type TestIssuer } from './issuer-harness.ts'

export const PRE_AUTHORIZED_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code'
export const SD_JWT_CONFIG = `${COURSE_ID}_dc_sd_jwt`
export const JWT_VC_CONFIG = `${COURSE_ID}_jwt_vc_json`

/** A clock the issuer reads (`startTestIssuer({ now: clock.now })`) that a test can move. */
export interface TestClock {
  readonly now: () => Date
  /** Seconds since the epoch, as JWT claims want them. */
  seconds(): number
  advance(seconds: number): void
  reset(): void
}

export function testClock(): TestClock {
  let offsetMs = 0
  return {
    now: () => new Date(Date.now() + offsetMs),
    seconds: () => Math.floor((Date.now() + offsetMs) / 1000),
    advance(seconds) {
      offsetMs += seconds * 1000
    },
    reset() {
      offsetMs = 0
    },
  }
}

export interface TestKey {
  readonly publicJwk: JWK
  readonly privateJwk: JWK
  readonly privateKey: CryptoKey
}

export async function newKey(alg = 'ES256'): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
  return {
    publicJwk: await exportJWK(publicKey),
    privateJwk: await exportJWK(privateKey),
    privateKey: privateKey as CryptoKey,
  }
}

export interface HttpResult {
  readonly status: number
  readonly headers: Headers
  // biome-ignore lint/suspicious/noExplicitAny: a test reads whatever JSON came back
  readonly body: any
}

async function send(url: string, init: RequestInit): Promise<HttpResult> {
  const res = await fetch(url, init)
  const text = await res.text()
  let body: unknown = text
  if ((res.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text)
  return { status: res.status, headers: res.headers, body }
}

/** `header.payload.` with no signature (RFC 7519 §6 unsecured JWT). */
export function unsignedJwt(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const part = (o: unknown) => base64url.encode(JSON.stringify(o))
  return `${part(header)}.${part(payload)}.`
}

/** An HMAC-signed JWT (HS256), which no wallet proof may be (RFC 8725 §3.1). */
export function hmacJwt(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string): string {
  const part = (o: unknown) => base64url.encode(JSON.stringify(o))
  const input = `${part({ ...header, alg: 'HS256' })}.${part(payload)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}

/** ES256 signed with node:crypto, bypassing jose's own header checks (e.g. unknown `crit`). */
export function rawEs256Jwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: TestKey): string {
  const part = (o: unknown) => base64url.encode(JSON.stringify(o))
  const input = `${part({ ...header, alg: 'ES256' })}.${part(payload)}`
  const privateKey = createPrivateKey({ key: key.privateJwk as NodeJsonWebKey, format: 'jwk' })
  return `${input}.${cryptoSign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
}

export function sha256Base64url(value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}

/**
 * Asserts an OAuth error response exactly (style.md practice 8): status, body
 * `{error, error_description}` with a description naming the problem, `no-store`, and on 401 the
 * `WWW-Authenticate` challenge carrying the same code.
 */
export function expectError(res: HttpResult, status: number, error: string, description: RegExp): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: { error, error_description: expect.stringMatching(description) },
  })
  // RFC 6749 §5.2: error_description is printable ASCII without '"' and '\\'.
  expect(res.body.error_description).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/)
  expect(res.headers.get('cache-control')).toBe('no-store')
  if (status === 401) {
    expect(res.headers.get('www-authenticate')).toMatch(new RegExp(`^(DPoP|Bearer) error="${error}"`))
  } else {
    expect(res.headers.get('www-authenticate')).toBeNull()
  }
}

/** Requests by hand against one test issuer. */
export class AttackClient {
  constructor(
    readonly issuer: TestIssuer,
    readonly clock: TestClock,
  ) {}

  url(tenant: string, path: string): string {
    return `${this.issuer.url}/${tenant}/${path}`
  }

  preAuthorizedCode(offer: CreatedOffer): string {
    const grant = (offer.credentialOffer.grants as Record<string, { 'pre-authorized_code': string }>)[
      PRE_AUTHORIZED_GRANT
    ]
    if (!grant) throw new Error('offer has no pre-authorized code')
    return grant['pre-authorized_code']
  }

  async offerState(offerId: string, tenant = 'uni-a'): Promise<Offer> {
    const offer = await this.issuer.store.offers.getById(tenant, offerId)
    if (!offer) throw new Error(`no offer ${offerId}`)
    return offer
  }

  async issuedFor(awardId: string, tenant = 'uni-a') {
    return this.issuer.store.issuedCredentials.listByAward(tenant, awardId)
  }

  /** True while a c_nonce is this tenant's, not expired, and not spent (issuance/nonce.ts). */
  async nonceUnspent(nonce: string, tenant = 'uni-a'): Promise<boolean> {
    const expiresAt = cNonceExpiry(this.issuer.ctx.nonceKey, tenant, nonce)
    if (!expiresAt || expiresAt <= this.clock.now()) return false
    const { rows } = await this.issuer.store.sql.query(
      'SELECT 1 FROM single_use_values WHERE tenant_id = $1 AND kind = $2 AND value_hash = $3',
      [tenant, 'c_nonce', hashValue(nonce)],
    )
    return rows.length === 0
  }

  token(
    tenant: string,
    params: Record<string, string>,
    options: { dpop?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpResult> {
    return send(this.url(tenant, 'token'), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(options.dpop ? { dpop: options.dpop } : {}),
        ...options.headers,
      },
      body: new URLSearchParams(params),
    })
  }

  preAuthorizedParams(offer: CreatedOffer, txCode?: string): Record<string, string> {
    return {
      grant_type: PRE_AUTHORIZED_GRANT,
      'pre-authorized_code': this.preAuthorizedCode(offer),
      ...(txCode !== undefined ? { tx_code: txCode } : {}),
    }
  }

  /** Redeems an offer's code; the access token (DPoP-bound when a key is given). */
  async redeem(offer: CreatedOffer, options: { tenant?: string; dpopKey?: TestKey } = {}): Promise<string> {
    const tenant = options.tenant ?? 'uni-a'
    const dpop = options.dpopKey ? await this.dpop({ key: options.dpopKey, htu: this.url(tenant, 'token') }) : undefined
    const res = await this.token(tenant, this.preAuthorizedParams(offer, offer.txCode), dpop ? { dpop } : {})
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.token_type).toBe(options.dpopKey ? 'DPoP' : 'Bearer')
    return res.body.access_token as string
  }

  async nonce(tenant = 'uni-a'): Promise<string> {
    const res = await send(this.url(tenant, 'nonce'), { method: 'POST' })
    expect(res.status).toBe(200)
    return res.body.c_nonce as string
  }

  /** A DPoP proof (RFC 9449 §4.2); every member can be overridden or removed (undefined). */
  dpop(options: {
    key: TestKey
    htu: string
    htm?: string
    accessToken?: string
    iat?: number
    jti?: string
    header?: Record<string, unknown>
    payload?: Record<string, unknown>
    signWith?: TestKey
  }): Promise<string> {
    const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: options.key.publicJwk, ...options.header }
    const payload: JWTPayload = {
      htm: options.htm ?? 'POST',
      htu: options.htu,
      iat: options.iat ?? this.clock.seconds(),
      jti: options.jti ?? randomUUID(),
      ...(options.accessToken ? { ath: sha256Base64url(options.accessToken) } : {}),
      ...options.payload,
    }
    return sign(header, payload, (options.signWith ?? options.key).privateKey)
  }

  /** A key proof (VCI 1.0 App. F.1) for `tenant`; every member can be overridden or removed. */
  proof(options: {
    key: TestKey
    nonce?: string
    tenant?: string
    header?: Record<string, unknown>
    payload?: Record<string, unknown>
    signWith?: TestKey
  }): Promise<string> {
    const header = { typ: 'openid4vci-proof+jwt', alg: 'ES256', jwk: options.key.publicJwk, ...options.header }
    const payload: JWTPayload = {
      aud: `${this.issuer.url}/${options.tenant ?? 'uni-a'}`,
      iat: this.clock.seconds(),
      ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
      ...options.payload,
    }
    return sign(header, payload, (options.signWith ?? options.key).privateKey)
  }

  credential(
    tenant: string,
    accessToken: string | undefined,
    body: unknown,
    options: {
      dpop?: string
      scheme?: string
      query?: string
      contentType?: string
      rawBody?: string
      path?: string
    } = {},
  ): Promise<HttpResult> {
    const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' }
    if (accessToken !== undefined) headers.authorization = `${options.scheme ?? 'Bearer'} ${accessToken}`
    if (options.dpop) headers.dpop = options.dpop
    return send(`${this.url(tenant, options.path ?? 'credential')}${options.query ?? ''}`, {
      method: 'POST',
      headers,
      body: options.rawBody ?? JSON.stringify(body),
    })
  }

  /** A well-formed single-proof request body for `configuration`. */
  async credentialBody(key: TestKey, nonce: string, configuration = SD_JWT_CONFIG, tenant = 'uni-a') {
    return {
      credential_configuration_id: configuration,
      proofs: { jwt: [await this.proof({ key, nonce, tenant })] },
    }
  }
}

// --- Authorization code flow (RFC 9126 PAR, the authorization page, its forms) -----------------

/** One form of an authorization page (http/authorize.ts): where it posts and what it carries. */
export interface PageForm {
  readonly action: string
  readonly id: string
  readonly hidden: Readonly<Record<string, string>>
  /** Names of the visible inputs (the learner's code). */
  readonly fields: readonly string[]
}

function unescapeHtml(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
}

/** The forms of an authorization page, by id. */
export function formsOf(html: string): Record<string, PageForm> {
  const forms: Record<string, PageForm> = {}
  for (const m of html.matchAll(/<form method="post" action="([^"]+)" id="([^"]+)">([\s\S]*?)<\/form>/g)) {
    forms[m[2]!] = {
      action: unescapeHtml(m[1]!),
      id: m[2]!,
      hidden: Object.fromEntries(
        [...m[3]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((h) => [
          unescapeHtml(h[1]!),
          unescapeHtml(h[2]!),
        ]),
      ),
      fields: [...m[3]!.matchAll(/<input id="[^"]+" name="([^"]+)"/g)].map((f) => f[1]!),
    }
  }
  return forms
}

/** A form POST as a browser sends it, redirects not followed. */
export function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  return send(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
    redirect: 'manual',
  })
}

/** A GET, redirects not followed; an HTML body is text. */
export function getPage(url: string, headers: Record<string, string> = {}) {
  return send(url, { headers, redirect: 'manual' })
}

/** Signs with jose; members set to undefined are dropped, so a test can remove `typ`, `iat`, … */
async function sign(header: Record<string, unknown>, payload: JWTPayload, key: CryptoKey): Promise<string> {
  const h = Object.fromEntries(Object.entries(header).filter(([, v]) => v !== undefined))
  const p = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined))
  return new SignJWT(p).setProtectedHeader(h as { alg: string }).sign(key)
}
