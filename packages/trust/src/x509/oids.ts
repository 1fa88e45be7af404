// Object identifiers used by eIDAS seal certificates.

/** X.520 organizationIdentifier; its value format is ETSI EN 319 412-1 §5.1.4 (e.g. `VATDE-123456789`). */
export const OID_ORGANIZATION_IDENTIFIER = '2.5.4.97'
export const OID_COMMON_NAME = '2.5.4.3'
export const OID_ORGANIZATION_NAME = '2.5.4.10'
export const OID_ORGANIZATIONAL_UNIT = '2.5.4.11'
export const OID_COUNTRY_NAME = '2.5.4.6'
export const OID_LOCALITY = '2.5.4.7'
export const OID_STATE = '2.5.4.8'
export const OID_SERIAL_NUMBER = '2.5.4.5'

/** RFC 3739 §3.2.6: id-pe-qcStatements. */
export const OID_QC_STATEMENTS = '1.3.6.1.5.5.7.1.3'
/** ETSI EN 319 412-5 §4.2.1: id-etsi-qcs-QcCompliance (an EU qualified certificate). */
export const OID_QCS_QC_COMPLIANCE = '0.4.0.1862.1.1'
/** ETSI EN 319 412-5 §4.2.2: id-etsi-qcs-QcSSCD (private key in a QSCD). */
export const OID_QCS_QC_SSCD = '0.4.0.1862.1.4'
/** ETSI EN 319 412-5 §4.2.3: id-etsi-qcs-QcType. */
export const OID_QCS_QC_TYPE = '0.4.0.1862.1.6'
/** ETSI EN 319 412-5 §4.2.3: QcType values. */
export const OID_QCT_ESIGN = '0.4.0.1862.1.6.1'
export const OID_QCT_ESEAL = '0.4.0.1862.1.6.2'
export const OID_QCT_WEB = '0.4.0.1862.1.6.3'

/** RFC 5280 §4.2.1.13 CRL distribution points; §4.2.1.9 basic constraints; §4.2.1.3 key usage. */
export const OID_CRL_DISTRIBUTION_POINTS = '2.5.29.31'
export const OID_BASIC_CONSTRAINTS = '2.5.29.19'
export const OID_KEY_USAGE = '2.5.29.15'
