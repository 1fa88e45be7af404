// Receiving credentials (OpenID4VCI 1.0): resolve the offer, get an access token by the
// pre-authorized code (§6.1, with tx_code) or the authorization code flow (§5: PAR, PKCE, DPoP),
// then per offered configuration one key, one nonce (§7), one `jwt` proof (§8.2.1.1), one
// credential request (§8); store what came back and tell the issuer (§11).
import { randomBytes } from 'node:crypto'
import {
  type AuthorizationServerMetadata,
  authorizationCodeGrantIdentifier,
  clientAuthenticationNone,
  getAuthorizationServerMetadataFromList,
  Oauth2Client,
  preAuthorizedCodeGrantIdentifier,
  type RequestDpopOptions,
} from '@openid4vc/oauth2'
import {
  type CredentialOfferObject,
  determineAuthorizationServerForCredentialOffer,
  extractScopesForCredentialConfigurationIds,
  type IssuerMetadataResult,
  Openid4vciClient,
} from '@openid4vc/openid4vci'
import { decodeJwt } from 'jose'
import { z } from 'zod'
import {
  CREDENTIAL_FORMATS,
  type CredentialFormat,
  type CredentialStore,
  type CredentialSummary,
} from '../credential-store.ts'
import { describeCause, WalletError, walletErrorIn } from '../errors.ts'
import { generateHolderKey, HOLDER_KEY_ALG, type HolderKey, holderDidOf, isKeyOf } from '../holder-keys.ts'
import {
  guardedFetch,
  hashWith,
  randomWith,
  signJwtWithHolderKeys,
  type TransportOptions,
} from '../openid4vc-callbacks.ts'

/** The two ways to an access token (OpenID4VCI 1.0 §3.5). */
export type IssuanceFlow = 'pre-authorized_code' | 'authorization_code'

/** What the issuer says about the transaction code it sent the learner (§4.1.1 `tx_code`). */
export interface TxCodeRequest {
  readonly issuer: string
  readonly inputMode?: 'numeric' | 'text'
  readonly length?: number
  readonly description?: string
}

/** What the user must see to approve the issuance in a browser (§5.1). */
export interface AuthorizationStep {
  readonly issuer: string
  /** Open this in the user's browser: the issuer's authorization endpoint with the PAR `request_uri`. */
  readonly authorizationUrl: string
  /** Where the issuer will send the browser back, with `code` (or `error`), `state` and `iss`. */
  readonly redirectUri: string
  /**
   * The transaction code the caller gave ({@link AcceptOfferOptions.txCode}), if any. An issuer
   * may ask the learner for it on its authorization page before showing anything personal (Alma
   * does for offers protected by one: the same proof as the pre-authorized grant's); whoever
   * drives the browser types it there. It is never sent to the issuer by the wallet itself.
   */
  readonly txCode?: string
}

/** Options of {@link acceptCredentialOffer}. */
export interface AcceptOfferOptions extends TransportOptions {
  /** Where the received credentials go. */
  readonly store: CredentialStore
  /** The grant to use; default the pre-authorized code when the offer has one, else the authorization code. */
  readonly flow?: IssuanceFlow
  /** The transaction code, when already known (otherwise {@link AcceptOfferOptions.askTxCode} is asked). */
  readonly txCode?: string
  /** Asks the user for the transaction code the issuer sent by another channel (§4.1.1). */
  readonly askTxCode?: (request: TxCodeRequest) => Promise<string>
  /**
   * The user's consent at the issuer: receives the authorization URL, lets the user log in and
   * approve, and resolves with the URL the browser was redirected to (with `code`).
   */
  readonly authorize?: (step: AuthorizationStep) => Promise<string>
  /** The wallet's OAuth client id (a public client, RFC 6749 §2.1); default `alma-wallet`. */
  readonly clientId?: string
  /** The redirect URI for the authorization code flow; default {@link DEFAULT_REDIRECT_URI}. */
  readonly redirectUri?: string
  /** Which offered configurations to request; default all of them. */
  readonly configurationIds?: readonly string[]
  readonly now?: () => Date
}

/** The result of {@link acceptCredentialOffer}. */
export interface AcceptedOffer {
  /** The Credential Issuer Identifier. */
  readonly issuer: string
  readonly flow: IssuanceFlow
  /** The credentials now in the store, in the order of the offer. */
  readonly credentials: readonly CredentialSummary[]
  /** Problems that did not stop the issuance (a failed notification, §11). */
  readonly warnings: readonly string[]
}

