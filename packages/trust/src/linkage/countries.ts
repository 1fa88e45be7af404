import countries from 'i18n-iso-countries'

/** EU Publications Office country authority table (the vocabulary of ELM `countryCode` / `spatial`). */
export const EU_COUNTRY_AUTHORITY = 'http://publications.europa.eu/resource/authority/country/'

/** ISO 3166-1 alpha-3 for an alpha-2 code (a certificate's C, X.520 countryName), or undefined. */
export function alpha2ToAlpha3(alpha2: string): string | undefined {
  return countries.alpha2ToAlpha3(alpha2.toUpperCase()) ?? undefined
}

/**
 * The code of an EU country authority URI (`…/authority/country/DEU` → `DEU`), or undefined for
 * any other URI. The authority's codes are ISO 3166-1 alpha-3 for the EU and EEA states.
 */
export function countryCodeOfUri(uri: string): string | undefined {
  const normalized = uri.replace(/^https:/, 'http:')
  if (!normalized.startsWith(EU_COUNTRY_AUTHORITY)) return undefined
  const code = normalized.slice(EU_COUNTRY_AUTHORITY.length)
  return /^[A-Z0-9]{3}$/.test(code) ? code : undefined
}
