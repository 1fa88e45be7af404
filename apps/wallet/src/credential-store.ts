// The wallet's local store: one file, encrypted with AES-256-GCM under a key derived from the
// holder's passphrase by scrypt (RFC 7914), written atomically (temp file + rename), so a crash
// never leaves half a wallet. It holds each credential with its holder key: whoever reads the
// file without the passphrase learns nothing but its size.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  randomUUID,
  type ScryptOptions,
  scrypt,
  timingSafeEqual,
} from 'node:crypto'
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { z } from 'zod'
import { WalletError } from './errors.ts'
import { zHolderKey } from './holder-keys.ts'

/** The credential formats the wallet receives and presents (OpenID4VCI 1.0 Appendix A). */
export const CREDENTIAL_FORMATS = ['jwt_vc_json', 'dc+sd-jwt'] as const
export type CredentialFormat = (typeof CREDENTIAL_FORMATS)[number]

/** One credential as the store keeps it. */
export const zStoredCredential = z.strictObject({
  id: z.uuid(),
  format: z.enum(CREDENTIAL_FORMATS),
  /** The credential as issued: a VC-JWT, or an SD-JWT `<jwt>~<disclosure>~…~` with every disclosure. */
  credential: z.string().min(1),
  /** The Credential Issuer Identifier (OpenID4VCI 1.0 §12.2.1) that issued it. */
  issuer: z.string().min(1),
  /** The `credential_configuration_id` it was requested under (§4.1.1). */
  configurationId: z.string().min(1),
  /** The issuer's display name of the configuration (§12.2.4 `credential_metadata.display`), if any. */
  name: z.string().optional(),
  receivedAt: z.iso.datetime(),
  /** The key the credential is bound to (`cnf.jwk`); needed for every presentation. */
  holderKey: zHolderKey,
})
export type StoredCredential = z.infer<typeof zStoredCredential>

/** What `list` shows: a credential without its holder's private key. */
export type CredentialSummary = Omit<StoredCredential, 'holderKey' | 'credential'> & { readonly holderKeyId: string }

/** What a caller adds; the store assigns `id`. */
export type NewCredential = Omit<StoredCredential, 'id'>

const zWalletContent = z.strictObject({ credentials: z.array(zStoredCredential) })
type WalletContent = z.infer<typeof zWalletContent>

/** RFC 7914 cost parameters. */
export interface ScryptCost {
  /** CPU/memory cost, a power of two. */
  readonly N: number
  readonly r: number
  readonly p: number
}

/**
 * Default scrypt cost: N = 2^15, r = 8 (32 MiB, about 0.1 s here). Paid once per opening, not per
 * write: the salt stays with the file and the derived key stays in memory while it is open.
 */
export const DEFAULT_SCRYPT_COST: ScryptCost = Object.freeze({ N: 2 ** 15, r: 8, p: 1 })

// What a file may ask for: enough for any sane setting, not enough to make opening a hostile file
// allocate gigabytes.
const MAX_N = 2 ** 20
const MAX_R = 16
const MAX_P = 4
const FILE_TYPE = 'alma-wallet'
const FILE_VERSION = 1
const KEY_CHECK_LABEL = 'alma-wallet key check v1'

const b64u = z.string().regex(/^[A-Za-z0-9_-]*$/)

/** The file: a clear header (KDF parameters, key check) and the AES-256-GCM ciphertext of the content. */
const zWalletFile = z.strictObject({
  type: z.literal(FILE_TYPE),
  version: z.literal(FILE_VERSION),
  kdf: z.strictObject({
    name: z.literal('scrypt'),
    salt: b64u.min(22),
    N: z
      .number()
      .int()
      .min(2)
      .max(MAX_N)
      .refine((n) => (n & (n - 1)) === 0, 'N must be a power of two'),
    r: z.number().int().min(1).max(MAX_R),
    p: z.number().int().min(1).max(MAX_P),
  }),
  /**
   * HMAC-SHA-256 of a fixed label under the second half of the derived key: tells a wrong
   * passphrase apart from a damaged file without revealing anything about the encryption key.
   */
  keyCheck: b64u.length(43),
  cipher: z.strictObject({ name: z.literal('A256GCM'), iv: b64u.length(16), tag: b64u.length(22) }),
  ciphertext: b64u,
})
type WalletFile = z.infer<typeof zWalletFile>

/** Options of {@link CredentialStore.open}. */
export interface OpenCredentialStoreOptions {
  /** The wallet file. */
  readonly path: string
  readonly passphrase: string
  /** Create an empty wallet when the file does not exist (otherwise `store_not_found`). */
  readonly create?: boolean
  /** scrypt cost for a newly created file; default {@link DEFAULT_SCRYPT_COST}. */
  readonly scryptCost?: ScryptCost
}

