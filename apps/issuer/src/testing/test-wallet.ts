// Test-only entry to the demo wallet (demo/demo-wallet.ts), under the name the tests use.
export {
  demoWallet as testWallet,
  proofFor,
  redeemOffer,
  requestCredential,
  thumbprint,
  type WalletKey,
  walletKey,
} from '../demo/demo-wallet.ts'
