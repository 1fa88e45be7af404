// A tenant's identity on first run: a tenant record, an ES256 key (encrypted under the KEK) and
// an eIDAS-shaped seal certificate from the development CA whose organizationIdentifier is the
// ELM issuer's eIDAS identifier, so did:web, certificate and EDC agree (elm.md, "our eIDAS link").
import { countryAlpha2 } from '@alma/elm'
import type { Store, Tenant } from '@alma/store'
import {
  type DevCa,
  generateKeyMaterial,
  issueSealCertificate,
  type KeyMaterial,
  type TenantKeyring,
  withCertificateChain,
} from '@alma/trust'
import { tenantUrls } from './tenant-urls.ts'

export interface ProvisionTenantInput {
  readonly id: string
  readonly name: string
  /** The ELM organisations input; `issuer.id` is replaced by the tenant's DID. */
  readonly organisations: Record<string, unknown>
  readonly dpopRequired?: boolean
}

interface IssuerOrganisation {
  id?: string
  legalName?: Record<string, string>
  country?: string
  eidasIdentifier?: { notation?: string }
}

/** Replaces the example DIDs with this deployment's: the issuer, and awarding bodies that are the issuer. */
export function organisationsForTenant(organisations: Record<string, unknown>, did: string): Record<string, unknown> {
  const issuer = organisations.issuer as IssuerOrganisation | undefined
  const previous = issuer?.id
  const replaced = JSON.parse(
    JSON.stringify(organisations)
      .split(JSON.stringify(previous ?? '\u0000'))
      .join(JSON.stringify(did)),
  )
  return replaced as Record<string, unknown>
}

export async function provisionTenant(
  deps: { store: Store; keyring: TenantKeyring; baseUrl: string; ca: DevCa; now: Date },
  input: ProvisionTenantInput,
): Promise<Tenant> {
  const urls = tenantUrls(deps.baseUrl, input.id)
  const organisations = organisationsForTenant(input.organisations, urls.did)
  const tenant = await deps.store.tenants.create({
    id: input.id,
    name: input.name,
    did: urls.did,
    config: { dpopRequired: input.dpopRequired === true, organisations },
    now: deps.now,
  })
  await deps.keyring.add(input.id, await developmentSealKey(deps.ca, organisations, input.name, deps.now, urls.issuer))
  return tenant
}

/** The ELM issuer's eIDAS identifier (`VATDE-…`): what its seal certificate's organizationIdentifier must be. */
export function eidasIdentifierOf(organisations: Record<string, unknown>): string | undefined {
  return (organisations.issuer as IssuerOrganisation | undefined)?.eidasIdentifier?.notation
}

/**
 * A fresh ES256 key with a two-year seal certificate from the development CA, its subject the ELM
 * issuer's legal name, country and eIDAS identifier as organizationIdentifier, and its
 * subjectAltName the tenant's Credential Issuer Identifier (URI) and host, which SD-JWT VC
 * verifiers bind `iss` to (HAIP 1.0 §6.1.1) — at provisioning, at a development key rotation
 * (`alma issuer rotate-key`), and when a seal certificate made before it lacks the name
 * ({@link ensureSealCertificatesNameIssuers}).
 */
export async function developmentSealKey(
  ca: DevCa,
  organisations: Record<string, unknown>,
  fallbackName: string,
  now: Date,
  issuerIdentifier: string,
): Promise<KeyMaterial> {
  const issuer = (organisations.issuer ?? {}) as IssuerOrganisation
  const material = await generateKeyMaterial('ES256')
  const legalName = issuer.legalName?.en ?? Object.values(issuer.legalName ?? {})[0] ?? fallbackName
  const seal = await issueSealCertificate(ca, {
    publicKey: material.publicJwk as import('node:crypto').webcrypto.JsonWebKey,
    organizationName: legalName,
    commonName: legalName,
    country: countryAlpha2(issuer.country ?? '') ?? 'DE',
    organizationIdentifier: eidasIdentifierOf(organisations) ?? 'VATDE-000000000',
    notBefore: now,
    notAfter: new Date(now.getTime() + 2 * 365 * 24 * 3600 * 1000),
    issuerIdentifier,
  })
  return withCertificateChain(material, seal.x5c)
}
