import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import type { DIDResolutionResult } from 'did-resolver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isTrustError } from '../errors.ts'
import { createTestCa, type TestCa } from '../test-fixtures.ts'
import { type DidWebFetchOptions, fetchDidWebDocument, type ResolvedAddress } from './fetch-did-web.ts'
import { forbiddenAddressReason } from './ip-ranges.ts'
import { createDidResolver } from './resolver.ts'

// A local HTTPS server on 127.0.0.1 with a certificate from a test CA made here; nothing leaves the
// machine. Names like issuer.test are "resolved" by an injected lookup that answers 127.0.0.1.

const hits = new Map<string, number>()
const sockets = new Set<import('node:net').Socket>()

function didFromRequest(req: http.IncomingMessage, segments: string[]): string {
  const host = (req.headers.host ?? '').replace(':', '%3A')
  return ['did:web', host, ...segments].join(':')
}

function handler(req: http.IncomingMessage, res: http.ServerResponse) {
  const url = new URL(req.url ?? '/', 'https://x')
  hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1)
  const segments = url.pathname.split('/').filter(Boolean).slice(0, -1)
  const name = segments[0] ?? '.well-known'
  const did = didFromRequest(req, name === '.well-known' ? [] : segments)
  const doc = { '@context': ['https://www.w3.org/ns/did/v1'], id: did }
  const json = (body: unknown, type = 'application/did+json') => {
    res.writeHead(200, { 'content-type': type })
    res.end(JSON.stringify(body))
  }
  switch (name) {
    case '.well-known':
    case 'ok':
      return json(doc)
    case 'plain-json':
      return json(doc, 'application/json; charset=utf-8')
    case 'redirect':
      res.writeHead(302, { location: '/ok/did.json' })
      return void res.end()
    case 'moved':
      res.writeHead(301, { location: 'https://10.0.0.5/.well-known/did.json' })
      return void res.end()
    case 'big': {
      // no content-length (chunked): the cap must hold while streaming
      res.writeHead(200, { 'content-type': 'application/did+json' })
      const filler = 'x'.repeat(16 * 1024)
      res.write(`{"id":"${did}","pad":"`)
      for (let i = 0; i < 10; i++) res.write(filler)
      return void res.end('"}')
    }
    case 'big-declared':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(200 * 1024) })
      return void res.end('x'.repeat(200 * 1024))
    case 'slow':
      res.writeHead(200, { 'content-type': 'application/did+json' })
      res.write(`{"id":"${did}"`)
      setTimeout(() => res.end('}'), 2000).unref()
      return
    case 'hang':
      return // never answers
    case 'mismatch':
      return json({ ...doc, id: 'did:web:other.example' })
    case 'html':
      return json(doc, 'text/html')
    case 'notjson':
      res.writeHead(200, { 'content-type': 'application/json' })
      return void res.end('{"id": ')
    case 'array':
      return json([doc])
    case 'duplicate-id':
      // the first id is the DID, the second (which JSON.parse keeps) is not: duplicates are refused
      res.writeHead(200, { 'content-type': 'application/did+json' })
      return void res.end(`{"id":"${did}","id":"did:web:other.example"}`)
    default:
      res.writeHead(404, { 'content-type': 'text/plain' })
      return void res.end('not found')
  }
}

let ca: TestCa
let server: https.Server
let httpServer: http.Server
let port: number
let httpPort: number

beforeAll(async () => {
  ca = await createTestCa()
  const tls = await ca.issueServer({ ips: ['127.0.0.1'], dns: ['issuer.test', 'evil.test', 'other.test'] })
  server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, handler)
  httpServer = http.createServer(handler)
  for (const s of [server, httpServer]) s.on('connection', (socket) => sockets.add(socket))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
  httpPort = (httpServer.address() as AddressInfo).port
})

afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise((r) => server.close(r))
  await new Promise((r) => httpServer.close(r))
})

/** DNS for the tests: every name answers with the given addresses; calls are counted. */
function fakeDns(answers: Record<string, string[]>, fallback: string[] = ['127.0.0.1']) {
  const calls: string[] = []
  const lookup = async (hostname: string): Promise<ResolvedAddress[]> => {
    calls.push(hostname)
    return (answers[hostname] ?? fallback).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
  }
  return { lookup, calls }
}

