// Seeded multi-replica simulation (test support, not exported): replicas with skewed clocks
// write concurrently and gossip over a network that reorders, duplicates, drops and
// partitions; every run is a pure function of its seed. `runSimulation` ends with a heal and
// full anti-entropy and returns each replica's canonical snapshot plus every write ever
// made, so a test can assert convergence and compare against a model.
import { Secp256k1Keypair } from '@welkin/crypto'
import { ManualClock } from './clock.js'
import type { Update } from './entry.js'
import { Graph } from './graph.js'
import { OrSet } from './or-set.js'
import { userSoul } from './soul.js'
import { link, type Value } from './value.js'

/** sfc32: small, fast and good enough for test schedules. */
export class Prng {
  private a: number
  private b: number
  private c: number
  private d = 1
  constructor(seed: number) {
    this.a = seed | 0
    this.b = (seed / 2 ** 32) | 0
    this.c = 0x9e3779b9
    for (let i = 0; i < 15; i++) this.next()
  }

  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return (t >>> 0) / 2 ** 32
  }

  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]
  }
}

export interface SimOptions {
  replicas: number
  steps: number
  maxSkewMs: number
  dropRate: number
  dupRate: number
  maxDeferred: number
}

export interface SimOutcome {
  snapshots: string[]
  /** Every genuine write, for the model; forged ones are listed apart. */
  writes: Update[]
  forged: Update[]
  counters: Record<string, number>
}

interface Message {
  to: number
  deliverAt: number
  updates: readonly Update[]
}

const T0 = 1_700_000_000_000
const SOULS = ['s0', 's1', 's2', 'users/a']
const PROPS = ['p', 'q', 'name']
const VALUES: Value[] = [null, true, false, 0, 1, -1, 10, 0.25, 'a', 'b', 'zz', '', link('s0'), link('s1')]

export function snapshotOf(g: Graph): string {
  const out: unknown[] = []
  for (const e of g.entries())
    out.push([e.soul, e.prop, e.value, e.state, e.sig ? Buffer.from(e.sig).toString('hex') : null])
  return JSON.stringify(out)
}

