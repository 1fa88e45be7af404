// @openid4vc/openid4vci as the wallet, over real HTTP against our issuer (issue 4, "Interop").
import { verifySdJwtVc } from '@alma/credentials'
import { validateEdcShacl } from '@alma/elm/shacl'
import { checkIssuerLinkage, createDidResolver } from '@alma/trust'
import { preAuthorizedCodeGrantIdentifier } from '@openid4vc/oauth2'
import { digest, ES256 } from '@sd-jwt/crypto-nodejs'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { createAgent, type ICredentialVerifier, type IResolver } from '@veramo/core'
import { CredentialProviderJWT } from '@veramo/credential-jwt'
import { CredentialPlugin } from '@veramo/credential-w3c'
import { DIDResolverPlugin } from '@veramo/did-resolver'
import { decodeJwt, decodeProtectedHeader, importJWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COURSE_ID, startTestIssuer, type TestIssuer } from './testing/issuer-harness.ts'
import { requestCredential, testWallet } from './testing/test-wallet.ts'

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await startTestIssuer()
})
afterAll(async () => {
  await issuer?.close()
})

describe('pre-authorized code flow with @openid4vc/openid4vci', () => {
  it('issues both formats with tx_code, nonce endpoint, jwt proofs, and notification', async () => {
    const offer = await issuer.offer({ txCode: true })
    const { client, keys } = await testWallet()
    const credentialOffer = await client.resolveCredentialOffer(offer.offerUri)
    expect(credentialOffer.credential_configuration_ids).toEqual([`${COURSE_ID}_jwt_vc_json`, `${COURSE_ID}_dc_sd_jwt`])
    expect(credentialOffer.grants?.[preAuthorizedCodeGrantIdentifier]?.tx_code).toMatchObject({ length: 6 })
    const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
    expect(issuerMetadata.originalDraftVersion).toBe('V1')

    const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
      credentialOffer,
      issuerMetadata,
      txCode: offer.txCode,
    })
    expect(accessTokenResponse.token_type).toBe('Bearer')

    const issued: string[] = []
    for (const [i, configurationId] of credentialOffer.credential_configuration_ids.entries()) {
      const body = (await requestCredential(client, {
        issuerMetadata,
        accessToken: accessTokenResponse.access_token,
        configurationId,
        key: keys[i]!,
      })) as { credentials: { credential: string }[]; notification_id: string }
      expect(body.credentials).toHaveLength(1)
      issued.push(body.credentials[0]!.credential)
      await client.sendNotification({
        issuerMetadata,
        accessToken: accessTokenResponse.access_token,
        notification: { notificationId: body.notification_id, event: 'credential_accepted' },
      })
    }

    // jwt_vc_json: header kid = tenant DID URL + x5c; cnf bound to the proof key; EDC conforms.
    const [vcJwt, sdJwt] = issued as [string, string]
    const header = decodeProtectedHeader(vcJwt)
    expect(header.kid).toMatch(/^did:web:127\.0\.0\.1%3A\d+:uni-a#/)
    expect(header.x5c).toHaveLength(1) // the seal certificate; the trust anchor is not sent (HAIP 1.0 §6.1.1)
    const claims = decodeJwt(vcJwt) as { vc: Record<string, unknown>; cnf?: { jwk: unknown } }
    expect(claims.cnf?.jwk).toMatchObject({ x: keys[0]!.publicJwk.x })
    // The vc as the wallet received it, not a copy (issue 12 §6): revocation is the JWT status claim.
    expect(claims.vc).not.toHaveProperty('credentialStatus')
    const shacl = await validateEdcShacl(claims.vc)
    expect(shacl.violations).toEqual([])

    // dc+sd-jwt verifies with the issuer key from the x5c leaf.
    const sdHeader = decodeProtectedHeader(sdJwt.split('~')[0]!)
    expect(sdHeader.typ).toBe('dc+sd-jwt')
    const verified = await verifySdJwtVc(sdJwt, {
      resolveIssuerKey: async () => {
        const { X509Certificate } = await import('node:crypto')
        const leaf = new X509Certificate(Buffer.from(String(sdHeader.x5c?.[0]), 'base64'))
        return importJWK(leaf.publicKey.export({ format: 'jwk' }) as never, 'ES256')
      },
      now: new Date(),
      requireKeyBinding: false,
    })
    expect(verified.disclosed).toMatchObject({ family_name: 'Andromeda', ects_credits: expect.anything() })

    // Independent verifiers over the live endpoints: Veramo resolves the tenant's did:web
    // (development allow-list for loopback http) and verifies the VC-JWT ...
    const veramo = createAgent<IResolver & ICredentialVerifier>({
      plugins: [
        new DIDResolverPlugin({ resolver: createDidResolver({ mode: 'development', devAllowList: [issuer.url] }) }),
        new CredentialPlugin([new CredentialProviderJWT()]),
      ],
    })
    const veramoResult = await veramo.verifyCredential({ credential: vcJwt, policies: { credentialStatus: false } })
    expect(veramoResult.error).toBeUndefined()
    expect(veramoResult.verified).toBe(true)
    // The three identities agree (elm.md, "our eIDAS link"): the live did:web document, the seal
    // certificate in x5c, and the ELM issuer inside the credential.
    const did = String(header.kid).split('#')[0]!
    const { didDocument } = await createDidResolver({ mode: 'development', devAllowList: [issuer.url] }).resolve(did)
    const linkage = await checkIssuerLinkage({
      did,
      didDocument,
      x5c: header.x5c,
      elmIssuer: claims.vc.issuer,
      at: new Date(),
      trustAnchors: [String(issuer.ca?.certificatePem)],
      kid: String(header.kid),
      requireQcSeal: true,
    })
    expect(linkage.checks.filter((c) => c.status === 'ERROR')).toEqual([])
    expect(linkage.ok).toBe(true)
    // ... and @sd-jwt/sd-jwt-vc verifies the SD-JWT VC with the x5c leaf key, fetching the
    // Token Status List from the issuer (status 0: valid).
    const { X509Certificate } = await import('node:crypto')
    const leafJwk = new X509Certificate(Buffer.from(String(sdHeader.x5c?.[0]), 'base64')).publicKey.export({
      format: 'jwk',
    })
    const sdJwtLibrary = new SDJwtVcInstance({
      hasher: digest,
      hashAlg: 'sha-256',
      verifier: await ES256.getVerifier(leafJwk),
      statusListFetcher: async (uri) => (await fetch(uri)).text(),
    })
    const libraryResult = await sdJwtLibrary.verify(sdJwt)
    expect(libraryResult.payload).toMatchObject({ iss: `${issuer.url}/uni-a`, family_name: 'Andromeda' })

    const records = await issuer.store.issuedCredentials.listByAward('uni-a', offer.awardId)
    expect(records.map((r) => r.format).sort()).toEqual(['dc+sd-jwt', 'jwt_vc_json'])
    expect(records.some((r) => r.notificationEvent === 'credential_accepted')).toBe(true)
  })
})

