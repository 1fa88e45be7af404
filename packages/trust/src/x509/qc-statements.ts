import * as asn1js from 'asn1js'
import {
  OID_QC_STATEMENTS,
  OID_QCS_QC_COMPLIANCE,
  OID_QCS_QC_SSCD,
  OID_QCS_QC_TYPE,
  OID_QCT_ESEAL,
  OID_QCT_ESIGN,
  OID_QCT_WEB,
} from './oids.ts'
import { x509 } from './provider.ts'

/** The QC statements of a certificate that matter for an eIDAS seal (ETSI EN 319 412-5 §4.2). */
export interface QcStatementsInfo {
  /** QcCompliance (§4.2.1): issued as an EU qualified certificate. */
  compliance: boolean
  /** QcSSCD (§4.2.2): the private key is held in a qualified signature/seal creation device. */
  sscd: boolean
  /** QcType OIDs (§4.2.3), e.g. `0.4.0.1862.1.6.2` for an electronic seal. */
  types: string[]
  /** The QcType values by name, for those this profile knows. */
  typeNames: Array<'esign' | 'eseal' | 'web'>
  /** Every statementId present (RFC 3739 §3.2.6), including ones not interpreted here. */
  statementIds: string[]
}

const TYPE_NAMES: Record<string, 'esign' | 'eseal' | 'web'> = {
  [OID_QCT_ESIGN]: 'esign',
  [OID_QCT_ESEAL]: 'eseal',
  [OID_QCT_WEB]: 'web',
}

/**
 * The DER of a QCStatements extension value (RFC 3739 §3.2.6:
 * `QCStatements ::= SEQUENCE OF QCStatement`, `QCStatement ::= SEQUENCE { statementId, statementInfo OPTIONAL }`).
 * QcCompliance carries no statementInfo (EN 319 412-5 §4.2.1); QcType carries
 * `SEQUENCE OF OBJECT IDENTIFIER` (§4.2.3).
 */
export function encodeQcStatements(options: { compliance: boolean; sscd?: boolean; types: string[] }): Uint8Array {
  const statements: asn1js.Sequence[] = []
  if (options.compliance) {
    statements.push(new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID_QCS_QC_COMPLIANCE })] }))
  }
  if (options.sscd) {
    statements.push(new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID_QCS_QC_SSCD })] }))
  }
  if (options.types.length > 0) {
    statements.push(
      new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: OID_QCS_QC_TYPE }),
          new asn1js.Sequence({ value: options.types.map((oid) => new asn1js.ObjectIdentifier({ value: oid })) }),
        ],
      }),
    )
  }
  return new Uint8Array(new asn1js.Sequence({ value: statements }).toBER(false))
}

/** The qcStatements extension (non-critical, EN 319 412-5 §4.1) for an eIDAS qualified seal certificate. */
export function qcSealStatementsExtension(options: { sscd?: boolean } = {}): x509.Extension {
  const value = encodeQcStatements({ compliance: true, sscd: options.sscd ?? false, types: [OID_QCT_ESEAL] })
  return new x509.Extension(OID_QC_STATEMENTS, false, new Uint8Array(value))
}

/**
 * Reads a QCStatements extension value. Statements whose statementInfo this profile does not
 * interpret (QcRetentionPeriod, QcPDS, PSD2, ...) are listed in `statementIds` only.
 * Throws `TypeError` on DER that is not a SEQUENCE OF SEQUENCE.
 */
export function decodeQcStatements(der: Uint8Array): QcStatementsInfo {
  const parsed = asn1js.fromBER(der)
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) {
    throw new TypeError('qcStatements is not a DER SEQUENCE')
  }
  const info: QcStatementsInfo = { compliance: false, sscd: false, types: [], typeNames: [], statementIds: [] }
  for (const statement of parsed.result.valueBlock.value) {
    if (!(statement instanceof asn1js.Sequence)) throw new TypeError('QCStatement is not a SEQUENCE')
    const [id, statementInfo] = statement.valueBlock.value
    if (!(id instanceof asn1js.ObjectIdentifier)) throw new TypeError('QCStatement has no statementId')
    const oid = id.valueBlock.toString()
    info.statementIds.push(oid)
    if (oid === OID_QCS_QC_COMPLIANCE) info.compliance = true
    if (oid === OID_QCS_QC_SSCD) info.sscd = true
    if (oid === OID_QCS_QC_TYPE && statementInfo instanceof asn1js.Sequence) {
      for (const type of statementInfo.valueBlock.value) {
        if (!(type instanceof asn1js.ObjectIdentifier)) continue
        const typeOid = type.valueBlock.toString()
        info.types.push(typeOid)
        const name = TYPE_NAMES[typeOid]
        if (name) info.typeNames.push(name)
      }
    }
  }
  return info
}
