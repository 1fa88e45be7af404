import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CredentialStore } from './credential-store.ts'
import { generateHolderKey } from './holder-keys.ts'
import { newCredential } from './testing/test-credentials.ts'

// A low scrypt cost keeps the tests fast; the file records the cost, so it is read back the same.
const FAST = { N: 2 ** 10, r: 8, p: 1 }

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alma-wallet-store-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function walletWithOneCredential(name: string) {
  const path = join(dir, name)
  const store = await CredentialStore.open({ path, passphrase: 'pass phrase', create: true, scryptCost: FAST })
  const key = await generateHolderKey()
  const added = await store.add(newCredential('jwt_vc_json', 'eyJ.secret-credential.sig', key))
  return { path, store, key, added }
}

describe('CredentialStore (encrypted file)', () => {
  it('round-trips credentials and holder keys through the encrypted file', async () => {
    const { path, key, added } = await walletWithOneCredential('round-trip.wallet')
    const reopened = await CredentialStore.open({ path, passphrase: 'pass phrase' })
    expect(reopened.all()).toEqual([added])
    expect(reopened.get(added.id).holderKey).toEqual(key)
    expect(reopened.list()).toEqual([
      {
        id: added.id,
        format: 'jwt_vc_json',
        issuer: 'https://issuer.example',
        configurationId: 'course_jwt_vc_json',
        receivedAt: added.receivedAt,
        holderKeyId: key.id,
      },
    ])
    // On disk: the header in the clear, the rest ciphertext — no credential, no key material.
    const text = await readFile(path, 'utf8')
    const file = JSON.parse(text)
    expect(Object.keys(file).sort()).toEqual(['cipher', 'ciphertext', 'kdf', 'keyCheck', 'type', 'version'])
    expect(file.kdf).toMatchObject({ name: 'scrypt', N: FAST.N, r: 8, p: 1 })
    expect(file.cipher.name).toBe('A256GCM')
    for (const secret of ['secret-credential', key.privateJwk.d, key.publicJwk.x]) expect(text).not.toContain(secret)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
  })

  it('writes atomically: a fresh IV on every write, and no temp file left behind', async () => {
    const { path, store } = await walletWithOneCredential('atomic.wallet')
    const first = JSON.parse(await readFile(path, 'utf8'))
    await Promise.all([
      store.add(newCredential('dc+sd-jwt', 'a~', await generateHolderKey())),
      store.add(newCredential('dc+sd-jwt', 'b~', await generateHolderKey())),
    ])
    const second = JSON.parse(await readFile(path, 'utf8'))
    expect(second.cipher.iv).not.toBe(first.cipher.iv)
    expect(second.kdf.salt).toBe(first.kdf.salt)
    expect((await CredentialStore.open({ path, passphrase: 'pass phrase' })).list()).toHaveLength(3)
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('tells a wrong passphrase apart', async () => {
    const { path } = await walletWithOneCredential('wrong-passphrase.wallet')
    await expect(CredentialStore.open({ path, passphrase: 'pass phrasE' })).rejects.toMatchObject({
      name: 'WalletError',
      code: 'wrong_passphrase',
      message: `the passphrase does not open the wallet at ${path}`,
    })
  })

  it('detects a changed ciphertext, IV, tag or header as tampering', async () => {
    const { path } = await walletWithOneCredential('tamper.wallet')
    const original = JSON.parse(await readFile(path, 'utf8'))
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64url')
      bytes[bytes.length - 1]! ^= 1
      return bytes.toString('base64url')
    }
    const tampered = [
      { ...original, ciphertext: flip(original.ciphertext) },
      { ...original, cipher: { ...original.cipher, iv: flip(original.cipher.iv) } },
      { ...original, cipher: { ...original.cipher, tag: flip(original.cipher.tag) } },
    ]
    for (const file of tampered) {
      await writeFile(path, JSON.stringify(file))
      await expect(CredentialStore.open({ path, passphrase: 'pass phrase' })).rejects.toMatchObject({
        code: 'store_tampered',
      })
    }
    // Lowering the KDF cost in the header changes the derived key: the passphrase no longer fits.
    await writeFile(path, JSON.stringify({ ...original, kdf: { ...original.kdf, N: FAST.N / 2 } }))
    await expect(CredentialStore.open({ path, passphrase: 'pass phrase' })).rejects.toMatchObject({
      code: 'wrong_passphrase',
    })
  })

  it('refuses files that are not wallets, asks for absurd costs, or do not exist', async () => {
    const path = join(dir, 'not-a-wallet.json')
    await writeFile(path, '{"hello":"world"}')
    await expect(CredentialStore.open({ path, passphrase: 'x' })).rejects.toMatchObject({ code: 'store_invalid' })
    const { path: real } = await walletWithOneCredential('absurd.wallet')
    const file = JSON.parse(await readFile(real, 'utf8'))
    await writeFile(real, JSON.stringify({ ...file, kdf: { ...file.kdf, N: 2 ** 30 } }))
    await expect(CredentialStore.open({ path: real, passphrase: 'pass phrase' })).rejects.toMatchObject({
      code: 'store_invalid',
      message: expect.stringContaining('kdf.N'),
    })
    await expect(CredentialStore.open({ path: join(dir, 'missing.wallet'), passphrase: 'x' })).rejects.toMatchObject({
      code: 'store_not_found',
    })
    await expect(
      CredentialStore.open({ path: join(dir, 'empty-pass.wallet'), passphrase: '', create: true }),
    ).rejects.toMatchObject({
      code: 'input_invalid',
    })
  })
})

describe('CredentialStore (in memory)', () => {
  it('has the same API, finds by unique id prefix, and removes', async () => {
    const store = CredentialStore.inMemory()
    expect(store.path).toBeUndefined()
    const a = await store.add(newCredential('dc+sd-jwt', 'a~', await generateHolderKey()))
    const b = await store.add(newCredential('jwt_vc_json', 'b', await generateHolderKey()))
    expect(store.get(a.id.slice(0, 8))).toEqual(a)
    expect(() => store.get('zz')).toThrow(expect.objectContaining({ code: 'credential_not_found' }))
    await store.remove(a.id)
    expect(store.all()).toEqual([b])
  })
})
