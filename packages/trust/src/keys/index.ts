// Per-tenant signing keys: generation and import, envelope encryption at rest, rotation, hot-path
// JWS signing with node:crypto, and the Veramo identity agent (issue 3, "Keys").
export {
  algorithmForKey,
  hasPrivateJwkMembers,
  keyIdOf,
  PRIVATE_JWK_MEMBERS,
  publicJwkOf,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
} from './algorithms.ts'
export { decryptPrivateKey, type EncryptedPrivateKey, encryptPrivateKey, keyRecordAad } from './envelope.ts'
export {
  agentKeyId,
  createIdentityAgent,
  IDENTITY_KMS,
  type IdentityAgent,
  type IdentityAgentOptions,
  type IdentityTenant,
  loadIdentityTenant,
  type SkippedKey,
} from './identity-agent.ts'
export {
  generateKeyMaterial,
  importKeyMaterial,
  type KeyMaterial,
  type KeyMaterialInput,
  withCertificateChain,
} from './import-key.ts'
export { KEK_ENV_VAR, type Kek, type KekResolution, parseKek, type ResolveKekOptions, resolveKek } from './kek.ts'
export {
  KEY_STATE_TRANSITIONS,
  type KeyRecord,
  type KeyRecordRepository,
  type KeyState,
  type KeyStateChange,
} from './key-record.ts'
export { createTenantKeyring, type TenantKeyring, type TenantKeyringOptions } from './keyring.ts'
export { type Pkcs12Contents, readPkcs12 } from './pkcs12.ts'
export { signCompactJws } from './sign-compact-jws.ts'
export { createSigner, type Signer, type SignerHeader, type SignerOptions, type SigningKeyInfo } from './signer.ts'