/** The action and hidden fields of the form with `id` on an authorization page. */
function formOf(html: string, id: string): { action: string; hidden: Record<string, string> } {
  const form = new RegExp(`<form method="post" action="([^"]+)" id="${id}">([\\s\\S]*?)</form>`).exec(html)
  if (!form) throw new Error(`no form ${id}`)
  const hidden = Object.fromEntries(
    [...form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]),
  )
  return { action: form[1]!.replaceAll('&#38;', '&'), hidden }
}

/**
 * Plays the learner's browser: opens the authorization page, which asks for the offer's
 * transaction code and shows no personal data until it is typed, then names the learner; approves
 * or declines; returns the wallet's redirect.
 */
async function approveInBrowser(authorizationRequestUrl: string, txCode: string, approve = true): Promise<URL> {
  const page = await fetch(authorizationRequestUrl)
  expect(page.status).toBe(200)
  const first = await page.text()
  expect(first).toContain('Creating Digital Learning Content')
  expect(first).not.toContain('Andromeda')
  const code = formOf(first, 'authenticate-form')
  const consent = await fetch(code.action, {
    method: 'POST',
    body: new URLSearchParams({ ...code.hidden, tx_code: txCode }),
  })
  expect(consent.status).toBe(200)
  const html = await consent.text()
  expect(html).toContain('<span id="learner-name">Ana Andromeda</span>')
  const decision = formOf(html, 'decision-form')
  const answer = await fetch(decision.action, {
    method: 'POST',
    body: new URLSearchParams({ ...decision.hidden, decision: approve ? 'approve' : 'deny' }),
    redirect: 'manual',
  })
  expect(answer.status).toBe(303)
  return new URL(String(answer.headers.get('location')))
}

