// A presentation request is bound, when it is created, to the relying-party key its client_id
// names (OpenID4VP 1.0 §5.9.3): a key rotation between creating the request (the QR code is
// shown) and the wallet fetching request_uri does not change the key the request object is
// signed with; a key retired in between makes the fetch fail, never a signature by another key.
import { createHash, X509Certificate } from 'node:crypto'
import type { KeyRecord } from '@alma/trust'
import { compactVerify, decodeProtectedHeader, importJWK, importX509 } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { provisionRelyingParty } from './provision-relying-party.ts'
import {
  createRelyingPartyKey,
  retireRelyingPartySigningKey,
  rotateRelyingPartySigningKey,
} from './relying-party-keys.ts'
import { openRequest } from './testing/hand-wallet.ts'
import { startTestVerifier, type TestVerifier } from './testing/verifier-harness.ts'

let verifier: TestVerifier

beforeAll(async () => {
  // No issuer: nothing is presented here, only request objects fetched — from a verifier on
  // loopback http, which turns on the libraries' insecure-URL switch itself in development.
  verifier = await startTestVerifier({ trustAnchors: [] })
}, 60_000)
afterAll(async () => {
  await verifier?.close()
})

const x509Hash = (leaf: string) => createHash('sha256').update(Buffer.from(leaf, 'base64')).digest('base64url')

interface Created {
  readonly id: string
  readonly authorizationRequestUri: string
  readonly requestUri: string
  readonly clientId: string
}

/** A relying party of its own per test, so rotations do not reach the other tests. */
async function relyingParty(id: string) {
  await provisionRelyingParty(
    { store: verifier.store, keyring: verifier.ctx.keyring, baseUrl: verifier.url, ca: verifier.ca, now: new Date() },
    { id, name: `${id} GmbH` },
  )
  const { key } = await createRelyingPartyKey(verifier.store, id)
  const original = await verifier.ctx.keyring.active(id)
  return {
    original,
    async create(clientIdPrefix: string): Promise<Created> {
      const created = await verifier.api(
        'POST',
        `/api/${id}/presentation-requests`,
        { template: { type: 'any-micro-credential' }, clientIdPrefix },
        key,
      )
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      return created.body
    },
    async session(requestId: string) {
      const read = await verifier.api('GET', `/api/${id}/presentation-requests/${requestId}`, undefined, key)
      expect(read.status).toBe(200)
      return read.body
    },
  }
}

/** The request object's signature checked with exactly this key record's public key. */
async function verifiesWith(jwt: string, record: KeyRecord) {
  const { payload } = await compactVerify(jwt, await importJWK(record.publicJwk, record.alg))
  return JSON.parse(new TextDecoder().decode(payload))
}

