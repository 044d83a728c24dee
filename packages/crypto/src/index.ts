// @welkin/crypto: the signing keys of atproto. P-256 (ES256) and secp256k1 (ES256K) keypairs,
// SHA-256, compact low-S ECDSA signatures (cryptography spec), did:key and multikey encodings
// (did spec), and a parse-once PublicKey for the relay's verification hot path.
// This is the Node entry: native backend (node:crypto + libsecp256k1) by default, the pure-JS
// backend available for comparison. Browsers get browser.ts through the "browser" condition.
export * from './exports.js'
export { nativeBackend } from './native/backend.js'
export { pureBackend } from './pure/backend.js'
