// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata
// polyfill loaded first; and it signs through a WebCrypto provider, here node:crypto's webcrypto
// (the global `crypto` of Node ≥ 19).
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(globalThis.crypto)

export { x509 }