/** Development options: issuer.test is allow-listed and resolves to the local server. */
function dev(extra: Partial<DidWebFetchOptions> = {}): DidWebFetchOptions {
  return { mode: 'development', devAllowList: ['issuer.test'], ca: ca.certPem, lookup: fakeDns({}).lookup, ...extra }
}

const issuer = (...path: string[]) => ['did:web', `issuer.test%3A${port}`, ...path].join(':')

function expectFailure(result: DIDResolutionResult, error: string, reason: string, message?: RegExp) {
  expect(result.didDocument).toBeNull()
  expect(result.didResolutionMetadata.error).toBe(error)
  expect(result.didResolutionMetadata.reason).toBe(reason)
  if (message) expect(result.didResolutionMetadata.message).toMatch(message)
}

describe('guarded did:web fetch: the happy paths', () => {
  it('fetches a document over HTTPS from an allow-listed development host, pinned to the checked address', async () => {
    const dns = fakeDns({ 'issuer.test': ['127.0.0.1'] })
    const result = await fetchDidWebDocument(issuer(), dev({ lookup: dns.lookup }))
    expect(result.didResolutionMetadata.error).toBeUndefined()
    expect(result.didDocument?.id).toBe(issuer())
    expect(dns.calls).toEqual(['issuer.test']) // one lookup; the connection did not resolve again
  })

  it('fetches path-based DIDs and accepts application/json', async () => {
    expect((await fetchDidWebDocument(issuer('ok'), dev())).didDocument?.id).toBe(issuer('ok'))
    expect((await fetchDidWebDocument(issuer('plain-json'), dev())).didDocument?.id).toBe(issuer('plain-json'))
  })

  it('uses plain HTTP only for an allow-listed http:// origin in development', async () => {
    const did = `did:web:127.0.0.1%3A${httpPort}`
    const ok = await fetchDidWebDocument(did, { mode: 'development', devAllowList: [`http://127.0.0.1:${httpPort}`] })
    expect(ok.didDocument?.id).toBe(did)
    // the same DID without the allow-list is an IP literal, and in production the allow-list is ignored
    expectFailure(await fetchDidWebDocument(did, { mode: 'development' }), 'invalidDid', 'ip_literal')
    expectFailure(
      await fetchDidWebDocument(did, { mode: 'production', devAllowList: [`http://127.0.0.1:${httpPort}`] }),
      'invalidDid',
      'ip_literal',
    )
  })

  it('rejects a server whose certificate does not chain to the trusted CA', async () => {
    const result = await fetchDidWebDocument(issuer(), dev({ ca: undefined }))
    expectFailure(result, 'notFound', 'network', /certificate/i)
  })
})

