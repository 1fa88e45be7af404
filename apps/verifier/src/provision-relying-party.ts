// A relying party's identity on first run: a tenant record, an ES256 key (encrypted under the
// KEK) and a certificate from a CA (the development CA, or an imported chain) whose subjectAltName
// names the verifier's host, so one key signs request objects under x509_san_dns:, x509_hash: and
// decentralized_identifier: (OpenID4VP 1.0 §5.9.3).
import type { Store, Tenant } from '@alma/store'
import {
  type DevCa,
  generateKeyMaterial,
  issueAccessCertificate,
  type TenantKeyring,
  withCertificateChain,
} from '@alma/trust'
import { relyingPartyUrls } from './relying-party-urls.ts'

export interface ProvisionRelyingPartyInput {
  readonly id: string
  readonly name: string
  /** ISO 3166-1 alpha-2 of the relying party's country. */
  readonly country?: string
  /** Where to POST a signed notice when a wallet answered (see presentation/webhooks.ts). */
  readonly webhookUrl?: string
}

/** What a relying party may set (kept in `tenants.config`). */
export interface RelyingPartySettings {
  readonly webhookUrl?: string
  readonly country: string
}

export function relyingPartySettingsOf(config: Record<string, unknown>): RelyingPartySettings {
  return {
    country: typeof config.country === 'string' ? config.country : 'DE',
    ...(typeof config.webhookUrl === 'string' ? { webhookUrl: config.webhookUrl } : {}),
  }
}

export async function provisionRelyingParty(
  deps: { store: Store; keyring: TenantKeyring; baseUrl: string; ca: DevCa; now: Date },
  input: ProvisionRelyingPartyInput,
): Promise<Tenant> {
  const urls = relyingPartyUrls(deps.baseUrl, input.id)
  const country = input.country ?? 'DE'
  const tenant = await deps.store.tenants.create({
    id: input.id,
    name: input.name,
    did: urls.did,
    config: { kind: 'relying-party', country, ...(input.webhookUrl ? { webhookUrl: input.webhookUrl } : {}) },
    now: deps.now,
  })
  const material = await generateKeyMaterial('ES256')
  const certificate = await issueAccessCertificate(deps.ca, {
    publicKey: material.publicJwk as import('node:crypto').webcrypto.JsonWebKey,
    organizationName: input.name,
    country,
    dnsNames: [urls.host],
    uris: [urls.base],
    notBefore: deps.now,
    notAfter: new Date(deps.now.getTime() + 365 * 24 * 3600 * 1000),
  })
  await deps.keyring.add(input.id, await withCertificateChain(material, certificate.x5c))
  return tenant
}