/** The default redirect URI: the `.invalid` TLD (RFC 2606) is never resolved; `authorize` reads the URL. */
export const DEFAULT_REDIRECT_URI = 'https://wallet.alma.invalid/callback'
const DEFAULT_CLIENT_ID = 'alma-wallet'

/** §8.3 credential response, the parts the wallet reads. */
const zCredentialResponseBody = z.looseObject({
  credentials: z.array(z.looseObject({ credential: z.unknown() })).optional(),
  transaction_id: z.string().optional(),
  notification_id: z.string().optional(),
})

interface Session {
  readonly client: Openid4vciClient
  readonly offer: CredentialOfferObject
  readonly metadata: IssuerMetadataResult
  readonly clientId: string
  /** Keys the signJwt callback may use in this session: the DPoP key and the credentials' keys. */
  readonly keys: HolderKey[]
}

interface AccessGrant {
  readonly flow: IssuanceFlow
  readonly accessToken: string
  readonly dpop?: RequestDpopOptions
}

/**
 * Accepts a credential offer (OpenID4VCI 1.0 §4.1): by value (`openid-credential-offer://?credential_offer=…`)
 * or by reference (`?credential_offer_uri=…`). Every credential is bound to a fresh holder key and
 * stored in `options.store` before the issuer is notified.
 *
 * @example
 * ```ts
 * const store = await CredentialStore.open({ path: 'wallet.json', passphrase, create: true })
 * const { credentials } = await acceptCredentialOffer(offerUri, {
 *   store,
 *   askTxCode: async ({ length }) => prompt(`the ${length}-digit code from your university`),
 * })
 * ```
 */
export async function acceptCredentialOffer(offerUri: string, options: AcceptOfferOptions): Promise<AcceptedOffer> {
  const now = options.now ?? (() => new Date())
  const keys: HolderKey[] = []
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID
  const client = new Openid4vciClient({
    callbacks: {
      hash: hashWith,
      generateRandom: randomWith,
      fetch: guardedFetch(options),
      signJwt: signJwtWithHolderKeys(() => keys),
      clientAuthentication: clientAuthenticationNone({ clientId }),
      // This wallet never sends credential_response_encryption (VCI 1.0 §8.2), so an encrypted
      // answer is not one it asked for.
      decryptJwe: () => {
        throw new WalletError(
          'issuance_failed',
          'the issuer encrypted a credential response the wallet did not ask to be encrypted',
        )
      },
    },
  })
  // Step 1 (§4.1.2, §4.1.3; §12.2.2): the offer, then the issuer's and authorization server's metadata.
  const offer = await resolveOffer(client, offerUri)
  const metadata = await resolveIssuerMetadata(client, offer.credential_issuer)
  const session: Session = { client, offer, metadata, clientId, keys }
  // Step 2: which configurations, each in a format the wallet can hold and prove.
  const configurationIds = selectConfigurations(session, options.configurationIds)
  // Step 3 (§6): an access token, sender-constrained with DPoP when the server supports it.
  const grant = await obtainAccessToken(session, configurationIds, options, now())
  // Step 4 (§7, §8): one fresh key, nonce, proof and credential per configuration.
  const received: { configurationId: string; credential: string; key: HolderKey; notificationId?: string }[] = []
  for (const configurationId of configurationIds) {
    received.push(await requestCredential(session, grant, configurationId, now()))
  }
  // Step 5: keep them — before telling the issuer they were accepted.
  const stored: CredentialSummary[] = []
  for (const item of received) {
    const credential = await options.store.add({
      format: formatOf(metadata, item.configurationId),
      credential: item.credential,
      issuer: offer.credential_issuer,
      configurationId: item.configurationId,
      ...displayNameOf(metadata, item.configurationId),
      receivedAt: now().toISOString(),
      holderKey: item.key,
    })
    const { holderKey, credential: _compact, ...summary } = credential
    stored.push({ ...summary, holderKeyId: holderKey.id })
  }
  // Step 6 (§11): credential_accepted, where the issuer asked for notifications.
  const warnings: string[] = []
  for (const item of received) {
    if (!item.notificationId || !metadata.credentialIssuer.notification_endpoint) continue
    try {
      await client.sendNotification({
        issuerMetadata: metadata,
        accessToken: grant.accessToken,
        notification: { notificationId: item.notificationId, event: 'credential_accepted' },
        ...(grant.dpop ? { dpop: grant.dpop } : {}),
      })
    } catch (error) {
      warnings.push(`the issuer was not notified of ${item.configurationId}: ${describeCause(error)}`)
    }
  }
  return { issuer: offer.credential_issuer, flow: grant.flow, credentials: stored, warnings }
}

