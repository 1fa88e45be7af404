// A minimal holder for the demo: @openid4vc/openid4vci (an independent OpenID4VCI 1.0 client)
// with its own P-256 keys for proofs and DPoP. The reference wallet is apps/wallet (issue 6).
import { createHash, randomBytes } from 'node:crypto'
import {
  calculateJwkThumbprint,
  clientAuthenticationAnonymous,
  HashAlgorithm,
  type Jwk,
  type SignJwtCallback,
} from '@openid4vc/oauth2'
import { Openid4vciClient } from '@openid4vc/openid4vci'
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose'

export interface WalletKey {
  readonly publicJwk: Jwk
  readonly privateJwk: Jwk
}

export async function walletKey(): Promise<WalletKey> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
  return { publicJwk: (await exportJWK(publicKey)) as Jwk, privateJwk: (await exportJWK(privateKey)) as Jwk }
}

const hash = (data: Uint8Array, alg: HashAlgorithm) =>
  createHash(alg.replace('-', '').toLowerCase()).update(data).digest()

export async function thumbprint(jwk: Jwk): Promise<string> {
  return calculateJwkThumbprint({ jwk, hashAlgorithm: HashAlgorithm.Sha256, hashCallback: hash })
}

/** A wallet with `keys` (three fresh P-256 keys by default) whose keys the caller can inspect. */
export async function demoWallet(keys?: WalletKey[]) {
  const owned = keys ?? [await walletKey(), await walletKey(), await walletKey()]
  const signJwt: SignJwtCallback = async (signer, { header, payload }) => {
    if (signer.method !== 'jwk') throw new Error(`the demo wallet signs with jwk only, not ${signer.method}`)
    const tp = await thumbprint(signer.publicJwk)
    let key: WalletKey | undefined
    for (const k of owned) if ((await thumbprint(k.publicJwk)) === tp) key = k
    if (!key) throw new Error('no such wallet key')
    const jwt = await new SignJWT(payload).setProtectedHeader(header).sign(await importJWK(key.privateJwk, signer.alg))
    return { jwt, signerJwk: signer.publicJwk }
  }
  const client = new Openid4vciClient({
    callbacks: {
      hash,
      generateRandom: (n) => randomBytes(n),
      fetch,
      signJwt,
      clientAuthentication: clientAuthenticationAnonymous(),
      // The demo wallet never asks for credential_response_encryption (VCI 1.0 §8.2).
      decryptJwe: () => Promise.reject(new Error('the demo wallet does not ask for encrypted credential responses')),
    },
  })
  return { client, keys: owned }
}

type WalletClient = Awaited<ReturnType<typeof demoWallet>>['client']
type IssuerMetadata = Awaited<ReturnType<WalletClient['resolveIssuerMetadata']>>

/** The wallet's side of a pre-authorized offer: the offer, the issuer's metadata and a token. */
export async function redeemOffer(client: WalletClient, offerUri: string, txCode?: string) {
  const credentialOffer = await client.resolveCredentialOffer(offerUri)
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer,
    issuerMetadata,
    ...(txCode ? { txCode } : {}),
  })
  return { credentialOffer, issuerMetadata, accessToken: accessTokenResponse.access_token }
}

/** A key proof (VCI 1.0 §8.2.1.1) for one configuration with a nonce from the nonce endpoint. */
export async function proofFor(
  client: WalletClient,
  issuerMetadata: IssuerMetadata,
  configurationId: string,
  key: WalletKey,
  nonce?: string,
): Promise<string> {
  const cNonce = nonce ?? (await client.requestNonce({ issuerMetadata })).c_nonce
  const { jwt } = await client.createCredentialRequestJwtProof({
    issuerMetadata,
    credentialConfigurationId: configurationId,
    signer: { method: 'jwk', alg: 'ES256', publicJwk: key.publicJwk },
    nonce: cNonce,
  })
  return jwt
}

/** One credential request (VCI 1.0 §8) with a fresh nonce and one proof by `key`; the response body. */
export async function requestCredential(
  client: WalletClient,
  options: {
    issuerMetadata: IssuerMetadata
    accessToken: string
    configurationId: string
    key: WalletKey
    dpop?: Parameters<WalletClient['retrieveCredentials']>[0]['dpop']
  },
) {
  const jwt = await proofFor(client, options.issuerMetadata, options.configurationId, options.key)
  const response = await client.retrieveCredentials({
    issuerMetadata: options.issuerMetadata,
    accessToken: options.accessToken,
    credentialConfigurationId: options.configurationId,
    proofs: { jwt: [jwt] },
    ...(options.dpop ? { dpop: options.dpop } : {}),
  })
  return response.credentialResponse as {
    credentials?: { credential: string }[]
    notification_id?: string
    transaction_id?: string
  }
}
