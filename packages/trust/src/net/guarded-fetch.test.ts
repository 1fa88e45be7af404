import http from 'node:http'
import https from 'node:https'
import type { AddressInfo, LookupFunction, Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createTestCa, fakeDns, type TestCa } from '../test-fixtures.ts'
import {
  checkGuardedTarget,
  GuardedFetchError,
  type GuardedFetchFailureReason,
  type GuardedFetchOptions,
  guardedFetch,
  isGuardedFetchError,
  type ResolvedAddress,
} from './guarded-fetch.ts'

// Local HTTP and HTTPS servers on 127.0.0.1 (the HTTPS one with a certificate from a test CA made
// here); nothing leaves the machine. Names such as status.test are "resolved" by an injected lookup:
// that stub is the DNS answer an attacker controls, so it is where the SSRF cases come from.

const STATUS_LIST_JWT = 'eyJhbGciOiJFUzI1NiIsInR5cCI6InN0YXR1c2xpc3Qrand0In0.eyJzdWIiOiJ4In0.c2ln'

const hits = new Map<string, number>()
const sockets = new Set<Socket>()
let lastAccept: string | undefined
let lastAcceptEncoding: string | undefined
let endlessClosed = false

/** What a webhook-like receiver got: `/hook` answers 204, `/hook/<status>` that status. */
interface Received {
  readonly method: string | undefined
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
}
const received: Received[] = []

function handler(req: http.IncomingMessage, res: http.ServerResponse) {
  const { pathname } = new URL(req.url ?? '/', 'http://x')
  hits.set(pathname, (hits.get(pathname) ?? 0) + 1)
  lastAccept = req.headers.accept
  lastAcceptEncoding = req.headers['accept-encoding']
  const [, name, arg] = pathname.split('/')
  switch (name) {
    case 'hook': {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        received.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks) })
        res.writeHead(Number(arg ?? 204)).end()
      })
      return
    }
    case 'list':
      res.writeHead(200, { 'content-type': 'application/statuslist+jwt; charset=utf-8', 'cache-control': 'max-age=60' })
      return void res.end(STATUS_LIST_JWT)
    case 'vc':
      res.writeHead(200, { 'content-type': 'application/vc+jwt' })
      return void res.end(STATUS_LIST_JWT)
    case 'redirect':
      res.writeHead(Number(arg), { location: '/list' })
      return void res.end()
    case 'moved':
      res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' })
      return void res.end()
    case 'big': {
      // chunked, no content-length: the cap must hold while streaming
      res.writeHead(200, { 'content-type': 'application/statuslist+jwt' })
      for (let i = 0; i < 10; i++) res.write('x'.repeat(16 * 1024))
      return void res.end()
    }
    case 'big-declared':
      res.writeHead(200, { 'content-type': 'application/statuslist+jwt', 'content-length': String(200 * 1024) })
      return void res.end('x'.repeat(200 * 1024))
    case 'endless': {
      // a body that never ends: only cutting the connection stops it
      res.writeHead(200, { 'content-type': 'application/statuslist+jwt' })
      const chunk = 'x'.repeat(16 * 1024)
      const pump = setInterval(() => res.write(chunk), 1)
      res.on('close', () => {
        clearInterval(pump)
        endlessClosed = true
      })
      return
    }
    case 'slow':
      res.writeHead(200, { 'content-type': 'application/statuslist+jwt' })
      res.write('eyJ')
      setTimeout(() => res.end('x'), 2000).unref()
      return
    case 'hang':
      return // never answers
    case 'html':
      res.writeHead(200, { 'content-type': 'text/html' })
      return void res.end('<html></html>')
    case 'untyped':
      res.writeHead(200)
      return void res.end(STATUS_LIST_JWT)
    case 'gzip':
      res.writeHead(200, { 'content-type': 'application/statuslist+jwt', 'content-encoding': 'gzip' })
      return void res.end('\x1f\x8b')
    case 'error':
      res.writeHead(500, { 'content-type': 'text/plain' })
      return void res.end('boom')
    default:
      res.writeHead(404, { 'content-type': 'text/plain' })
      return void res.end('not found')
  }
}

let ca: TestCa
let httpServer: http.Server
let httpsServer: https.Server
let port: number
let httpsPort: number

