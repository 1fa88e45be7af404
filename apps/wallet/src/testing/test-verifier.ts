// Test-only: a small OpenID4VP 1.0 verifier for the wallet's end-to-end tests, made of
// @openid4vc/openid4vp's verifier-side functions (createOpenid4vpAuthorizationRequest), jose and
// @sd-jwt/sd-jwt-vc — independent of the wallet's own code. It serves request objects (GET, and
// POST with wallet_metadata / wallet_nonce), receives direct_post and direct_post.jwt responses,
// decrypts them, and verifies every presentation: KB-JWT / VP JWT signature by the credential's
// holder key, nonce, audience, sd_hash, and the issuer's signature.
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTestCa, type TestCa } from '@alma/trust/test-fixtures'
import type { JwtSigner, SignJwtCallback } from '@openid4vc/oauth2'
import { calculateX509HashClientIdPrefixValue, createOpenid4vpAuthorizationRequest } from '@openid4vc/openid4vp'
import { digest, ES256 } from '@sd-jwt/crypto-nodejs'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import {
  compactDecrypt,
  compactVerify,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose'
import { hashWith } from '../openid4vc-callbacks.ts'

export type TestClientKind = 'x509_san_dns' | 'x509_hash' | 'decentralized_identifier' | 'redirect_uri'

/** How the request travels: by reference (GET or POST to request_uri) or by value. */
export type RequestTransport = 'get' | 'post' | 'value'

export interface TestRequestOptions {
  readonly client: TestClientKind
  readonly responseMode: 'direct_post' | 'direct_post.jwt'
  readonly dcqlQuery: Record<string, unknown>
  readonly transport?: RequestTransport
  /** `encrypted_response_enc_values_supported` for direct_post.jwt; default ['A256GCM']. */
  readonly encValues?: readonly string[]
}

/** What the verifier established about one presentation. */
export interface VerifiedPresentation {
  readonly format: 'dc+sd-jwt' | 'jwt_vc_json'
  /** SD-JWT: the claim names of the disclosures that were sent (each disclosure decoded by the verifier). */
  readonly disclosedClaimNames?: string[]
  /** SD-JWT: the processed payload (@sd-jwt/sd-jwt-vc); VC-JWT: the `vc` claim. */
  readonly claims: Record<string, unknown>
  /** KB-JWT or VP JWT payload. */
  readonly holderProof: Record<string, unknown>
}

export interface TestSession {
  readonly id: string
  readonly uri: string
  readonly clientId: string
  readonly nonce: string
  readonly state: string
  /** Filled by the response endpoint. */
  received?: {
    readonly encrypted: boolean
    readonly jweHeader?: Record<string, unknown>
    readonly verified: Record<string, VerifiedPresentation[]>
  }
  error?: string
  /** What the wallet posted to request_uri (method post). */
  walletPost?: Record<string, string>
}

export interface TestVerifier {
  /** `http://localhost:<port>`: x509_san_dns needs a DNS name, and the SAN of the test certificate is `localhost`. */
  readonly url: string
  /** The CA of the verifier's request-signing certificate (a trust anchor for the wallet). */
  readonly caPem: string
  readonly sessions: Map<string, TestSession>
  createRequest(options: TestRequestOptions): Promise<TestSession>
  close(): Promise<void>
}

interface SessionState extends TestSession {
  readonly options: TestRequestOptions
  readonly responseUri: string
  readonly payload: Record<string, unknown>
  readonly encryptionKey?: CryptoKey
}

async function readBody(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')))
}

function pemBody(pem: string): string {
  return pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
}

/** Starts the verifier on 127.0.0.1, addressed as `localhost`. */
export async function startTestVerifier(): Promise<TestVerifier> {
  const ca: TestCa = await createTestCa('CN=Alma Test Verifier CA,O=Alma Tests,C=DE')
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://localhost:${(server.address() as AddressInfo).port}`

  // The request-signing certificate (x509_san_dns:localhost / x509_hash) and the DID key.
  const tls = await ca.issueServer({ dns: ['localhost'] })
  const x5c = [pemBody(tls.certPem), ca.certB64]
  const certificateKey = createPrivateKey(tls.keyPem)
  const didKeys = await generateKeyPair('ES256', { extractable: true })
  const didPublicJwk = await exportJWK(didKeys.publicKey)
  const did = `did:jwk:${Buffer.from(JSON.stringify({ kty: didPublicJwk.kty, crv: didPublicJwk.crv, x: didPublicJwk.x, y: didPublicJwk.y }), 'utf8').toString('base64url')}`
  const x509Hash = await calculateX509HashClientIdPrefixValue({ hash: hashWith, x509Certificate: x5c[0]! })

  const tlsPublicJwk = new X509Certificate(Buffer.from(x5c[0]!, 'base64')).publicKey.export({ format: 'jwk' })
  const signJwt: SignJwtCallback = async (signer, { header, payload }) => {
    const key = signer.method === 'x5c' ? certificateKey : didKeys.privateKey
    const jwt = await new SignJWT(payload).setProtectedHeader({ ...header, alg: 'ES256' }).sign(key)
    return { jwt, signerJwk: (signer.method === 'x5c' ? tlsPublicJwk : didPublicJwk) as never }
  }

  const sessions = new Map<string, SessionState>()

  function clientOf(kind: TestClientKind, responseUri: string): { clientId: string; signer?: JwtSigner } {
    switch (kind) {
      case 'x509_san_dns':
        return { clientId: 'x509_san_dns:localhost', signer: { method: 'x5c', x5c, alg: 'ES256' } }
      case 'x509_hash':
        return { clientId: `x509_hash:${x509Hash}`, signer: { method: 'x5c', x5c, alg: 'ES256' } }
      case 'decentralized_identifier':
        return {
          clientId: `decentralized_identifier:${did}`,
          signer: { method: 'did', didUrl: `${did}#0`, alg: 'ES256' },
        }
      case 'redirect_uri':
        return { clientId: `redirect_uri:${responseUri}` }
    }
  }

  async function requestObject(session: SessionState, walletNonce?: string): Promise<string> {
    const { signer } = clientOf(session.options.client, session.responseUri)
    const created = await createOpenid4vpAuthorizationRequest({
      authorizationRequestPayload: {
        ...session.payload,
        ...(walletNonce ? { wallet_nonce: walletNonce } : {}),
      } as never,
      jar: { jwtSigner: signer!, expiresInSeconds: 300, requestUri: `${url}/request/${session.id}` },
      ...(walletNonce ? { wallet: { expectedNonce: walletNonce } } : {}),
      callbacks: { signJwt, encryptJwe: () => Promise.reject(new Error('not used')) },
    })
    return created.jar!.authorizationRequestJwt
  }

  async function verifyPresentation(session: SessionState, presentation: string): Promise<VerifiedPresentation> {
    if (presentation.includes('~')) {
      const issuerHeader = decodeProtectedHeader(presentation.split('~')[0]!)
      const issuerJwk = new X509Certificate(Buffer.from(String(issuerHeader.x5c?.[0]), 'base64')).publicKey.export({
        format: 'jwk',
      })
      const library = new SDJwtVcInstance({
        hasher: digest,
        hashAlg: 'sha-256',
        verifier: await ES256.getVerifier(issuerJwk),
        kbVerifier: async (data, signature, payload) =>
          (await ES256.getVerifier((payload.cnf as { jwk: JsonWebKey }).jwk))(data, signature),
        statusListFetcher: async (uri) => (await fetch(uri)).text(),
      })
      const result = await library.verify(presentation, { keyBindingNonce: session.nonce })
      if (!result.kb) throw new Error('no key binding')
      if (result.kb.payload.aud !== session.clientId) throw new Error(`KB-JWT aud is ${result.kb.payload.aud}`)
      const disclosures = presentation.split('~').slice(1, -1)
      const disclosedClaimNames = disclosures.map(
        (d) => (JSON.parse(Buffer.from(d, 'base64url').toString('utf8')) as unknown[])[1] as string,
      )
      return {
        format: 'dc+sd-jwt',
        disclosedClaimNames,
        claims: result.payload as Record<string, unknown>,
        holderProof: result.kb.payload as Record<string, unknown>,
      }
    }
    const vp = decodeJwt(presentation) as { vp?: { verifiableCredential?: string[] } }
    const vcJwt = vp.vp?.verifiableCredential?.[0]
    if (!vcJwt) throw new Error('the VP JWT carries no VC-JWT')
    const vcHeader = decodeProtectedHeader(vcJwt)
    const issuerKey = new X509Certificate(Buffer.from(String(vcHeader.x5c?.[0]), 'base64')).publicKey
    await compactVerify(vcJwt, issuerKey)
    const vcPayload = decodeJwt(vcJwt) as { cnf: { jwk: JWK }; vc: Record<string, unknown> }
    const { payload } = await jwtVerify(presentation, await importJWK(vcPayload.cnf.jwk, 'ES256'), {
      audience: session.clientId,
      maxTokenAge: 300,
    })
    if (payload.nonce !== session.nonce) throw new Error('VP JWT nonce mismatch')
    return { format: 'jwt_vc_json', claims: vcPayload.vc, holderProof: payload as Record<string, unknown> }
  }

  server.on('request', async (req, res) => {
    const reply = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
      res.end(typeof body === 'string' ? body : JSON.stringify(body))
    }
    try {
      const path = new URL(req.url ?? '/', url).pathname
      const [, kind, id] = path.split('/')
      const session = sessions.get(id ?? '')
      if (!session) return reply(404, { error: 'not_found' })
      if (kind === 'request') {
        // OpenID4VP 1.0 §5.10: GET, or POST with wallet_metadata and wallet_nonce (echoed, signed).
        let walletNonce: string | undefined
        if (req.method === 'POST') {
          const body = await readBody(req)
          session.walletPost = body
          walletNonce = body.wallet_nonce
        }
        return reply(200, await requestObject(session, walletNonce), 'application/oauth-authz-req+jwt')
      }
      if (kind === 'response' && req.method === 'POST') {
        const body = await readBody(req)
        let fields: Record<string, unknown> = body
        let jweHeader: Record<string, unknown> | undefined
        if (session.options.responseMode === 'direct_post.jwt') {
          if (!body.response || !session.encryptionKey) throw new Error('direct_post.jwt without a response JWE')
          const { plaintext, protectedHeader } = await compactDecrypt(body.response, session.encryptionKey)
          jweHeader = protectedHeader as Record<string, unknown>
          fields = JSON.parse(new TextDecoder().decode(plaintext)) as Record<string, unknown>
        }
        if (fields.state !== session.state) throw new Error('state mismatch')
        const vpToken = (typeof fields.vp_token === 'string' ? JSON.parse(fields.vp_token) : fields.vp_token) as Record<
          string,
          string[]
        >
        const verified: Record<string, VerifiedPresentation[]> = {}
        for (const [queryId, presentations] of Object.entries(vpToken)) {
          verified[queryId] = []
          for (const presentation of presentations)
            verified[queryId].push(await verifyPresentation(session, presentation))
        }
        session.received = { encrypted: jweHeader !== undefined, ...(jweHeader ? { jweHeader } : {}), verified }
        return reply(200, { redirect_uri: `${url}/done#response_code=${randomBytes(8).toString('hex')}` })
      }
      return reply(404, { error: 'not_found' })
    } catch (error) {
      const [, , id] = new URL(req.url ?? '/', url).pathname.split('/')
      const session = sessions.get(id ?? '')
      if (session) session.error = (error as Error).message
      return reply(400, { error: 'invalid_request', error_description: (error as Error).message })
    }
  })

  return {
    url,
    caPem: ca.certPem,
    sessions,
    async createRequest(options) {
      const id = randomBytes(8).toString('hex')
      const responseUri = `${url}/response/${id}`
      const { clientId } = clientOf(options.client, responseUri)
      const nonce = randomBytes(16).toString('base64url')
      const state = randomBytes(8).toString('base64url')
      let encryptionKey: CryptoKey | undefined
      let jwks: { keys: JWK[] } | undefined
      if (options.responseMode === 'direct_post.jwt') {
        // §8.3: a fresh key per request, in client_metadata.jwks.
        const pair = await generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true })
        encryptionKey = pair.privateKey
        jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: `enc-${id}`, use: 'enc', alg: 'ECDH-ES' }] }
      }
      const payload: Record<string, unknown> = {
        response_type: 'vp_token',
        client_id: clientId,
        response_mode: options.responseMode,
        response_uri: responseUri,
        nonce,
        state,
        dcql_query: options.dcqlQuery,
        client_metadata: {
          client_name: 'Test Verifier',
          vp_formats_supported: {
            'dc+sd-jwt': { 'sd-jwt_alg_values': ['ES256'], 'kb-jwt_alg_values': ['ES256'] },
            jwt_vc_json: { alg_values: ['ES256'] },
          },
          ...(jwks ? { jwks, encrypted_response_enc_values_supported: [...(options.encValues ?? ['A256GCM'])] } : {}),
        },
      }
      const session: SessionState = {
        id,
        uri: '',
        clientId,
        nonce,
        state,
        options,
        responseUri,
        payload,
        ...(encryptionKey ? { encryptionKey } : {}),
      }
      let uri: string
      const transport = options.transport ?? 'get'
      if (options.client === 'redirect_uri') {
        uri = (
          await createOpenid4vpAuthorizationRequest({
            authorizationRequestPayload: payload as never,
            callbacks: { signJwt, encryptJwe: () => Promise.reject(new Error('not used')) },
          })
        ).authorizationRequest
      } else if (transport === 'value') {
        const { signer } = clientOf(options.client, responseUri)
        const created = await createOpenid4vpAuthorizationRequest({
          authorizationRequestPayload: payload as never,
          jar: { jwtSigner: signer!, expiresInSeconds: 300 },
          callbacks: { signJwt, encryptJwe: () => Promise.reject(new Error('not used')) },
        })
        uri = created.authorizationRequest
      } else {
        const params = new URLSearchParams({ client_id: clientId, request_uri: `${url}/request/${id}` })
        if (transport === 'post') params.set('request_uri_method', 'post')
        uri = `openid4vp://?${params}`
      }
      const withUri = { ...session, uri }
      sessions.set(id, withUri)
      return withUri
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