describe('authorization code flow with PAR, PKCE and DPoP', () => {
  it('issues an SD-JWT VC to a DPoP-bound token after the learner types the tx_code and approves', async () => {
    const offer = await issuer.offer({ txCode: true })
    const { client, keys } = await testWallet()
    const credentialOffer = await client.resolveCredentialOffer(offer.offerUri)
    const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
    const dpopKey = keys[2]!
    const redirectUri = 'https://wallet.example/callback'
    const authorization = await client.initiateAuthorization({
      clientId: 'test-wallet',
      issuerMetadata,
      credentialOffer,
      redirectUri,
      scope: `${COURSE_ID}_dc_sd_jwt`,
      dpop: { signer: { method: 'jwk', alg: 'ES256', publicJwk: dpopKey.publicJwk } },
    })
    if (authorization.authorizationFlow !== 'Oauth2Redirect') throw new Error('expected a redirect flow')
    expect(authorization.authorizationRequestUrl).toContain('request_uri=')
    const redirect = await approveInBrowser(authorization.authorizationRequestUrl, String(offer.txCode))
    expect(redirect.origin + redirect.pathname).toBe(redirectUri)
    expect(redirect.searchParams.get('iss')).toBe(credentialOffer.credential_issuer)
    const code = String(redirect.searchParams.get('code'))

    const { accessTokenResponse, dpop } = await client.retrieveAuthorizationCodeAccessTokenFromOffer({
      issuerMetadata,
      credentialOffer,
      authorizationCode: code,
      pkceCodeVerifier: authorization.pkce?.codeVerifier,
      redirectUri,
      dpop: { signer: { method: 'jwk', alg: 'ES256', publicJwk: dpopKey.publicJwk } },
    })
    expect(accessTokenResponse.token_type).toBe('DPoP')

    const { c_nonce } = await client.requestNonce({ issuerMetadata })
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata,
      credentialConfigurationId: `${COURSE_ID}_dc_sd_jwt`,
      signer: { method: 'jwk', alg: 'ES256', publicJwk: keys[0]!.publicJwk },
      nonce: c_nonce,
    })
    const response = await client.retrieveCredentials({
      issuerMetadata,
      accessToken: accessTokenResponse.access_token,
      credentialConfigurationId: `${COURSE_ID}_dc_sd_jwt`,
      proofs: { jwt: [jwt] },
      ...(dpop ? { dpop } : {}),
    })
    const credentials = (response.credentialResponse as { credentials: { credential: string }[] }).credentials
    expect(credentials).toHaveLength(1)
    expect(decodeJwt(credentials[0]!.credential.split('~')[0]!).cnf).toMatchObject({ jwk: { x: keys[0]!.publicJwk.x } })

    // The code was single-use.
    await expect(
      client.retrieveAuthorizationCodeAccessTokenFromOffer({
        issuerMetadata,
        credentialOffer,
        authorizationCode: code,
        pkceCodeVerifier: authorization.pkce?.codeVerifier,
        redirectUri,
        dpop: { signer: { method: 'jwk', alg: 'ES256', publicJwk: dpopKey.publicJwk } },
      }),
    ).rejects.toThrow()
  })

  it('sends the wallet back with access_denied when the learner declines', async () => {
    const offer = await issuer.offer({ txCode: true })
    const { client, keys } = await testWallet()
    const credentialOffer = await client.resolveCredentialOffer(offer.offerUri)
    const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
    const authorization = await client.initiateAuthorization({
      clientId: 'test-wallet',
      issuerMetadata,
      credentialOffer,
      redirectUri: 'https://wallet.example/callback',
      scope: `${COURSE_ID}_jwt_vc_json`,
      dpop: { signer: { method: 'jwk', alg: 'ES256', publicJwk: keys[2]!.publicJwk } },
    })
    if (authorization.authorizationFlow !== 'Oauth2Redirect') throw new Error('expected a redirect flow')
    const redirect = await approveInBrowser(authorization.authorizationRequestUrl, String(offer.txCode), false)
    expect(redirect.searchParams.get('error')).toBe('access_denied')
    expect(redirect.searchParams.get('code')).toBeNull()
  })
})

