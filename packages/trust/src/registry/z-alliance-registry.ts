import { z } from 'zod'

/**
 * The JOSE `typ` of an alliance registry (our own media type, RFC 7515 §4.1.9 / RFC 8725 §3.11:
 * explicit typing so a registry cannot be confused with another JWT).
 */
export const ALLIANCE_REGISTRY_TYP = 'alliance-registry+jwt'

/** The media type to serve a registry with (RFC 7515 §4.1.9: `typ` is the media type minus `application/`). */
export const ALLIANCE_REGISTRY_MEDIA_TYPE = `application/${ALLIANCE_REGISTRY_TYP}`

const MAX_MEMBERS = 10_000

const zDid = z
  .string()
  .max(2048)
  .regex(/^did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._-]$/, 'must be a DID (did:<method>:<id>, no fragment)')

const zText = z.string().trim().min(1, 'must not be empty').max(500, 'is longer than 500 characters')

/** `{ "en": "University A", "de": "Universität A" }` with BCP 47 (RFC 5646) language tags. */
const zNames = z
  .record(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'must be a language tag such as "en" or "de"'), zText)
  .refine((names) => Object.keys(names).length > 0, 'must have a name in at least one language')

const zInstant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone' })

/**
 * One member issuer of an alliance: its DID (a did:web in practice), legal identifiers (the eIDAS
 * `organizationIdentifier` of its seal certificate, e.g. `VATDE-123456789`, and others such as an
 * Erasmus code), names, status and validity period (design: issue 3, "Alliance registry";
 * elm.md, "Alliances and federated issuance").
 */
export const zAllianceMember = z
  .object({
    did: zDid,
    legalIdentifiers: z.array(z.string().trim().min(1).max(200)).min(1, 'must list at least one legal identifier'),
    names: zNames,
    status: z.enum(['active', 'suspended']),
    validFrom: zInstant,
    validUntil: zInstant.optional(),
  })
  .refine((m) => m.validUntil === undefined || Date.parse(m.validUntil) > Date.parse(m.validFrom), {
    message: 'validUntil must be after validFrom',
    path: ['validUntil'],
  })
export type AllianceMember = z.infer<typeof zAllianceMember>

const zNumericDate = z.number().int('must be a NumericDate (whole seconds, RFC 7519 §2)').nonnegative()

/**
 * The payload of an alliance registry JWT: RFC 7519 registered claims (`iss` = the alliance DID,
 * `iat`, optional `nbf`, `exp` required so a stale list stops being trusted) plus the alliance and
 * its member issuers (our own claims; design: issue 3, "Alliance registry").
 */
export const zAllianceRegistryPayload = z
  .object({
    iss: zDid,
    iat: zNumericDate,
    nbf: zNumericDate.optional(),
    exp: zNumericDate,
    alliance: z.object({ id: z.string().trim().min(1).max(2048), name: zText }),
    members: z.array(zAllianceMember).max(MAX_MEMBERS),
  })
  .superRefine((payload, ctx) => {
    if (payload.exp <= payload.iat) ctx.addIssue({ code: 'custom', path: ['exp'], message: 'exp must be after iat' })
    const seen = new Set<string>()
    payload.members.forEach((member, i) => {
      if (seen.has(member.did)) {
        ctx.addIssue({ code: 'custom', path: ['members', i, 'did'], message: `${member.did} is listed twice` })
      }
      seen.add(member.did)
    })
  })
export type AllianceRegistryPayload = z.infer<typeof zAllianceRegistryPayload>

/** Formats zod issues as `path: message; …` for error messages that name the field. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ')
}
