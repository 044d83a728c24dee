import { P256Keypair, Secp256k1Keypair } from '@welkin/crypto'
import { describe, expect, it } from 'vitest'
import { ManualClock } from './clock.js'
import type { Update } from './entry.js'
import { SignatureError } from './errors.js'
import { Graph } from './graph.js'
import { DidKeyVerifier, SIGNATURE_DOMAIN, signingPayload, signUpdate, signUpdateSync } from './signing.js'
import { userSoul } from './soul.js'
import { link } from './value.js'

const T0 = 1_700_000_000_000
const alice = P256Keypair.createSync()
const bob = Secp256k1Keypair.createSync()
const mallory = P256Keypair.createSync()
const aliceSoul = userSoul(alice.did(), 'profile')
const graph = () => new Graph({ clock: new ManualClock(T0) })

describe('user space signatures', () => {
  it('signs local writes and lets every replica verify them', () => {
    for (const key of [alice, bob]) {
      const a = graph()
      const soul = userSoul(key.did())
      const written = a.put(soul, { name: 'Me', home: link('places/1'), pi: 3.14 }, { signer: key })
      expect(written.every((e) => e.sig?.length === 64)).toBe(true)
      const b = graph()
      const r = b.merge(written)
      expect(r.rejected).toEqual([])
      expect(b.get(soul)).toEqual({ name: 'Me', home: { '#': 'places/1' }, pi: 3.14 })
    }
  })

  it('refuses local writes without the owner key', () => {
    const g = graph()
    expect(() => g.put(aliceSoul, { x: 1 })).toThrow(SignatureError)
    expect(() => g.put(aliceSoul, { x: 1 }, { signer: mallory })).toThrow(/does not own/)
    expect(() => g.put('public', { x: 1 }, { signer: alice })).toThrow(SignatureError)
    const broken = { did: () => alice.did(), signSync: () => new Uint8Array(64) }
    expect(() => g.put(aliceSoul, { x: 1 }, { signer: broken })).toThrow(/bad signature/)
    expect(g.has(aliceSoul)).toBe(false)
  })

  it('rejects replays under another soul, prop, value or state', () => {
    const [e] = graph().put(aliceSoul, { role: 'admin' }, { signer: alice })
    const tampered: Update[] = [
      { ...e, soul: userSoul(alice.did(), 'other') },
      { ...e, prop: 'role2' },
      { ...e, value: 'root' },
      { ...e, state: e.state + 1 },
    ]
    for (const t of tampered) {
      const r = graph().merge([t])
      expect(r.rejected.map((x) => x.error.code)).toEqual(['signature-invalid'])
    }
    expect(graph().merge([e]).changed).toHaveLength(1)
  })

  it('rejects unsigned, foreign-signed and mismatched-signer updates, and counts them', () => {
    const g = graph()
    const unsigned = { soul: aliceSoul, prop: 'x', value: 1, state: 5 }
    const byMallory = signUpdateSync(unsigned, mallory)
    const r = g.merge([unsigned, byMallory, { ...signUpdateSync(unsigned, alice), signer: mallory.did() }])
    expect(r.rejected.map((x) => x.error.code)).toEqual([
      'signature-missing',
      'signature-invalid',
      'signer-mismatch',
    ])
    expect(r.rejected.every((x) => x.error instanceof SignatureError)).toBe(true)
    expect(g.stats.rejectedBy['signature-invalid']).toBe(1)
    expect(g.merge([{ ...signUpdateSync(unsigned, alice), signer: alice.did() }]).changed).toHaveLength(1)
  })

  it('rejects a soul whose did:key does not parse', () => {
    const soul = '~did:key:z6Mkbogus'
    const r = graph().merge([{ soul, prop: 'x', value: 1, state: 1, sig: new Uint8Array(64) }])
    expect(r.rejected.map((x) => x.error.code)).toEqual(['invalid-key'])
  })

  it('signs the documented payload, also through async signers', async () => {
    const u = { soul: aliceSoul, prop: 'p', value: 0.5, state: 7 }
    const signed = await signUpdate(u, alice)
    const payload = signingPayload(u.soul, u.prop, u.value, u.state)
    expect(new DidKeyVerifier().verify(alice.did(), payload, signed.sig!)).toBe(true)
    expect(new TextDecoder().decode(payload)).toContain(SIGNATURE_DOMAIN)
    const g = graph()
    const written = await g.putAsync(aliceSoul, { a: 1 }, alice)
    expect(graph().merge(written).changed).toHaveLength(1)
  })

  it('converges on one of two signatures over the same write', () => {
    const u = { soul: aliceSoul, prop: 'x', value: 'v', state: 9 }
    // P-256 signing is randomised: two signatures over the same payload differ.
    const s1 = signUpdateSync(u, alice)
    const s2 = signUpdateSync(u, alice)
    expect(s1.sig).not.toEqual(s2.sig)
    const a = graph()
    const b = graph()
    a.merge([s1, s2])
    b.merge([s2, s1])
    expect(a.getEntry(aliceSoul, 'x')?.sig).toEqual(b.getEntry(aliceSoul, 'x')?.sig)
  })

  it('treats a verifier that throws as a failed check, not a crash', () => {
    const g = new Graph({
      clock: new ManualClock(T0),
      verifier: {
        verify: () => {
          throw new RangeError('r out of range')
        },
      },
    })
    const r = g.merge([signUpdateSync({ soul: aliceSoul, prop: 'x', value: 1, state: 1 }, alice)])
    expect(r.rejected.map((x) => x.error.code)).toEqual(['signature-invalid'])
  })

  it('bounds the parsed-key cache', () => {
    const v = new DidKeyVerifier(2)
    const keys = [alice, bob, mallory]
    for (const k of keys) {
      const payload = signingPayload(userSoul(k.did()), 'x', 1, 1)
      expect(v.verify(k.did(), payload, k.signSync(payload))).toBe(true)
    }
    expect((v as unknown as { keys: Map<string, unknown> }).keys.size).toBe(2)
  })
})
