// What the learner's offer page (web/offer-page.ts draws it, http/offer-page.ts serves it) may show,
// and to whom. Its URL is in the QR code and in the `credential_offer_uri` (VCI 1.0 §4.1.3), so
// whoever sees the offer has it: like the authorization page (authorization.ts), it shows the
// course, the institution and the ways into a wallet, and nothing of the learner until the learner
// is authenticated (security.md, "Every grant of an offer needs the same proof … No personal data
// before the learner is authenticated").
//
// - An offer protected by a transaction code: the page asks for that code before it shows the
//   certificate page (name, grade, birth date…). The code is checked by the tenant's learner
//   authentication (learner-authentication.ts) through offers.checkTxCode — the SAME counter and
//   limit as the token endpoint and the authorization page, so the page is no guessing oracle: N
//   wrong codes in any mix of the three burn the offer for every grant. (The store records such a
//   burn as `authorization_code`, the learner's code typed in a browser: migration 0004 allows
//   only the two grants there.)
// - An offer made without a code (an admin's explicit choice): nothing to authenticate against,
//   so the certificate is never shown; the wallet shows it once the credential is taken.
// - An offer that is not open (redeemed, expired, burnt, withdrawn): its state, nothing else.
//
// The code travels only in the body of a POST (never a URL, never a log, never a cacheable answer)
// from a form carrying a form token: a MAC'd value bound to the tenant, the offer and an expiry,
// spent once (one atomic insert of its hash, like a c_nonce) — so a captured form cannot be
// replayed and one form's token cannot be used for another offer. A right code answers with the
// preview at once (no cookie) and a certificate view token: random, stored by hash, bound to the
// offer, valid for minutes, the only key to the certificate image of an open offer.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { type LanguageMap, parseEdc } from '@alma/elm'
import type { Offer } from '@alma/store'
import { IssuerError } from '../errors.ts'
import { learnerAuthenticationOf } from './authorization.ts'
import type { IssuerContext, TenantRuntime } from './issuer-context.ts'
import type { AuthenticationField } from './learner-authentication.ts'
import { offerUriOf } from './offers.ts'
import { hashValue, randomToken } from './secrets.ts'

/** How long a drawn code form may be sent: time to find the email with the code. */
export const OFFER_FORM_TOKEN_TTL_SECONDS = 30 * 60
/** How long the certificate image may be fetched after the right code: the page loads it at once. */
export const CERTIFICATE_VIEW_TTL_SECONDS = 5 * 60

const FORM_TOKEN_KIND = 'offer_page_form'
const CERTIFICATE_VIEW_KIND = 'offer_certificate_view'
/** Longer values are not ours; refused before any MAC or lookup. */
const MAX_TOKEN_LENGTH = 128

/** Why an offer is not open, as the page names it. */
export type ClosedOfferState = 'redeemed' | 'expired' | 'burnt' | 'withdrawn'

/** What anyone with the offer's URL may see: the course, the institution, the wallet links. */
export interface OfferPublicView {
  readonly offerId: string
  readonly tenantName: string
  readonly courseTitle: LanguageMap
  /** `openid-credential-offer://?credential_offer_uri=…`: the link and the QR code's content. */
  readonly offerUri: string
  readonly txCodeRequired: boolean
  readonly expiresAt: Date
  /** The input the learner types to see the certificate; absent when the offer has no code. */
  readonly codeField?: AuthenticationField
}

/** Why the last POST showed no certificate (the page says so; only `wrong_code` counted). */
export type OfferPageProblem =
  | { readonly reason: 'wrong_code'; readonly attemptsRemaining: number }
  | { readonly reason: 'malformed'; readonly description: string }
  /** The form's token was spent, expired, forged or another offer's; nothing was checked. */
  | { readonly reason: 'form_expired' }
  /** An offer made without a transaction code has none to enter. */
  | { readonly reason: 'no_code' }
  /** A `tx_code` in the URL: refused unread, so no link or log ever carries a working code. */
  | { readonly reason: 'code_in_url' }

/** What the browser gets next. */
export type OfferPageStep =
  | { readonly step: 'unknown' }
  | { readonly step: 'closed'; readonly state: ClosedOfferState }
  | {
      readonly step: 'open'
      readonly view: OfferPublicView
      /** A fresh form token for the code form (offers with a code). */
      readonly formToken?: string
      readonly problem?: OfferPageProblem
      /** Only after the right code: the token of the certificate image URL. */
      readonly certificateViewToken?: string
    }

/** The state of an offer as the page names it, or undefined while it is open. */
export function closedStateOf(offer: Offer, now: Date): ClosedOfferState | undefined {
  switch (offer.state) {
    case 'offered':
      return offer.expiresAt.getTime() <= now.getTime() ? 'expired' : undefined
    case 'token_issued':
    case 'credential_issued':
      return 'redeemed'
    default:
      return offer.state
  }
}

