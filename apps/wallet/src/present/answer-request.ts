// Answering a presentation request (OpenID4VP 1.0): resolve and authenticate the request (§5),
// match the DCQL query (§6), let the holder choose what to disclose, build one presentation per
// credential query bound to the request's nonce and the verifier's client_id (Appendix B), and
// post the response to the verifier (§8.2 direct_post, §8.3 direct_post.jwt).
import { randomBytes } from 'node:crypto'
import {
  createOpenid4vpAuthorizationResponse,
  type Openid4vpAuthorizationRequest,
  parseOpenid4vpAuthorizationRequest,
  type ResolvedOpenid4vpAuthorizationRequest,
  resolveOpenid4vpAuthorizationRequest,
  submitOpenid4vpAuthorizationResponse,
} from '@openid4vc/openid4vp'
import { z } from 'zod'
import type { CredentialFormat, CredentialStore, CredentialSummary, StoredCredential } from '../credential-store.ts'
import { describeCause, WalletError, walletErrorIn } from '../errors.ts'
import { HOLDER_KEY_ALG } from '../holder-keys.ts'
import { assertUsableUrl, guardedFetch, hashWith, type TransportOptions } from '../openid4vc-callbacks.ts'
import { type ClaimPath, expandClaimPath, formatClaimPath, uniquePaths } from './claim-paths.ts'
import { createSdJwtPresentation, readSdJwt } from './create-sd-jwt-presentation.ts'
import { createVpJwt } from './create-vp-jwt.ts'
import {
  encryptResponseJwe,
  RESPONSE_ENCRYPTION_ALGORITHMS,
  RESPONSE_ENCRYPTION_ENCODINGS,
  WALLET_RESPONSE_ENCRYPTION_METADATA,
} from './encrypt-response.ts'
import { type CredentialMatch, matchCredentials } from './match-credentials.ts'
import {
  createRequestObjectVerifier,
  type DidResolver,
  REQUEST_OBJECT_ALGORITHMS,
  type VerifierAuthentication,
} from './verify-request-object.ts'

/** The client identifier prefixes the wallet answers (OpenID4VP 1.0 §5.9.3). */
export type AcceptedClientIdPrefix = 'x509_san_dns' | 'x509_hash' | 'decentralized_identifier' | 'redirect_uri'

/** Who asks, as far as the wallet could establish it. */
export interface VerifierSummary {
  /** The `client_id` of the request, with its prefix. */
  readonly clientId: string
  readonly prefix: AcceptedClientIdPrefix
  /** `client_metadata.client_name`, as the verifier states it (not verified). */
  readonly name?: string
  readonly authentication: VerifierAuthentication
}

/** What the holder decides on for one credential (given to {@link AnswerRequestOptions.chooseDisclosures}). */
export interface DisclosureChoice {
  readonly verifier: VerifierSummary
  /** The DCQL credential query being answered. */
  readonly queryId: string
  readonly credential: CredentialSummary
  /** The claims the verifier asks for, as concrete paths into this credential. */
  readonly requested: readonly ClaimPath[]
  /** Every claim the holder may withhold (one per SD-JWT disclosure). */
  readonly disclosable: readonly ClaimPath[]
}

/** Picks the claims to disclose; default: exactly {@link DisclosureChoice.requested}. */
export type ChooseDisclosures = (choice: DisclosureChoice) => readonly ClaimPath[] | Promise<readonly ClaimPath[]>

/** Options of {@link answerPresentationRequest}. */
export interface AnswerRequestOptions extends TransportOptions {
  /** The credentials to answer from. */
  readonly store: CredentialStore
  /** Called once per SD-JWT credential presented; VC-JWTs have no selective disclosure. */
  readonly chooseDisclosures?: ChooseDisclosures
  /** Answer unsigned requests of `redirect_uri:` clients (§5.9.3: no authentication; development only). */
  readonly allowUnsignedRedirectUri?: boolean
  /** PEM trust anchors for the x5c chains of `x509_san_dns:` / `x509_hash:` requests; none: leaf only. */
  readonly trustAnchors?: readonly string[]
  /** Resolver for `decentralized_identifier:` clients; default did:key, did:jwk and did:web (https). */
  readonly didResolver?: DidResolver
  readonly now?: () => Date
}