describe('offers by value', () => {
  it('resolves an offer passed by value (§4.1.2) and redeems it', async () => {
    const offer = await issuer.offer({})
    const { client } = await testWallet()
    const credentialOffer = await client.resolveCredentialOffer(offer.offerByValue)
    expect(credentialOffer).toEqual(offer.credentialOffer)
    const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
    const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
      credentialOffer,
      issuerMetadata,
    })
    expect(accessTokenResponse.access_token).toEqual(expect.any(String))
  })
})

describe('batch and deferred issuance', () => {
  it('issues one credential per proof key in one request (batch)', async () => {
    const offer = await issuer.offer({})
    const { client, keys } = await testWallet()
    const credentialOffer = await client.resolveCredentialOffer(offer.offerUri)
    const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
    expect(issuerMetadata.credentialIssuer.batch_credential_issuance?.batch_size).toBeGreaterThanOrEqual(3)
    const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
      credentialOffer,
      issuerMetadata,
    })
    const { c_nonce } = await client.requestNonce({ issuerMetadata })
    const configurationId = `${COURSE_ID}_dc_sd_jwt`
    const proofs = await Promise.all(
      keys.map(
        async (key) =>
          (
            await client.createCredentialRequestJwtProof({
              issuerMetadata,
              credentialConfigurationId: configurationId,
              signer: { method: 'jwk', alg: 'ES256', publicJwk: key.publicJwk },
              nonce: c_nonce,
            })
          ).jwt,
      ),
    )
    const response = await client.retrieveCredentials({
      issuerMetadata,
      accessToken: accessTokenResponse.access_token,
      credentialConfigurationId: configurationId,
      proofs: { jwt: proofs },
    })
    const credentials = (response.credentialResponse as { credentials: { credential: string }[] }).credentials
    expect(credentials).toHaveLength(3)
    const bound = credentials.map((c) => (decodeJwt(c.credential.split('~')[0]!).cnf as { jwk: { x: string } }).jwk.x)
    expect(bound).toEqual(keys.map((k) => k.publicJwk.x))
    const records = await issuer.store.issuedCredentials.listByAward('uni-a', offer.awardId)
    expect(new Set(records.map((r) => r.statusIndex)).size).toBe(3)
  })

  it('answers 202 for a held award and delivers through the deferred endpoint after approval', async () => {
    const offer = await issuer.offer({ hold: true })
    const { client, keys } = await testWallet()
    const credentialOffer = await client.resolveCredentialOffer(offer.offerUri)
    const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
    const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
      credentialOffer,
      issuerMetadata,
    })
    const pending = await requestCredential(client, {
      issuerMetadata,
      accessToken: accessTokenResponse.access_token,
      configurationId: `${COURSE_ID}_jwt_vc_json`,
      key: keys[0]!,
    })
    const transactionId = String(pending.transaction_id)
    expect(transactionId).toEqual(expect.any(String))

    // Still held: issuance_pending with an interval.
    const early = await fetch(`${issuer.url}/uni-a/deferred-credential`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessTokenResponse.access_token}` },
      body: JSON.stringify({ transaction_id: transactionId }),
    })
    expect(early.status).toBe(400)
    expect(await early.json()).toMatchObject({ error: 'issuance_pending', interval: 5 })

    expect(
      await issuer.store.awards.transition({
        tenantId: 'uni-a',
        id: offer.awardId,
        from: 'held',
        to: 'ready',
        now: new Date(),
      }),
    ).toBe(true)
    const delivered = await client.retrieveDeferredCredentials({
      issuerMetadata,
      accessToken: accessTokenResponse.access_token,
      transactionId,
    })
    const credentials = (delivered.deferredCredentialResponse as { credentials: { credential: string }[] }).credentials
    expect(credentials).toHaveLength(1)

    // The transaction id is spent.
    const again = await fetch(`${issuer.url}/uni-a/deferred-credential`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessTokenResponse.access_token}` },
      body: JSON.stringify({ transaction_id: transactionId }),
    })
    expect(again.status).toBe(400)
    expect(await again.json()).toMatchObject({ error: 'invalid_transaction_id' })
  })
})
