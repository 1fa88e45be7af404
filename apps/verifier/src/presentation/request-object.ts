// The request object a wallet fetches from request_uri (OpenID4VP 1.0 §5.7, RFC 9101): a JWT of
// type oauth-authz-req+jwt signed with the key that matches the client identifier's prefix
// (§5.9.3): the certificate's key for x509_san_dns: / x509_hash:, the DID's key for
// decentralized_identifier:. Built with @openid4vc/openid4vp, signed with jose.

import type { PresentationRequest } from '@alma/store'
import type { JwtSigner, SignJwtCallback } from '@openid4vc/oauth2'
import { createOpenid4vpAuthorizationRequest } from '@openid4vc/openid4vp'
import { SignJWT } from 'jose'
import { VerifierError } from '../errors.ts'
import type { RelyingPartyRuntime } from '../verifier-context.ts'
import type { StoredRequest } from './presentation-session.ts'
import { RESPONSE_ENC_VALUES } from './response-encryption.ts'

/**
 * Algorithms we verify in holder proofs and credentials (§11.1 `vp_formats_supported`): only what
 * both the holder-proof check and the credential check accept, and only fully specified names.
 */
const SIGNING_ALGS = ['ES256', 'ES384']

/**
 * §5.8: a wallet found by static discovery is addressed as `https://self-issued.me/v2`; a wallet
 * that POSTed its metadata with an `issuer` is addressed by it.
 */
const STATIC_DISCOVERY_AUDIENCE = 'https://self-issued.me/v2'

/** The authorization request parameters (§5.1, §5.2) of a stored request. */
export function authorizationRequestPayload(
  rp: RelyingPartyRuntime,
  record: PresentationRequest,
  stored: StoredRequest,
  walletNonce?: string,
): Record<string, unknown> {
  const encrypted = record.responseMode === 'direct_post.jwt'
  return {
    response_type: 'vp_token',
    client_id: record.clientId,
    response_mode: record.responseMode,
    response_uri: rp.urls.responseUri(record.id),
    nonce: record.nonce,
    state: stored.state,
    dcql_query: stored.dcqlQuery,
    client_metadata: {
      client_name: rp.name,
      // §11.1 / Appendix B.1.3.1 and B.3.4: what we can verify.
      vp_formats_supported: {
        jwt_vc_json: { alg_values: SIGNING_ALGS },
        'dc+sd-jwt': { 'sd-jwt_alg_values': SIGNING_ALGS, 'kb-jwt_alg_values': SIGNING_ALGS },
      },
      ...(encrypted && stored.encryptionJwk
        ? {
            // §8.3: the wallet encrypts the response to this key, with one of these enc values.
            jwks: { keys: [stored.encryptionJwk] },
            encrypted_response_enc_values_supported: [...RESPONSE_ENC_VALUES],
          }
        : {}),
    },
    ...(walletNonce ? { wallet_nonce: walletNonce } : {}),
  }
}

function signerOf(rp: RelyingPartyRuntime, stored: StoredRequest): JwtSigner {
  const alg = rp.key.record.alg
  if (stored.clientIdPrefix === 'decentralized_identifier') return { method: 'did', didUrl: rp.key.didUrl, alg }
  // HAIP 1.0: the trust anchor is not sent in x5c; the wallet has it.
  const chain = rp.key.x5cWithoutAnchor
  if (chain.length === 0) throw new VerifierError('server_error', 'the relying party has no certificate to sign with')
  return { method: 'x5c', x5c: [...chain], alg }
}

function signWith(rp: RelyingPartyRuntime): SignJwtCallback {
  return async (_signer, { header, payload }) => {
    const jwt = await new SignJWT(payload as Record<string, unknown>)
      .setProtectedHeader({ ...header, alg: rp.key.record.alg } as Parameters<SignJWT['setProtectedHeader']>[0])
      .sign(rp.key.privateKey)
    return { jwt, signerJwk: rp.key.record.publicJwk as never }
  }
}

export interface RequestObjectOptions {
  /** §5.10: the wallet_nonce of a POST to request_uri, echoed in the signed request. */
  readonly walletNonce?: string
  /** §5.10: the wallet's metadata; its `issuer`, if any, becomes the request's `aud` (§5.8). */
  readonly walletIssuer?: string
  readonly now: Date
  readonly expiresInSeconds: number
}

/** The signed request object (a compact JWS) of a stored request. */
export async function createRequestObject(
  rp: RelyingPartyRuntime,
  record: PresentationRequest,
  stored: StoredRequest,
  options: RequestObjectOptions,
): Promise<string> {
  if (stored.clientIdPrefix === 'redirect_uri') {
    // §5.9.3: requests under redirect_uri: cannot be signed; they travel by value.
    throw new VerifierError('invalid_request', 'this request is passed by value; it has no request object')
  }
  const result = await createOpenid4vpAuthorizationRequest({
    authorizationRequestPayload: authorizationRequestPayload(rp, record, stored, options.walletNonce) as Parameters<
      typeof createOpenid4vpAuthorizationRequest
    >[0]['authorizationRequestPayload'],
    jar: {
      requestUri: rp.urls.requestUri(record.id),
      jwtSigner: signerOf(rp, stored),
      expiresInSeconds: options.expiresInSeconds,
      additionalJwtPayload: { aud: options.walletIssuer ?? STATIC_DISCOVERY_AUDIENCE },
    },
    ...(options.walletNonce ? { wallet: { expectedNonce: options.walletNonce } } : {}),
    callbacks: { signJwt: signWith(rp), encryptJwe: notUsed },
    now: options.now,
  })
  const jwt = result.jar?.authorizationRequestJwt
  if (!jwt) throw new VerifierError('server_error', 'the request object was not signed')
  return jwt
}

const notUsed = () => {
  throw new Error('request objects are signed, not encrypted')
}