beforeAll(async () => {
  ca = await createTestCa()
  const tls = await ca.issueServer({ dns: ['status.test'] })
  httpServer = http.createServer(handler)
  httpsServer = https.createServer({ key: tls.keyPem, cert: tls.certPem }, handler)
  for (const s of [httpServer, httpsServer]) {
    s.on('connection', (socket) => sockets.add(socket))
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  }
  port = (httpServer.address() as AddressInfo).port
  httpsPort = (httpsServer.address() as AddressInfo).port
})

afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise((r) => httpServer.close(r))
  await new Promise((r) => httpsServer.close(r))
})

/** Development, with the local plain-HTTP server allow-listed as an origin. */
function dev(extra: Partial<GuardedFetchOptions> = {}): GuardedFetchOptions {
  return { mode: 'development', devAllowList: [`http://127.0.0.1:${port}`], ...extra }
}

const local = (path: string) => `http://127.0.0.1:${port}${path}`
const STATUS_LIST = ['application/statuslist+jwt']

/** The GuardedFetchError `promise` rejects with; fails the test when it resolves. */
async function refusal(promise: Promise<unknown>): Promise<GuardedFetchError> {
  try {
    await promise
  } catch (e) {
    if (e instanceof GuardedFetchError) return e
    throw new Error(`not a GuardedFetchError: ${String(e)}`)
  }
  throw new Error('the fetch succeeded')
}

async function expectRefused(promise: Promise<unknown>, reason: GuardedFetchFailureReason, message?: RegExp) {
  const error = await refusal(promise)
  expect(error.reason, error.message).toBe(reason)
  if (message) expect(error.message).toMatch(message)
  return error
}

describe('guardedFetch: production', () => {
  it('refuses plain http before any DNS lookup, and ignores a development allow-list', async () => {
    const dns = fakeDns('93.184.215.14')
    await expectRefused(
      guardedFetch('http://status.example/list', { lookup: dns.lookup }),
      'not_allowed',
      /plain http to status\.example is not allowed in production/,
    )
    await expectRefused(
      guardedFetch(local('/list'), { mode: 'production', devAllowList: [`http://127.0.0.1:${port}`] }),
      'not_allowed',
    )
    expect(dns.calls).toEqual([])
  })

  it('refuses names that resolve to private, link-local or loopback addresses, without connecting', async () => {
    const before = hits.get('/list') ?? 0
    for (const [address, label] of [
      ['10.0.0.1', 'a private address 10.0.0.1'],
      ['169.254.169.254', 'a link-local address 169.254.169.254'], // cloud metadata endpoint
      ['::1', 'a loopback address ::1'],
      ['127.0.0.1', 'a loopback address 127.0.0.1'], // where the test server listens
      ['::ffff:10.0.0.1', 'an IPv4-mapped private address'],
    ] as const) {
      await expectRefused(
        guardedFetch(`https://status.test:${httpsPort}/list`, { ca: ca.certPem, lookup: fakeDns(address).lookup }),
        'forbidden_address',
        new RegExp(`host status\\.test resolves to ${label}`),
      )
    }
    expect(hits.get('/list') ?? 0).toBe(before)
  })

  it('checks every address a name resolves to, not just the first', async () => {
    await expectRefused(
      guardedFetch('https://status.example/list', { lookup: fakeDns('93.184.215.14', '10.0.0.1').lookup }),
      'forbidden_address',
      /10\.0\.0\.1/,
    )
  })

  it('reports DNS failures and empty answers', async () => {
    const lookup = async () => {
      throw new Error('getaddrinfo ENOTFOUND status.example')
    }
    await expectRefused(guardedFetch('https://status.example/list', { lookup }), 'dns_failed', /ENOTFOUND/)
    await expectRefused(
      guardedFetch('https://status.example/list', { lookup: fakeDns().lookup }),
      'dns_failed',
      /no addresses/,
    )
  })
})