// --- The form token -------------------------------------------------------------------------

const formKeys = new WeakMap<IssuerContext, Uint8Array>()

/** The MAC key of form tokens: derived from the c_nonce key (itself from the KEK), so every process shares it. */
function formKeyOf(ctx: IssuerContext): Uint8Array {
  let key = formKeys.get(ctx)
  if (!key) {
    key = new Uint8Array(hkdfSync('sha256', ctx.nonceKey, 'alma', 'issuer offer page form v1', 32))
    formKeys.set(ctx, key)
  }
  return key
}

function formMac(key: Uint8Array, tenantId: string, offerId: string, body: string): Buffer {
  return createHmac('sha256', key)
    .update(`${FORM_TOKEN_KIND}\u0000${tenantId}\u0000${offerId}\u0000${body}`)
    .digest()
    .subarray(0, 16)
}

/** A fresh form token for one offer of `tenantId`, valid until `expiresAt`. */
export function createOfferFormToken(key: Uint8Array, tenantId: string, offerId: string, expiresAt: Date): string {
  const body = `${Math.floor(expiresAt.getTime() / 1000).toString(36)}.${randomBytes(16).toString('base64url')}`
  return `${body}.${formMac(key, tenantId, offerId, body).toString('base64url')}`
}

/** When a form token of this offer expires; undefined when it is not one (or another offer's). */
export function offerFormTokenExpiry(
  key: Uint8Array,
  tenantId: string,
  offerId: string,
  token: unknown,
): Date | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  const [expiry, random, tag] = parts as [string, string, string]
  // Compared as text, not as decoded bytes: base64url decoding ignores the last character's spare
  // bits, so several spellings would carry one MAC — and each would hash differently when spent.
  const expected = Buffer.from(formMac(key, tenantId, offerId, `${expiry}.${random}`).toString('base64url'))
  const given = Buffer.from(tag)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
  const seconds = Number.parseInt(expiry, 36)
  return Number.isFinite(seconds) ? new Date(seconds * 1000) : undefined
}

function newFormToken(ctx: IssuerContext, tenant: TenantRuntime, offerId: string): string {
  const expiresAt = new Date(ctx.now().getTime() + OFFER_FORM_TOKEN_TTL_SECONDS * 1000)
  return createOfferFormToken(formKeyOf(ctx), tenant.id, offerId, expiresAt)
}

/** Spends a form token of this offer: true once, while it is valid; one atomic insert of its hash. */
async function spendFormToken(ctx: IssuerContext, tenant: TenantRuntime, offerId: string, token: unknown) {
  const expiresAt = offerFormTokenExpiry(formKeyOf(ctx), tenant.id, offerId, token)
  if (!expiresAt || expiresAt <= ctx.now()) return false
  return ctx.store.singleUseValues.remember(FORM_TOKEN_KIND, tenant.id, hashValue(String(token)), expiresAt)
}

// --- The page's steps -------------------------------------------------------------------------

/** The course title the credential states; the course id when the award has no document yet. */
async function publicViewOf(ctx: IssuerContext, tenant: TenantRuntime, offer: Offer): Promise<OfferPublicView> {
  const award = await ctx.awardWithDocument(tenant.id, offer.awardId)
  if (!award) throw new IssuerError('not_found', 'this credential offer was redeemed, has expired, or does not exist')
  const edc = award.edc === undefined ? undefined : parseEdc(award.edc)
  const courseTitle = edc?.achievements[0]?.title ?? edc?.display.title ?? { en: award.specificationId }
  const authentication = learnerAuthenticationOf(ctx, tenant)
  const challenge = authentication.required(offer) ? authentication.challenge(offer) : undefined
  const codeField = challenge?.kind === 'form' ? challenge.fields[0] : undefined
  return {
    offerId: offer.id,
    tenantName: tenant.name,
    courseTitle,
    offerUri: offerUriOf(tenant, offer.id),
    txCodeRequired: offer.txCodeRequired,
    expiresAt: offer.expiresAt,
    ...(codeField ? { codeField } : {}),
  }
}

async function openStep(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  offer: Offer,
  extra: { problem?: OfferPageProblem; certificateViewToken?: string } = {},
): Promise<OfferPageStep> {
  const view = await publicViewOf(ctx, tenant, offer)
  return {
    step: 'open',
    view,
    // After the right code the page shows the certificate, not the form again.
    ...(view.codeField && !extra.certificateViewToken ? { formToken: newFormToken(ctx, tenant, offer.id) } : {}),
    ...extra,
  }
}

async function findOffer(ctx: IssuerContext, tenant: TenantRuntime, offerId: string) {
  const offer = await ctx.store.offers.getById(tenant.id, offerId)
  if (!offer) return { step: { step: 'unknown' } as const }
  const closed = closedStateOf(offer, ctx.now())
  if (closed) return { step: { step: 'closed', state: closed } as const }
  return { offer }
}