describe('guarded did:web fetch: SSRF targets', () => {
  it('refuses IP literals and encoded addresses without touching DNS', async () => {
    const dns = fakeDns({})
    for (const [host, shown] of [
      ['127.0.0.1', /127\.0\.0\.1 is an IP literal/],
      ['10.0.0.5', /IP literal/],
      ['169.254.169.254', /IP literal/],
      ['0x7f000001', /"0x7f000001" \(= 127\.0\.0\.1\)/],
      ['2130706433', /"2130706433" \(= 127\.0\.0\.1\)/],
      ['127.1', /"127\.1" \(= 127\.0\.0\.1\)/],
      ['0177.0.0.1', /"0177\.0\.0\.1" \(= 127\.0\.0\.1\)/],
      ['0x7f.1', /= 127\.0\.0\.1/],
      ['8.8.8.8', /IP literal/],
    ] as const) {
      const result = await fetchDidWebDocument(`did:web:${host}`, { mode: 'development', lookup: dns.lookup })
      expectFailure(result, 'invalidDid', 'ip_literal', shown)
    }
    expect(dns.calls).toEqual([])
  })

  it('refuses localhost names, IPv6 literals and percent-encoded tricks', async () => {
    for (const [did, reason] of [
      ['did:web:localhost', 'forbidden_host'],
      ['did:web:api.localhost', 'forbidden_host'],
      ['did:web:%5B%3A%3A1%5D', 'invalid_did'],
      ['did:web:%5B::1%5D', 'invalid_did'],
      ['did:web:[::1]', 'invalid_did'],
      ['did:web:evil.test%2F.well-known', 'invalid_did'],
      ['did:web:good.example%40evil.test', 'invalid_did'],
      ['did:web:issuer.test%3A443%2F..%2F', 'invalid_did'],
    ] as const) {
      const result = await fetchDidWebDocument(did, { mode: 'development', lookup: fakeDns({}).lookup })
      expect(result.didDocument, did).toBeNull()
      expect(result.didResolutionMetadata.reason, did).toBe(reason)
    }
  })

  it('refuses names that resolve to private, loopback, link-local, CGNAT, multicast or mapped addresses', async () => {
    for (const [address, label] of [
      ['10.0.0.5', 'a private address 10.0.0.5'],
      ['192.168.1.10', 'a private address 192.168.1.10'],
      ['172.20.0.1', 'a private address'],
      ['127.0.0.1', 'a loopback address 127.0.0.1'],
      ['169.254.169.254', 'a link-local address 169.254.169.254'],
      ['100.64.1.1', 'a carrier-grade NAT \\(CGNAT\\) address'],
      ['224.0.0.1', 'a multicast address'],
      ['0.0.0.0', 'an unspecified \\("this network"\\) address 0\\.0\\.0\\.0'],
      ['::1', 'a loopback address ::1'],
      ['::ffff:127.0.0.1', 'an IPv4-mapped loopback address'],
      ['::ffff:a00:5', 'an IPv4-mapped private address'],
      ['fd00::1', 'a private \\(unique local\\) address'],
      ['fe80::1', 'a link-local address'],
      ['ff02::1', 'a multicast address'],
      ['64:ff9b::a00:5', 'a NAT64 address'],
    ] as const) {
      const result = await fetchDidWebDocument(`did:web:evil.test%3A${port}`, {
        mode: 'development',
        ca: ca.certPem,
        lookup: fakeDns({ 'evil.test': [address] }).lookup,
      })
      expectFailure(result, 'notFound', 'forbidden_address', new RegExp(`evil\\.test resolves to ${label}`))
    }
  })

  it('checks every address a name resolves to, not just the first', async () => {
    const result = await fetchDidWebDocument('did:web:evil.test', {
      mode: 'development',
      lookup: fakeDns({ 'evil.test': ['93.184.215.14', '10.1.2.3'] }).lookup,
    })
    expectFailure(result, 'notFound', 'forbidden_address', /10\.1\.2\.3/)
  })

  it('reports DNS failures', async () => {
    const result = await fetchDidWebDocument('did:web:nowhere.test', {
      mode: 'development',
      lookup: async () => {
        throw new Error('getaddrinfo ENOTFOUND nowhere.test')
      },
    })
    expectFailure(result, 'notFound', 'dns_failed', /ENOTFOUND/)
  })

  it('classifies addresses', () => {
    expect(forbiddenAddressReason('93.184.215.14')).toBeUndefined()
    expect(forbiddenAddressReason('2606:2800:21f:cb07:6820:80da:af6b:8b2c')).toBeUndefined()
    expect(forbiddenAddressReason('::')).toBe('unspecified')
    expect(forbiddenAddressReason('::127.0.0.1')).toBe('reserved (not global unicast)')
    expect(forbiddenAddressReason('2001:db8::1')).toBe('documentation')
    expect(forbiddenAddressReason('255.255.255.255')).toBe('reserved')
  })
})

