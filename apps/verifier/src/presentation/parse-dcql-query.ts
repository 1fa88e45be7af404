// A relying party's DCQL query (OpenID4VP 1.0 §6), parsed before anything is created: valid by the
// dcql package (§6.1–6.4: ids, claim paths, credential and claim sets), and asking only for the
// formats this verifier checks. Parsing touches no key and no state (style.md, practice 3).
import { DcqlQuery } from 'dcql'
import { VerifierError } from '../errors.ts'

/** The credential formats the verification pipeline checks (verification/verify-presented-credential.ts). */
export const CHECKED_FORMATS: readonly string[] = ['dc+sd-jwt', 'jwt_vc_json']

/**
 * `value` as a DCQL query, unchanged, or a VerifierError `invalid_input` naming `dcqlQuery` and the
 * problem — never another error, whatever the value (the dcql package's own are mapped here).
 */
export function parseDcqlQuery(value: unknown): Record<string, unknown> {
  try {
    DcqlQuery.validate(DcqlQuery.parse(value as DcqlQuery.Input))
  } catch (e) {
    throw new VerifierError(
      'invalid_input',
      `dcqlQuery is not a valid DCQL query (OpenID4VP 1.0 §6): ${firstLine(e)}`,
      {
        extra: { issues: [{ path: 'dcqlQuery', message: firstLine(e) }] },
      },
    )
  }
  const query = value as Record<string, unknown>
  const formats = (query.credentials as { format?: unknown }[]).map((c) => c.format)
  const unsupported = formats.filter((f) => typeof f !== 'string' || !CHECKED_FORMATS.includes(f))
  if (unsupported.length > 0) {
    throw new VerifierError(
      'invalid_input',
      `dcqlQuery asks for formats this verifier does not check: ${unsupported.map(String).join(', ')}`,
      {
        extra: { issues: [{ path: 'dcqlQuery.credentials', message: 'format must be dc+sd-jwt or jwt_vc_json' }] },
      },
    )
  }
  return query
}

/** The first line of an error, at most 300 characters (RFC 6749 §5.2 allows no line breaks). */
export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300)
}
