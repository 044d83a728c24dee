import { defaultBackend } from '#backend'
import type { Backend, SigningKey } from './backend.js'
import { hexToBytes } from './bytes.js'
import { type Curve, curveFor, isValidPrivateKey, P256, SECP256K1 } from './curves.js'
import { CryptoError, InvalidKeyError } from './errors.js'
import { formatDidKey } from './multikey.js'
import { type BackendOption, publicKeyFromBytes } from './public-key.js'
import { COMPACT_SIGNATURE_LENGTH, normalizeLowS } from './signature.js'
import type { ExportableKeypair, JwtAlg, PublicKey } from './types.js'

export type KeypairOptions = BackendOption

// A uniform 32-byte string falls outside [1, n) with probability below 2^-32 for both curves;
// failing this many draws in a row means the random source is broken.
const MAX_KEYGEN_ATTEMPTS = 64

function generatePrivateKey(curve: Curve, backend: Backend): Uint8Array {
  for (let i = 0; i < MAX_KEYGEN_ATTEMPTS; i++) {
    const candidate = backend.randomBytes(32)
    if (isValidPrivateKey(curve, candidate)) return candidate
    candidate.fill(0)
  }
  throw new CryptoError(`${curve.name} key generation: random source never produced a valid scalar`)
}

function privateKeyBytes(curve: Curve, priv: Uint8Array | string): Uint8Array {
  let bytes: Uint8Array
  if (typeof priv === 'string') {
    if (priv.length !== 64) throw new InvalidKeyError(`${curve.name} private key: expected 64 hex characters`)
    try {
      bytes = hexToBytes(priv)
    } catch (err) {
      throw new InvalidKeyError(`${curve.name} private key: ${(err as Error).message}`, { cause: err })
    }
  } else if (priv instanceof Uint8Array) {
    bytes = priv.slice()
  } else {
    throw new InvalidKeyError(`${curve.name} private key: expected 32 bytes or a hex string`)
  }
  if (!isValidPrivateKey(curve, bytes)) {
    bytes.fill(0)
    throw new InvalidKeyError(`${curve.name} private key: not 32 bytes in the range [1, n)`)
  }
  return bytes
}

abstract class EcKeypair implements ExportableKeypair {
  readonly jwtAlg: JwtAlg
  readonly #curve: Curve
  readonly #priv: Uint8Array
  readonly #signer: SigningKey
  readonly #backend: Backend
  #did: string | undefined

  protected constructor(curve: Curve, priv: Uint8Array, backend: Backend) {
    this.jwtAlg = curve.jwtAlg
    this.#curve = curve
    this.#priv = priv
    this.#backend = backend
    this.#signer = backend.curves[curve.jwtAlg].importPrivateKey(priv)
  }

  publicKeyBytes(): Uint8Array {
    return this.#signer.publicKey.slice()
  }

  did(): string {
    this.#did ??= formatDidKey(this.jwtAlg, this.#signer.publicKey)
    return this.#did
  }

  /** The public half, parsed for verification on the same backend. */
  publicKey(): PublicKey {
    return publicKeyFromBytes(this.jwtAlg, this.#signer.publicKey, { backend: this.#backend })
  }

  /** SHA-256 of `msg`, then ECDSA; 64-byte compact `r || s`, always low-S. */
  signSync(msg: Uint8Array): Uint8Array {
    const sig = this.#signer.sign(msg)
    if (sig.length !== COMPACT_SIGNATURE_LENGTH) {
      throw new CryptoError(`${this.#curve.name} sign: backend returned ${sig.length} bytes`)
    }
    // Backends differ on S (OpenSSL picks either half); atproto accepts only the low one.
    return normalizeLowS(this.#curve, sig)
  }

  async sign(msg: Uint8Array): Promise<Uint8Array> {
    return this.signSync(msg)
  }

  export(): Uint8Array {
    return this.#priv.slice()
  }

  // Keeps the private key out of console.log / util.inspect output.
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `${this.constructor.name} { did: '${this.did()}' }`
  }
}

/** NIST P-256 (ES256) keypair. */
export class P256Keypair extends EcKeypair {
  declare readonly jwtAlg: 'ES256'

  private constructor(priv: Uint8Array, backend: Backend) {
    super(P256, priv, backend)
  }

  static createSync(opts?: KeypairOptions): P256Keypair {
    const backend = opts?.backend ?? defaultBackend
    return new P256Keypair(generatePrivateKey(P256, backend), backend)
  }

  static async create(opts?: KeypairOptions): Promise<P256Keypair> {
    return P256Keypair.createSync(opts)
  }

  /** From a 32-byte private scalar or its 64-character hex. Throws InvalidKeyError. */
  static importSync(priv: Uint8Array | string, opts?: KeypairOptions): P256Keypair {
    return new P256Keypair(privateKeyBytes(P256, priv), opts?.backend ?? defaultBackend)
  }

  static async import(priv: Uint8Array | string, opts?: KeypairOptions): Promise<P256Keypair> {
    return P256Keypair.importSync(priv, opts)
  }
}

/** secp256k1 (ES256K) keypair, the atproto default for new accounts. */
export class Secp256k1Keypair extends EcKeypair {
  declare readonly jwtAlg: 'ES256K'

  private constructor(priv: Uint8Array, backend: Backend) {
    super(SECP256K1, priv, backend)
  }

  static createSync(opts?: KeypairOptions): Secp256k1Keypair {
    const backend = opts?.backend ?? defaultBackend
    return new Secp256k1Keypair(generatePrivateKey(SECP256K1, backend), backend)
  }

  static async create(opts?: KeypairOptions): Promise<Secp256k1Keypair> {
    return Secp256k1Keypair.createSync(opts)
  }

  /** From a 32-byte private scalar or its 64-character hex. Throws InvalidKeyError. */
  static importSync(priv: Uint8Array | string, opts?: KeypairOptions): Secp256k1Keypair {
    return new Secp256k1Keypair(privateKeyBytes(SECP256K1, priv), opts?.backend ?? defaultBackend)
  }

  static async import(priv: Uint8Array | string, opts?: KeypairOptions): Promise<Secp256k1Keypair> {
    return Secp256k1Keypair.importSync(priv, opts)
  }
}

/** Imports a private key for either curve. */
export function importKeypair(
  jwtAlg: JwtAlg,
  priv: Uint8Array | string,
  opts?: KeypairOptions,
): P256Keypair | Secp256k1Keypair {
  curveFor(jwtAlg)
  return jwtAlg === 'ES256' ? P256Keypair.importSync(priv, opts) : Secp256k1Keypair.importSync(priv, opts)
}