/** One credential as presented. */
export interface PresentedCredential {
  readonly queryId: string
  readonly credentialId: string
  readonly format: CredentialFormat
  /** The selectively disclosable claims disclosed (SD-JWT); VC-JWTs disclose the whole credential. */
  readonly disclosed: readonly ClaimPath[] | 'all'
}

/** The result of {@link answerPresentationRequest}. */
export interface PresentationAnswer {
  readonly verifier: VerifierSummary
  readonly responseMode: 'direct_post' | 'direct_post.jwt'
  readonly presented: readonly PresentedCredential[]
  /** The verifier's HTTP status (200). */
  readonly status: number
  /** §8.2: where the verifier wants the user's browser to go next (same-device flows). */
  readonly redirectUri?: string
}

/** §10.1 wallet metadata, sent when the verifier asks for it (`request_uri_method=post`, §5.10). */
export function walletMetadata(options: Pick<AnswerRequestOptions, 'allowUnsignedRedirectUri'> = {}) {
  return {
    vp_formats_supported: {
      'dc+sd-jwt': { 'sd-jwt_alg_values': ['ES256', 'ES384', 'EdDSA'], 'kb-jwt_alg_values': [HOLDER_KEY_ALG] },
      jwt_vc_json: { alg_values: ['ES256', 'ES384', 'EdDSA'] },
    },
    client_id_prefixes_supported: [
      'x509_san_dns',
      'x509_hash',
      'decentralized_identifier',
      ...(options.allowUnsignedRedirectUri ? ['redirect_uri'] : []),
    ],
    request_object_signing_alg_values_supported: [...REQUEST_OBJECT_ALGORITHMS],
    response_types_supported: ['vp_token'],
    response_modes_supported: ['direct_post', 'direct_post.jwt'],
    authorization_encryption_alg_values_supported: [...RESPONSE_ENCRYPTION_ALGORITHMS],
    authorization_encryption_enc_values_supported: [...RESPONSE_ENCRYPTION_ENCODINGS],
  }
}

const zVerifierAnswer = z.looseObject({ redirect_uri: z.string().optional() })

/**
 * Answers an OpenID4VP 1.0 request given as a URI (`openid4vp://?client_id=…&request_uri=…`,
 * with or without `request_uri_method=post`, or with the request by value): only signed requests
 * of `x509_san_dns:`, `x509_hash:` and `decentralized_identifier:` clients (and unsigned
 * `redirect_uri:` ones when allowed), DCQL queries only, `direct_post` and `direct_post.jwt`.
 *
 * @example
 * ```ts
 * const answer = await answerPresentationRequest(uri, {
 *   store,
 *   chooseDisclosures: ({ requested }) => requested.filter((p) => p[0] !== 'birth_date'),
 * })
 * if (answer.redirectUri) openBrowser(answer.redirectUri)
 * ```
 */