async function resolveOffer(client: Openid4vciClient, offerUri: string): Promise<CredentialOfferObject> {
  try {
    return await client.resolveCredentialOffer(offerUri.trim())
  } catch (error) {
    throw (
      walletErrorIn(error) ??
      new WalletError('offer_invalid', `the credential offer cannot be read: ${describeCause(error)}`, {
        cause: error,
      })
    )
  }
}

async function resolveIssuerMetadata(client: Openid4vciClient, issuer: string): Promise<IssuerMetadataResult> {
  try {
    return await client.resolveIssuerMetadata(issuer)
  } catch (error) {
    throw (
      walletErrorIn(error) ??
      new WalletError('offer_invalid', `the metadata of ${issuer} cannot be read: ${describeCause(error)}`, {
        cause: error,
      })
    )
  }
}

function isCredentialFormat(format: unknown): format is CredentialFormat {
  return (CREDENTIAL_FORMATS as readonly unknown[]).includes(format)
}

function configurationOf(metadata: IssuerMetadataResult, configurationId: string) {
  return metadata.credentialIssuer.credential_configurations_supported[configurationId]
}

function formatOf(metadata: IssuerMetadataResult, configurationId: string): CredentialFormat {
  const format = configurationOf(metadata, configurationId)?.format
  if (!isCredentialFormat(format)) {
    throw new WalletError('configuration_unsupported', `${configurationId} has format ${String(format)}`)
  }
  return format
}

function displayNameOf(metadata: IssuerMetadataResult, configurationId: string): { name?: string } {
  const configuration = configurationOf(metadata, configurationId) as
    | { credential_metadata?: { display?: { name?: unknown; locale?: unknown }[] } }
    | undefined
  const display = configuration?.credential_metadata?.display ?? []
  const entry = display.find((d) => typeof d.locale === 'string' && d.locale.startsWith('en')) ?? display[0]
  return typeof entry?.name === 'string' ? { name: entry.name } : {}
}

/**
 * §4.1.1: the requested configurations must be in the offer; each must be in the metadata with a
 * format the wallet holds and accept `jwt` proofs signed with ES256 (the wallet's only key type).
 */
function selectConfigurations(session: Session, requested: readonly string[] | undefined): string[] {
  const offered = session.offer.credential_configuration_ids
  const ids = requested && requested.length > 0 ? [...requested] : [...offered]
  for (const id of ids) {
    if (!offered.includes(id)) throw new WalletError('input_invalid', `the offer does not include ${id}`)
    const configuration = configurationOf(session.metadata, id)
    if (!configuration) throw new WalletError('offer_invalid', `the issuer's metadata does not describe ${id}`)
    formatOf(session.metadata, id)
    const jwtProof = configuration.proof_types_supported?.jwt
    if (configuration.proof_types_supported && !jwtProof) {
      throw new WalletError('configuration_unsupported', `${id} does not accept jwt proofs`)
    }
    if (jwtProof && !jwtProof.proof_signing_alg_values_supported.includes(HOLDER_KEY_ALG)) {
      throw new WalletError('configuration_unsupported', `${id} does not accept ${HOLDER_KEY_ALG} proofs`)
    }
  }
  return ids
}

function chooseFlow(offer: CredentialOfferObject, wanted: IssuanceFlow | undefined): IssuanceFlow {
  const grants = offer.grants ?? {}
  const hasPreAuthorized = grants[preAuthorizedCodeGrantIdentifier] !== undefined
  const hasAuthorizationCode = grants[authorizationCodeGrantIdentifier] !== undefined
  if (wanted === 'pre-authorized_code' && !hasPreAuthorized) {
    throw new WalletError('grant_unsupported', 'the offer has no pre-authorized code')
  }
  if (wanted === 'authorization_code' && !hasAuthorizationCode) {
    throw new WalletError('grant_unsupported', 'the offer has no authorization_code grant')
  }
  if (wanted) return wanted
  if (hasPreAuthorized) return 'pre-authorized_code'
  // §4.1.1: an offer without grants leaves the wallet to start the authorization code flow.
  return 'authorization_code'
}

