import { Secp256k1Keypair } from '@welkin/crypto'
import { encodeCbor } from '@welkin/data'
import { encodeUpdates, type Graph, GraphEntry, signUpdateSync, type Update, userSoul } from '@welkin/graph'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SyncError } from '../errors.js'
import { runSync } from './initiator.js'
import { decodeResponse, encodeRequest, encodeResponse } from './messages.js'
import { graphReplica, type SyncReplica } from './replica.js'
import { SyncResponder } from './responder.js'
import { directChannel, frozenGraph } from './testing.js'

const T0 = 1_750_000_000_000_000
const snapshot = (g: Graph) => [...g.entries()].map((e) => [e.soul, e.prop, e.value, e.state])

function pair(a: Graph, b: Graph) {
  const ra = graphReplica(a)
  const rb = graphReplica(b)
  return { ra, rb, responder: new SyncResponder(rb) }
}

function bulk(n: number): Update[] {
  return Array.from({ length: n }, (_, i) => ({
    soul: `soul/${i >> 3}`,
    prop: `p${i & 7}`,
    value: `v${i}`,
    state: T0 + i,
  }))
}

describe('anti-entropy sessions', () => {
  it('converges any two replicas in one session', async () => {
    const update = fc.record({
      soul: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      prop: fc.constantFrom('x', 'y', 'z', 'w'),
      value: fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constant(null)),
      state: fc.integer({ min: T0, max: T0 + 20 }),
    })
    await fc.assert(
      fc.asyncProperty(
        fc.array(update, { maxLength: 60 }),
        fc.array(update, { maxLength: 60 }),
        async (xs, ys) => {
          const a = frozenGraph()
          const b = frozenGraph()
          a.merge(xs)
          b.merge(ys)
          const { ra, responder } = pair(a, b)
          await runSync(ra, directChannel(responder))
          expect(snapshot(a)).toEqual(snapshot(b))
          const c = frozenGraph()
          c.merge([...xs, ...ys])
          expect(snapshot(a)).toEqual(snapshot(c))
        },
      ),
      { numRuns: 80 },
    )
  })

  it('repairs 1 differing property among 20,000 in under 4 KB, both ways', async () => {
    const a = frozenGraph()
    const b = frozenGraph()
    a.merge(bulk(20_000))
    b.merge(bulk(20_000))
    const { ra, responder } = pair(a, b)
    let state = T0 + 50_000
    for (const side of ['initiator', 'responder'] as const) {
      const value = `changed on the ${side}`
      ;(side === 'initiator' ? a : b).merge([{ soul: 'soul/77', prop: 'p3', value, state: state++ }])
      const report = await runSync(ra, directChannel(responder))
      expect(a.getProp('soul/77', 'p3')).toBe(value)
      expect(b.getProp('soul/77', 'p3')).toBe(value)
      expect(report.bytesSent + report.bytesReceived).toBeLessThan(4096)
      expect(report.rounds).toBeLessThanOrEqual(7)
      expect(side === 'initiator' ? report.sent : report.received).toBe(1)
      // A second session finds nothing to do in one round trip of a few dozen bytes.
      const again = await runSync(ra, directChannel(responder))
      expect(again.rounds).toBe(1)
      expect(again.bytesSent + again.bytesReceived).toBeLessThan(40)
    }
  })

  it('copies a whole replica to an empty one, paging within the frame limits', async () => {
    const a = frozenGraph()
    const b = frozenGraph()
    b.merge(bulk(20_000))
    const { ra, responder } = pair(a, b)
    const report = await runSync(ra, directChannel(responder))
    expect(a.size).toBe(20_000)
    expect(snapshot(a)).toEqual(snapshot(b))
    expect(report.received).toBe(20_000)
    expect(report.rounds).toBeGreaterThan(2)
  })

  it('never lets forged or unsigned user-space entries through, in either direction', async () => {
    const owner = await Secp256k1Keypair.create()
    const thief = await Secp256k1Keypair.create()
    const soul = userSoul(owner.did())
    const liar = frozenGraph({ verifier: { verify: () => true } })
    const honest = frozenGraph()
    const genuine = signUpdateSync({ soul, prop: 'name', value: 'Ann', state: T0 }, owner)
    const forged = signUpdateSync({ soul, prop: 'bio', value: 'hacked', state: T0 + 1 }, thief)
    expect(liar.merge([genuine, forged]).rejected).toHaveLength(0)
    // The graph refuses unsigned user-space writes before any verifier runs, so the liar's
    // replica serves that one from outside its graph.
    const bad = new GraphEntry(soul, 'site', 'evil.example', T0 + 2, null)
    const base = graphReplica(liar)
    base.trie.add(bad)
    const lying: SyncReplica = {
      trie: base.trie,
      entry: (s, p) => (p === 'site' ? bad : liar.getEntry(s, p)),
      merge: (u) => liar.merge(u),
    }

    const report = await runSync(graphReplica(honest), directChannel(new SyncResponder(lying)))
    expect(honest.get(soul)).toEqual({ name: 'Ann' })
    expect(report.rejected).toBe(2)
    expect(honest.stats.rejectedBy).toMatchObject({ 'signature-invalid': 1, 'signature-missing': 1 })

    const victim = frozenGraph()
    const responder = new SyncResponder(graphReplica(victim))
    const back = await runSync(lying, directChannel(responder))
    expect(victim.get(soul)).toEqual({ name: 'Ann' })
    expect(back.refused).toBe(2)
    expect(responder.stats.rejected).toBe(2)
  })

  it('fails with SyncError on malformed or dishonest replies', async () => {
    const a = frozenGraph()
    const b = frozenGraph()
    b.merge(bulk(100))
    const { ra, responder } = pair(a, b)
    const garbage = () => Uint8Array.from([0xff, 0x00])
    await expect(runSync(ra, directChannel(responder, garbage))).rejects.toThrow(SyncError)
    const unanswered = () => encodeResponse({ cmp: [], get: [], rejected: 0 })
    await expect(runSync(ra, directChannel(responder, unanswered))).rejects.toThrow(/does not answer/)
    // Entries outside the requested prefix: the replica is not trusted to pick our ranges.
    const stray = (reply: Uint8Array, round: number) => {
      if (round === 0) return reply
      const res = decodeResponse(reply)
      res.get = res.get.map(() => encodeUpdates([{ soul: 'elsewhere', prop: 'q', value: 1, state: T0 }]))
      return encodeResponse(res)
    }
    const c = frozenGraph()
    const rc = graphReplica(c)
    await expect(runSync(rc, directChannel(responder, stray))).rejects.toThrow(/outside the prefix/)
    const endless = (reply: Uint8Array) => {
      const res = decodeResponse(reply)
      res.get = res.get.map(() => 'later')
      return encodeResponse(res)
    }
    await expect(
      runSync(graphReplica(frozenGraph()), directChannel(responder, endless), { maxRounds: 20 }),
    ).rejects.toThrow(/20 rounds/)
  })

  it('refuses requests over its limits', () => {
    const responder = new SyncResponder(graphReplica(frozenGraph()))
    const many = Array.from({ length: 300 }, (): [Uint8Array, Uint8Array] => [
      new Uint8Array(0),
      new Uint8Array(16),
    ])
    expect(() => responder.handle(encodeRequest({ cmp: many, get: [], put: null }))).toThrow(/exceed/)
    expect(() =>
      responder.handle(encodeCbor({ cmp: [[Uint8Array.from([17]), new Uint8Array(16)]] })),
    ).toThrow(SyncError)
    expect(() => responder.handle(encodeCbor({ hello: 1 }))).toThrow(/field hello/)
    expect(() => responder.handle(encodeCbor({ put: Uint8Array.from([1, 2, 3]) }))).toThrow(/bad entry batch/)
  })
})
