// Whether the presentations of one response, each already through the verification pipeline,
// satisfy the DCQL query that asked for them (OpenID4VP 1.0 §6.4.2, §8.6 step 3), and the verdict
// of the response as a whole. Pure: no keys, no store, no clock.
import type { Verdict } from './steps.ts'

/** The parts of a DCQL query (§6.1, §6.2) the evaluation reads. */
export interface DcqlQueryShape {
  readonly credentials: readonly { readonly id: string }[]
  readonly credential_sets?: readonly {
    readonly options: readonly (readonly string[])[]
    readonly required?: boolean
  }[]
}

/** One checked presentation: the credential query it answers and its verdict. */
export interface CheckedPresentation {
  readonly queryId: string
  readonly verdict: Verdict
}

/** §6.2 / §6.4.2: one credential set and the first of its options the verified credentials satisfy. */
export interface CredentialSetResult {
  readonly required: boolean
  readonly options: readonly (readonly string[])[]
  readonly satisfiedBy?: readonly string[]
}

export interface CredentialSetsEvaluation {
  /**
   * `failed` when a required set has no satisfied option (or nothing was presented); otherwise the
   * weakest verdict among the presentations that passed (`partially-verified` if any did only
   * partially). Failed presentations outside what is required do not count: §8.6 discards them.
   */
  readonly verdict: Verdict
  /** Every set, in query order; without credential_sets one required set per credential query. */
  readonly credentialSets: readonly CredentialSetResult[]
  /** The required sets left unsatisfied. */
  readonly missing: readonly CredentialSetResult[]
}

/**
 * §6.4.2 "Selecting Credentials": without `credential_sets` every credential query is asked for;
 * with them, every set whose `required` is true or omitted, and the others optionally. A set is
 * satisfied by an option all of whose credential queries have a presentation that passed its
 * checks (verdict not `failed`). §8.6: a presentation that fails a check is discarded — it does
 * not fail the response unless what it was meant to answer is then missing — and the response is
 * judged on whether what remains satisfies the query (step 3).
 *
 * So a credential failing in an optional set, or in an alternative option of a set that another
 * option satisfies, leaves the verdict to the rest; its failed step stays in its checks, and the
 * caller withholds its claims.
 *
 * @example
 * ```ts
 * evaluateCredentialSets(
 *   { credentials: [{ id: 'a' }, { id: 'b' }], credential_sets: [{ options: [['a'], ['b']] }] },
 *   [{ queryId: 'a', verdict: 'failed' }, { queryId: 'b', verdict: 'verified' }],
 * ) // → { verdict: 'verified', credentialSets: [{ required: true, options: [['a'], ['b']], satisfiedBy: ['b'] }], missing: [] }
 * ```
 */
export function evaluateCredentialSets(
  query: DcqlQueryShape,
  presentations: readonly CheckedPresentation[],
): CredentialSetsEvaluation {
  const passed = presentations.filter((p) => p.verdict !== 'failed')
  const answered = new Set(passed.map((p) => p.queryId))
  const sets =
    query.credential_sets?.map((set) => ({ required: set.required !== false, options: set.options })) ??
    query.credentials.map((c) => ({ required: true, options: [[c.id]] }))
  const credentialSets = sets.map((set): CredentialSetResult => {
    const satisfiedBy = set.options.find((option) => option.every((id) => answered.has(id)))
    return { required: set.required, options: set.options, ...(satisfiedBy ? { satisfiedBy } : {}) }
  })
  const missing = credentialSets.filter((set) => set.required && !set.satisfiedBy)
  const verdict: Verdict =
    missing.length > 0 || passed.length === 0
      ? 'failed'
      : passed.some((p) => p.verdict === 'partially-verified')
        ? 'partially-verified'
        : 'verified'
  return { verdict, credentialSets, missing }
}