describe('guardedFetch: URLs and hosts', () => {
  it('refuses IP literals in every spelling, in both modes, without DNS', async () => {
    const dns = fakeDns('93.184.215.14')
    for (const [url, shown] of [
      ['https://127.0.0.1/list', /host 127\.0\.0\.1 is an IP literal/],
      ['https://10.0.0.1/list', /host 10\.0\.0\.1 is an IP literal/],
      ['https://169.254.169.254/latest/meta-data/', /IP literal/],
      ['https://[::1]/list', /host \[::1\] is an IP literal/],
      ['https://[::ffff:127.0.0.1]:8443/list', /IP literal/],
      ['https://0x7f000001/list', /"0x7f000001" \(= 127\.0\.0\.1\)/],
      ['https://2130706433/list', /"2130706433" \(= 127\.0\.0\.1\)/],
      ['https://127.1:8443/list', /"127\.1" \(= 127\.0\.0\.1\)/],
      ['https://8.8.8.8/list', /IP literal/],
    ] as const) {
      for (const mode of ['production', 'development'] as const) {
        const error = await refusal(guardedFetch(url, { mode, lookup: dns.lookup }))
        expect(error.reason, `${mode} ${url}`).toBe('ip_literal')
        expect(error.message).toMatch(shown)
      }
    }
    expect(dns.calls).toEqual([])
  })

  it('refuses localhost names (RFC 6761) and URLs that are not plain http(s)', async () => {
    const options = { mode: 'development', lookup: fakeDns('127.0.0.1').lookup } as const
    await expectRefused(guardedFetch('https://localhost/list', options), 'forbidden_host')
    await expectRefused(guardedFetch('https://status.localhost./list', options), 'forbidden_host')
    await expectRefused(guardedFetch('status-list/1', options), 'invalid_url')
    await expectRefused(guardedFetch('file:///etc/passwd', options), 'invalid_url')
    await expectRefused(guardedFetch('ftp://status.example/list', options), 'invalid_url')
    await expectRefused(guardedFetch('https://status.example@10.0.0.1/list', options), 'invalid_url', /user:password/)
  })
})

describe('guardedFetch: the development allow-list', () => {
  it('permits plain http to an allow-listed loopback origin, and returns status, type, body and headers', async () => {
    const response = await guardedFetch(local('/list'), dev({ accept: STATUS_LIST }))
    expect(response.status).toBe(200)
    expect(response.contentType).toBe('application/statuslist+jwt')
    expect(response.body.toString('utf8')).toBe(STATUS_LIST_JWT)
    expect(response.headers['cache-control']).toBe('max-age=60')
    expect(response.headers['content-type']).toBe('application/statuslist+jwt; charset=utf-8')
    expect(lastAccept).toBe('application/statuslist+jwt')
    expect(lastAcceptEncoding).toBe('identity')
  })

  it('permits only what is listed: http needs an http:// origin, and the port must match', async () => {
    await expectRefused(
      guardedFetch(local('/list'), { mode: 'development', devAllowList: [`127.0.0.1:${port}`] }),
      'not_allowed',
      /not on the development allow-list/,
    )
    await expectRefused(
      guardedFetch(local('/list'), { mode: 'development', devAllowList: [`http://127.0.0.1:${port + 1}`] }),
      'not_allowed',
    )
    await expectRefused(
      guardedFetch(local('/list'), dev({ devAllowList: ['http://['] })),
      'invalid_url',
      /devAllowList/,
    )
  })

  it('resolves an allow-listed name once and connects to that address (pinned), over https with the test CA', async () => {
    const dns = fakeDns('127.0.0.1')
    const options = { mode: 'development', devAllowList: ['status.test'], ca: ca.certPem, lookup: dns.lookup } as const
    const response = await guardedFetch(`https://status.test:${httpsPort}/vc`, {
      ...options,
      accept: ['application/vc+jwt', 'application/json'],
    })
    expect(response.contentType).toBe('application/vc+jwt')
    expect(dns.calls).toEqual(['status.test']) // status.test exists nowhere else: the checked address was used
    expect(lastAccept).toBe('application/vc+jwt, application/json;q=0.9')
    // TLS is still verified against the name
    await expectRefused(
      guardedFetch(`https://status.test:${httpsPort}/vc`, { ...options, ca: undefined }),
      'network',
      /certificate/i,
    )
  })

  it('reports a refused connection as a network failure', async () => {
    const closed = http.createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const closedPort = (closed.address() as AddressInfo).port
    await new Promise((r) => closed.close(r))
    await expectRefused(
      guardedFetch(`http://127.0.0.1:${closedPort}/list`, dev({ devAllowList: [`http://127.0.0.1:${closedPort}`] })),
      'network',
      /ECONNREFUSED/,
    )
  })
})