export async function answerPresentationRequest(
  requestUri: string,
  options: AnswerRequestOptions,
): Promise<PresentationAnswer> {
  const now = options.now ?? (() => new Date())
  const fetch = guardedFetch(options)
  // Step 1 (§5, §5.10): the request, fetched (GET, or POST with our metadata) and authenticated.
  const { resolved, verifier } = await resolveRequest(requestUri, options, fetch, now)
  const request = resolved.authorizationRequestPayload as Openid4vpAuthorizationRequest
  // Step 2: what the wallet supports of it.
  const responseMode = supportedResponseMode(request, options)
  if (resolved.transactionData) {
    throw new WalletError('query_unsupported', 'transaction_data (§8.4) is not supported by this wallet')
  }
  if (resolved.pex || !resolved.dcql) {
    throw new WalletError('query_unsupported', 'only DCQL queries (OpenID4VP 1.0 §6) are answered')
  }
  if (typeof resolved.dcql.query !== 'object' || resolved.dcql.query === null) {
    throw new WalletError('request_invalid', 'dcql_query is not a JSON object')
  }
  // Step 3 (§6): the credentials that answer the query.
  const matches = await matchCredentials(resolved.dcql.query, options.store.all())
  // Step 4 (Appendix B): one presentation per credential query, with the holder's disclosures.
  // The KB-JWT / VP JWT audience is the client_id as the verifier will compare it (§B.3.6, §B.1.3.1).
  const audience = resolved.client.effective
  const presented: PresentedCredential[] = []
  const vpToken: Record<string, [string]> = {}
  for (const match of matches) {
    const built = await presentationFor(match, { verifier, audience, nonce: request.nonce, now: now(), options })
    vpToken[match.queryId] = [built.presentation]
    presented.push(built.presented)
  }
  // Step 5 (§8): the response, encrypted for direct_post.jwt, posted to response_uri.
  const { status, redirectUri } = await submitResponse(request, responseMode, vpToken, fetch)
  return { verifier, responseMode, presented, status, ...(redirectUri ? { redirectUri } : {}) }
}

async function resolveRequest(
  requestUri: string,
  options: AnswerRequestOptions,
  fetch: typeof globalThis.fetch,
  now: () => Date,
): Promise<{ resolved: ResolvedOpenid4vpAuthorizationRequest; verifier: VerifierSummary }> {
  // §5: the URI's parameters, JSON-valued ones (client_metadata, dcql_query) decoded.
  let params: Record<string, unknown>
  try {
    params = parseOpenid4vpAuthorizationRequest({ authorizationRequest: requestUri.trim() }).params
  } catch (error) {
    throw new WalletError('request_invalid', `the presentation request is not valid: ${describeCause(error)}`, {
      cause: error,
    })
  }
  let walletNonce: string | undefined
  if (typeof params.request_uri === 'string') {
    assertUsableUrl(params.request_uri, options, 'request_uri')
    if (params.request_uri_method === 'post') {
      walletNonce = randomBytes(16).toString('base64url')
      // @openid4vc/openid4vp (0.4.6, still in 0.7.0) posts the metadata members flat and drops
      // wallet_nonce, so the wallet fetches the request object itself (§5.10.1) and hands it on
      // by value.
      const requestObject = await postForRequestObject(params.request_uri, options, walletNonce, fetch)
      params = {
        ...(typeof params.client_id === 'string' ? { client_id: params.client_id } : {}),
        request: requestObject,
      }
    }
  }
  const requestVerifier = createRequestObjectVerifier({
    ...(options.trustAnchors ? { trustAnchors: options.trustAnchors } : {}),
    ...(options.didResolver ? { didResolver: options.didResolver } : {}),
    now,
  })
  let resolved: ResolvedOpenid4vpAuthorizationRequest
  try {
    resolved = await resolveOpenid4vpAuthorizationRequest({
      authorizationRequestPayload: params,
      // §5.10.1: the signed request must echo our wallet_nonce.
      ...(walletNonce ? { wallet: { expectedNonce: walletNonce } } : {}),
      // This wallet answers over HTTP only (§8.2 direct_post / direct_post.jwt), never the DC API
      // or an issuance-time interaction: a request naming another response mode is refused
      // (required since @openid4vc/openid4vp 0.5.0, which also only then lets a request_uri in).
      responseMode: { type: 'direct_post' },
      callbacks: {
        verifyJwt: requestVerifier.verifyJwt,
        getX509CertificateMetadata: requestVerifier.getX509CertificateMetadata,
        decryptJwe: () => {
          throw new WalletError('request_invalid', 'encrypted request objects are not supported')
        },
        fetch,
        hash: hashWith,
      },
    })
  } catch (error) {
    throw (
      walletErrorIn(error) ??
      new WalletError('request_invalid', `the presentation request is not valid: ${describeCause(error)}`, {
        cause: error,
      })
    )
  }
  const prefix = acceptedPrefix(resolved, options)
  const authentication: VerifierAuthentication = resolved.jar
    ? (requestVerifier.authentication() ?? 'unsigned')
    : 'unsigned'
  const request = resolved.authorizationRequestPayload as Openid4vpAuthorizationRequest
  const name = (request.client_metadata as { client_name?: unknown } | undefined)?.client_name
  return {
    resolved,
    verifier: {
      clientId: request.client_id,
      prefix,
      ...(typeof name === 'string' ? { name } : {}),
      authentication,
    },
  }
}

