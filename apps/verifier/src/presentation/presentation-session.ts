// What the verifier keeps with a presentation request (store.presentationRequests `request`
// column), parsed on every read so a record is never trusted by cast (style.md, practice 2).
import type { PresentationRequest } from '@alma/store'
import { z } from 'zod'
import { VerifierError } from '../errors.ts'
import { zRelyingPartyPolicy } from '../verification/z-verification-input.ts'
import { CLIENT_ID_PREFIXES } from './z-create-presentation-request.ts'

export const zStoredRequest = z.object({
  /** OAuth 2.0 `state` (OpenID4VP 1.0 §5.2): echoed by the wallet, checked on the response. */
  state: z.string(),
  dcqlQuery: z.record(z.string(), z.unknown()),
  policy: zRelyingPartyPolicy,
  template: z.string().optional(),
  clientIdPrefix: z.enum(CLIENT_ID_PREFIXES),
  requestUriMethod: z.enum(['get', 'post']),
  scheme: z.enum(['openid4vp', 'haip']).default('openid4vp'),
  sameDevice: z.object({ redirectUri: z.string() }).optional(),
  webhookUrl: z.string().optional(),
  label: z.string().optional(),
  /** How old a cached status list may be when this request's answer is verified; 0 = fetch now. */
  statusMaxAgeSeconds: z.int().nonnegative().optional(),
  /** The public half of the response-encryption key (direct_post.jwt). */
  encryptionJwk: z.record(z.string(), z.unknown()).optional(),
  notes: z.array(z.string()).default([]),
})
export type StoredRequest = z.infer<typeof zStoredRequest>

export function storedRequestOf(record: PresentationRequest): StoredRequest {
  const parsed = zStoredRequest.safeParse(record.request)
  if (!parsed.success) {
    throw new VerifierError('server_error', 'a stored presentation request is unreadable', {
      internal: `request ${record.id}: ${parsed.error.message}`,
    })
  }
  return parsed.data
}

/** AAD of the wrapped response-encryption key: the request it belongs to. */
export function encryptionKeyAad(tenantId: string, requestId: string): string {
  return `alma verifier response key\u0000${tenantId}\u0000${requestId}`
}