function authorizationServerFor(session: Session, flow: IssuanceFlow): AuthorizationServerMetadata {
  const grant =
    flow === 'pre-authorized_code'
      ? session.offer.grants?.[preAuthorizedCodeGrantIdentifier]
      : session.offer.grants?.[authorizationCodeGrantIdentifier]
  const issuer = determineAuthorizationServerForCredentialOffer({
    issuerMetadata: session.metadata,
    ...(grant?.authorization_server ? { grantAuthorizationServer: grant.authorization_server } : {}),
  })
  return getAuthorizationServerMetadataFromList(session.metadata.authorizationServers, issuer)
}

/** RFC 9449 §5.1: DPoP when the authorization server lists an algorithm the wallet signs with. */
async function dpopFor(session: Session, server: AuthorizationServerMetadata, now: Date) {
  if (!server.dpop_signing_alg_values_supported?.includes(HOLDER_KEY_ALG)) return undefined
  // A key for this session only: the access token is bound to it, nothing else is.
  const key = await generateHolderKey(now)
  session.keys.push(key)
  return { signer: { method: 'jwk' as const, alg: HOLDER_KEY_ALG, publicJwk: key.publicJwk } }
}

async function obtainAccessToken(
  session: Session,
  configurationIds: readonly string[],
  options: AcceptOfferOptions,
  now: Date,
): Promise<AccessGrant> {
  const flow = chooseFlow(session.offer, options.flow)
  const server = authorizationServerFor(session, flow)
  const dpop = await dpopFor(session, server, now)
  try {
    if (flow === 'pre-authorized_code') {
      const txCode = await txCodeFor(session, options)
      const { accessTokenResponse, dpop: boundDpop } =
        await session.client.retrievePreAuthorizedCodeAccessTokenFromOffer({
          credentialOffer: session.offer,
          issuerMetadata: session.metadata,
          ...(txCode !== undefined ? { txCode } : {}),
          ...(dpop ? { dpop } : {}),
        })
      return { flow, accessToken: accessTokenResponse.access_token, ...(boundDpop ? { dpop: boundDpop } : {}) }
    }
    return await authorizationCodeGrant(session, server, configurationIds, options, dpop)
  } catch (error) {
    throw (
      walletErrorIn(error) ??
      new WalletError('issuance_failed', `no access token from ${server.issuer}: ${describeCause(error)}`, {
        cause: error,
      })
    )
  }
}

/** §4.1.1 / §6.1: any `tx_code` object in the offer means the token request needs the code. */
async function txCodeFor(session: Session, options: AcceptOfferOptions): Promise<string | undefined> {
  const description = session.offer.grants?.[preAuthorizedCodeGrantIdentifier]?.tx_code
  if (description === undefined) return undefined
  if (options.txCode !== undefined) return options.txCode
  if (!options.askTxCode) {
    throw new WalletError('tx_code_required', 'the offer requires a transaction code and none was given')
  }
  const answer = await options.askTxCode({
    issuer: session.offer.credential_issuer,
    ...(description.input_mode ? { inputMode: description.input_mode } : {}),
    ...(description.length !== undefined ? { length: description.length } : {}),
    ...(description.description ? { description: description.description } : {}),
  })
  if (typeof answer !== 'string' || answer.length === 0) {
    throw new WalletError('tx_code_required', 'no transaction code was entered')
  }
  return answer
}

/**
 * §5: PAR (RFC 9126) with PKCE S256 (RFC 7636) and `dpop_jkt`, `issuer_state` from the offer,
 * `state` against CSRF (RFC 6749 §10.12); the user approves in the browser; the redirect is
 * checked for `state` and `iss` (RFC 9207) before the code is exchanged.
 */
