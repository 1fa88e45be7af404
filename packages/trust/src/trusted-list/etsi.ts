// URIs of ETSI TS 119 612 (Trusted Lists), clause 5 and Annex D.

/** XML namespace of the trusted list schema (TS 119 612 Annex C, `ts_119612v2…xsd`). */
export const TSL_NAMESPACE = 'http://uri.etsi.org/02231/v2#'
/** XMLDSig namespace. */
export const DS_NAMESPACE = 'http://www.w3.org/2000/09/xmldsig#'
/** Clause 5.1: the TSLTag attribute of the root. */
export const TSL_TAG = 'http://uri.etsi.org/19612/TSLTag'
/** Clause 5.3.3: TSL type of an EU member state's list. */
export const TSL_TYPE_EU_GENERIC = 'http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric'
/** Clause 5.3.8: status determination approach of EU lists. */
export const STATUS_DETERMINATION_EU_APPROPRIATE = 'http://uri.etsi.org/TrstSvc/TrustedList/StatusDetn/EUappropriate'

/** Clause 5.5.1: service type "CA issuing qualified certificates". */
export const SERVICE_TYPE_CA_QC = 'http://uri.etsi.org/TrstSvc/Svctype/CA/QC'
/** Clause 5.5.1: service type "CA issuing non-qualified certificates". */
export const SERVICE_TYPE_CA_PKC = 'http://uri.etsi.org/TrstSvc/Svctype/CA/PKC'
/** Clause 5.5.1: qualified time-stamping service. */
export const SERVICE_TYPE_TSA_QTST = 'http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST'

/** Clause 5.5.4: service current status "granted" (eIDAS). */
export const SERVICE_STATUS_GRANTED = 'http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted'
/** Clause 5.5.4: service current status "withdrawn". */
export const SERVICE_STATUS_WITHDRAWN = 'http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn'

/** Clause 5.5.9.4: additionalServiceInformation "issues certificates for electronic seals". */
export const ADDITIONAL_SERVICE_INFO_FOR_ESEALS = 'http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSeals'

/** Clause 5.3.3: TSL type of the EU list of trusted lists (LOTL). */
export const TSL_TYPE_EU_LOTL = 'http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUlistofthelists'
/** Clause 5.3.8: status determination approach of the EU LOTL. */
export const STATUS_DETERMINATION_EU_LOTL = 'http://uri.etsi.org/TrstSvc/TrustedList/StatusDetn/EUlistofthelists'
/** XML namespace of the additional types (TS 119 612 Annex C: `MimeType` of a pointer, clause 5.3.13). */
export const TSL_ADDITIONAL_TYPES_NAMESPACE = 'http://uri.etsi.org/02231/v2/additionaltypes#'
/** Clause 5.3.13 / Annex D: MIME type of a machine-processable (XML) trusted list a pointer names. */
export const TSL_MIME_TYPE_XML = 'application/vnd.etsi.tsl+xml'

/** Clause 5.5.4: service status "recognised at national level" (non-qualified services). */
export const SERVICE_STATUS_RECOGNISED_AT_NATIONAL_LEVEL =
  'http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/recognisedatnationallevel'
/** Clause 5.5.4: service status "deprecated at national level". */
export const SERVICE_STATUS_DEPRECATED_AT_NATIONAL_LEVEL =
  'http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/deprecatedatnationallevel'

/** Clause 5.5.9.4: additionalServiceInformation "issues certificates for electronic signatures". */
export const ADDITIONAL_SERVICE_INFO_FOR_ESIGNATURES =
  'http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSignatures'
/** Clause 5.5.9.4: additionalServiceInformation "issues certificates for website authentication". */
export const ADDITIONAL_SERVICE_INFO_FOR_WEBSITE_AUTHENTICATION =
  'http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForWebSiteAuthentication'

/** The last path segment of an ETSI URI, for messages: `…/Svcstatus/withdrawn` → `withdrawn`. */
export function etsiUriName(uri: string): string {
  return uri.slice(uri.lastIndexOf('/') + 1) || uri
}

/** A service type for messages: `…/Svctype/CA/QC` → `CA/QC`. */
export function serviceTypeName(uri: string): string {
  const at = uri.indexOf('/Svctype/')
  return at >= 0 ? uri.slice(at + '/Svctype/'.length) : etsiUriName(uri)
}