/** §5.10.1: POST `wallet_metadata` and `wallet_nonce` form-encoded; the answer is the request object. */
async function postForRequestObject(
  requestUri: string,
  options: AnswerRequestOptions,
  walletNonce: string,
  fetch: typeof globalThis.fetch,
): Promise<string> {
  let response: Response
  try {
    response = await fetch(requestUri, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/oauth-authz-req+jwt',
      },
      body: new URLSearchParams({
        wallet_metadata: JSON.stringify(walletMetadata(options)),
        wallet_nonce: walletNonce,
      }),
    })
  } catch (error) {
    throw (
      walletErrorIn(error) ??
      new WalletError('request_invalid', `request_uri cannot be fetched: ${describeCause(error)}`)
    )
  }
  if (!response.ok) throw new WalletError('request_invalid', `request_uri answered ${response.status}`)
  return (await response.text()).trim()
}

/** §5.9.3: the prefixes the wallet can authenticate; `redirect_uri:` only when the caller allows it. */
function acceptedPrefix(
  resolved: ResolvedOpenid4vpAuthorizationRequest,
  options: AnswerRequestOptions,
): AcceptedClientIdPrefix {
  const prefix = resolved.client.prefix
  if (prefix === 'x509_san_dns' || prefix === 'x509_hash' || prefix === 'decentralized_identifier') {
    if (!resolved.jar) throw new WalletError('verifier_not_accepted', `a ${prefix} request must be signed`)
    return prefix
  }
  if (prefix === 'redirect_uri') {
    if (!options.allowUnsignedRedirectUri) {
      throw new WalletError(
        'verifier_not_accepted',
        'the verifier is not authenticated (redirect_uri client id, unsigned request); allowUnsignedRedirectUri permits it for development',
      )
    }
    return prefix
  }
  throw new WalletError('verifier_not_accepted', `client id prefix ${prefix} is not supported by this wallet`)
}

function supportedResponseMode(
  request: Openid4vpAuthorizationRequest,
  options: AnswerRequestOptions,
): 'direct_post' | 'direct_post.jwt' {
  const mode = request.response_mode
  if (mode !== 'direct_post' && mode !== 'direct_post.jwt') {
    throw new WalletError(
      'query_unsupported',
      `response_mode ${String(mode)} is not supported (direct_post, direct_post.jwt)`,
    )
  }
  if (!request.response_uri) throw new WalletError('request_invalid', `${mode} needs a response_uri (§8.2)`)
  assertUsableUrl(request.response_uri, options, 'response_uri')
  return mode
}

