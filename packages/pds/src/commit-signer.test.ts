import { randomBytes } from 'node:crypto'
import { P256Keypair, Secp256k1Keypair } from '@welkin/crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { CommitSigner } from './commit-signer.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe('CommitSigner', () => {
  const signers: CommitSigner[] = []
  const make = (opts?: ConstructorParameters<typeof CommitSigner>[0]) => {
    const s = new CommitSigner(opts)
    signers.push(s)
    return s
  }
  afterEach(async () => {
    await Promise.all(signers.splice(0).map((s) => s.close()))
  })

  it('signs on the worker exactly as the key itself does, many at once', async () => {
    const signer = make()
    expect(signer.available).toBe(true)
    const keys = Array.from({ length: 4 }, () => Secp256k1Keypair.createSync())
    const wrapped = keys.map((k) => signer.keypair(k, k.export()))
    for (const [i, w] of wrapped.entries()) {
      expect(w).not.toBe(keys[i])
      expect(w.did()).toBe(keys[i].did())
      expect(w.jwtAlg).toBe('ES256K')
    }
    const msgs = Array.from({ length: 40 }, (_, i) => randomBytes(20 + i))
    const sigs = await Promise.all(msgs.map((m, i) => wrapped[i % 4].sign(m)))
    // RFC 6979: the same key and message give the same signature wherever it is made.
    for (const [i, m] of msgs.entries()) expect(hex(sigs[i])).toBe(hex(keys[i % 4].signSync(m)))
    expect(signer.signedOnWorker).toBe(40)
    expect(signer.signedHere).toBe(0)
  })

  it('leaves keys it cannot sign on the worker as they are', () => {
    const signer = make()
    const p256 = P256Keypair.createSync()
    expect(signer.keypair(p256, p256.export())).toBe(p256)
  })

  it('sends a key the worker dropped again', async () => {
    const signer = make({ maxKeys: 2 })
    const keys = Array.from({ length: 5 }, () => Secp256k1Keypair.createSync())
    const wrapped = keys.map((k) => signer.keypair(k, k.export()))
    const msg = new Uint8Array([1, 2, 3])
    for (let round = 0; round < 3; round++) {
      for (const [i, w] of wrapped.entries()) expect(hex(await w.sign(msg))).toBe(hex(keys[i].signSync(msg)))
    }
    // Round-robin over 5 keys with room for 2: every later use finds its key gone once, is signed
    // here, and sends the key again.
    expect(signer.signedHere).toBeGreaterThan(0)
    expect(signer.signedOnWorker).toBeGreaterThan(0)
    expect(signer.signedHere + signer.signedOnWorker).toBe(15)
  })

  it('finishes what a stopped worker had not signed, and starts again on demand', async () => {
    const signer = make()
    const key = Secp256k1Keypair.createSync()
    const w = signer.keypair(key, key.export())
    const msgs = Array.from({ length: 30 }, () => randomBytes(32))
    const pending = msgs.map((m) => w.sign(m))
    await new Promise((resolve) => setImmediate(resolve))
    await signer.close()
    const sigs = await Promise.all(pending)
    for (const [i, m] of msgs.entries()) expect(hex(sigs[i])).toBe(hex(key.signSync(m)))
    expect(signer.signedHere).toBeGreaterThan(0)
    // A new worker, which must be sent the key again.
    const before = signer.signedOnWorker
    expect(hex(await w.sign(msgs[0]))).toBe(hex(key.signSync(msgs[0])))
    expect(signer.signedOnWorker).toBe(before + 1)
  })

  it('lets an idle worker go', async () => {
    const signer = make({ idleMs: 20 })
    const key = Secp256k1Keypair.createSync()
    const w = signer.keypair(key, key.export())
    const msg = new Uint8Array([9])
    expect(hex(await w.sign(msg))).toBe(hex(key.signSync(msg)))
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(hex(await w.sign(msg))).toBe(hex(key.signSync(msg)))
    expect(signer.signedOnWorker).toBe(2)
  })
})
