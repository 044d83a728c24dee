import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Backend } from './backend.js'
import { bytesToHex } from './bytes.js'
import { P256, SECP256K1 } from './curves.js'
import { InvalidKeyError } from './errors.js'
import { importKeypair, P256Keypair, Secp256k1Keypair } from './keypair.js'
import { nativeBackend } from './native/backend.js'
import { parsePublicKey } from './public-key.js'
import { pureBackend } from './pure/backend.js'
import { isHighS } from './signature.js'
import { verifySignature } from './verify.js'

const backends: Backend[] = [nativeBackend, pureBackend]
const kinds = [
  { name: 'P-256', Keypair: P256Keypair, curve: P256, prefix: 'did:key:zDn' },
  { name: 'secp256k1', Keypair: Secp256k1Keypair, curve: SECP256K1, prefix: 'did:key:zQ3s' },
]
const utf8 = (s: string) => new TextEncoder().encode(s)

describe.each(kinds)('$name keypair', ({ Keypair, curve, prefix }) => {
  describe.each(backends)('on the $name backend', (backend) => {
    const other = backend === nativeBackend ? pureBackend : nativeBackend

    it('signs 64-byte signatures that verify, on this backend and the other', async () => {
      const keypair = await Keypair.create({ backend })
      expect(keypair.jwtAlg).toBe(curve.jwtAlg)
      expect(keypair.did().startsWith(prefix)).toBe(true)
      const msg = utf8('the quick brown fox')
      const sig = await keypair.sign(msg)
      expect(sig).toBeInstanceOf(Uint8Array)
      expect(sig.length).toBe(64)
      expect(parsePublicKey(keypair.did(), { backend }).verifySync(msg, sig)).toBe(true)
      expect(parsePublicKey(keypair.did(), { backend: other }).verifySync(msg, sig)).toBe(true)
      expect(await verifySignature(keypair.did(), msg, sig, { backend: other })).toBe(true)
      expect(keypair.publicKey().verifySync(msg, sig)).toBe(true)
    })

    it('rejects tampered messages and signatures', () => {
      const keypair = Keypair.createSync({ backend })
      const key = parsePublicKey(keypair.did(), { backend })
      const msg = utf8('commit bytes')
      const sig = keypair.signSync(msg)
      const badMsg = msg.slice()
      badMsg[3] ^= 0x40
      expect(key.verifySync(badMsg, sig)).toBe(false)
      for (const i of [0, 31, 32, 63]) {
        const badSig = sig.slice()
        badSig[i] ^= 1
        expect(key.verifySync(msg, badSig)).toBe(false)
      }
      expect(key.verifySync(msg, sig.subarray(0, 63))).toBe(false)
      expect(key.verifySync(msg, new Uint8Array(64))).toBe(false)
      const stranger = Keypair.createSync({ backend })
      expect(parsePublicKey(stranger.did(), { backend }).verifySync(msg, sig)).toBe(false)
    })

    it('always emits low-S signatures', () => {
      const keypair = Keypair.createSync({ backend })
      const key = keypair.publicKey()
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (msg) => {
          const sig = keypair.signSync(msg)
          expect(isHighS(curve, sig)).toBe(false)
          expect(key.verifySync(msg, sig)).toBe(true)
        }),
        { numRuns: backend === pureBackend ? 40 : 150 },
      )
    })

    it('imports what it exports, from bytes or hex', async () => {
      const keypair = await Keypair.create({ backend })
      const priv = keypair.export()
      expect(priv.length).toBe(32)
      expect((await Keypair.import(priv, { backend })).did()).toBe(keypair.did())
      expect(Keypair.importSync(bytesToHex(priv).toUpperCase(), { backend: other }).did()).toBe(keypair.did())
      expect(importKeypair(curve.jwtAlg, priv, { backend }).did()).toBe(keypair.did())
      priv.fill(0) // mutating an export must not reach the keypair
      expect(keypair.export()).not.toEqual(priv)
    })

    it('raises InvalidKeyError for malformed private keys', () => {
      const bad: unknown[] = [
        new Uint8Array(31).fill(1),
        new Uint8Array(33).fill(1),
        new Uint8Array(32),
        curve.nBytes,
        new Uint8Array(32).fill(0xff),
        'ab'.repeat(31),
        'zz'.repeat(32),
        `0x${'11'.repeat(31)}`,
        42,
        null,
      ]
      for (const priv of bad)
        expect(() => Keypair.importSync(priv as never, { backend })).toThrow(InvalidKeyError)
    })
  })
})

describe('keypairs across backends', () => {
  it('derive the same public key from the same private key', () => {
    for (const { Keypair } of kinds) {
      const priv = Keypair.createSync().export()
      expect(Keypair.importSync(priv, { backend: pureBackend }).publicKeyBytes()).toEqual(
        Keypair.importSync(priv, { backend: nativeBackend }).publicKeyBytes(),
      )
    }
  })

  it('sign secp256k1 identically (both use RFC 6979 nonces)', () => {
    const priv = Secp256k1Keypair.createSync().export()
    const msg = utf8('deterministic')
    expect(Secp256k1Keypair.importSync(priv, { backend: nativeBackend }).signSync(msg)).toEqual(
      Secp256k1Keypair.importSync(priv, { backend: pureBackend }).signSync(msg),
    )
  })

  it('keep the private key out of inspection output', async () => {
    const { inspect } = await import('node:util')
    const keypair = P256Keypair.createSync()
    const text = inspect(keypair) + JSON.stringify(keypair)
    expect(text).not.toContain(bytesToHex(keypair.export()))
    expect(inspect(keypair)).toContain(keypair.did())
  })
})
