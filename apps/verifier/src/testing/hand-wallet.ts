// Test-only: a wallet written out by hand with jose, so tests can send exactly the good and the bad
// messages they need (the interop tests use @openid4vc/openid4vp through apps/wallet instead).
import { createHash, X509Certificate } from 'node:crypto'
import { CompactEncrypt, compactVerify, decodeProtectedHeader, importJWK, importX509, type JWK, SignJWT } from 'jose'
import { COURSE_ID, type TestIssuer } from '../../../issuer/src/testing/issuer-harness.ts'
import { requestCredential, testWallet, type WalletKey } from '../../../issuer/src/testing/test-wallet.ts'

export type { WalletKey }

export interface IssuedCredentials {
  readonly vcJwt: string
  readonly sdJwt: string
  /** keys[0] holds the VC-JWT, keys[1] the SD-JWT. */
  readonly keys: readonly WalletKey[]
  readonly awardId: string
}

/** One credential of each format from the running test issuer, through @openid4vc/openid4vci. */
export async function issueBoth(issuer: TestIssuer, options: { tenant?: string } = {}): Promise<IssuedCredentials> {
  const offer = await issuer.offer(options.tenant ? { tenant: options.tenant } : {})
  return redeemBoth(offer.offerUri, offer.awardId)
}

/** Redeems an offer (pre-authorized, no tx_code) for one credential of each format. */
export async function redeemBoth(offerUri: string, awardId: string): Promise<IssuedCredentials> {
  const { client, keys } = await testWallet()
  const credentialOffer = await client.resolveCredentialOffer(offerUri)
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer,
    issuerMetadata,
  })
  const out: string[] = []
  for (const [i, configurationId] of [`${COURSE_ID}_jwt_vc_json`, `${COURSE_ID}_dc_sd_jwt`].entries()) {
    const body = await requestCredential(client, {
      issuerMetadata,
      accessToken: accessTokenResponse.access_token,
      configurationId,
      key: keys[i]!,
    })
    out.push(body.credentials?.[0]?.credential ?? '')
  }
  return { vcJwt: out[0]!, sdJwt: out[1]!, keys, awardId }
}

const nowSeconds = () => Math.floor(Date.now() / 1000)

export interface HolderProofTarget {
  readonly aud: string
  readonly nonce: string
}

/** A VP JWT wrapping one VC-JWT (OpenID4VP 1.0 B.1.3.1), signed by the holder key. */
export async function vpJwt(
  vcJwt: string,
  key: WalletKey,
  target: HolderProofTarget,
  claims: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT({
    aud: target.aud,
    nonce: target.nonce,
    iat: nowSeconds(),
    vp: {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiablePresentation'],
      verifiableCredential: [vcJwt],
    },
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
    .sign(await importJWK(key.privateJwk, 'ES256'))
}

/** Keeps only the disclosures of `names` and adds a KB-JWT (RFC 9901 §4.3). */
export async function presentSdJwt(
  sdJwt: string,
  key: WalletKey,
  names: readonly string[],
  target: HolderProofTarget,
  kb: { claims?: Record<string, unknown>; sdHash?: string } = {},
): Promise<string> {
  const [jwt, ...disclosures] = sdJwt.split('~').filter(Boolean)
  const kept = disclosures.filter((d) => names.includes(JSON.parse(Buffer.from(d, 'base64url').toString())[1]))
  const presented = `${[jwt, ...kept].join('~')}~`
  const sdHash = kb.sdHash ?? createHash('sha256').update(presented).digest('base64url')
  const kbJwt = await new SignJWT({
    aud: target.aud,
    nonce: target.nonce,
    iat: nowSeconds(),
    sd_hash: sdHash,
    ...kb.claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'kb+jwt' })
    .sign(await importJWK(key.privateJwk, 'ES256'))
  return presented + kbJwt
}

export interface OpenedRequest {
  readonly payload: Record<string, any>
  readonly header: Record<string, any>
  readonly jwt: string
}

/**
 * Fetches and verifies a request object from an `openid4vp://` link: GET, or POST with a
 * wallet_nonce when the link says request_uri_method=post; the signature is checked with the x5c
 * leaf, which must chain to `trustedCa` (PEM).
 */
export async function openRequest(
  link: string,
  options: { trustedCa: string; walletNonce?: string },
): Promise<OpenedRequest> {
  const params = new URL(link).searchParams
  const requestUri = params.get('request_uri')
  if (!requestUri) throw new Error('the link has no request_uri')
  const post = params.get('request_uri_method') === 'post'
  const response = await fetch(requestUri, {
    method: post ? 'POST' : 'GET',
    redirect: 'manual',
    ...(post
      ? {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            wallet_nonce: options.walletNonce ?? 'wallet-nonce',
            wallet_metadata: JSON.stringify({ vp_formats_supported: { 'dc+sd-jwt': {}, jwt_vc_json: {} } }),
          }),
        }
      : {}),
  })
  if (response.status !== 200) throw new Error(`request_uri answered ${response.status}: ${await response.text()}`)
  const jwt = await response.text()
  const header = decodeProtectedHeader(jwt) as Record<string, any>
  const leaf = new X509Certificate(Buffer.from(header.x5c[0], 'base64'))
  if (!leaf.verify(new X509Certificate(options.trustedCa).publicKey)) throw new Error('x5c does not chain to the CA')
  const key = await importX509(leaf.toString(), String(header.alg))
  const { payload } = await compactVerify(jwt, key)
  return { payload: JSON.parse(new TextDecoder().decode(payload)), header, jwt }
}

/**
 * Sends an authorization response to the request's response_uri: plain form (direct_post), or the
 * payload encrypted to the request's key (direct_post.jwt, ECDH-ES + A128GCM unless told).
 */
export async function submitResponse(
  request: Record<string, any>,
  responsePayload: Record<string, unknown>,
  options: { encrypt?: boolean; enc?: string; rawForm?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  let form: Record<string, string>
  if (options.rawForm) form = options.rawForm
  else if (options.encrypt ?? request.response_mode === 'direct_post.jwt') {
    const jwk = request.client_metadata.jwks.keys[0] as JWK
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(responsePayload)))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: options.enc ?? 'A128GCM', kid: jwk.kid })
      .encrypt(await importJWK(jwk, 'ECDH-ES'))
    form = { response: jwe }
  } else {
    form = Object.fromEntries(
      Object.entries(responsePayload).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    )
  }
  const response = await fetch(String(request.response_uri), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
    redirect: 'manual',
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : undefined }
}
