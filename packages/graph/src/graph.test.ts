import { describe, expect, it } from 'vitest'
import { ManualClock, stateFromWall } from './clock.js'
import type { GraphEntry, Update } from './entry.js'
import { GraphError, InvalidUpdateError } from './errors.js'
import { Graph } from './graph.js'
import { link } from './value.js'

const T0 = 1_700_000_000_000
const at = (ms: number, counter = 0) => stateFromWall(ms) + counter
const up = (soul: string, prop: string, value: Update['value'], state: number): Update => ({
  soul,
  prop,
  value,
  state,
})

function setup(opts: { maxSkewMs?: number; maxDeferMs?: number; maxDeferred?: number } = {}) {
  const clock = new ManualClock(T0)
  const graph = new Graph({ clock, nodeId: 'n1', maxSkewMs: 1000, maxDeferMs: 60_000, ...opts })
  return { clock, graph }
}

describe('Graph put / get / walk', () => {
  it('writes partial batches and reads them back', () => {
    const { graph } = setup()
    const written = graph.put('alice', { name: 'Alice', age: 30 })
    expect(written.map((e) => e.prop)).toEqual(['name', 'age'])
    expect(written[0].state).toBe(written[1].state)
    graph.put('alice', { age: 31, friend: link('bob') })
    expect(graph.get('alice')).toEqual({ name: 'Alice', age: 31, friend: { '#': 'bob' } })
    expect(graph.getProp('alice', 'age')).toBe(31)
    expect(graph.getProp('alice', 'nope')).toBeUndefined()
    expect(graph.get('nobody')).toBeUndefined()
    expect(graph.size).toBe(3)
    expect(graph.soulCount).toBe(1)
  })

  it('is atomic: an invalid property rejects the whole put', () => {
    const { graph } = setup()
    expect(() => graph.put('a', { ok: 1, bad: Number.NaN })).toThrow(InvalidUpdateError)
    expect(graph.has('a')).toBe(false)
    expect(() => graph.put('a', { '': 1 })).toThrow(InvalidUpdateError)
    expect(() => graph.put('', { x: 1 })).toThrow(InvalidUpdateError)
    expect(() => graph.put('a', null as never)).toThrow(InvalidUpdateError)
  })

  it('follows links with walk and resolve', () => {
    const { graph } = setup()
    graph.put('alice', { friend: link('bob'), name: 'Alice' })
    graph.put('bob', { pet: link('rex'), name: 'Bob' })
    graph.put('rex', { name: 'Rex' })
    expect(graph.walk('alice', ['friend', 'pet', 'name'])).toBe('Rex')
    expect(graph.walk('alice', ['friend'])).toEqual({ '#': 'bob' })
    expect(graph.walk('alice', [])).toEqual({ '#': 'alice' })
    expect(graph.walk('ghost', [])).toBeUndefined()
    expect(graph.walk('alice', ['name', 'x'])).toBeUndefined()
    expect(graph.walk('alice', ['missing', 'x'])).toBeUndefined()
    expect(graph.resolve('alice', ['friend', 'pet'])).toBe('rex')
    expect(graph.resolve('alice', ['name'])).toBeUndefined()
  })

  it('stamps local writes above everything merged, so they win', () => {
    const { graph } = setup()
    graph.merge([up('a', 'x', 'remote', at(T0 + 900, 5))])
    const [e] = graph.put('a', { x: 'local' })
    expect(e.state).toBe(at(T0 + 900, 6))
    expect(graph.getProp('a', 'x')).toBe('local')
  })
})

describe('Graph merge (HAM)', () => {
  it('applies newer states and ignores older and equal ones', () => {
    const { graph } = setup()
    let r = graph.merge([
      up('a', 'x', 'v2', at(T0, 2)),
      up('a', 'x', 'v1', at(T0, 1)),
      up('a', 'x', 'v2', at(T0, 2)),
    ])
    expect(r.changed.map((e) => e.value)).toEqual(['v2'])
    expect(r.ignored).toBe(2)
    r = graph.merge([up('a', 'x', 'v3', at(T0, 3))])
    expect(r.changed).toHaveLength(1)
    expect(graph.getProp('a', 'x')).toBe('v3')
    expect(graph.stats).toMatchObject({ applied: 2, ignored: 2, rejected: 0 })
  })

  it('breaks equal states by the greater JSON text, in any order', () => {
    const s = at(T0)
    const values = ['b', 'a', 10, 9, true, null, link('z')]
    const winners = new Set<string>()
    for (let i = 0; i < values.length; i++) {
      const { graph } = setup()
      const order = [...values.slice(i), ...values.slice(0, i)].reverse()
      graph.merge(order.map((v) => up('a', 'x', v, s)))
      winners.add(JSON.stringify(graph.getProp('a', 'x')))
    }
    // '{"#":"z"}' > 'true' > 'null' > '9' > '10' > '"b"' by UTF-16 code units.
    expect([...winners]).toEqual(['{"#":"z"}'])
  })

  it('rejects malformed updates with typed, counted errors and keeps going', () => {
    const { graph } = setup()
    const bad: unknown[] = [
      null,
      up('', 'x', 1, 1),
      up('a', '', 1, 1),
      up('a', 'x', Number.POSITIVE_INFINITY, 1),
      up('a', 'x', 1, -1),
      up('a', 'x', 1, 1.5),
      { ...up('a', 'x', 1, 1), sig: new Uint8Array(64) },
      { ...up('a', 'x', 1, 1), sig: 'nope' },
      up('~did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme', 'x', 1, 1),
    ]
    const r = graph.merge([...(bad as Update[]), up('a', 'ok', 1, 1)])
    expect(r.changed.map((e) => e.prop)).toEqual(['ok'])
    expect(r.rejected).toHaveLength(bad.length)
    for (const x of r.rejected) expect(x.error).toBeInstanceOf(GraphError)
    expect(r.rejected.map((x) => x.error.code)).toEqual([
      'invalid-update',
      'invalid-soul',
      'invalid-prop',
      'invalid-value',
      'invalid-state',
      'invalid-state',
      'signature-unexpected',
      'signature-invalid',
      'signature-missing',
    ])
    expect(graph.stats.rejected).toBe(bad.length)
    expect(graph.stats.rejectedBy['invalid-state']).toBe(2)
  })
})