async function authorizationCodeGrant(
  session: Session,
  server: AuthorizationServerMetadata,
  configurationIds: readonly string[],
  options: AcceptOfferOptions,
  dpop: RequestDpopOptions | undefined,
): Promise<AccessGrant> {
  if (!options.authorize) {
    throw new WalletError('authorization_required', 'the authorization code flow needs an authorize callback')
  }
  const clientId = session.clientId
  const redirectUri = options.redirectUri ?? DEFAULT_REDIRECT_URI
  const state = randomBytes(16).toString('base64url')
  const scopes = extractScopesForCredentialConfigurationIds({
    credentialConfigurationIds: [...configurationIds],
    issuerMetadata: session.metadata,
  })
  const issuerState = session.offer.grants?.[authorizationCodeGrantIdentifier]?.issuer_state
  // Oauth2Client directly: Openid4vciClient.initiateAuthorization (0.4.6, still in 0.7.0) does
  // not pass `state` on.
  const oauth2 = new Oauth2Client({
    callbacks: {
      hash: hashWith,
      generateRandom: randomWith,
      fetch: guardedFetch(options),
      signJwt: signJwtWithHolderKeys(() => session.keys),
      clientAuthentication: clientAuthenticationNone({ clientId }),
    },
  })
  const authorization = await oauth2.createAuthorizationRequestUrl({
    authorizationServerMetadata: server,
    clientId,
    redirectUri,
    state,
    ...(scopes ? { scope: scopes.join(' ') } : {}),
    // RFC 8707 resource indicator: the token is for this credential issuer.
    resource: session.metadata.credentialIssuer.credential_issuer,
    additionalRequestPayload: {
      ...(issuerState ? { issuer_state: issuerState } : {}),
      ...(scopes
        ? {}
        : {
            authorization_details: configurationIds.map((id) => ({
              type: 'openid_credential',
              credential_configuration_id: id,
            })),
          }),
    },
    ...(dpop ? { dpop } : {}),
  })
  const redirect = await options.authorize({
    issuer: session.offer.credential_issuer,
    authorizationUrl: authorization.authorizationRequestUrl,
    redirectUri,
    ...(options.txCode !== undefined ? { txCode: options.txCode } : {}),
  })
  const code = readAuthorizationResponse(session, server, redirect, redirectUri, state)
  const { accessTokenResponse, dpop: boundDpop } = await session.client.retrieveAuthorizationCodeAccessTokenFromOffer({
    issuerMetadata: session.metadata,
    credentialOffer: session.offer,
    authorizationCode: code,
    redirectUri,
    ...(authorization.pkce ? { pkceCodeVerifier: authorization.pkce.codeVerifier } : {}),
    ...((authorization.dpop ?? dpop) ? { dpop: authorization.dpop ?? dpop } : {}),
  })
  return {
    flow: 'authorization_code',
    accessToken: accessTokenResponse.access_token,
    ...(boundDpop ? { dpop: boundDpop } : {}),
  }
}

function readAuthorizationResponse(
  session: Session,
  server: AuthorizationServerMetadata,
  redirect: string,
  redirectUri: string,
  state: string,
): string {
  let url: URL
  try {
    url = new URL(redirect)
  } catch (cause) {
    throw new WalletError('authorization_response_invalid', 'the redirect is not a URL', { cause })
  }
  const expected = new URL(redirectUri)
  if (url.origin !== expected.origin || url.pathname !== expected.pathname) {
    throw new WalletError('authorization_response_invalid', `the redirect goes to ${url.origin}${url.pathname}`)
  }
  let response: ReturnType<Openid4vciClient['parseAndVerifyAuthorizationResponseRedirectUrl']>
  try {
    // RFC 9207: `iss` must be the authorization server we sent the user to (mix-up defence).
    response = session.client.parseAndVerifyAuthorizationResponseRedirectUrl({
      url: redirect,
      authorizationServerMetadata: server,
    })
  } catch (error) {
    throw new WalletError('authorization_response_invalid', describeCause(error), { cause: error })
  }
  // RFC 6749 §10.12: the response belongs to the request this wallet made.
  if (response.state !== state) {
    throw new WalletError('authorization_response_invalid', 'the state of the redirect is not the one we sent')
  }
  if (response.error !== undefined) {
    const description = typeof response.error_description === 'string' ? `: ${response.error_description}` : ''
    throw new WalletError('authorization_denied', `the issuer answered ${response.error}${description}`)
  }
  return response.code
}