describe('guardedFetch: what the server answers', () => {
  it('does not follow redirects (RFC 9110 §15.4)', async () => {
    const before = hits.get('/list') ?? 0
    for (const status of [301, 302, 303, 307, 308]) {
      await expectRefused(
        guardedFetch(local(`/redirect/${status}`), dev()),
        'redirect',
        new RegExp(`answered ${status} \\(redirect to /list\\), which is not followed`),
      )
    }
    expect(hits.get('/list') ?? 0).toBe(before)
    await expectRefused(guardedFetch(local('/moved'), dev()), 'redirect', /169\.254\.169\.254/)
  })

  it('cuts off bodies over the cap: while streaming, on a declared length, and on a body that never ends', async () => {
    await expectRefused(guardedFetch(local('/big'), dev()), 'too_large', /exceeds the 102400-byte cap/)
    await expectRefused(guardedFetch(local('/big-declared'), dev()), 'too_large', /204800 bytes/)
    await expectRefused(guardedFetch(local('/list'), dev({ maxBytes: 10 })), 'too_large', /10-byte cap/)
    endlessClosed = false
    await expectRefused(guardedFetch(local('/endless'), dev({ maxBytes: 64 * 1024 })), 'too_large')
    await expect.poll(() => endlessClosed, { timeout: 1000 }).toBe(true) // the connection was closed, not drained
  })

  it('times out on a slow body, a server that never answers, and slow DNS', async () => {
    for (const path of ['/slow', '/hang']) {
      const started = Date.now()
      await expectRefused(guardedFetch(local(path), dev({ timeoutMs: 250 })), 'timeout', /within 250 ms/)
      expect(Date.now() - started).toBeLessThan(1500)
    }
    await expectRefused(
      guardedFetch('https://status.example/list', { timeoutMs: 100, lookup: () => new Promise(() => {}) }),
      'timeout',
    )
  })

  it('accepts only the listed media types, ignoring parameters and case', async () => {
    await expectRefused(
      guardedFetch(local('/html'), dev({ accept: STATUS_LIST })),
      'content_type',
      /"text\/html" is not accepted/,
    )
    await expectRefused(guardedFetch(local('/untyped'), dev({ accept: STATUS_LIST })), 'content_type', /""/)
    await expectRefused(guardedFetch(local('/vc'), dev({ accept: STATUS_LIST })), 'content_type')
    const mixedCase = await guardedFetch(local('/list'), dev({ accept: ['Application/StatusList+JWT'] }))
    expect(mixedCase.contentType).toBe('application/statuslist+jwt')
    // without `accept`, any type comes back, and the caller judges it
    expect((await guardedFetch(local('/html'), dev())).contentType).toBe('text/html')
    expect(lastAccept).toBe('*/*')
  })

  it('refuses a content coding it did not ask for (the body is never decompressed)', async () => {
    await expectRefused(guardedFetch(local('/gzip'), dev({ accept: STATUS_LIST })), 'content_type', /gzip/)
  })

  it('refuses non-2xx answers', async () => {
    await expectRefused(guardedFetch(local('/missing'), dev()), 'http_status', /answered HTTP 404/)
    await expectRefused(guardedFetch(local('/error'), dev()), 'http_status', /answered HTTP 500/)
  })
})

describe('GuardedFetchError', () => {
  it('carries a stable reason', () => {
    const error = new GuardedFetchError('timeout', 'no answer')
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('GuardedFetchError')
    expect(isGuardedFetchError(error)).toBe(true)
    expect(isGuardedFetchError(error, 'timeout')).toBe(true)
    expect(isGuardedFetchError(error, 'network')).toBe(false)
    expect(isGuardedFetchError(new Error('timeout'))).toBe(false)
  })
})