describe('the key a request object is signed with is the one its request was created with', () => {
  it('after a rotation: x509_hash and x509_san_dns requests signed with the original certificate, did with the original kid', async () => {
    const rp = await relyingParty('rotating-rp')
    const { original } = rp
    const byHash = await rp.create('x509_hash')
    const byDns = await rp.create('x509_san_dns')
    const byDid = await rp.create('decentralized_identifier')
    expect(byHash.clientId).toBe(`x509_hash:${x509Hash(original.x5c![0]!)}`)

    const { active, previous } = await rotateRelyingPartySigningKey(verifier.ctx, 'rotating-rp', { ca: verifier.ca })
    expect(previous).toMatchObject({ kid: original.kid, state: 'published' })
    expect(active.kid).not.toBe(original.kid)
    // The rotation took effect: a request made now names the new certificate.
    const afterRotation = await rp.create('x509_hash')
    expect(afterRotation.clientId).toBe(`x509_hash:${x509Hash(active.x5c![0]!)}`)
    expect(afterRotation.clientId).not.toBe(byHash.clientId)

    // x509_hash: the x5c leaf is the original certificate, its hash is the client_id (§5.9.3).
    const hashed = await openRequest(byHash.authorizationRequestUri, { trustedCa: verifier.ca.certificatePem })
    expect(hashed.header.x5c).toEqual([original.x5c![0]])
    expect(hashed.payload.client_id).toBe(byHash.clientId)
    expect(`x509_hash:${x509Hash(hashed.header.x5c[0])}`).toBe(hashed.payload.client_id)
    expect(await verifiesWith(hashed.jwt, original)).toMatchObject({ client_id: byHash.clientId })
    const originalLeaf = new X509Certificate(Buffer.from(original.x5c![0]!, 'base64'))
    await expect(compactVerify(hashed.jwt, await importX509(originalLeaf.toString(), 'ES256'))).resolves.toBeDefined()
    await expect(verifiesWith(hashed.jwt, active)).rejects.toThrow()

    // x509_san_dns: the original certificate too (it names the same host).
    const dns = await openRequest(byDns.authorizationRequestUri, { trustedCa: verifier.ca.certificatePem })
    expect(dns.header.x5c).toEqual([original.x5c![0]])
    expect(await verifiesWith(dns.jwt, original)).toMatchObject({ client_id: byDns.clientId })

    // decentralized_identifier: the original kid, which the DID document still lists (published).
    const didJwt = await (await fetch(byDid.requestUri)).text()
    const didHeader = decodeProtectedHeader(didJwt)
    const did = byDid.clientId.replace('decentralized_identifier:', '')
    expect(didHeader.kid).toBe(`${did}#${original.kid}`)
    const document = await (await fetch(`${verifier.url}/rotating-rp/did.json`)).json()
    const method = document.verificationMethod.find((m: { id: string }) => m.id === didHeader.kid)
    expect(method).toBeDefined()
    await expect(compactVerify(didJwt, await importJWK(method.publicKeyJwk, 'ES256'))).resolves.toBeDefined()

    // The request made after the rotation is signed with the new key.
    const fresh = await openRequest(afterRotation.authorizationRequestUri, { trustedCa: verifier.ca.certificatePem })
    expect(fresh.header.x5c).toEqual([active.x5c![0]])
    expect(await verifiesWith(fresh.jwt, active)).toMatchObject({ client_id: afterRotation.clientId })
  })

  it('a request made before the binding was recorded (signing_kid NULL) is signed with the certificate its x509_hash names', async () => {
    const rp = await relyingParty('legacy-rp')
    const created = await rp.create('x509_hash')
    await verifier.store.sql.query(
      'UPDATE presentation_requests SET signing_kid = NULL WHERE tenant_id = $1 AND id = $2',
      ['legacy-rp', created.id],
    )
    await rotateRelyingPartySigningKey(verifier.ctx, 'legacy-rp', { ca: verifier.ca })
    const opened = await openRequest(created.authorizationRequestUri, { trustedCa: verifier.ca.certificatePem })
    expect(opened.header.x5c).toEqual([rp.original.x5c![0]])
    expect(await verifiesWith(opened.jwt, rp.original)).toMatchObject({ client_id: created.clientId })
  })
})

describe('a request whose key was retired or is gone is refused, never signed with another key', () => {
  it('retired after a rotation: 400 invalid_request naming the retirement, for every prefix; the session is not ended', async () => {
    const rp = await relyingParty('retiring-rp')
    const requests = await Promise.all(
      ['x509_hash', 'x509_san_dns', 'decentralized_identifier'].map((prefix) => rp.create(prefix)),
    )
    const { active } = await rotateRelyingPartySigningKey(verifier.ctx, 'retiring-rp', { ca: verifier.ca })
    const retired = await retireRelyingPartySigningKey(verifier.ctx, 'retiring-rp', rp.original.kid)
    expect(retired.state).toBe('retired')

    const refusal = {
      error: 'invalid_request',
      error_description: `the signing key this presentation request is bound to (${rp.original.kid}) has been retired; it is not signed with another key: the relying party must create a new request`,
    }
    for (const created of requests) {
      for (const method of ['GET', 'POST'] as const) {
        const response = await fetch(created.requestUri, {
          method,
          redirect: 'manual',
          ...(method === 'POST'
            ? {
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                body: new URLSearchParams({ wallet_nonce: 'wn-1' }),
              }
            : {}),
        })
        expect(response.status, `${created.clientId} ${method}`).toBe(400)
        expect(response.headers.get('content-type')).toContain('application/json')
        expect(await response.json()).toEqual(refusal)
      }
      // Left open (it expires on its own): only a response bound by its state ends a session.
      const session = await rp.session(created.id)
      expect(session.state).not.toBe('failed')
      expect(session.result).toBeUndefined()
    }

    // A request made now is bound to the active key and served.
    const fresh = await rp.create('x509_hash')
    const opened = await openRequest(fresh.authorizationRequestUri, { trustedCa: verifier.ca.certificatePem })
    expect(opened.header.x5c).toEqual([active.x5c![0]])
  })

  it('a key record that no longer exists: 400 invalid_request saying so', async () => {
    const rp = await relyingParty('vanished-rp')
    const created = await rp.create('x509_hash')
    await verifier.store.sql.query(
      "UPDATE presentation_requests SET signing_kid = 'no-such-key' WHERE tenant_id = $1 AND id = $2",
      ['vanished-rp', created.id],
    )
    const response = await fetch(created.requestUri, { redirect: 'manual' })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      error: 'invalid_request',
      error_description:
        'the signing key this presentation request is bound to (no-such-key) no longer exists; it is not signed with another key: the relying party must create a new request',
    })
  })
})
