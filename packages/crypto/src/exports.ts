// The public API shared by the Node entry (index.ts) and the browser entry (browser.ts).
export { defaultBackend } from '#backend'
export type { Backend, CurveBackend, SigningKey, VerifyingKey } from './backend.js'
export { BASE58_MAX_DECODE_LENGTH, base58btcDecode, base58btcEncode } from './base58.js'
export { bytesToHex, constantTimeEqual, hexToBytes } from './bytes.js'
export { CryptoError, InvalidEncodingError, InvalidKeyError, InvalidSignatureError } from './errors.js'
export { importKeypair, type KeypairOptions, P256Keypair, Secp256k1Keypair } from './keypair.js'
export {
  BASE58BTC_MULTIBASE_PREFIX,
  compressPublicKey,
  DID_KEY_PREFIX,
  formatDidKey,
  formatMultikey,
  P256_MULTICODEC,
  type ParsedKey,
  parseDidKey,
  parseLegacyMultibase,
  parseMultikey,
  parseVerificationMethodKey,
  SECP256K1_MULTICODEC,
} from './multikey.js'
export { type BackendOption, parsePublicKey, publicKeyFromBytes } from './public-key.js'
export { derToCompact } from './signature.js'
export {
  type ExportableKeypair,
  type JwtAlg,
  type Keypair,
  P256_JWT_ALG,
  type PublicKey,
  SECP256K1_JWT_ALG,
  type VerifyOptions,
} from './types.js'
export {
  randomBytes,
  sha256,
  type VerifySignatureOptions,
  verifyDigestSync,
  verifySignature,
  verifySignatureSync,
} from './verify.js'