export function runSimulation(seed: number, opts: SimOptions): SimOutcome {
  const rng = new Prng(seed)
  const counters: Record<string, number> = { messages: 0, dropped: 0, duplicated: 0, partitions: 0, syncs: 0 }
  const bump = (k: string, n = 1) => {
    counters[k] = (counters[k] ?? 0) + n
  }
  let now = T0
  // Skews come from a few shared values so that replicas on the same clock write equal
  // states and tie-breaks happen: most within the bound, some beyond it both ways.
  const SKEWS = [0, 0, 0.4, -0.7, 0.9, 1.6, -2.2, 3].map((f) => Math.round(f * opts.maxSkewMs))
  const skews = Array.from({ length: opts.replicas }, (_, i) => (i === 0 ? 0 : rng.pick(SKEWS)))
  const clocks = skews.map((s) => new ManualClock(T0 + s))
  const graphs = clocks.map(
    (clock, i) =>
      new Graph({
        clock,
        nodeId: `r${i}`,
        maxSkewMs: opts.maxSkewMs,
        maxDeferMs: opts.maxSkewMs * 4,
        maxDeferred: opts.maxDeferred,
      }),
  )
  const keys = [0, 1].map((i) =>
    Secp256k1Keypair.importSync((seed * 7 + i + 1).toString(16).padStart(64, '0')),
  )
  const writes: Update[] = []
  const forged: Update[] = []
  let queue: Message[] = []
  let partition: number[] | null = null
  const connected = (a: number, b: number) => partition === null || partition[a] === partition[b]

  const send = (from: number, updates: readonly Update[]) => {
    for (let to = 0; to < opts.replicas; to++) {
      if (to === from) continue
      bump('messages')
      if (!connected(from, to) || rng.chance(opts.dropRate)) {
        bump('dropped')
        continue
      }
      const copies = rng.chance(opts.dupRate) ? 2 : 1
      if (copies === 2) bump('duplicated')
      for (let c = 0; c < copies; c++) queue.push({ to, deliverAt: now + rng.int(200), updates })
    }
  }

  const localWrite = (i: number) => {
    const g = graphs[i]
    const r = rng.next()
    let written: Update[]
    if (r < 0.08 && i < keys.length) {
      written = g.put(
        userSoul(keys[i].did(), 'profile'),
        { [rng.pick(PROPS)]: rng.pick(VALUES) },
        { signer: keys[i] },
      )
    } else if (r < 0.2) {
      const set = new OrSet(g, 'set/shared')
      const elem = rng.pick(['x', 'y', 'z'])
      written = rng.chance(0.6) ? set.add(elem) : set.remove(elem)
    } else {
      const props: Record<string, Value> = {}
      for (let k = 1 + rng.int(3); k > 0; k--) props[rng.pick(PROPS)] = rng.pick(VALUES)
      written = g.put(rng.pick(SOULS), props)
    }
    writes.push(...written)
    send(i, written)
  }

  const forge = (i: number) => {
    // A replica writing another user's space: signed by the wrong key, or a genuine signed
    // write replayed under another property.
    const genuine = writes.filter((w) => w.sig)
    let u: Update
    if (genuine.length > 0 && rng.chance(0.5)) u = { ...rng.pick(genuine), prop: 'replayed' }
    else {
      const soul = userSoul(keys[0].did(), 'profile')
      u = {
        soul,
        prop: 'name',
        value: 'pwned',
        state: graphs[i].nextState(),
        sig: keys[1].signSync(new Uint8Array(8)),
      }
    }
    forged.push(u)
    send(i, [u])
  }

  const tiedWrites = () => {
    // Two replicas whose clocks read the same instant write one property concurrently:
    // equal states, so only the tie-break decides, and it must decide the same everywhere.
    const [i, j] = [rng.int(opts.replicas), rng.int(opts.replicas)]
    // Their own soul, so later ordinary writes do not hide the outcome.
    const base = { soul: 'ties', prop: `t${rng.int(20)}`, state: graphs[i].nextState() }
    const us = [
      { ...base, value: rng.pick(VALUES) },
      { ...base, value: rng.pick(VALUES) },
    ]
    graphs[i].merge([us[0]])
    graphs[j].merge([us[1]])
    writes.push(...us)
    send(i, [us[0]])
    send(j, [us[1]])
  }

  const antiEntropy = (a: number, b: number) => {
    if (!connected(a, b)) return
    bump('syncs')
    graphs[b].merge([...graphs[a].entries()])
  }

  for (let step = 0; step < opts.steps; step++) {
    // Often no time passes between steps: same-millisecond writes produce equal states.
    const dt = rng.chance(0.4) ? 0 : rng.int(40)
    now += dt
    for (const c of clocks) c.advance(dt)
    const actions = 1 + rng.int(4)
    for (let k = 0; k < actions; k++) localWrite(rng.int(opts.replicas))
    if (rng.chance(0.01)) forge(rng.int(opts.replicas))
    if (rng.chance(0.1)) tiedWrites()
    if (partition === null && rng.chance(0.02)) {
      partition = graphs.map(() => rng.int(2))
      bump('partitions')
    } else if (partition !== null && rng.chance(0.05)) partition = null
    if (rng.chance(0.05)) antiEntropy(rng.int(opts.replicas), rng.int(opts.replicas))
    deliver(false)
    for (let i = 0; i < opts.replicas; i++) if (rng.chance(0.3)) graphs[i].tick()
  }

  // Heal: reconnect, drain the network, let every clock pass every state written, then full
  // anti-entropy twice (the second round must change nothing).
  partition = null
  deliver(true)
  const maxState = Math.max(0, ...writes.map((w) => w.state), ...forged.map((w) => w.state))
  const lag = Math.max(0, Math.ceil(maxState / 1000) - (now + Math.min(...skews))) + 1
  now += lag
  for (const c of clocks) c.advance(lag)
  for (const g of graphs) g.tick()
  for (let round = 0; round < 2; round++)
    for (let a = 0; a < opts.replicas; a++)
      for (let b = 0; b < opts.replicas; b++) if (a !== b) antiEntropy(a, b)

  for (const g of graphs) {
    bump('deferred', g.stats.deferred)
    bump('released', g.stats.released)
    for (const [code, n] of Object.entries(g.stats.rejectedBy)) bump(`rejected:${code}`, n)
  }
  return { snapshots: graphs.map(snapshotOf), writes, forged, counters }

  function deliver(all: boolean) {
    const due = all ? queue : queue.filter((m) => m.deliverAt <= now)
    queue = all ? [] : queue.filter((m) => m.deliverAt > now)
    // Random delivery order, not send order.
    for (let i = due.length - 1; i > 0; i--) {
      const j = rng.int(i + 1)
      ;[due[i], due[j]] = [due[j], due[i]]
    }
    for (const m of due) graphs[m.to].merge(m.updates)
  }
}