describe('guarded did:web fetch: what the server answers', () => {
  it('does not follow redirects', async () => {
    const hitsBefore = hits.get('/ok/did.json') ?? 0
    expectFailure(await fetchDidWebDocument(issuer('redirect'), dev()), 'notFound', 'redirect', /302 .*not followed/)
    expect(hits.get('/ok/did.json') ?? 0).toBe(hitsBefore)
    expectFailure(await fetchDidWebDocument(issuer('moved'), dev()), 'notFound', 'redirect', /10\.0\.0\.5/)
  })

  it('caps the document at 100 KB while streaming, and on a declared length', async () => {
    expectFailure(await fetchDidWebDocument(issuer('big'), dev()), 'notFound', 'too_large', /102400-byte cap/)
    expectFailure(await fetchDidWebDocument(issuer('big-declared'), dev()), 'notFound', 'too_large', /204800 bytes/)
    // a smaller cap is honoured too
    expectFailure(await fetchDidWebDocument(issuer('ok'), dev({ maxBytes: 20 })), 'notFound', 'too_large')
  })

  it('times out on a slow body and on a server that never answers', async () => {
    for (const path of ['slow', 'hang']) {
      const started = Date.now()
      expectFailure(await fetchDidWebDocument(issuer(path), dev({ timeoutMs: 250 })), 'notFound', 'timeout', /250 ms/)
      expect(Date.now() - started).toBeLessThan(1500)
    }
  })

  it('times out on slow DNS', async () => {
    const result = await fetchDidWebDocument('did:web:slow-dns.test', {
      mode: 'development',
      timeoutMs: 100,
      lookup: () => new Promise(() => {}),
    })
    expectFailure(result, 'notFound', 'timeout')
  })

  it('rejects a document whose id is not the DID', async () => {
    expectFailure(
      await fetchDidWebDocument(issuer('mismatch'), dev()),
      'notFound',
      'id_mismatch',
      /"did:web:other\.example" is not the DID/,
    )
  })

  it('rejects wrong media types, bad JSON, non-objects and HTTP errors', async () => {
    expectFailure(await fetchDidWebDocument(issuer('html'), dev()), 'notFound', 'content_type', /text\/html/)
    expectFailure(await fetchDidWebDocument(issuer('notjson'), dev()), 'notFound', 'invalid_json')
    expectFailure(await fetchDidWebDocument(issuer('array'), dev()), 'notFound', 'invalid_json')
    expectFailure(
      await fetchDidWebDocument(issuer('duplicate-id'), dev()),
      'notFound',
      'invalid_json',
      /duplicate member "id"/,
    )
    expectFailure(await fetchDidWebDocument(issuer('missing'), dev()), 'notFound', 'http_status', /HTTP 404/)
  })
})

describe('createDidResolver', () => {
  it('refuses production set-ups without allowedDids or with a development allow-list', () => {
    const code = (fn: () => unknown) => {
      try {
        fn()
      } catch (e) {
        return isTrustError(e) ? e.code : 'other'
      }
      return undefined
    }
    expect(code(() => createDidResolver({ mode: 'production' }))).toBe('config_invalid')
    expect(code(() => createDidResolver())).toBe('config_invalid')
    expect(code(() => createDidResolver({ mode: 'production', allowedDids: [], devAllowList: ['127.0.0.1'] }))).toBe(
      'config_invalid',
    )
  })

  it('in production resolves only allowed DIDs', async () => {
    const resolver = createDidResolver({ mode: 'production', allowedDids: ['did:web:uni-a.example'] })
    const result = await resolver.resolve('did:web:uni-b.example')
    expectFailure(result, 'notFound', 'not_allowed', /did:web:uni-b\.example is not among/)
  })

  it('resolves did:web through did-resolver and caches successes for the TTL only', async () => {
    let clock = 1_000_000
    const resolver = createDidResolver({ ...dev(), cacheTtlMs: 60_000, now: () => clock })
    const did = issuer('ok')
    const before = hits.get('/ok/did.json') ?? 0
    expect((await resolver.resolve(did)).didDocument?.id).toBe(did)
    expect((await resolver.resolve(`${did}#key-1`)).didDocument?.id).toBe(did)
    expect(hits.get('/ok/did.json')).toBe(before + 1)
    clock += 60_001
    await resolver.resolve(did)
    expect(hits.get('/ok/did.json')).toBe(before + 2)
    // failures are not cached
    const mismatchBefore = hits.get('/mismatch/did.json') ?? 0
    await resolver.resolve(issuer('mismatch'))
    await resolver.resolve(issuer('mismatch'))
    expect(hits.get('/mismatch/did.json')).toBe(mismatchBefore + 2)
  })

  it('answers unsupported methods and malformed DIDs the did-resolver way', async () => {
    const resolver = createDidResolver({ mode: 'development' })
    expect((await resolver.resolve('did:example:123')).didResolutionMetadata.error).toBe('unsupportedDidMethod')
    expect((await resolver.resolve('not a did')).didResolutionMetadata.error).toBe('invalidDid')
  })
})

describe('guarded did:web fetch: hosts a URL parser rejects', () => {
  it('returns a result, not an exception, for numeric-looking hosts', async () => {
    const result = await fetchDidWebDocument('did:web:example.123', { mode: 'development', lookup: fakeDns({}).lookup })
    expectFailure(result, 'invalidDid', 'ip_literal', /not a valid host/)
  })
})
