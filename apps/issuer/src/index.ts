// @alma/issuer: the OpenID4VCI 1.0 issuer agent.
export * from './admin/index.ts'
export { loadCliConfig } from './cli/cli-config.ts'
export { EXAMPLE_COURSE_ID, exampleTenants, type InitIssuerResult, initIssuer } from './cli/init-issuer.ts'
export { type IssuerConfig, type IssuerConfigInput, parseIssuerConfig, zIssuerConfig } from './config.ts'
export { ISSUER_ERRORS, IssuerError, type IssuerErrorCode, writeError } from './errors.ts'
export { createIssuerApp, type MountRoutes } from './http/app.ts'
export {
  allianceRegistryUrl,
  type PublishAllianceRegistryInput,
  publishAllianceRegistry,
} from './issuance/alliance-registry.ts'
export { type CreateAwardInput, createAward } from './issuance/awards.ts'
export {
  configurationIdsOf,
  credentialConfigurationsOf,
  parseConfigurationId,
} from './issuance/credential-configurations.ts'
export { createIssuerContext, type IssuerContext, type TenantRuntime } from './issuance/issuer-context.ts'
export { type CreatedOffer, type CreateOfferInput, createOffer, TX_CODE_LENGTH } from './issuance/offers.ts'
export { organisationsForTenant, type ProvisionTenantInput, provisionTenant } from './issuance/provision-tenant.ts'
export { tenantUrls } from './issuance/tenant-urls.ts'
export { createIssuer, type RunningIssuer, type StartIssuerOptions, startIssuer } from './issuer-server.ts'
