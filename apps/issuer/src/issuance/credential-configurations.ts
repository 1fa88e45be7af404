import { EU_LEARNING_CREDENTIAL_VCT, sdJwtClaimDisplay } from '@alma/credentials'
import type { Specification } from '@alma/store'
import { WALLET_SIGNING_ALGS } from '../oauth-callbacks.ts'

export type IssuedFormat = 'jwt_vc_json' | 'dc+sd-jwt'

/** Both configurations of every course (issue 4): `<course>_jwt_vc_json` and `<course>_dc_sd_jwt`. */
export const CONFIGURATION_SUFFIX: Readonly<Record<IssuedFormat, string>> = {
  jwt_vc_json: '_jwt_vc_json',
  'dc+sd-jwt': '_dc_sd_jwt',
}

export interface ConfigurationRef {
  readonly id: string
  readonly specificationId: string
  readonly format: IssuedFormat
}

/** Splits a configuration id into course and format; undefined for ids we never publish. */
export function parseConfigurationId(id: string): ConfigurationRef | undefined {
  for (const [format, suffix] of Object.entries(CONFIGURATION_SUFFIX) as [IssuedFormat, string][]) {
    if (id.endsWith(suffix) && id.length > suffix.length) {
      return { id, specificationId: id.slice(0, -suffix.length), format }
    }
  }
  return undefined
}

export function configurationIdsOf(specificationId: string): string[] {
  return Object.values(CONFIGURATION_SUFFIX).map((suffix) => `${specificationId}${suffix}`)
}

type LanguageMap = Readonly<Record<string, string>>

interface SpecificationTexts {
  readonly title?: LanguageMap
  readonly description?: LanguageMap
}

function textsOf(spec: Specification): SpecificationTexts {
  const doc = spec.document as SpecificationTexts
  return { title: doc.title, description: doc.description }
}

/** VCI 1.0 §12.2.4 `credential_metadata.display`: one entry per language the course is described in. */
function displayOf(spec: Specification, formatLabel: string) {
  const { title, description } = textsOf(spec)
  const locales = Object.keys(title ?? { en: spec.id })
  return locales.map((locale) => ({
    name: `${title?.[locale] ?? spec.id} (${formatLabel})`,
    locale,
    ...(description?.[locale] ? { description: description[locale] } : {}),
    background_color: '#12355b',
    text_color: '#ffffff',
  }))
}

/** The jwt_vc_json claims a wallet is told about (VCI 1.0 Appendix B.2): the EDC's main facts. */
function jwtVcClaims() {
  const label = (en: string, de: string) => [
    { name: en, locale: 'en' },
    { name: de, locale: 'de' },
  ]
  return [
    { path: ['credentialSubject', 'givenName'], display: label('Given name', 'Vorname') },
    { path: ['credentialSubject', 'familyName'], display: label('Family name', 'Familienname') },
    { path: ['credentialSubject', 'hasClaim', 'title'], display: label('Achievement', 'Leistung') },
    { path: ['issuer', 'legalName'], display: label('Issued by', 'Ausgestellt von') },
    { path: ['issuanceDate'], display: label('Date of issuance', 'Ausstellungsdatum') },
  ]
}

/**
 * The `credential_configurations_supported` entries of one course (VCI 1.0 §12.2.4, Appendix A).
 * `credential_metadata` is always emitted: the @openid4vc client treats an issuer as 1.0 only
 * when a configuration has it (protocols.md).
 */
export function credentialConfigurationsOf(spec: Specification) {
  const proofTypes = { jwt: { proof_signing_alg_values_supported: [...WALLET_SIGNING_ALGS] } }
  return {
    [`${spec.id}${CONFIGURATION_SUFFIX.jwt_vc_json}`]: {
      format: 'jwt_vc_json' as const,
      scope: `${spec.id}${CONFIGURATION_SUFFIX.jwt_vc_json}`,
      cryptographic_binding_methods_supported: ['did:key', 'did:jwk', 'did:web', 'jwk'],
      credential_signing_alg_values_supported: ['ES256'],
      proof_types_supported: proofTypes,
      credential_definition: { type: ['VerifiableCredential', 'EuropeanDigitalCredential'] },
      credential_metadata: { display: displayOf(spec, 'W3C VC'), claims: jwtVcClaims() },
    },
    [`${spec.id}${CONFIGURATION_SUFFIX['dc+sd-jwt']}`]: {
      format: 'dc+sd-jwt' as const,
      scope: `${spec.id}${CONFIGURATION_SUFFIX['dc+sd-jwt']}`,
      vct: EU_LEARNING_CREDENTIAL_VCT,
      // HAIP 1.0 §6: SD-JWT VCs are bound to a JWK.
      cryptographic_binding_methods_supported: ['jwk'],
      credential_signing_alg_values_supported: ['ES256'],
      proof_types_supported: proofTypes,
      credential_metadata: { display: displayOf(spec, 'SD-JWT VC'), claims: sdJwtClaimDisplay() },
    },
  }
}
