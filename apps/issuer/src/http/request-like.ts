import type { RequestLike } from '@openid4vc/oauth2'
import type { Request } from 'express'

/**
 * The request as the protocol libraries see it. The URL is the public one (base URL origin +
 * path), because DPoP `htu` (RFC 9449 §4.3) names what the wallet called, not what a proxy
 * forwarded.
 */
export function requestLikeOf(req: Request, baseUrl: string): RequestLike {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value)
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v)
  }
  return {
    method: req.method as RequestLike['method'],
    url: `${new URL(baseUrl).origin}${req.originalUrl}`,
    headers,
  }
}

/** A parsed body as a plain record, or an empty one (the protocol parsers then name what is missing). */
export function bodyOf(req: Request): Record<string, unknown> {
  const body: unknown = req.body
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {}
}
