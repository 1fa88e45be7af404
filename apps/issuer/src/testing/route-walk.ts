// Test-only: every route an express app answers, read from its router (so a route added later is
// walked without a line of its own), and the junk the "stranger" tests send to each (issue 12,
// "How we test from now on": no credentials, someone else's ids, junk in every parameter).
import type { Server } from 'node:http'
import { brotliCompressSync, gzipSync } from 'node:zlib'

export interface AppRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** The express path, e.g. `/:tenant/offers/:offerId/qr.:format`. */
  readonly path: string
  /** Its parameters, in order: `['tenant', 'offerId', 'format']`. */
  readonly params: readonly string[]
}

interface Layer {
  readonly route?: { readonly path: string | string[]; readonly methods: Record<string, boolean> }
  readonly handle?: { readonly stack?: readonly Layer[] }
}

/**
 * The routes of the express app listening on `server` (express 5: `app.router.stack`, routers
 * mounted with `app.use(router)` walked into), each method on its own, in mounting order.
 */
export function routesOf(server: Server): AppRoute[] {
  const app = server.listeners('request')[0] as unknown as { router: { stack: readonly Layer[] } }
  const routes: AppRoute[] = []
  const walk = (stack: readonly Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of [layer.route.path].flat()) {
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (!on || method === '_all') continue
            const params = [...path.matchAll(/:(\w+)/g)].map((m) => m[1] as string)
            routes.push({ method: method.toUpperCase() as AppRoute['method'], path, params })
          }
        }
      } else if (layer.handle?.stack) walk(layer.handle.stack)
    }
  }
  walk(app.router.stack)
  return routes
}

/** `METHOD /path`, the key of a route in the tests' tables. */
export function routeKey(route: AppRoute): string {
  return `${route.method} ${route.path}`
}

/**
 * The route's path with its parameters filled: `values[param]` (already URL-safe), or `fallback`
 * for a parameter the test has no value for; `junk` replaces one parameter with raw path text
 * (already percent-encoded as it should be sent).
 */
export function fillPath(
  route: AppRoute,
  values: Readonly<Record<string, string>>,
  junk?: { readonly param: string; readonly raw: string },
  fallback = 'x',
): string {
  return route.path.replace(/:(\w+)/g, (_m, name: string) =>
    junk?.param === name ? junk.raw : (values[name] ?? fallback),
  )
}

/** Junk for one path parameter: the raw text sent, and the exact refusal expected. */
export interface PathJunk {
  readonly name: string
  readonly raw: string
  readonly status: number
  /** The exact error_description; undefined when Node answers before the app (431, no body). */
  readonly description?: string
}

export const PATH_JUNK: readonly PathJunk[] = [
  { name: 'NUL', raw: '%00', status: 400, description: 'a path segment holds a control character (U+0000)' },
  { name: '%ff', raw: '%ff', status: 400, description: 'the path is not valid percent-encoded UTF-8' },
  {
    name: 'an encoded surrogate',
    raw: '%ED%A0%80',
    status: 400,
    description: 'the path is not valid percent-encoded UTF-8',
  },
  { name: 'a line break', raw: 'a%0Ab', status: 400, description: 'a path segment holds a control character (U+000A)' },
  {
    name: 'a C1 control',
    raw: '%C2%85',
    status: 400,
    description: 'a path segment holds a control character (U+0085)',
  },
  {
    name: 'a quote',
    raw: 'a%22b',
    status: 400,
    description: 'a path segment holds a character no identifier has (U+0022)',
  },
  {
    name: 'a 1 KB segment',
    raw: 'a'.repeat(1024),
    status: 400,
    description: 'a path segment is longer than 256 characters',
  },
  // Node's HTTP parser refuses a request line beyond its header limit (16 KiB) before the app.
  { name: 'a 100 KB segment', raw: 'a'.repeat(100_000), status: 431 },
]

/** Bodies that do not match their Content-Encoding (RFC 9110 §8.4), for any POST or PUT. */
export const ENCODING_JUNK: readonly { readonly coding: string; readonly body: Uint8Array }[] = [
  { coding: 'gzip', body: new TextEncoder().encode('{"not":"gzip"}') },
  { coding: 'deflate', body: new TextEncoder().encode('{"not":"deflate"}') },
  { coding: 'br', body: new TextEncoder().encode('{"not":"brotli"}') },
  // A gzip stream cut short: the header is right, the data ends early.
  { coding: 'gzip', body: gzipSync('{"a":"b"}').subarray(0, 12) },
]

/** A small compressed body that inflates far past any body limit. */
export function decompressionBombs(inflatedBytes: number): { readonly coding: string; readonly body: Uint8Array }[] {
  const zeros = Buffer.alloc(inflatedBytes, 0x20)
  return [
    { coding: 'gzip', body: gzipSync(zeros, { level: 9 }) },
    { coding: 'br', body: brotliCompressSync(zeros) },
  ]
}

export interface WalkResult {
  readonly status: number
  readonly headers: Headers
  readonly body: any
}

/** One request as a stranger sends it: any method, headers and raw body. */
export async function sendRaw(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: Uint8Array | string },
): Promise<WalkResult> {
  const res = await fetch(url, {
    method: init.method,
    headers: init.headers ?? {},
    ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : new Uint8Array(init.body) } : {}),
    redirect: 'manual',
  })
  const text = await res.text()
  let body: unknown = text
  if ((res.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text)
  return { status: res.status, headers: res.headers, body }
}
