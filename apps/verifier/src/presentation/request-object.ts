// The request object a wallet fetches from request_uri (OpenID4VP 1.0 §5.7, RFC 9101): a JWT of
// type oauth-authz-req+jwt signed with the key that matches the client identifier's prefix
// (§5.9.3): the certificate's key for x509_san_dns: / x509_hash:, the DID's key for
// decentralized_identifier:. The key is the one the request was bound to when it was created,
// not the relying party's key of the moment. Built with @openid4vc/openid4vp, signed with jose.

import type { PresentationRequest } from '@alma/store'
import { signCompactJws } from '@alma/trust'
import type { JwtSigner, SignJwtCallback } from '@openid4vc/oauth2'
import { createOpenid4vpAuthorizationRequest } from '@openid4vc/openid4vp'
import { VerifierError } from '../errors.ts'
import { type RelyingPartyKey, type RelyingPartyRuntime, x509Hash } from '../verifier-context.ts'
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

/**
 * The key a stored request's object is signed with: exactly the one recorded when the request
 * was created (`signingKid`), because its client_id — already in the QR code or link — was made
 * from that key: `x509_hash:` is the SHA-256 of its certificate (§5.9.3), and a
 * `decentralized_identifier:` wallet resolves the `kid` it is signed under. A rotation since then
 * changes nothing: the rotated-out key stays `published` and keeps signing the requests bound to
 * it. A key that is `retired` (gone from the DID document; a retirement is how an operator takes
 * a key out of use, e.g. after a compromise) or no longer stored is never replaced by another
 * key: the fetch is refused instead.
 *
 * Refused with `invalid_request` (400), as this endpoint refuses an expired or answered request:
 * the request the wallet holds can no longer be served, which will not change on a retry (a 5xx
 * would invite one; RFC 6749 §4.1.2.1 keeps `server_error` for unexpected conditions, and a
 * retirement is an operator's decision), and §5.10.2 has the wallet stop at any error answer.
 * The request is not marked failed: it stays open (`retrieved` once a wallet has tried) until it
 * expires. request_uri is an unauthenticated GET anyone holding the QR code can make, and, as for
 * responses (receive-response.ts), only a response bound to the request by its `state` ends a
 * session (`failed` is reached only from `responding`); the relying party, which retired the
 * key, knows to make a new request, and the refusal is logged with the request's id.
 */
export async function requestSigningKey(
  rp: RelyingPartyRuntime,
  record: PresentationRequest,
  stored: StoredRequest,
): Promise<RelyingPartyKey> {
  const keys = await rp.signingKeys()
  const expectedHash = stored.clientIdPrefix === 'x509_hash' ? record.clientId.slice('x509_hash:'.length) : undefined
  // Requests made before the binding was recorded (store migration 3) keep what they were made
  // with where the client_id says it (x509_hash: names the certificate), else the active key.
  const found = record.signingKid
    ? keys.find((k) => k.kid === record.signingKid)
    : expectedHash !== undefined
      ? keys.find((k) => k.x5c?.[0] !== undefined && x509Hash(k.x5c[0]) === expectedHash)
      : keys.find((k) => k.kid === rp.key.record.kid)
  const unusable = (why: string) =>
    new VerifierError(
      'invalid_request',
      `the signing key this presentation request is bound to ${why}; it is not signed with another key: the relying party must create a new request`,
      { internal: `request ${record.id} of relying party ${rp.id}` },
    )
  if (!found) throw unusable(record.signingKid ? `(${record.signingKid}) no longer exists` : 'no longer exists')
  if (found.state === 'retired') throw unusable(`(${found.kid}) has been retired`)
  const key = rp.openSigningKey(found)
  if (expectedHash !== undefined && (key.x5c[0] === undefined || x509Hash(key.x5c[0]) !== expectedHash)) {
    // Cannot happen while a key record never changes its certificate; checked because a
    // request signed under a client_id that is not its certificate's hash is refused by wallets.
    throw new VerifierError('server_error', 'the request could not be signed', {
      internal: `request ${record.id}: key ${found.kid}'s certificate does not match ${record.clientId}`,
    })
  }
  return key
}

function signerOf(key: RelyingPartyKey, stored: StoredRequest): JwtSigner {
  const alg = key.record.alg
  if (stored.clientIdPrefix === 'decentralized_identifier') return { method: 'did', didUrl: key.didUrl, alg }
  // HAIP 1.0: the trust anchor is not sent in x5c; the wallet has it.
  const chain = key.x5cWithoutAnchor
  if (chain.length === 0) throw new VerifierError('server_error', 'the relying party has no certificate to sign with')
  return { method: 'x5c', x5c: [...chain], alg }
}

function signWith(key: RelyingPartyKey): SignJwtCallback {
  return async (_signer, { header, payload }) => {
    const jwt = signCompactJws(
      { ...header, alg: key.record.alg },
      new TextEncoder().encode(JSON.stringify(payload)),
      key.privateKey,
      key.record.alg,
    )
    return { jwt, signerJwk: key.record.publicJwk as never }
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

/** The signed request object (a compact JWS) of a stored request, with the key it is bound to. */
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
  const key = await requestSigningKey(rp, record, stored)
  const result = await createOpenid4vpAuthorizationRequest({
    authorizationRequestPayload: authorizationRequestPayload(rp, record, stored, options.walletNonce) as Parameters<
      typeof createOpenid4vpAuthorizationRequest
    >[0]['authorizationRequestPayload'],
    jar: {
      requestUri: rp.urls.requestUri(record.id),
      jwtSigner: signerOf(key, stored),
      expiresInSeconds: options.expiresInSeconds,
      additionalJwtPayload: { aud: options.walletIssuer ?? STATIC_DISCOVERY_AUDIENCE },
    },
    ...(options.walletNonce ? { wallet: { expectedNonce: options.walletNonce } } : {}),
    callbacks: { signJwt: signWith(key), encryptJwe: notUsed },
    now: options.now,
  })
  const jwt = result.jar?.authorizationRequestJwt
  if (!jwt) throw new VerifierError('server_error', 'the request object was not signed')
  return jwt
}

const notUsed = () => {
  throw new Error('request objects are signed, not encrypted')
}