describe('guardedFetch: POST', () => {
  it('sends the body and the headers, with a declared length, and returns the 2xx status', async () => {
    received.length = 0
    const body = JSON.stringify({ event: 'presentation.completed', verdict: 'verified' })
    const response = await guardedFetch(
      local('/hook'),
      dev({ method: 'POST', body, headers: { 'Content-Type': 'application/json', 'alma-signature': 'eyJ..c2ln' } }),
    )
    expect(response.status).toBe(204)
    expect(received).toHaveLength(1)
    const [call] = received
    expect(call?.method).toBe('POST')
    expect(call?.body.toString('utf8')).toBe(body)
    expect(call?.headers['content-type']).toBe('application/json')
    expect(call?.headers['alma-signature']).toBe('eyJ..c2ln')
    expect(call?.headers['content-length']).toBe(String(Buffer.byteLength(body)))
    expect(call?.headers['transfer-encoding']).toBeUndefined()
    expect(call?.headers['accept-encoding']).toBe('identity')
  })

  it('sends a binary body byte for byte, and an empty one as content-length 0', async () => {
    received.length = 0
    const bytes = new Uint8Array([0, 1, 2, 0xfe, 0xff])
    await guardedFetch(local('/hook/200'), dev({ method: 'POST', body: bytes }))
    await guardedFetch(local('/hook/200'), dev({ method: 'POST' }))
    expect([...(received[0]?.body ?? [])]).toEqual([...bytes])
    expect(received[1]?.headers['content-length']).toBe('0')
    expect(received[1]?.body.length).toBe(0)
  })

  it('does not follow a 3xx, for any method: the failure is a redirect, with its status', async () => {
    const before = hits.get('/list') ?? 0
    for (const status of [301, 302, 303, 307, 308]) {
      const error = await expectRefused(
        guardedFetch(local(`/redirect/${status}`), dev({ method: 'POST', body: '{}' })),
        'redirect',
        new RegExp(`answered ${status} \\(redirect to /list\\), which is not followed`),
      )
      expect(error.status).toBe(status)
    }
    expect(hits.get('/list') ?? 0).toBe(before)
  })

  it('throws http_status with the status on any other answer', async () => {
    const error = await expectRefused(
      guardedFetch(local('/hook/503'), dev({ method: 'POST', body: '{}' })),
      'http_status',
      /answered HTTP 503/,
    )
    expect(error.status).toBe(503)
  })

  it('refuses, in production, a name that resolves to a private address before connecting', async () => {
    received.length = 0
    const dns = fakeDns('10.0.0.5')
    await expectRefused(
      guardedFetch(`https://status.test:${httpsPort}/hook`, {
        method: 'POST',
        body: '{}',
        ca: ca.certPem,
        lookup: dns.lookup,
      }),
      'forbidden_address',
      /^host status\.test resolves to a private address 10\.0\.0\.5$/,
    )
    expect(dns.calls).toEqual(['status.test'])
    expect(received).toEqual([])
  })

  it('connects only to the checked address: a DNS answer that changes after the check is never used', async () => {
    // The attacker's DNS (rebinding): a public address for whoever asks first, the cloud metadata
    // endpoint for whoever asks after.
    const asked: string[] = []
    const lookup = async (hostname: string): Promise<ResolvedAddress[]> => {
      asked.push(hostname)
      return [{ address: asked.length === 1 ? '93.184.215.14' : '169.254.169.254', family: 4 }]
    }
    // The test plays the network: what the HTTPS client dials is recorded, and 93.184.215.14 is
    // routed to the local server, so nothing leaves the machine. An HTTP client left to resolve
    // by itself would ask the same attacker-controlled DNS.
    const dialed: string[] = []
    const askDnsAgain: LookupFunction = (hostname, _options, done) => {
      lookup(hostname).then(
        (answer) => done(null, answer),
        (error) => done(error, []),
      )
    }
    const realRequest = https.request
    const spy = vi.spyOn(https, 'request').mockImplementation(((
      url: URL,
      options: https.RequestOptions,
      callback: (response: http.IncomingMessage) => void,
    ) => {
      const given: LookupFunction = options.lookup ?? askDnsAgain
      const routed: LookupFunction = (hostname, lookupOptions, done) => {
        given(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
          const first = Array.isArray(addresses) ? addresses[0]?.address : addresses
          dialed.push(String(first))
          if (first !== '93.184.215.14') return done(error ?? new Error(`no route to ${first} in this test`), [])
          if (lookupOptions.all) done(null, [{ address: '127.0.0.1', family: 4 }])
          else done(null, '127.0.0.1', 4)
        })
      }
      return realRequest(url, { ...options, lookup: routed }, callback)
    }) as unknown as typeof https.request)
    received.length = 0
    try {
      const response = await guardedFetch(`https://status.test:${httpsPort}/hook`, {
        method: 'POST',
        body: '{"n":1}',
        ca: ca.certPem,
        lookup,
      })
      expect(response.status).toBe(204)
    } finally {
      spy.mockRestore()
    }
    expect(asked).toEqual(['status.test']) // resolved once, for the check
    expect(dialed).toEqual(['93.184.215.14']) // and the connection went to that answer
    expect(received.map((r) => r.body.toString('utf8'))).toEqual(['{"n":1}'])
  })

  it('refuses misuse before any request: a GET with a body, a header it sets itself', async () => {
    const before = hits.get('/hook') ?? 0
    await expect(guardedFetch(local('/hook'), dev({ body: 'x' }))).rejects.toThrow(TypeError)
    for (const name of ['Host', 'content-length', 'Transfer-Encoding', 'connection', 'accept-encoding']) {
      await expect(
        guardedFetch(local('/hook'), dev({ method: 'POST', headers: { [name]: 'x' } })),
        name,
      ).rejects.toThrow(/sets the [a-z-]+ header itself/)
    }
    expect(hits.get('/hook') ?? 0).toBe(before)
  })
})

