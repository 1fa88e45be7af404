// The shape of a JAdES-sealed EDC file (elm.md, "Sealing in EDC"): JWS JSON Serialization,
// one signature, unencoded payload. Parsing only: no key is touched and nothing is trusted here
// (style.md, practice 3); `verify-jades-signature.ts` decides.

import type { z } from 'zod'
import { parseStrictJson } from '../did/strict-json.ts'
import { isTrustError } from '../errors.ts'
import {
  type JadesProtectedHeader,
  type TstContainer,
  zJadesProtectedHeader,
  zJadesUnprotectedHeader,
  zJwsJson,
  zSigTst,
  zXVals,
} from './z-jades-seal.ts'

/** Nesting accepted in a header or an EDC document (the EC samples nest 10 levels deep). */
export const MAX_JSON_DEPTH = 64

export interface ParsedJadesSeal {
  /** The flattened JWS (RFC 7515 §7.2.2) that `jose` verifies. */
  readonly jws: {
    readonly protected: string
    readonly header?: Record<string, unknown>
    readonly payload: string
    readonly signature: string
  }
  /** The protected header, decoded and shape-checked (not yet judged). */
  readonly protectedHeader: JadesProtectedHeader
  /** The unsigned properties of `etsiU` (ETSI TS 119 182-1 §5.3.1), decoded, in order. */
  readonly unsignedProperties: readonly Record<string, unknown>[]
  /** The first `sigTst` (§5.3.4): the signature time-stamp, when there is one. */
  readonly signatureTimestamp?: TstContainer
  /** `xVals` (§5.3.5.1): certificates the sealer added for validation, base64 DER. */
  readonly certificateValues: readonly string[]
}

/** The upload is a JWS but not a JAdES seal this verifier can read; `reason` says why. */
export class SealFormatError extends Error {
  override readonly name = 'SealFormatError'
}

/** Whether a parsed JSON value has the members of a JWS JSON Serialization (RFC 7515 §7.2.1/§7.2.2). */
export function looksLikeJwsJson(value: Record<string, unknown>): boolean {
  return 'payload' in value && ('signatures' in value || 'signature' in value)
}

function firstIssue(error: z.ZodError, where: string): string {
  const issue = error.issues[0]
  const path = issue?.path.length ? issue.path.join('.') : ''
  return `${where}${path ? ` ${path}` : ''}: ${issue?.message ?? 'malformed'}`
}

function strictJson(text: string, what: string): unknown {
  try {
    return parseStrictJson(text, { maxDepth: MAX_JSON_DEPTH })
  } catch (e) {
    // Duplicate member names make a header or document mean different things to different
    // parsers (RFC 8259 §4; RFC 8725 §3; security.md "JOSE"): refused, never "last one wins".
    if (isTrustError(e, 'json_invalid')) throw new SealFormatError(`${what} is not acceptable JSON: ${e.message}`)
    throw new SealFormatError(`${what} is not JSON`)
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Reads a JWS JSON Serialization as a JAdES seal: exactly one signature (EDC seals once; several
 * signatures would each need a verdict), the protected header decoded with duplicate members
 * refused, the unprotected header holding only `etsiU`, and each `etsiU` entry decoded
 * (ETSI TS 119 182-1 §5.3.1: base64url JSON or clear JSON). Throws `SealFormatError`.
 */
export function parseJadesSeal(value: Record<string, unknown>): ParsedJadesSeal {
  const parsed = zJwsJson.safeParse(value)
  if (!parsed.success) throw new SealFormatError(firstIssue(parsed.error, 'the JWS JSON serialization (RFC 7515 §7.2)'))
  const jws = parsed.data
  const signatures = 'signatures' in jws ? jws.signatures : [jws]
  if (signatures.length !== 1) {
    throw new SealFormatError(`the file has ${signatures.length} signatures; an EDC seal has exactly one`)
  }
  const signature = signatures[0] as (typeof signatures)[number]

  const headerText = Buffer.from(signature.protected, 'base64url').toString('utf8')
  const headerJson = strictJson(headerText, 'the protected header')
  if (!isRecord(headerJson)) throw new SealFormatError('the protected header is not a JSON object (RFC 7515 §4)')
  const header = zJadesProtectedHeader.safeParse(headerJson)
  if (!header.success) throw new SealFormatError(firstIssue(header.error, 'the protected header'))

  const unprotected = zJadesUnprotectedHeader.safeParse(signature.header ?? {})
  if (!unprotected.success) {
    throw new SealFormatError(
      `${firstIssue(unprotected.error, 'the unprotected header')} (ETSI TS 119 182-1 §5.3.1: only etsiU may be unprotected)`,
    )
  }
  const etsiU = unprotected.data.etsiU ?? []
  const unsignedProperties = etsiU.map((entry, index) => {
    const decoded =
      typeof entry === 'string'
        ? strictJson(Buffer.from(entry, 'base64url').toString('utf8'), `etsiU[${index}]`)
        : entry
    // §5.3.1: each element is one unsigned property, an object with a single member.
    if (!isRecord(decoded) || Object.keys(decoded).length !== 1) {
      throw new SealFormatError(`etsiU[${index}] is not an object with one unsigned property (§5.3.1)`)
    }
    return decoded
  })

  let signatureTimestamp: TstContainer | undefined
  const certificateValues: string[] = []
  for (const [index, property] of unsignedProperties.entries()) {
    if ('sigTst' in property) {
      const sigTst = zSigTst.safeParse(property)
      if (!sigTst.success) throw new SealFormatError(firstIssue(sigTst.error, `etsiU[${index}]`))
      signatureTimestamp ??= sigTst.data.sigTst
    } else if ('xVals' in property) {
      const xVals = zXVals.safeParse(property)
      if (!xVals.success) throw new SealFormatError(firstIssue(xVals.error, `etsiU[${index}]`))
      for (const entry of xVals.data.xVals) if (entry.x509Cert) certificateValues.push(entry.x509Cert.val)
    }
  }

  return {
    jws: {
      protected: signature.protected,
      ...(signature.header ? { header: signature.header } : {}),
      payload: jws.payload,
      signature: signature.signature,
    },
    protectedHeader: header.data,
    unsignedProperties,
    ...(signatureTimestamp ? { signatureTimestamp } : {}),
    certificateValues,
  }
}

/**
 * The EDC document a seal's payload carries, read for shape before any signature is checked, so
 * that a malformed payload is reported as such. The document the later checks read is the one
 * decoded again from the bytes `jose` verified.
 */
export function payloadDocument(payload: string | Uint8Array, b64: boolean): Record<string, unknown> {
  let text: string
  if (typeof payload === 'string' && !b64) text = payload
  else {
    // RFC 8259 §8.1: JSON exchanged is UTF-8. Decoded strictly, so the shape check here and the
    // read of the verified bytes later see the same text (a lenient decode would pass U+FFFD here
    // and fail there).
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'base64url') : payload
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    } catch {
      throw new SealFormatError('the sealed payload is not UTF-8 text (RFC 8259 §8.1)')
    }
  }
  const document = strictJson(text, 'the sealed payload')
  if (!isRecord(document)) throw new SealFormatError('the sealed payload is not a JSON object (an EDC document)')
  return document
}
