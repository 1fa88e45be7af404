// An alliance tenant publishes the signed registry of its member issuers (trust's alliance
// registry: issue 3; elm.md "Alliances and federated issuance"), so verifiers can ask for
// "issued by an active member of alliance X". The registry is built from the member tenants of this
// deployment, signed with the alliance tenant's key, and kept in its configuration.
import { ALLIANCE_REGISTRY_TYP, type AllianceMember, buildAllianceRegistryPayload } from '@alma/trust'
import { IssuerError } from '../errors.ts'
import type { IssuerContext } from './issuer-context.ts'
import { tenantUrls } from './tenant-urls.ts'

export interface PublishAllianceRegistryInput {
  readonly allianceTenantId: string
  readonly alliance: { readonly id: string; readonly name: string }
  /** Member tenants of this deployment, and whether each is active or suspended. */
  readonly members: readonly { readonly tenantId: string; readonly status?: 'active' | 'suspended' }[]
  /** How long the signed list is good for; verifiers stop trusting it after (default 30 days). */
  readonly validForDays?: number
}

interface IssuerOrganisation {
  legalName?: Record<string, string>
  eidasIdentifier?: { notation?: string }
}

/** Signs the registry with the alliance tenant's key and stores it in the tenant's configuration. */
export async function publishAllianceRegistry(
  ctx: IssuerContext,
  input: PublishAllianceRegistryInput,
): Promise<string> {
  const now = ctx.now()
  const alliance = await ctx.store.tenants.get(input.allianceTenantId)
  if (!alliance) throw new IssuerError('not_found', `no tenant ${input.allianceTenantId}`)
  const members: AllianceMember[] = []
  for (const member of input.members) {
    const tenant = await ctx.store.tenants.get(member.tenantId)
    if (!tenant) throw new IssuerError('not_found', `no member tenant ${member.tenantId}`)
    const issuer = (tenant.config.organisations as { issuer?: IssuerOrganisation } | undefined)?.issuer
    const notation = issuer?.eidasIdentifier?.notation
    members.push({
      did: tenant.did,
      // The eIDAS organizationIdentifier of the member's seal certificate links registry and seal.
      legalIdentifiers: notation ? [notation] : [tenant.id],
      names: issuer?.legalName && Object.keys(issuer.legalName).length > 0 ? issuer.legalName : { en: tenant.name },
      status: member.status ?? 'active',
      validFrom: tenant.createdAt.toISOString(),
    })
  }
  const payload = buildAllianceRegistryPayload({
    issuer: alliance.did,
    alliance: input.alliance,
    members,
    issuedAt: now,
    expiresAt: new Date(now.getTime() + (input.validForDays ?? 30) * 24 * 3600 * 1000),
  })
  const jwt = await ctx.signer.signJwt(input.allianceTenantId, payload, { typ: ALLIANCE_REGISTRY_TYP })
  await ctx.store.tenants.updateConfig(input.allianceTenantId, { ...alliance.config, allianceRegistryJwt: jwt }, now)
  return jwt
}

/** Where a tenant's registry is served. */
export function allianceRegistryUrl(baseUrl: string, tenantId: string): string {
  return `${tenantUrls(baseUrl, tenantId).issuer}/alliance-registry`
}