interface DerivedKeys {
  readonly encryptionKey: Buffer
  readonly keyCheck: string
}

interface FileBacking {
  readonly path: string
  readonly kdf: WalletFile['kdf']
  readonly keys: DerivedKeys
}

/**
 * The holder's credentials in one encrypted file, or in memory (for tests and throw-away wallets).
 *
 * @example
 * ```ts
 * const store = await CredentialStore.open({ path: 'wallet.json', passphrase, create: true })
 * for (const c of store.list()) console.log(c.id, c.format, c.issuer)
 * ```
 */
export class CredentialStore {
  private content: WalletContent
  private readonly backing: FileBacking | undefined
  // Writes are applied one after the other, so two `add`s never race on the file.
  private queue: Promise<unknown> = Promise.resolve()

  private constructor(backing: FileBacking | undefined, content: WalletContent) {
    this.backing = backing
    this.content = content
  }

  /**
   * Opens (or with `create`, creates) the wallet file at `path`. Errors: `store_not_found`,
   * `wrong_passphrase`, `store_tampered` (the ciphertext or its header was changed),
   * `store_invalid` (not a wallet file, or a version we do not read).
   */
  static async open(options: OpenCredentialStoreOptions): Promise<CredentialStore> {
    if (typeof options.passphrase !== 'string' || options.passphrase.length === 0) {
      throw new WalletError('input_invalid', 'the wallet passphrase must not be empty')
    }
    let text: string
    try {
      text = await readFile(options.path, 'utf8')
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause
      if (!options.create) throw new WalletError('store_not_found', `there is no wallet at ${options.path}`, { cause })
      return CredentialStore.createFile(options)
    }
    const file = parseWalletFile(text, options.path)
    const keys = await deriveKeys(options.passphrase, Buffer.from(file.kdf.salt, 'base64url'), file.kdf)
    if (!safeEqual(keys.keyCheck, file.keyCheck)) {
      throw new WalletError('wrong_passphrase', `the passphrase does not open the wallet at ${options.path}`)
    }
    const content = decryptContent(file, keys, options.path)
    return new CredentialStore({ path: options.path, kdf: file.kdf, keys }, content)
  }

  /** An empty store that lives in memory only: same API, nothing written anywhere. */
  static inMemory(): CredentialStore {
    return new CredentialStore(undefined, { credentials: [] })
  }

  private static async createFile(options: OpenCredentialStoreOptions): Promise<CredentialStore> {
    const cost = options.scryptCost ?? DEFAULT_SCRYPT_COST
    const salt = randomBytes(16)
    const kdf = { name: 'scrypt' as const, salt: salt.toString('base64url'), N: cost.N, r: cost.r, p: cost.p }
    const keys = await deriveKeys(options.passphrase, salt, kdf)
    const store = new CredentialStore({ path: options.path, kdf, keys }, { credentials: [] })
    await store.persist(store.content)
    return store
  }

  /** The wallet file, or `undefined` for an in-memory store. */
  get path(): string | undefined {
    return this.backing?.path
  }

  /** Every credential, without private keys, oldest first. */
  list(): CredentialSummary[] {
    return this.content.credentials.map(({ holderKey, credential: _credential, ...rest }) => ({
      ...rest,
      holderKeyId: holderKey.id,
    }))
  }

  /** Every credential with its holder key: what the presenter matches a query against. */
  all(): readonly StoredCredential[] {
    return this.content.credentials
  }

  /** The credential with this id, or with this unique id prefix (at least 4 characters). */
  get(idOrPrefix: string): StoredCredential {
    const exact = this.content.credentials.find((c) => c.id === idOrPrefix)
    if (exact) return exact
    const candidates = idOrPrefix.length >= 4 ? this.content.credentials.filter((c) => c.id.startsWith(idOrPrefix)) : []
    if (candidates.length === 1) return candidates[0]!
    throw new WalletError(
      'credential_not_found',
      candidates.length > 1 ? `${idOrPrefix} is the start of several credential ids` : `no credential ${idOrPrefix}`,
    )
  }

  /** Adds a credential and writes the file; resolves once it is on disk. */
  async add(input: NewCredential): Promise<StoredCredential> {
    const credential = zStoredCredential.parse({ ...input, id: randomUUID() })
    await this.update((content) => ({ credentials: [...content.credentials, credential] }))
    return credential
  }

  /** Removes a credential (and its key) and writes the file. */
  async remove(idOrPrefix: string): Promise<void> {
    const { id } = this.get(idOrPrefix)
    await this.update((content) => ({ credentials: content.credentials.filter((c) => c.id !== id) }))
  }

