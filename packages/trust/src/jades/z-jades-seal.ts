import { z } from 'zod'

// The JAdES seal of an EDC file, as the EDC platform writes it (elm.md, "Sealing in EDC"):
// a JWS JSON Serialization with one signature over the unencoded EDC document. Clause numbers
// are those of ETSI TS 119 182-1 V1.1.1 (JAdES).

/** Upper bound on `x5c` entries (RFC 7515 §4.1.6); real eIDAS chains have two to four. */
export const MAX_X5C = 10

const base64url = z.string().regex(/^[A-Za-z0-9_-]*$/, 'must be base64url (RFC 7515 §2)')

/**
 * One signature of a JWS JSON Serialization (RFC 7515 §7.2.1): the integrity-protected header,
 * the unprotected header, the signature. A seal must have a protected header: `alg`, `crit`,
 * `b64` and `x5c` are only trusted there.
 */
export const zJwsJsonSignature = z.object({
  protected: base64url.min(1, 'the protected header is missing'),
  header: z.record(z.string(), z.unknown()).optional(),
  signature: base64url.min(1, 'the signature is empty'),
})
export type JwsJsonSignature = z.infer<typeof zJwsJsonSignature>

/**
 * RFC 7515 §7.2.1 general (`signatures`) or §7.2.2 flattened JWS JSON Serialization. With
 * `b64:false` (RFC 7797 §3) `payload` is the document itself, not its base64url.
 */
export const zJwsJson = z.union([
  z.object({ payload: z.string(), signatures: z.array(zJwsJsonSignature).min(1) }),
  z.object({ payload: z.string() }).extend(zJwsJsonSignature.shape),
])
export type JwsJson = z.infer<typeof zJwsJson>

/**
 * ETSI TS 119 182-1 §5.3.4 (tstContainer inside `sigTst`, and `adoTst` §5.2.6): time-stamp
 * tokens, each a base64 DER RFC 3161 token in `val`. `canonAlg` is refused: EDC time-stamps the
 * bytes as they are, and a canonicalisation we do not perform would make the imprint meaningless.
 */
export const zTstContainer = z.strictObject({
  tstTokens: z
    .array(
      z.strictObject({
        val: z.string().regex(/^[A-Za-z0-9+/=\s]+$/, 'must be base64 DER'),
        encoding: z.string().optional(),
        type: z.string().optional(),
      }),
    )
    .min(1),
})
export type TstContainer = z.infer<typeof zTstContainer>

/** ETSI TS 119 182-1 §5.2.1: `sigT`, the claimed signing time, UTC to the second. */
const zSigT = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'must be YYYY-MM-DDThh:mm:ssZ (§5.2.1)')

/**
 * The protected header of a JAdES seal (RFC 7515 §4.1, RFC 7797 §3, ETSI TS 119 182-1 §5.1–5.2).
 * Loose: other registered members may be present; `crit` decides which ones must be understood.
 * `jku`, `x5u` and `jwk` are read only to be refused by the verifier (RFC 8725 §3.10).
 */
export const zJadesProtectedHeader = z.looseObject({
  alg: z.string({ error: 'alg is missing (RFC 7515 §4.1.1)' }),
  b64: z.boolean({ error: 'b64 must be a boolean (RFC 7797 §3)' }).optional(),
  crit: z
    .array(z.string().min(1))
    .min(1, 'crit must not be empty (RFC 7515 §4.1.11)')
    .refine((names) => new Set(names).size === names.length, 'crit lists a name twice (RFC 7515 §4.1.11)')
    .optional(),
  x5c: z
    .array(z.string().min(1), { error: 'x5c is missing: the seal names no certificate (RFC 7515 §4.1.6)' })
    .min(1, 'x5c is empty (RFC 7515 §4.1.6)')
    .max(MAX_X5C, `x5c has more than ${MAX_X5C} certificates`),
  'x5t#S256': base64url.optional(),
  kid: z.string().optional(),
  typ: z.string().optional(),
  cty: z.string().optional(),
  sigT: zSigT.optional(),
  adoTst: zTstContainer.optional(),
})
export type JadesProtectedHeader = z.infer<typeof zJadesProtectedHeader>

/**
 * ETSI TS 119 182-1 §5.3.1: the unprotected header of a JAdES signature holds only `etsiU`, an
 * array of unsigned properties, each base64url-encoded JSON (as EDC writes them) or clear JSON.
 * Anything else unprotected could shadow a protected member, so it is refused.
 */
export const zJadesUnprotectedHeader = z.strictObject({
  etsiU: z.array(z.union([base64url.min(1), z.record(z.string(), z.unknown())])).optional(),
})

/**
 * The unsigned properties read from `etsiU` (§5.3): `sigTst` (§5.3.4, the signature time-stamp),
 * `xVals` (§5.3.5.1, certificate values). Others (`rVals`, `arcTst`, …) are kept unread.
 */
export const zSigTst = z.strictObject({ sigTst: zTstContainer })
export const zXVals = z.strictObject({
  xVals: z.array(z.looseObject({ x509Cert: z.looseObject({ val: z.string() }).optional() })).max(MAX_X5C),
})
