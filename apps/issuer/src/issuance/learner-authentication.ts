// Who may take an offer through the authorization-code grant (OpenID4VCI 1.0 §5 with
// `issuer_state`; §13.6: an offer must not be redeemable by whoever merely sees it). The
// pre-authorized grant asks for the offer's transaction code at the token request (§6.1); the
// authorization-code grant must ask for equivalent proof before the authorization page shows
// anything personal or lets anyone approve — otherwise the link alone (its `issuer_state`) takes
// the credential, which is what the outside review found (security.md, "Every grant of an offer
// needs the same proof").
//
// Framework-free and storage-free: the store's atomic check is passed in.
//
// The built-in method, `offer_tx_code`: the learner types the offer's OWN transaction code on the
// authorization page — and on the learner's offer page before it shows the certificate
// (offer-page-access.ts), counted the same way. Why that code and not a second one-time code:
// - it already reaches the learner by the one channel the institution uses for it (the admin hands
//   it over separately from the link); a second code would travel the same way, so it would prove
//   nothing more and only double what the learner must keep apart;
// - one code means one attempt counter (offers.tx_code_attempts) and one limit for both grants:
//   N wrong tries in any mix of token requests and authorization pages burn the offer for both.
//   Two codes with two counters would give a guesser twice the tries;
// - the authorization-code-only offer works the same way (its offer object carries no `tx_code`
//   member — §4.1.1 defines it only for the pre-authorized grant — but the learner has the code).
// An offer the admin explicitly made without a transaction code has nothing to authenticate
// against: anyone with its link may take it (the admin was told so), and the page still shows no
// personal data (authorization.ts).
//
// Where an institution's SSO takes this place: `learnerAuthenticationFor` chooses the method per
// tenant. An OpenID Connect method would answer `challenge` with `{ kind: 'redirect' }` to the
// institution's authorization endpoint (its `state` bound to the pushed request's hash, PKCE,
// `nonce`), receive the browser back at a callback route of the authorization endpoint
// (http/authorize.ts), and in `authenticate` exchange the code, verify the ID token (issuer,
// audience, nonce, signature from the IdP's JWKS) and match its subject or student number against
// the award's learner; `required` would be true for every offer. Nothing else changes: the
// authorization flow only sees an outcome.
import type { Offer, OfferRepository } from '@alma/store'
import type { TenantRuntime } from './issuer-context.ts'
import { TX_CODE_LENGTH } from './offers.ts'
import { hashTxCode } from './secrets.ts'

/** One input the authorization page must collect (no personal data is needed to draw it). */
export interface AuthenticationField {
  readonly name: string
  readonly inputMode: 'numeric' | 'text'
  readonly length?: number
  /** HTML `autocomplete` (WHATWG HTML §4.10.18.7.1): `one-time-code` lets a phone offer it. */
  readonly autocomplete: 'one-time-code'
}

/** What the browser must do to authenticate the learner. */
export type AuthenticationChallenge =
  | { readonly kind: 'form'; readonly fields: readonly AuthenticationField[] }
  /** An external login (an institution's SSO); the browser comes back to the authorization endpoint. */
  | { readonly kind: 'redirect'; readonly location: string }

export type LearnerAuthenticationOutcome =
  | { readonly ok: true; readonly method: string }
  /** The learner may try again (nothing was shown, nothing changed but the attempt counter). */
  | { readonly ok: false; readonly reason: 'wrong_code'; readonly attemptsRemaining: number }
  /** The answer was not an attempt at all (empty, wrong shape); nothing was counted. */
  | { readonly ok: false; readonly reason: 'malformed'; readonly description: string }
  /** That was the last allowed attempt, or an earlier one was: the offer is burnt for every grant. */
  | { readonly ok: false; readonly reason: 'burnt' }
  /** The offer was redeemed, expired, or is otherwise not open any more. */
  | { readonly ok: false; readonly reason: 'offer_closed' }

/** A way to prove that the person at the authorization page is the offer's learner. */
export interface LearnerAuthentication {
  /** Recorded with the decision (audit log); `offer_tx_code` for the built-in method. */
  readonly method: string
  /**
   * Whether the learner must be authenticated before the page shows personal data and before an
   * approval counts. False only where the method has nothing to check against.
   */
  required(offer: Offer): boolean
  /** What the page asks for; it must not depend on anything personal. */
  challenge(offer: Offer): AuthenticationChallenge
  /** Judges what the browser sent back (form fields or a callback's query). */
  authenticate(input: {
    readonly offer: Offer
    readonly answer: Readonly<Record<string, unknown>>
    readonly now: Date
  }): Promise<LearnerAuthenticationOutcome>
}

/** What the built-in method needs: the store's atomic check and the offer's pre-authorized code. */
export interface OfferTxCodeDependencies {
  readonly checkTxCode: OfferRepository['checkTxCode']
  /** The code the offer's tx_code hash is salted with (issuance/secrets.ts `hashTxCode`). */
  readonly preAuthorizedCodeFor: (tenantId: string, offerId: string) => string
}

/** The form field of the built-in method. */
export const TX_CODE_FIELD = 'tx_code'

/** Longer answers are not codes; refused before hashing, counting nothing. */
const MAX_CODE_LENGTH = 64

/** The built-in method: the offer's own transaction code, typed on the authorization page or the offer page. */
export function offerTxCodeAuthentication(deps: OfferTxCodeDependencies): LearnerAuthentication {
  return {
    method: 'offer_tx_code',
    required: (offer) => offer.txCodeRequired,
    challenge: () => ({
      kind: 'form',
      fields: [{ name: TX_CODE_FIELD, inputMode: 'numeric', length: TX_CODE_LENGTH, autocomplete: 'one-time-code' }],
    }),
    async authenticate({ offer, answer, now }) {
      const raw = answer[TX_CODE_FIELD]
      if (typeof raw !== 'string') {
        return { ok: false, reason: 'malformed', description: 'the transaction code is missing' }
      }
      // Spaces a learner may type between digit groups are not part of the code.
      const code = raw.replace(/[\s-]/g, '')
      if (code.length === 0) return { ok: false, reason: 'malformed', description: 'the transaction code is missing' }
      if (code.length > MAX_CODE_LENGTH) {
        return { ok: false, reason: 'malformed', description: 'that is not a transaction code' }
      }
      const result = await deps.checkTxCode({
        tenantId: offer.tenantId,
        offerId: offer.id,
        txCodeHash: hashTxCode(deps.preAuthorizedCodeFor(offer.tenantId, offer.id), code),
        via: 'authorization_code',
        now,
      })
      if (result.ok) return { ok: true, method: 'offer_tx_code' }
      switch (result.reason) {
        case 'wrong_tx_code':
          return { ok: false, reason: 'wrong_code', attemptsRemaining: result.attemptsRemaining ?? 0 }
        case 'burnt':
          return { ok: false, reason: 'burnt' }
        default:
          // not_open, expired, or an offer without a code (then `required` said no and this
          // was never asked): nothing to authenticate against.
          return { ok: false, reason: 'offer_closed' }
      }
    },
  }
}

/**
 * The learner authentication of a tenant. Every tenant uses the built-in code today; a tenant
 * setting choosing an institution's SSO (see the head of this file) is read here.
 */
export function learnerAuthenticationFor(_tenant: TenantRuntime, deps: OfferTxCodeDependencies): LearnerAuthentication {
  return offerTxCodeAuthentication(deps)
}