/** §7 nonce, §8.2.1.1 proof with a fresh key, §8 credential request, §8.3 response. */
async function requestCredential(session: Session, grant: AccessGrant, configurationId: string, now: Date) {
  const { client, metadata } = session
  const key = await generateHolderKey(now)
  session.keys.push(key)
  try {
    // §7.2: a nonce endpoint means the proof must carry a fresh c_nonce.
    const nonce = metadata.credentialIssuer.nonce_endpoint
      ? (await client.requestNonce({ issuerMetadata: metadata })).c_nonce
      : undefined
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata: metadata,
      credentialConfigurationId: configurationId,
      signer: { method: 'jwk', alg: HOLDER_KEY_ALG, publicJwk: key.publicJwk },
      ...(nonce ? { nonce } : {}),
      // §8.2.1.1: `iss` is the client_id, except for the anonymous pre-authorized code flow.
      ...(grant.flow === 'authorization_code' ? { clientId: session.clientId } : {}),
      issuedAt: now,
    })
    const response = await client.retrieveCredentials({
      issuerMetadata: metadata,
      accessToken: grant.accessToken,
      credentialConfigurationId: configurationId,
      proofs: { jwt: [jwt] },
      ...(grant.dpop ? { dpop: grant.dpop } : {}),
    })
    const body = zCredentialResponseBody.safeParse(response.credentialResponse)
    if (!body.success) throw new WalletError('issuance_failed', `${configurationId}: not a credential response`)
    const { credentials, transaction_id: transactionId, notification_id: notificationId } = body.data
    if (transactionId !== undefined && !credentials) {
      throw new WalletError(
        'issuance_deferred',
        `${configurationId}: the issuer deferred issuance (transaction ${transactionId}); deferred issuance is not supported`,
      )
    }
    const credential = credentials?.[0]?.credential
    if (typeof credential !== 'string') {
      throw new WalletError('issuance_failed', `${configurationId}: the response carries no credential`)
    }
    await checkCredential(metadata, configurationId, credential, key)
    return { configurationId, credential, key, ...(notificationId ? { notificationId } : {}) }
  } catch (error) {
    throw (
      walletErrorIn(error) ??
      new WalletError('issuance_failed', `${configurationId}: ${describeCause(error)}`, { cause: error })
    )
  }
}

/**
 * What the wallet checks of a credential before keeping it: it is of the configured format and
 * type, and it is bound to the key the wallet proved (`cnf.jwk`, RFC 7800; or the did:jwk of that
 * key as subject). The issuer's signature and trust are the verifier's business.
 */
async function checkCredential(
  metadata: IssuerMetadataResult,
  configurationId: string,
  credential: string,
  key: HolderKey,
): Promise<void> {
  const format = formatOf(metadata, configurationId)
  const configuration = configurationOf(metadata, configurationId) as {
    vct?: string
    credential_definition?: { type?: string[] }
  }
  let payload: Record<string, unknown>
  try {
    payload = decodeJwt(format === 'dc+sd-jwt' ? (credential.split('~')[0] ?? '') : credential)
  } catch (cause) {
    throw new WalletError('credential_invalid', `${configurationId}: the credential is not a JWT`, { cause })
  }
  const cnf = payload.cnf as { jwk?: unknown } | undefined
  const boundToKey = (await isKeyOf(key, cnf?.jwk)) || payload.sub === holderDidOf(key).did
  if (!boundToKey) {
    throw new WalletError('credential_invalid', `${configurationId}: the credential is not bound to the wallet's key`)
  }
  if (format === 'dc+sd-jwt') {
    if (!credential.endsWith('~')) {
      throw new WalletError('credential_invalid', `${configurationId}: an issued SD-JWT ends with "~" (RFC 9901 §4)`)
    }
    if (configuration.vct && payload.vct !== configuration.vct) {
      throw new WalletError(
        'credential_invalid',
        `${configurationId}: vct ${String(payload.vct)} is not ${configuration.vct}`,
      )
    }
  } else {
    const types = (payload.vc as { type?: unknown } | undefined)?.type
    const expected = configuration.credential_definition?.type ?? []
    if (!Array.isArray(types) || !expected.every((t) => types.includes(t))) {
      throw new WalletError('credential_invalid', `${configurationId}: the VC types are not ${expected.join(', ')}`)
    }
  }
}
