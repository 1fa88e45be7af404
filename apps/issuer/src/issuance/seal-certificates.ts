// A tenant's seal certificate must name what verifiers bind it to (issue 12 §1): the ELM issuer's
// eIDAS identifier as organizationIdentifier (jwt_vc_json linkage, elm.md "our eIDAS link") and the
// tenant's Credential Issuer Identifier as subjectAltName (SD-JWT VC "Issuer Signature Mechanisms",
// HAIP 1.0 §6.1.1). One check for an imported certificate and for the certificates a deployment
// already has; development certificates made before the rule are replaced.
import { X509Certificate } from 'node:crypto'
import type { Store } from '@alma/store'
import { certificateNamesIssuer, type DevCa, parseSealCertificate, type TenantKeyring } from '@alma/trust'
import { developmentSealKey, eidasIdentifierOf } from './provision-tenant.ts'
import { tenantUrls } from './tenant-urls.ts'

/**
 * Why `leaf` (base64 DER) cannot be the seal certificate of the tenant whose Credential Issuer
 * Identifier is `issuerIdentifier` and whose ELM issuer has `eidasIdentifier`; `undefined` when it
 * can. The organizationIdentifier first (what the jwt_vc_json linkage compares), then the name.
 */
export function sealCertificateProblem(
  leaf: string,
  tenant: { readonly issuerIdentifier: string; readonly eidasIdentifier: string | undefined },
): string | undefined {
  const certificate = parseSealCertificate(leaf)
  const organizationIdentifier = certificate.organizationIdentifier
  if (tenant.eidasIdentifier !== undefined && organizationIdentifier !== tenant.eidasIdentifier) {
    return `the certificate's organizationIdentifier ${organizationIdentifier ?? '(none)'} is not the tenant's eIDAS identifier ${tenant.eidasIdentifier}; verifiers would fail the issuer linkage`
  }
  const named = certificateNamesIssuer(certificate, tenant.issuerIdentifier)
  if (!named.ok) {
    return `${named.reason}; it needs a subjectAltName URI ${tenant.issuerIdentifier}, or SD-JWT VC verifiers refuse what it seals (HAIP 1.0 §6.1.1)`
  }
  return undefined
}

export interface SealCertificateReport {
  readonly tenantId: string
  /** `ok`: names the issuer; `replaced`: a development key and certificate that do took over; `warned`: left as is. */
  readonly status: 'ok' | 'replaced' | 'warned'
  readonly message: string
}

function issuedBy(leaf: string, ca: DevCa): boolean {
  try {
    const certificate = new X509Certificate(Buffer.from(leaf, 'base64'))
    const authority = new X509Certificate(Buffer.from(ca.certificateDer))
    return certificate.checkIssued(authority) && certificate.verify(authority.publicKey)
  } catch {
    return false
  }
}

/**
 * For every tenant of the deployment, whether its active seal certificate names its Credential
 * Issuer Identifier; certificates made before issue 12 do not. A development certificate (issued
 * by `ca`, the deployment's development CA) is replaced by rotating to a new development key whose
 * certificate does — a rotation, not a new certificate for the old key, so the old key stays
 * published with its old certificate and the jwt_vc_json credentials it sealed keep verifying
 * (their SD-JWT VCs do not: nothing in them names the issuer). An institution's certificate is
 * left alone with a warning saying what to do: only the institution can get one that names it.
 *
 * @example
 * for (const r of await ensureSealCertificatesNameIssuers({ store, keyring, baseUrl, ca, now }))
 *   if (r.status !== 'ok') log.warn({ tenant: r.tenantId }, r.message)
 */
export async function ensureSealCertificatesNameIssuers(deps: {
  readonly store: Store
  readonly keyring: TenantKeyring
  readonly baseUrl: string
  /** The deployment's development CA, when it has one; without it nothing is replaced. */
  readonly ca?: DevCa
  readonly now: Date
}): Promise<SealCertificateReport[]> {
  const reports: SealCertificateReport[] = []
  for (const tenant of await deps.store.tenants.list()) {
    if (tenant.config.kind === 'relying-party') continue
    const issuerIdentifier = tenantUrls(deps.baseUrl, tenant.id).issuer
    const active = (await deps.keyring.list(tenant.id)).find((k) => k.state === 'active')
    const leaf = active?.x5c?.[0]
    if (!active || !leaf) {
      reports.push({
        tenantId: tenant.id,
        status: 'warned',
        message: `tenant ${tenant.id} has no active seal certificate: it cannot issue SD-JWT VCs that verifiers accept`,
      })
      continue
    }
    const named = certificateNamesIssuer(leaf, issuerIdentifier)
    if (named.ok) {
      reports.push({ tenantId: tenant.id, status: 'ok', message: named.reason })
      continue
    }
    if (deps.ca && issuedBy(leaf, deps.ca)) {
      const organisations = (tenant.config.organisations ?? {}) as Record<string, unknown>
      const material = await developmentSealKey(deps.ca, organisations, tenant.name, deps.now, issuerIdentifier)
      const { active: next } = await deps.keyring.rotate(tenant.id, material)
      reports.push({
        tenantId: tenant.id,
        status: 'replaced',
        message: `tenant ${tenant.id}: ${named.reason}; rotated to the development key ${next.kid}, whose certificate names ${issuerIdentifier} (the old key ${active.kid} stays published; SD-JWT VCs it sealed no longer verify)`,
      })
      continue
    }
    const eidasIdentifier = eidasIdentifierOf((tenant.config.organisations ?? {}) as Record<string, unknown>)
    reports.push({
      tenantId: tenant.id,
      status: 'warned',
      message:
        `tenant ${tenant.id}: ${named.reason}; SD-JWT VC verifiers (HAIP 1.0 §6.1.1) will refuse what it seals. ` +
        `Get a seal certificate whose subjectAltName names ${issuerIdentifier}${eidasIdentifier ? ` (organizationIdentifier ${eidasIdentifier})` : ''} and install it: alma issuer rotate-key --tenant ${tenant.id} --pem <file>`,
    })
  }
  return reports
}
