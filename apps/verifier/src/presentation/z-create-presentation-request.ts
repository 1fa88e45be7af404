import { zPlainText } from '@alma/elm'
import { z } from 'zod'
import { zRelyingPartyPolicy } from '../verification/z-verification-input.ts'

/** The request templates of issue 5; each becomes a DCQL query and a policy (templates.ts). */
export const zRequestTemplate = z.discriminatedUnion('type', [
  /** Any ELM micro-credential, in either format. */
  z.strictObject({ type: z.literal('any-micro-credential') }),
  /** EQF level ≥ N and ECTS ≥ M (Annex I elements 7 and 8), disclosing only those and the awarding bodies. */
  z.strictObject({
    type: z.literal('eqf-ects'),
    minEqfLevel: z.int().min(1).max(8),
    minEcts: z.number().nonnegative().max(1000),
  }),
  /** Issued by an active member of an alliance: its signed registry and its DID. */
  z.strictObject({
    type: z.literal('alliance-member'),
    allianceDid: z.string().startsWith('did:'),
    /** The signed registry itself, or where to fetch it (one of the two). */
    allianceRegistryJwt: z.string().min(1).max(200_000).optional(),
    allianceRegistryUrl: z.url({ protocol: /^https?$/ }).optional(),
  }),
  /** A specific course (the learning achievement specification's id, or its last segment). */
  z.strictObject({ type: z.literal('course'), courseId: z.string().min(1).max(500) }),
  /** A learning outcome naming an ESCO skill. */
  z.strictObject({ type: z.literal('esco-skill'), escoSkill: z.url() }),
])
export type RequestTemplate = z.infer<typeof zRequestTemplate>

export const CLIENT_ID_PREFIXES = ['x509_san_dns', 'x509_hash', 'decentralized_identifier', 'redirect_uri'] as const
export type ClientIdPrefix = (typeof CLIENT_ID_PREFIXES)[number]

/**
 * Relying-party API: create a presentation request. Either a `template` or a raw DCQL query
 * (OpenID4VP 1.0 §6); the transport choices default to what HAIP 1.0 asks: signed request by
 * reference, `direct_post.jwt`.
 */
export const zCreatePresentationRequest = z
  .strictObject({
    template: zRequestTemplate.optional(),
    /** OpenID4VP 1.0 §6.1: `{credentials, credential_sets?}`; validated with the `dcql` package. */
    dcqlQuery: z.record(z.string(), z.unknown()).optional(),
    /** Extra ELM policy on top of the template's, evaluated on verified claims only. */
    policy: zRelyingPartyPolicy.optional(),
    /** Formats a template may ask for; both by default. */
    formats: z
      .array(z.enum(['dc+sd-jwt', 'jwt_vc_json']))
      .min(1)
      .optional(),
    // HAIP 1.0: signed requests under x509_hash: (the SHA-256 of the certificate) by default.
    clientIdPrefix: z.enum(CLIENT_ID_PREFIXES).default('x509_hash'),
    responseMode: z.enum(['direct_post', 'direct_post.jwt']).default('direct_post.jwt'),
    /** The link's scheme: `openid4vp://` (OpenID4VP 1.0 §13.1.2) or HAIP 1.0's `haip://`. */
    scheme: z.enum(['openid4vp', 'haip']).default('openid4vp'),
    /** OpenID4VP 1.0 §5.10: whether the wallet fetches the request object by GET or POST. */
    requestUriMethod: z.enum(['get', 'post']).default('get'),
    /** Same-device flow (§8.2): where the wallet sends the learner back, with a response_code. */
    sameDevice: z
      .strictObject({
        redirectUri: z
          .url({ protocol: /^https?$/, error: 'must be an http(s) URL of the relying party' })
          .refine((u) => !u.includes('#'), 'must not have a fragment (the response_code is put there)'),
      })
      .optional(),
    /** Overrides the relying party's webhook for this request. */
    webhookUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    /** Shown to the relying party in lists; not sent to the wallet. */
    label: zPlainText(200).optional(),
    /**
     * How old a cached status list may be when the answer is verified, in seconds; `0` = fetch
     * the issuer's list at verification time. Without it the verifier's cache applies (up to
     * `statusListTtlSeconds`, or less when a list's own `ttl` / `exp` says so), and a status
     * step's reason always names when its list was fetched.
     */
    statusMaxAgeSeconds: z.int().min(0).max(86_400).optional(),
  })
  .refine((r) => (r.template === undefined) !== (r.dcqlQuery === undefined), {
    message: 'give exactly one of template and dcqlQuery',
    path: ['template'],
  })
export type CreatePresentationRequestInput = z.infer<typeof zCreatePresentationRequest>