describe('checkGuardedTarget', () => {
  it('resolves and checks like guardedFetch, and sends nothing', async () => {
    const before = hits.get('/hook') ?? 0
    const dns = fakeDns('93.184.215.14')
    expect(await checkGuardedTarget('https://hooks.example/hook', { lookup: dns.lookup })).toEqual({
      address: '93.184.215.14',
      family: 4,
    })
    await expectRefused(
      checkGuardedTarget('https://hooks.example/hook', { lookup: fakeDns('93.184.215.14', '10.0.0.5').lookup }),
      'forbidden_address',
      /resolves to a private address 10\.0\.0\.5/,
    )
    await expectRefused(checkGuardedTarget('http://hooks.example/hook', { lookup: dns.lookup }), 'not_allowed')
    await expectRefused(checkGuardedTarget('https://localhost/hook'), 'forbidden_host')
    await expectRefused(
      checkGuardedTarget('https://hooks.example/hook', { timeoutMs: 100, lookup: () => new Promise(() => {}) }),
      'timeout',
    )
    // development: an allow-listed loopback origin passes, plain http included
    expect(await checkGuardedTarget(local('/hook'), dev())).toEqual({ address: '127.0.0.1', family: 4 })
    expect(dns.calls).toEqual(['hooks.example']) // plain http was refused before any lookup
    expect(hits.get('/hook') ?? 0).toBe(before)
  })

  it('with allowIpLiterals, judges an address host by the address policy instead of refusing it', async () => {
    const dns = fakeDns('93.184.215.14')
    const options = { allowIpLiterals: true, lookup: dns.lookup } as const
    for (const [url, message] of [
      ['https://10.0.0.5/hook', /^host 10\.0\.0\.5 is a private address$/],
      ['https://169.254.169.254/latest/meta-data/', /is a link-local address/],
      ['https://[::1]/hook', /^host \[::1\] is a loopback address$/],
      ['https://0x7f000001/hook', /^host 127\.0\.0\.1 is a loopback address$/],
      ['https://[::ffff:10.0.0.5]/hook', /IPv4-mapped private address/],
    ] as const) {
      await expectRefused(checkGuardedTarget(url, options), 'forbidden_address', message)
      await expectRefused(guardedFetch(url, { ...options, method: 'POST', body: '{}' }), 'forbidden_address', message)
    }
    expect(await checkGuardedTarget('https://8.8.8.8/hook', options)).toEqual({ address: '8.8.8.8', family: 4 })
    await expectRefused(checkGuardedTarget('https://localhost/hook', options), 'forbidden_host')
    await expectRefused(checkGuardedTarget('http://8.8.8.8/hook', options), 'not_allowed')
    expect(dns.calls).toEqual([])
  })
})
