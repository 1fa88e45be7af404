// Untrusted request input, checked before any endpoint sees it (security.md, "No 5xx from junk"):
// express adapters of @alma/trust's request-input checks. A refusal is a RequestInputError, which
// the one error writer (errors.ts) answers with its code — 400, 413 or 415, logged as a warning.
import { bodyReaderProblem, checkBodyText, checkQuery, checkRequestPath, parseJsonRequestBody } from '@alma/trust'
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express'

/** The media types read as JSON (RFC 8259, RFC 6839 `+json`). */
export const JSON_BODY_TYPES = ['application/json', 'application/*+json']

/**
 * First of all middleware: every path segment decodes as UTF-8 and holds no control character,
 * and no query parameter holds one — whatever route would match, so a new route is covered
 * without a line of its own, and no NUL reaches the store (PostgreSQL 22021).
 */
export function checkRequestTarget(req: Request, _res: Response, next: NextFunction): void {
  try {
    checkRequestPath(req.path)
    checkQuery(req.query as Record<string, unknown>)
    next()
  } catch (error) {
    next(error)
  }
}

/**
 * Reads a JSON body as bytes — inflated under its Content-Encoding and cut off at `limit` while
 * inflating (a decompression bomb is a 413) — for {@link checkRequestBody} to parse strictly.
 */
export function readJsonBody(limit: number): RequestHandler {
  return express.raw({ limit, type: JSON_BODY_TYPES })
}

/**
 * After the body readers: a JSON body parsed strictly (UTF-8, an object or array, no duplicate
 * member — admin input read last-wins would let a proxy and the app disagree), then any body's
 * text checked for what the store cannot hold (NUL, lone surrogates), naming the field.
 */
export function checkRequestBody(req: Request, _res: Response, next: NextFunction): void {
  try {
    if (Buffer.isBuffer(req.body) && req.is(JSON_BODY_TYPES)) {
      req.body = parseJsonRequestBody(req.body, charsetOf(req.get('content-type')))
    }
    checkBodyText(req.body)
    next()
  } catch (error) {
    next(error)
  }
}

/** A body reader's failure as a RequestInputError; anything else unchanged (a server fault stays one). */
export function bodyReaderError(error: unknown, req: Request): unknown {
  return bodyReaderProblem(error, req.get('content-encoding')) ?? error
}

function charsetOf(contentType: string | undefined): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1]
}