  private update(change: (content: WalletContent) => WalletContent): Promise<void> {
    const next = this.queue.then(async () => {
      const content = change(this.content)
      await this.persist(content)
      this.content = content
    })
    this.queue = next.catch(() => {})
    return next
  }

  private async persist(content: WalletContent): Promise<void> {
    if (!this.backing) return
    const { path, kdf, keys } = this.backing
    await writeFileAtomically(path, `${JSON.stringify(encryptContent(content, kdf, keys), null, 2)}\n`)
  }
}

function parseWalletFile(text: string, path: string): WalletFile {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    throw new WalletError('store_invalid', `${path} is not a wallet file (not JSON)`, { cause })
  }
  const parsed = zWalletFile.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new WalletError(
      'store_invalid',
      `${path} is not a wallet file we read: ${issue?.path.join('.') || '(top)'}: ${issue?.message}`,
    )
  }
  return parsed.data
}

// The header is authenticated data of the ciphertext: a file whose KDF parameters or key check
// were swapped for others fails to decrypt instead of being silently accepted.
function additionalData(kdf: WalletFile['kdf'], keyCheck: string): Buffer {
  return Buffer.from(JSON.stringify({ type: FILE_TYPE, version: FILE_VERSION, kdf, keyCheck }), 'utf8')
}

function encryptContent(content: WalletContent, kdf: WalletFile['kdf'], keys: DerivedKeys): WalletFile {
  // NIST SP 800-38D §8.2.2: a fresh random 96-bit IV for every encryption under the key.
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', keys.encryptionKey, iv)
  cipher.setAAD(additionalData(kdf, keys.keyCheck))
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(content), 'utf8'), cipher.final()])
  return {
    type: FILE_TYPE,
    version: FILE_VERSION,
    kdf,
    keyCheck: keys.keyCheck,
    cipher: { name: 'A256GCM', iv: iv.toString('base64url'), tag: cipher.getAuthTag().toString('base64url') },
    ciphertext: ciphertext.toString('base64url'),
  }
}

function decryptContent(file: WalletFile, keys: DerivedKeys, path: string): WalletContent {
  let plaintext: string
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.encryptionKey, Buffer.from(file.cipher.iv, 'base64url'))
    decipher.setAAD(additionalData(file.kdf, file.keyCheck))
    decipher.setAuthTag(Buffer.from(file.cipher.tag, 'base64url'))
    plaintext = Buffer.concat([decipher.update(Buffer.from(file.ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    )
  } catch (cause) {
    throw new WalletError(
      'store_tampered',
      `the wallet at ${path} was changed or damaged: its contents fail authentication`,
      { cause },
    )
  }
  let json: unknown
  try {
    json = JSON.parse(plaintext)
  } catch (cause) {
    throw new WalletError('store_invalid', 'the wallet content is not JSON', { cause })
  }
  const parsed = zWalletContent.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new WalletError(
      'store_invalid',
      `the wallet content is not valid: ${issue?.path.join('.')}: ${issue?.message}`,
    )
  }
  return parsed.data
}

async function deriveKeys(passphrase: string, salt: Buffer, cost: ScryptCost): Promise<DerivedKeys> {
  // 64 bytes: the first half encrypts, the second half only computes the key check.
  const derived = await scryptAsync(passphrase.normalize('NFC'), salt, 64, {
    N: cost.N,
    r: cost.r,
    p: cost.p,
    maxmem: 256 * cost.N * cost.r + 1024 * 1024,
  })
  const keyCheck = createHmac('sha256', derived.subarray(32)).update(KEY_CHECK_LABEL).digest('base64url')
  return { encryptionKey: Buffer.from(derived.subarray(0, 32)), keyCheck }
}

function scryptAsync(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key)))
  })
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Writes `text` to a temp file beside `path` (mode 0600), flushes it, and renames it over `path`. */
async function writeFileAtomically(path: string, text: string): Promise<void> {
  const directory = dirname(path)
  await mkdir(directory, { recursive: true, mode: 0o700 })
  const temp = join(directory, `.${basename(path)}.${randomUUID()}.tmp`)
  const handle = await open(temp, 'wx', 0o600)
  try {
    await handle.writeFile(text, 'utf8')
    await handle.sync()
  } catch (error) {
    await handle.close()
    await unlink(temp).catch(() => {})
    throw error
  }
  await handle.close()
  try {
    // POSIX rename(2) replaces the target atomically: readers see the old file or the new one.
    await rename(temp, path)
  } catch (error) {
    await unlink(temp).catch(() => {})
    throw error
  }
}
