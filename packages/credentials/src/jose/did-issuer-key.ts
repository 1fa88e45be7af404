import { resolveVerificationKey } from '@alma/trust'
import { CredentialError } from '../errors.ts'
import type { ResolveIssuerKey } from './verify-jws.ts'

type Resolvable = Parameters<typeof resolveVerificationKey>[0]

/**
 * An issuer-key resolver for DID issuers: the header `kid` is a DID URL of the `iss` DID, resolved
 * with @alma/trust's checks (assertionMethod, controller, no private members). A `kid` of another
 * DID than `iss` is refused (security.md, "a kid from another tenant's DID").
 *
 * @example
 * ```ts
 * const resolveIssuerKey = didIssuerKeyResolver(createDidResolver({ allowedDids }))
 * const { edc } = await verifyJwtVcJson(jwt, { resolveIssuerKey, now: new Date() })
 * ```
 */
export function didIssuerKeyResolver(resolver: Resolvable): ResolveIssuerKey {
  return async ({ header, payload }) => {
    if (typeof header.kid !== 'string') throw new CredentialError('issuer_key_unresolved', 'the header has no kid')
    if (typeof payload.iss !== 'string' || !payload.iss.startsWith('did:')) {
      throw new CredentialError('issuer_key_unresolved', 'iss is not a DID')
    }
    const { jwk } = await resolveVerificationKey(resolver, header.kid, { expectedDid: payload.iss })
    return jwk
  }
}
