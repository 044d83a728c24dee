/** Base class of every error this package throws on purpose. */
export class CryptoError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A public or private key that cannot be decoded, is not on its curve, or is of an unsupported type. */
export class InvalidKeyError extends CryptoError {}

/** A signature that cannot be decoded (verification itself answers `false`, never throws this). */
export class InvalidSignatureError extends CryptoError {}

/** Malformed hex or base58 text. */
export class InvalidEncodingError extends CryptoError {}
