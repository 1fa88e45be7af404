// Which stored credentials answer a DCQL query (OpenID4VP 1.0 §6), using the `dcql` package: each
// credential is described to it as the verifier will see it, then the wallet picks one credential
// per credential query, honouring `credential_sets` (§6.2, §6.4.2) and `claim_sets` (§6.4.1).
import { type DcqlCredential, DcqlQuery } from 'dcql'
import { decodeJwt } from 'jose'
import { z } from 'zod'
import type { StoredCredential } from '../credential-store.ts'
import { WalletError } from '../errors.ts'
import type { ClaimPathPattern } from './claim-paths.ts'
import { readSdJwt } from './create-sd-jwt-presentation.ts'

/** One credential query answered by one stored credential. */
export interface CredentialMatch {
  /** The DCQL credential query `id`: the key of its presentations in `vp_token` (§8.1). */
  readonly queryId: string
  readonly credential: StoredCredential
  /** The claims the query asks for in the chosen claim set; empty when it asks for none (§6.4.1). */
  readonly requestedClaims: readonly ClaimPathPattern[]
  /** The credential's claims as matched (SD-JWT: all disclosures processed; VC-JWT: the `vc` claim). */
  readonly claims: Record<string, unknown>
}

// The parts of dcql's result the wallet reads, checked rather than assumed.
const zQueryResult = z.looseObject({
  credential_matches: z.record(
    z.string(),
    z.looseObject({
      success: z.boolean(),
      valid_credentials: z
        .array(
          z.looseObject({
            input_credential_index: z.number().int().nonnegative(),
            claims: z
              .looseObject({
                valid_claim_sets: z
                  .array(z.looseObject({ valid_claim_indexes: z.array(z.number().int()).optional() }))
                  .optional(),
              })
              .optional(),
          }),
        )
        .optional(),
    }),
  ),
})

/** A stored credential as DCQL sees it (OpenID4VP 1.0 Appendix B.1.3 for VC-JWT, B.3 for SD-JWT VC). */
async function describeForDcql(
  credential: StoredCredential,
): Promise<{ dcql: DcqlCredential; claims: Record<string, unknown> }> {
  if (credential.format === 'dc+sd-jwt') {
    const { claims } = await readSdJwt(credential.credential)
    return {
      claims,
      dcql: {
        credential_format: 'dc+sd-jwt',
        vct: String(claims.vct),
        claims: claims as never,
        cryptographic_holder_binding: claims.cnf !== undefined,
      },
    }
  }
  const payload = decodeJwt(credential.credential)
  const vc = (payload.vc ?? {}) as Record<string, unknown>
  // B.1.3: claims paths of a W3C VC start at the credential (`credentialSubject`, `issuer`, …),
  // which in a VC-JWT is the `vc` claim.
  return {
    claims: vc,
    dcql: {
      credential_format: 'jwt_vc_json',
      type: Array.isArray(vc.type) ? vc.type.map(String) : [],
      claims: vc as never,
      cryptographic_holder_binding: payload.cnf !== undefined || payload.sub !== undefined,
    },
  }
}

/**
 * Matches `query` (the request's `dcql_query`) against `credentials` and picks, for every credential
 * query the verifier needs answered, the first stored credential that satisfies it.
 * Errors: `query_unsupported` (not a DCQL query we can read), `no_matching_credentials`.
 *
 * @example
 * ```ts
 * const matches = await matchCredentials(resolved.dcql.query, store.all())
 * matches[0].requestedClaims // [['family_name'], ['ects_credits']]
 * ```
 */
export async function matchCredentials(
  query: unknown,
  credentials: readonly StoredCredential[],
): Promise<CredentialMatch[]> {
  let parsed: DcqlQuery.Output
  try {
    parsed = DcqlQuery.parse(query as DcqlQuery.Input)
    DcqlQuery.validate(parsed)
  } catch (cause) {
    throw new WalletError('query_unsupported', `the DCQL query is not valid: ${(cause as Error).message}`, { cause })
  }
  const described = await Promise.all(credentials.map(describeForDcql))
  const result = zQueryResult.parse(
    DcqlQuery.query(
      parsed,
      described.map((d) => d.dcql),
    ),
  )
  const answered = queriesToAnswer(parsed, (id) => result.credential_matches[id]?.success === true)
  return answered.map((queryId) => {
    const credentialQuery = parsed.credentials.find((q) => q.id === queryId)!
    const valid = result.credential_matches[queryId]?.valid_credentials?.[0]
    if (!valid) throw new WalletError('no_matching_credentials', `no credential answers ${queryId}`)
    const claimIndexes = valid.claims?.valid_claim_sets?.[0]?.valid_claim_indexes ?? []
    const queryClaims = (credentialQuery.claims ?? []) as readonly { path: ClaimPathPattern }[]
    return {
      queryId,
      credential: credentials[valid.input_credential_index]!,
      claims: described[valid.input_credential_index]!.claims,
      requestedClaims: claimIndexes.map((i) => queryClaims[i]!.path),
    }
  })
}

/**
 * §6.4.2: without `credential_sets` every credential query is required; with them, each required
 * set is answered by its first option whose queries can all be satisfied, optional sets are left
 * out (disclose as little as the verifier needs).
 */
function queriesToAnswer(query: DcqlQuery.Output, satisfied: (id: string) => boolean): string[] {
  const ids = new Set<string>()
  if (!query.credential_sets) {
    const missing = query.credentials.filter((q) => !satisfied(q.id)).map((q) => q.id)
    if (missing.length > 0) {
      throw new WalletError('no_matching_credentials', `no stored credential answers ${missing.join(', ')}`)
    }
    for (const q of query.credentials) ids.add(q.id)
    return [...ids]
  }
  for (const set of query.credential_sets) {
    if (set.required === false) continue
    const option = set.options.find((ids) => ids.every(satisfied))
    if (!option) {
      throw new WalletError(
        'no_matching_credentials',
        `no stored credentials answer any of ${set.options.map((o) => `[${o.join(', ')}]`).join(' or ')}`,
      )
    }
    for (const id of option) ids.add(id)
  }
  return [...ids]
}
