/** JOSE algorithm names, used across atproto to name the two supported curves. */
export type JwtAlg = 'ES256' | 'ES256K'

/** NIST P-256 (secp256r1). */
export const P256_JWT_ALG = 'ES256' as const
/** secp256k1. */
export const SECP256K1_JWT_ALG = 'ES256K' as const

export interface VerifyOptions {
  /**
   * Accept high-S and DER-encoded signatures too. atproto requires compact low-S signatures
   * (cryptography spec, "ECDSA Signature Malleability"); only tooling that inspects foreign
   * data should set this.
   */
  allowMalleableSig?: boolean
}

export interface Keypair {
  readonly jwtAlg: JwtAlg
  /** 33-byte compressed public key. */
  publicKeyBytes(): Uint8Array
  /** `did:key:z...` form of the public key. */
  did(): string
  /** SHA-256 of `msg`, then ECDSA: a 64-byte compact `r || s`, always low-S. */
  sign(msg: Uint8Array): Promise<Uint8Array>
}

export interface ExportableKeypair extends Keypair {
  /** The 32-byte private scalar. Handle it as a secret. */
  export(): Uint8Array
}

/** A parsed public key that keeps its decoded curve point, for verifying many signatures. */
export interface PublicKey {
  readonly jwtAlg: JwtAlg
  /** 33-byte compressed point. */
  readonly compressed: Uint8Array
  did(): string
  /** Verifies `sig` over SHA-256(`msg`). False for any invalid, high-S or non-compact signature. */
  verifySync(msg: Uint8Array, sig: Uint8Array, opts?: VerifyOptions): boolean
  /** As `verifySync`, for a caller that already holds the 32-byte SHA-256 digest. */
  verifyDigestSync(digest: Uint8Array, sig: Uint8Array, opts?: VerifyOptions): boolean
}
