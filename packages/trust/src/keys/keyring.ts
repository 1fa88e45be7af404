import { createPrivateKey, type KeyObject } from 'node:crypto'
import { TrustError } from '../errors.ts'
import type { SigningAlgorithm } from './algorithms.ts'
import { decryptPrivateKey, encryptPrivateKey, keyRecordAad } from './envelope.ts'
import { generateKeyMaterial, importKeyMaterial, type KeyMaterial, type KeyMaterialInput } from './import-key.ts'
import type { Kek } from './kek.ts'
import { KEY_STATE_TRANSITIONS, type KeyRecord, type KeyRecordRepository, type KeyState } from './key-record.ts'

/** Options of {@link createTenantKeyring}. */
export interface TenantKeyringOptions {
  readonly repository: KeyRecordRepository
  readonly kek: Kek
  /** The clock; injectable for tests. */
  readonly now?: () => Date
}

/** The per-tenant signing keys: add, rotate, retire, and open them. */
export interface TenantKeyring {
  /** Stores `material` as the tenant's active key; the previously active key becomes `published`. */
  add(tenantId: string, material: KeyMaterial): Promise<KeyRecord>
  /** Generates a key (ES256 by default) and {@link TenantKeyring.add}s it. */
  generate(tenantId: string, alg?: SigningAlgorithm): Promise<KeyRecord>
  /** Imports PEM / PKCS#8 / PKCS#12 material and {@link TenantKeyring.add}s it. */
  import(tenantId: string, input: KeyMaterialInput): Promise<KeyRecord>
  /**
   * Makes a new key active (generated ES256 unless `next` is given); the old active key stays
   * `published` for verification until {@link TenantKeyring.retire}d. Requires an active key.
   */
  rotate(tenantId: string, next?: KeyMaterial): Promise<{ active: KeyRecord; previous: KeyRecord }>
  /** Moves a `published` key to `retired` (the active key must be rotated out first). */
  retire(tenantId: string, kid: string): Promise<KeyRecord>
  /** All of a tenant's keys, newest first. */
  list(tenantId: string): Promise<KeyRecord[]>
  /** The active key, or `key_not_found`. */
  active(tenantId: string): Promise<KeyRecord>
  /** The keys a DID document must list: active first, then published, newest first. */
  verificationKeys(tenantId: string): Promise<KeyRecord[]>
  /** Decrypts a record's private key (`key_decrypt_failed` on a wrong KEK or tampering). */
  privateKey(record: KeyRecord): KeyObject
}

function byNewest(a: KeyRecord, b: KeyRecord): number {
  return b.createdAt.localeCompare(a.createdAt)
}

function assertTransition(record: KeyRecord, to: KeyState): void {
  if (!KEY_STATE_TRANSITIONS[record.state].includes(to)) {
    const hint =
      record.state === 'active' && to === 'retired' ? ' (rotate first, so the tenant keeps an active key)' : ''
    throw new TrustError('key_state_invalid', `key ${record.kid} cannot go from ${record.state} to ${to}${hint}`)
  }
}

/**
 * Creates the keyring over a repository that holds only encrypted records.
 *
 * @example
 * ```ts
 * const keyring = createTenantKeyring({ repository, kek: resolveKek({ mode, env: process.env }).kek })
 * const first = await keyring.generate('uni-a')            // active
 * const { previous } = await keyring.rotate('uni-a')        // first is now 'published'
 * await keyring.retire('uni-a', previous.kid)               // gone from the DID document
 * ```
 */
export function createTenantKeyring(options: TenantKeyringOptions): TenantKeyring {
  const { repository, kek } = options
  const now = options.now ?? (() => new Date())

  async function list(tenantId: string): Promise<KeyRecord[]> {
    return [...(await repository.listByTenant(tenantId))].sort(byNewest)
  }

  async function findActive(tenantId: string): Promise<KeyRecord | undefined> {
    // After a crash between saving a new key and demoting the old one, two keys can be active;
    // the newest wins, and the next rotation demotes both.
    return (await list(tenantId)).find((r) => r.state === 'active')
  }

  async function changeState(record: KeyRecord, to: KeyState): Promise<KeyRecord> {
    assertTransition(record, to)
    const at = now().toISOString()
    const changed = await repository.updateState({
      tenantId: record.tenantId,
      kid: record.kid,
      from: record.state,
      to,
      at,
    })
    if (!changed) {
      throw new TrustError('key_state_invalid', `key ${record.kid} changed state concurrently; reload and retry`)
    }
    return { ...record, state: to, stateChangedAt: at }
  }

  async function add(tenantId: string, material: KeyMaterial): Promise<KeyRecord> {
    const existing = await list(tenantId)
    if (existing.some((r) => r.kid === material.kid)) {
      throw new TrustError('key_exists', `tenant ${tenantId} already has key ${material.kid}`)
    }
    const at = now().toISOString()
    const pkcs8 = material.privateKey.export({ format: 'der', type: 'pkcs8' })
    const record: KeyRecord = {
      tenantId,
      kid: material.kid,
      alg: material.alg,
      state: 'active',
      publicJwk: material.publicJwk,
      ...(material.x5c ? { x5c: [...material.x5c] } : {}),
      encryptedPrivateKey: encryptPrivateKey(pkcs8, kek, keyRecordAad(tenantId, material.kid)),
      createdAt: at,
      stateChangedAt: at,
    }
    pkcs8.fill(0)
    await repository.save(record)
    for (const old of existing.filter((r) => r.state === 'active')) await changeState(old, 'published')
    return record
  }

  return {
    add,
    async generate(tenantId, alg = 'ES256') {
      return add(tenantId, await generateKeyMaterial(alg))
    },
    async import(tenantId, input) {
      return add(tenantId, await importKeyMaterial(input))
    },
    async rotate(tenantId, next) {
      const previous = await findActive(tenantId)
      if (!previous) throw new TrustError('key_not_found', `tenant ${tenantId} has no active key to rotate`)
      const active = await add(tenantId, next ?? (await generateKeyMaterial(previous.alg)))
      const demoted = (await list(tenantId)).find((r) => r.kid === previous.kid) ?? previous
      return { active, previous: demoted }
    },
    async retire(tenantId, kid) {
      const record = (await list(tenantId)).find((r) => r.kid === kid)
      if (!record) throw new TrustError('key_not_found', `tenant ${tenantId} has no key ${kid}`)
      return changeState(record, 'retired')
    },
    list,
    async active(tenantId) {
      const record = await findActive(tenantId)
      if (!record) throw new TrustError('key_not_found', `tenant ${tenantId} has no active signing key`)
      return record
    },
    async verificationKeys(tenantId) {
      const records = await list(tenantId)
      return [...records.filter((r) => r.state === 'active'), ...records.filter((r) => r.state === 'published')]
    },
    privateKey(record) {
      const der = decryptPrivateKey(record.encryptedPrivateKey, kek, keyRecordAad(record.tenantId, record.kid))
      try {
        return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' })
      } finally {
        der.fill(0)
      }
    },
  }
}
