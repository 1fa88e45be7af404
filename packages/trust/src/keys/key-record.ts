import type { JWK } from 'jose'
import type { SigningAlgorithm } from './algorithms.ts'
import type { EncryptedPrivateKey } from './envelope.ts'

/**
 * The life of a tenant signing key:
 * - `active`: signs new credentials (one per tenant), and is published in the DID document;
 * - `published`: retired for signing but still in the DID document, so credentials it signed
 *   keep verifying (security.md: "old keys remain for verification after rotation");
 * - `retired`: gone from the DID document; kept only for the audit trail.
 *
 * Legal transitions: active → published (by rotation), published → retired. Nothing goes back.
 */
export type KeyState = 'active' | 'published' | 'retired'

/** The transitions {@link KeyRecordRepository.updateState} is ever asked to make. */
export const KEY_STATE_TRANSITIONS: Readonly<Record<KeyState, readonly KeyState[]>> = {
  active: ['published'],
  published: ['retired'],
  retired: [],
}

/**
 * A stored tenant signing key. The private key exists here only encrypted (envelope encryption
 * under the KEK); everything else is public.
 */
export interface KeyRecord {
  readonly tenantId: string
  /** RFC 7638 thumbprint of the public key; the fragment of the DID URL. */
  readonly kid: string
  readonly alg: SigningAlgorithm
  readonly state: KeyState
  /** Public JWK (RFC 7517), without `kid`. */
  readonly publicJwk: JWK
  /** Certificate chain, base64 DER, leaf first (RFC 7517 §4.7). */
  readonly x5c?: readonly string[]
  readonly encryptedPrivateKey: EncryptedPrivateKey
  /** ISO 8601 instants. */
  readonly createdAt: string
  readonly stateChangedAt: string
}

/** A compare-and-set state change: applied only if the record is still in state `from`. */
export interface KeyStateChange {
  readonly tenantId: string
  readonly kid: string
  readonly from: KeyState
  readonly to: KeyState
  /** ISO 8601 instant of the change. */
  readonly at: string
}

/**
 * Where key records live. The PGlite/PostgreSQL implementation belongs to packages/store; it must
 * scope every query by tenant, refuse a second record with the same (tenantId, kid), and apply
 * {@link KeyStateChange} atomically (one `UPDATE … WHERE state = from`), so two processes rotating
 * at once cannot both win (style.md, practice 7).
 */
export interface KeyRecordRepository {
  /** Inserts a new record; rejects if (tenantId, kid) exists. */
  save(record: KeyRecord): Promise<void>
  /** Every record of a tenant, any state. */
  listByTenant(tenantId: string): Promise<readonly KeyRecord[]>
  /** Applies the change if the record is in state `from`; returns whether it did. */
  updateState(change: KeyStateChange): Promise<boolean>
}
