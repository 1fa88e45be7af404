// JWT VC Issuer Metadata (SD-JWT VC §5): where an https `iss` publishes the keys it signs SD-JWT VCs
// with. A verifier that finds them compares the signing key with them (the issuer-binding check);
// fetching is the caller's (through the SSRF guard, with a cache), so this stays storage- and
// network-free.
import { z } from 'zod'
import { parseStrictJson } from '../did/strict-json.ts'
import { isGuardedFetchError } from '../net/guarded-fetch.ts'
import { zLinkageJwk } from './z-linkage-inputs.ts'

/** The media type the metadata is served with (SD-JWT VC §5.1: a JSON document). */
export const JWT_VC_ISSUER_METADATA_MEDIA_TYPES: readonly string[] = ['application/json']
/** A JWK Set (RFC 7517 §8.5.1) behind `jwks_uri`. */
export const JWK_SET_MEDIA_TYPES: readonly string[] = ['application/jwk-set+json', 'application/json']

/** RFC 7517 §5: a JWK Set; at most 100 keys (an issuer publishes a handful, active and rotated-out). */
const zJwkSet = z.object({ keys: z.array(zLinkageJwk).max(100) })

/**
 * SD-JWT VC §5.2: `issuer` (identical to `iss`), and the keys by value (`jwks`) or by reference
 * (`jwks_uri`), never both. Other members are allowed.
 */
export const zJwtVcIssuerMetadata = z
  .looseObject({
    issuer: z.string(),
    jwks: zJwkSet.optional(),
    jwks_uri: z.url({ protocol: /^https?$/ }).optional(),
  })
  .refine((m) => (m.jwks === undefined) !== (m.jwks_uri === undefined), {
    message: 'must have exactly one of jwks and jwks_uri',
  })
export type JwtVcIssuerMetadata = z.infer<typeof zJwtVcIssuerMetadata>

/** A published key as the binding check reads it: a public JWK, perhaps with its `x5c`. */
export type PublishedJwk = z.infer<typeof zLinkageJwk>

/**
 * What looking up an issuer's JWT VC Issuer Metadata found:
 * - `published`: the metadata and its keys (by value, or fetched from `jwks_uri`);
 * - `not-published`: the issuer answered that there is none (404, 410, or a document that is not
 *   JSON, such as a web page): the issuer does not use this mechanism;
 * - `unreachable`: no answer could be had (timeout, network, DNS, 5xx, a refused address, a
 *   redirect): whether the issuer publishes keys is unknown. `knownToPublish` is set by a caller
 *   that saw the issuer publish before (then failing closed is right);
 * - `invalid`: the issuer answered with metadata that is not valid, or names another issuer.
 */
export type JwtVcIssuerKeys =
  | { readonly outcome: 'published'; readonly url: string; readonly keys: readonly PublishedJwk[] }
  | { readonly outcome: 'not-published'; readonly url: string; readonly reason: string }
  | {
      readonly outcome: 'unreachable'
      readonly url: string
      readonly reason: string
      readonly knownToPublish?: boolean
    }
  | { readonly outcome: 'invalid'; readonly url: string; readonly reason: string }

/**
 * The metadata URL of an issuer identifier (SD-JWT VC §5.1): `/.well-known/jwt-vc-issuer` inserted
 * between the host and the path, a trailing `/` of the path dropped (as RFC 8414 §3.1 does).
 * Throws a `TypeError` for a value that is not an http(s) URL without query and fragment.
 *
 * @example
 * jwtVcIssuerMetadataUrl('https://host.example/uni-a') // 'https://host.example/.well-known/jwt-vc-issuer/uni-a'
 */
export function jwtVcIssuerMetadataUrl(iss: string): string {
  const url = new URL(iss)
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash || url.username) {
    throw new TypeError(`${iss} is not an http(s) issuer identifier without query, fragment or user`)
  }
  const path = url.pathname.replace(/\/$/, '')
  return `${url.origin}/.well-known/jwt-vc-issuer${path}`
}

/** Fetches a document; throws (a GuardedFetchError where the guard refused or the server answered badly). */
export type FetchIssuerDocument = (url: string, accept: readonly string[]) => Promise<string>

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/** A fetch failure that says the issuer has no metadata here, rather than that we could not ask. */
function saysNotPublished(e: unknown): boolean {
  if (isGuardedFetchError(e, 'http_status')) return e.status === 404 || e.status === 410
  // A 200 with HTML (a web site's catch-all page) is an answer: not metadata.
  return isGuardedFetchError(e, 'content_type')
}

function parseJson(text: string): unknown {
  return parseStrictJson(text, { maxDepth: 32 })
}

/**
 * Looks up the keys an issuer publishes in its JWT VC Issuer Metadata (SD-JWT VC §5), through the
 * given fetch. Never throws: the outcome says what was found and why.
 *
 * @example
 * const keys = await lookUpJwtVcIssuerKeys(payload.iss, (url, accept) =>
 *   guardedFetch(url, { accept }).then((r) => r.body.toString('utf8')))
 */
export async function lookUpJwtVcIssuerKeys(iss: string, fetchDocument: FetchIssuerDocument): Promise<JwtVcIssuerKeys> {
  let url: string
  try {
    url = jwtVcIssuerMetadataUrl(iss)
  } catch (e) {
    return { outcome: 'invalid', url: String(iss), reason: describe(e) }
  }
  let text: string
  try {
    text = await fetchDocument(url, JWT_VC_ISSUER_METADATA_MEDIA_TYPES)
  } catch (e) {
    return saysNotPublished(e)
      ? { outcome: 'not-published', url, reason: describe(e) }
      : { outcome: 'unreachable', url, reason: describe(e) }
  }
  let parsed: JwtVcIssuerMetadata
  try {
    const result = zJwtVcIssuerMetadata.safeParse(parseJson(text))
    if (!result.success) {
      const issue = result.error.issues[0]
      return {
        outcome: 'invalid',
        url,
        reason: `the metadata is malformed: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
      }
    }
    parsed = result.data
  } catch (e) {
    return { outcome: 'invalid', url, reason: `the metadata is not JSON: ${describe(e)}` }
  }
  // SD-JWT VC §5.3: the issuer value must be identical to the iss the metadata was looked up for.
  if (parsed.issuer !== iss) {
    return { outcome: 'invalid', url, reason: `the metadata is for issuer ${parsed.issuer}, not ${iss}` }
  }
  if (parsed.jwks) return { outcome: 'published', url, keys: parsed.jwks.keys }
  const jwksUri = parsed.jwks_uri as string
  let set: unknown
  try {
    set = parseJson(await fetchDocument(jwksUri, JWK_SET_MEDIA_TYPES))
  } catch (e) {
    // The metadata says the issuer publishes keys: not finding them must fail closed.
    return { outcome: 'unreachable', url, reason: `its jwks_uri ${jwksUri}: ${describe(e)}`, knownToPublish: true }
  }
  const keys = zJwkSet.safeParse(set)
  if (!keys.success) return { outcome: 'invalid', url, reason: `its jwks_uri ${jwksUri} is not a JWK Set` }
  return { outcome: 'published', url, keys: keys.data.keys }
}
