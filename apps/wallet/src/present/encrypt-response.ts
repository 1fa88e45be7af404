// Response encryption for `direct_post.jwt` (OpenID4VP 1.0 §8.3): a JWE to the verifier's key
// from `client_metadata.jwks`, key agreement ECDH-ES (HAIP 1.0: P-256), content encryption from
// the verifier's `encrypted_response_enc_values_supported` (A128GCM when it names none).
import type { EncryptJweCallback } from '@openid4vc/oauth2'
import { CompactEncrypt, importJWK, type JWK } from 'jose'
import { WalletError } from '../errors.ts'

/** Key agreement algorithms the wallet encrypts with. */
export const RESPONSE_ENCRYPTION_ALGORITHMS = ['ECDH-ES'] as const
/** Content encryption algorithms the wallet encrypts with (§8.3: A128GCM and A256GCM). */
export const RESPONSE_ENCRYPTION_ENCODINGS = ['A128GCM', 'A256GCM'] as const

/** What the wallet tells @openid4vc/openid4vp it can do for JARM-style responses. */
export const WALLET_RESPONSE_ENCRYPTION_METADATA = {
  authorization_signing_alg_values_supported: [],
  authorization_encryption_alg_values_supported: [...RESPONSE_ENCRYPTION_ALGORITHMS],
  authorization_encryption_enc_values_supported: [...RESPONSE_ENCRYPTION_ENCODINGS],
}

/**
 * The library's `encryptJwe` callback: encrypts the authorization response to the verifier's
 * public key with jose, header `alg`, `enc`, the key's `kid` (§8.3: so the verifier finds its key),
 * and `apu` / `apv` as the library computed them.
 */
export const encryptResponseJwe: EncryptJweCallback = async (encryptor, data) => {
  const { publicJwk, alg, enc } = encryptor
  if (!(RESPONSE_ENCRYPTION_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new WalletError('query_unsupported', `response encryption with ${alg} is not supported`)
  }
  if (!(RESPONSE_ENCRYPTION_ENCODINGS as readonly string[]).includes(enc)) {
    throw new WalletError('query_unsupported', `response content encryption ${enc} is not supported`)
  }
  if ('d' in publicJwk) throw new WalletError('request_invalid', "the verifier's encryption key has private members")
  const key = await importJWK(publicJwk as JWK, alg)
  const jwe = await new CompactEncrypt(new TextEncoder().encode(data))
    .setProtectedHeader({ alg, enc, ...(publicJwk.kid ? { kid: publicJwk.kid } : {}) })
    .setKeyManagementParameters({
      ...(encryptor.apu ? { apu: Buffer.from(encryptor.apu, 'base64url') } : {}),
      ...(encryptor.apv ? { apv: Buffer.from(encryptor.apv, 'base64url') } : {}),
    })
    .encrypt(key)
  return { jwe, encryptionJwk: publicJwk }
}