describe('Graph clock-skew bound', () => {
  it('defers updates beyond now + maxSkew and applies them on tick', () => {
    const { clock, graph } = setup()
    const inBound = at(T0 + 1000, 999)
    const beyond = at(T0 + 1001)
    const r = graph.merge([up('a', 'x', 'near', inBound), up('a', 'y', 'far', beyond)])
    expect(r.changed.map((e) => e.prop)).toEqual(['x'])
    expect(r.deferred.map((e) => e.prop)).toEqual(['y'])
    expect(graph.getProp('a', 'y')).toBeUndefined()
    expect(graph.deferredCount).toBe(1)
    expect(graph.nextDeferredAt()).toBe(T0 + 1)
    expect(graph.tick().changed).toEqual([])
    clock.advance(1)
    expect(graph.tick().changed.map((e) => e.value)).toEqual(['far'])
    expect(graph.getProp('a', 'y')).toBe('far')
    expect(graph.deferredCount).toBe(0)
    expect(graph.stats).toMatchObject({ deferred: 1, released: 1 })
  })

  it('does not let deferred states move the local clock', () => {
    const { graph } = setup()
    graph.merge([up('a', 'x', 'far', at(T0 + 50_000))])
    const [e] = graph.put('a', { y: 1 })
    expect(e.state).toBe(at(T0))
  })

  it('keeps only the greatest pending update per property', () => {
    const { clock, graph } = setup({ maxDeferred: 1 })
    graph.merge([
      up('a', 'x', 'v1', at(T0 + 5000)),
      up('a', 'x', 'v2', at(T0 + 6000)),
      up('a', 'x', 'v0', at(T0 + 4000)),
    ])
    expect(graph.deferredCount).toBe(1)
    const r = graph.merge([up('b', 'x', 'other', at(T0 + 5000))])
    expect(r.rejected.map((x) => x.error.code)).toEqual(['defer-queue-full'])
    clock.advance(10_000)
    expect(graph.tick().changed.map((e) => e.value)).toEqual(['v2'])
  })

  it('rejects states beyond the deferral horizon', () => {
    const { graph } = setup()
    const r = graph.merge([up('a', 'x', 1, at(T0 + 1000 + 60_001))])
    expect(r.rejected.map((x) => x.error.code)).toEqual(['too-far-future'])
  })

  it('drops a released update that lost to a newer one meanwhile', () => {
    const { clock, graph } = setup()
    graph.merge([up('a', 'x', 'deferred', at(T0 + 2000))])
    clock.advance(5000)
    graph.merge([up('a', 'x', 'newer', at(T0 + 3000))])
    const r = graph.tick()
    expect(r.ignored).toBe(1)
    expect(graph.getProp('a', 'x')).toBe('newer')
  })
})

describe('Graph subscriptions', () => {
  it('notifies soul, property and global listeners after each batch', () => {
    const { graph } = setup()
    const soulSeen: string[] = []
    const propSeen: unknown[] = []
    const batches: number[] = []
    const offSoul = graph.subscribe('a', (e) => soulSeen.push(e.prop))
    const offProp = graph.subscribe({ soul: 'a', prop: 'x' }, (e) => propSeen.push(e.value))
    graph.watch((es) => batches.push(es.length))
    graph.put('a', { x: 1, y: 2 })
    graph.put('b', { x: 1 })
    graph.merge([up('a', 'x', 'old', 1)])
    graph.merge([up('a', 'x', 'new', at(T0 + 500))])
    expect(soulSeen).toEqual(['x', 'y', 'x'])
    expect(propSeen).toEqual([1, 'new'])
    expect(batches).toEqual([2, 1, 1])
    offSoul()
    offSoul()
    offProp()
    graph.put('a', { x: 3 })
    expect(soulSeen).toHaveLength(3)
    expect(propSeen).toHaveLength(2)
  })

  it('lets a listener write to the graph and routes listener errors', () => {
    const errors: unknown[] = []
    const graph = new Graph({ clock: new ManualClock(T0), onListenerError: (e) => errors.push(e) })
    graph.subscribe('a', () => {
      throw new Error('listener bug')
    })
    graph.subscribe({ soul: 'a', prop: 'x' }, (e: GraphEntry) => {
      if (e.value === 1) graph.put('log', { last: 'saw 1' })
    })
    graph.put('a', { x: 1 })
    expect(errors).toHaveLength(1)
    expect(graph.getProp('log', 'last')).toBe('saw 1')
  })
})

describe('Graph snapshot', () => {
  it('iterates entries in canonical order regardless of insertion order', () => {
    const { graph } = setup()
    graph.put('b', { z: 1, a: 2 })
    graph.put('a', { m: 3 })
    graph.put('😀', { x: 1 })
    graph.put('～', { x: 1 })
    expect([...graph.entries()].map((e) => `${e.soul}.${e.prop}`)).toEqual([
      'a.m',
      'b.a',
      'b.z',
      '～.x',
      '😀.x',
    ])
  })

  it('rejects bad options', () => {
    expect(() => new Graph({ nodeId: 'has space' })).toThrow(GraphError)
    expect(() => new Graph({ maxSkewMs: -1 })).toThrow(GraphError)
  })
})