/**
 * `GET /{tenant}/offers/{id}/page`: the public view and, for an offer with a code, the code form.
 * A `tx_code` in the query is refused unread (`codeInUrl`): nothing is checked or counted.
 */
export async function openOfferPage(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  input: { offerId: string; codeInUrl: boolean },
): Promise<OfferPageStep> {
  const found = await findOffer(ctx, tenant, input.offerId)
  if (!found.offer) return found.step
  return openStep(ctx, tenant, found.offer, input.codeInUrl ? { problem: { reason: 'code_in_url' } } : {})
}

/**
 * `POST /{tenant}/offers/{id}/page`: the learner's code (the HTTP adapter has checked the form's
 * origin). In order: the offer must be open and have a code; the form token must be this offer's,
 * unexpired and unspent (it is spent now); then the tenant's learner authentication
 * judges the answer with the shared counter. Right → the public view, the preview and a view
 * token; wrong → the form again with the attempts left; the last wrong one → the offer is burnt.
 */
export async function enterOfferPageCode(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  input: { offerId: string; formToken: unknown; answer: Readonly<Record<string, unknown>>; codeInUrl: boolean },
): Promise<OfferPageStep> {
  const found = await findOffer(ctx, tenant, input.offerId)
  if (!found.offer) return found.step
  const offer = found.offer
  if (input.codeInUrl) return openStep(ctx, tenant, offer, { problem: { reason: 'code_in_url' } })
  const authentication = learnerAuthenticationOf(ctx, tenant)
  if (!authentication.required(offer)) return openStep(ctx, tenant, offer, { problem: { reason: 'no_code' } })
  if (!(await spendFormToken(ctx, tenant, offer.id, input.formToken))) {
    return openStep(ctx, tenant, offer, { problem: { reason: 'form_expired' } })
  }
  const outcome = await authentication.authenticate({ offer, answer: input.answer, now: ctx.now() })
  if (outcome.ok) {
    return openStep(ctx, tenant, offer, { certificateViewToken: await mintCertificateView(ctx, tenant, offer.id) })
  }
  switch (outcome.reason) {
    case 'wrong_code':
      return openStep(ctx, tenant, offer, {
        problem: { reason: 'wrong_code', attemptsRemaining: outcome.attemptsRemaining },
      })
    case 'malformed':
      return openStep(ctx, tenant, offer, { problem: { reason: 'malformed', description: outcome.description } })
    case 'burnt':
      return { step: 'closed', state: 'burnt' }
    default: {
      // Closed meanwhile (redeemed, expired or withdrawn between the read and the check).
      const current = await ctx.store.offers.getById(tenant.id, offer.id)
      return { step: 'closed', state: (current && closedStateOf(current, ctx.now())) || 'redeemed' }
    }
  }
}

// --- The certificate image --------------------------------------------------------------------

async function mintCertificateView(ctx: IssuerContext, tenant: TenantRuntime, offerId: string): Promise<string> {
  const token = randomToken()
  const expiresAt = new Date(ctx.now().getTime() + CERTIFICATE_VIEW_TTL_SECONDS * 1000)
  await ctx.store.singleUseValues.put(CERTIFICATE_VIEW_KIND, tenant.id, hashValue(token), { offerId }, expiresAt)
  return token
}

/**
 * `GET /{tenant}/offers/{id}/certificate.png?view=…`: the award whose certificate page may be
 * sent — the offer open, and `viewToken` minted for THIS offer by a right code minutes ago.
 * `not_found` for an offer that is not open (as the offer by reference answers), `forbidden`
 * without a valid view token (an offer without a code never has one).
 */
export async function certificateViewAward(
  ctx: IssuerContext,
  tenant: TenantRuntime,
  input: { offerId: string; viewToken: unknown },
) {
  const now = ctx.now()
  const offer = await ctx.store.offers.getOfferForWallet(tenant.id, input.offerId, now)
  if (!offer) throw new IssuerError('not_found', 'this credential offer was redeemed, has expired, or does not exist')
  const view =
    typeof input.viewToken === 'string' && input.viewToken !== '' && input.viewToken.length <= MAX_TOKEN_LENGTH
      ? await ctx.store.singleUseValues.peek<{ offerId: string }>(
          CERTIFICATE_VIEW_KIND,
          tenant.id,
          hashValue(input.viewToken),
          now,
        )
      : undefined
  if (view?.offerId !== offer.id) {
    throw new IssuerError(
      'forbidden',
      "the certificate is shown only on the offer page, after the offer's transaction code was entered there",
    )
  }
  const award = await ctx.awardWithDocument(tenant.id, offer.awardId)
  if (!award) throw new IssuerError('not_found', 'this credential offer was redeemed, has expired, or does not exist')
  return award
}