async function presentationFor(
  match: CredentialMatch,
  context: {
    verifier: VerifierSummary
    audience: string
    nonce: string
    now: Date
    options: AnswerRequestOptions
  },
): Promise<{ presentation: string; presented: PresentedCredential }> {
  const { credential } = match
  if (credential.format === 'jwt_vc_json') {
    const presentation = await createVpJwt({
      vcJwt: credential.credential,
      holderKey: credential.holderKey,
      audience: context.audience,
      nonce: context.nonce,
      now: context.now,
    })
    return {
      presentation,
      presented: { queryId: match.queryId, credentialId: credential.id, format: credential.format, disclosed: 'all' },
    }
  }
  const { claims, disclosable } = await readSdJwt(credential.credential)
  const requested = uniquePaths(match.requestedClaims.flatMap((pattern) => expandClaimPath(pattern, claims)))
  const chosen = context.options.chooseDisclosures
    ? await context.options.chooseDisclosures({
        verifier: context.verifier,
        queryId: match.queryId,
        credential: summaryOf(credential),
        requested,
        disclosable,
      })
    : requested
  const { presentation, disclosed } = await createSdJwtPresentation({
    sdJwt: credential.credential,
    holderKey: credential.holderKey,
    disclose: chosen,
    audience: context.audience,
    nonce: context.nonce,
    now: context.now,
  })
  return {
    presentation,
    presented: { queryId: match.queryId, credentialId: credential.id, format: credential.format, disclosed },
  }
}

function summaryOf(credential: StoredCredential): CredentialSummary {
  const { holderKey, credential: _compact, ...rest } = credential
  return { ...rest, holderKeyId: holderKey.id }
}

async function submitResponse(
  request: Openid4vpAuthorizationRequest,
  responseMode: 'direct_post' | 'direct_post.jwt',
  vpToken: Record<string, [string]>,
  fetch: typeof globalThis.fetch,
): Promise<{ status: number; redirectUri?: string }> {
  let response: Awaited<ReturnType<typeof createOpenid4vpAuthorizationResponse>>
  try {
    response = await createOpenid4vpAuthorizationResponse({
      authorizationRequestPayload: request,
      authorizationResponsePayload: { vp_token: vpToken },
      ...(responseMode === 'direct_post.jwt'
        ? {
            jarm: {
              // `apu`: a fresh nonce of the wallet's, as the library writes it into the JWE header.
              encryption: { nonce: randomBytes(16).toString('base64url') },
              serverMetadata: WALLET_RESPONSE_ENCRYPTION_METADATA,
            },
          }
        : {}),
      callbacks: {
        signJwt: () => {
          throw new WalletError('input_invalid', 'the wallet does not sign authorization responses')
        },
        encryptJwe: encryptResponseJwe,
        fetch,
      },
    })
  } catch (error) {
    // E.g. direct_post.jwt without a usable key in client_metadata.jwks (§8.3).
    throw (
      walletErrorIn(error) ??
      new WalletError('request_invalid', `no response can be made for this request: ${describeCause(error)}`, {
        cause: error,
      })
    )
  }
  let submitted: Awaited<ReturnType<typeof submitOpenid4vpAuthorizationResponse>>
  try {
    submitted = await submitOpenid4vpAuthorizationResponse({
      authorizationRequestPayload: request,
      authorizationResponsePayload: response.authorizationResponsePayload,
      ...(response.jarm ? { jarm: { responseJwt: response.jarm.responseJwt } } : {}),
      callbacks: { fetch },
    })
  } catch (error) {
    throw (
      walletErrorIn(error) ??
      new WalletError('response_rejected', `the response could not be sent: ${describeCause(error)}`, { cause: error })
    )
  }
  const answer = submitted.response
  const text = await answer.text()
  if (!answer.ok) {
    throw new WalletError('response_rejected', `the verifier answered ${answer.status}: ${text.slice(0, 500)}`)
  }
  let body: unknown = {}
  try {
    body = text ? JSON.parse(text) : {}
  } catch {
    body = {}
  }
  const parsed = zVerifierAnswer.safeParse(body)
  const redirectUri = parsed.success ? parsed.data.redirect_uri : undefined
  return { status: answer.status, ...(redirectUri ? { redirectUri } : {}) }
}

/** Formats a disclosure list for people: `family_name, ects_credits`. */
export function describeDisclosed(disclosed: PresentedCredential['disclosed']): string {
  return disclosed === 'all'
    ? 'the whole credential'
    : disclosed.map(formatClaimPath).join(', ') || '(nothing selectively disclosable)'
}
