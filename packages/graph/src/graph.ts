// The replicated graph: souls holding properties, merged per property by HAM (ham.ts) under a
// hybrid logical clock (clock.ts). Pure: time comes from the injected clock, deferred updates
// wait for the host's `tick`, nothing here does I/O or sets timers.
import {
  type Clock,
  COUNTER_SLOTS,
  Hlc,
  isValidState,
  stateFromWall,
  systemClock,
  wallOfState,
} from './clock.js'
import { DeferredQueue } from './deferred.js'
import { compareKeys, compareStrings, GraphEntry, type Update } from './entry.js'
import {
  DeferQueueFullError,
  FutureStateError,
  GraphError,
  InvalidUpdateError,
  preview,
  SignatureError,
} from './errors.js'
import type { GraphOptions, GraphStats, MergeResult, PutOptions } from './graph-types.js'
import { hamCompare, tieBreak } from './ham.js'
import { DEFAULT_LIMITS, type GraphLimits } from './limits.js'
import {
  type AsyncSigner,
  checkUserWrite,
  DidKeyVerifier,
  type SignatureVerifier,
  signingPayload,
} from './signing.js'
import { checkProp, checkSoul } from './soul.js'
import {
  type BatchListener,
  type EntryListener,
  Subscriptions,
  type SubscriptionTarget,
} from './subscriptions.js'
import { isLink, link, normalizeValue, type Value } from './value.js'

export type { GraphOptions, GraphStats, MergeResult, PutOptions, Rejection } from './graph-types.js'

interface SoulNode {
  readonly owner: string | null
  readonly props: Map<string, GraphEntry>
}

const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/

function randomNodeId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(8))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

function nonNegative(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt
  if (!Number.isSafeInteger(v) || v < 0)
    throw new GraphError('invalid-option', `${name} must be a non-negative integer`)
  return v
}

export class Graph {
  readonly nodeId: string
  readonly clock: Clock
  readonly maxSkewMs: number
  readonly maxDeferMs: number
  readonly limits: Readonly<GraphLimits>
  readonly stats: GraphStats = {
    applied: 0,
    ignored: 0,
    deferred: 0,
    released: 0,
    rejected: 0,
    rejectedBy: {},
  }
  private readonly souls = new Map<string, SoulNode>()
  private readonly hlc = new Hlc()
  private readonly queue: DeferredQueue
  private readonly subs: Subscriptions
  private readonly verifier: SignatureVerifier
  private entryCount = 0

  constructor(opts: GraphOptions = {}) {
    this.clock = opts.clock ?? systemClock
    this.nodeId = opts.nodeId ?? randomNodeId()
    if (!NODE_ID.test(this.nodeId)) throw new GraphError('invalid-option', `nodeId must match ${NODE_ID}`)
    this.maxSkewMs = nonNegative('maxSkewMs', opts.maxSkewMs, 60_000)
    this.maxDeferMs = nonNegative('maxDeferMs', opts.maxDeferMs, 3_600_000)
    this.queue = new DeferredQueue(nonNegative('maxDeferred', opts.maxDeferred, 10_000))
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...opts.limits })
    this.verifier = opts.verifier ?? new DidKeyVerifier()
    const onError = opts.onListenerError ?? ((err: unknown) => queueMicrotask(() => Promise.reject(err)))
    this.subs = new Subscriptions(onError)
  }

  /** Merges remote updates (gossip, sync, a store being loaded). Never throws for bad input. */
  merge(updates: Iterable<Update>): MergeResult {
    const now = this.clock.now()
    const bound = stateFromWall(now + this.maxSkewMs) + COUNTER_SLOTS - 1
    const horizon = stateFromWall(now + this.maxSkewMs + this.maxDeferMs) + COUNTER_SLOTS - 1
    const result: MergeResult = { changed: [], deferred: [], rejected: [], ignored: 0 }
    for (const u of updates) {
      try {
        this.mergeOne(u, bound, horizon, result)
      } catch (err) {
        if (!(err instanceof GraphError)) throw err
        this.reject(result, u, err)
      }
    }
    this.stats.ignored += result.ignored
    this.subs.notify(result.changed)
    return result
  }

  /** Applies deferred updates that the clock has caught up with. */
  tick(nowMs: number = this.clock.now()): MergeResult {
    const due = this.queue.takeDue(stateFromWall(nowMs + this.maxSkewMs) + COUNTER_SLOTS - 1)
    this.stats.released += due.length
    const result: MergeResult = { changed: [], deferred: [], rejected: [], ignored: 0 }
    for (const e of due) {
      const node = this.souls.get(e.soul)
      const cur = node?.props.get(e.prop)
      if (cur !== undefined && hamCompare(e, cur) <= 0) result.ignored++
      else result.changed.push(this.apply(node, e, cur))
    }
    this.stats.ignored += result.ignored
    this.subs.notify(result.changed)
    return result
  }

  /**
   * A local write of some properties of one soul, all stamped with one fresh HLC state (so
   * they win over everything this replica has seen). User-space souls need `opts.signer`.
   * Throws on invalid input, applying nothing. Returns the entries to gossip.
   */
  put(soul: string, props: Readonly<Record<string, Value>>, opts: PutOptions = {}): GraphEntry[] {
    const [owner, pairs] = this.preparePut(soul, props, opts.signer)
    const state = this.hlc.next(this.clock.now())
    const entries = pairs.map(([prop, value]) => {
      const sig = owner === null ? null : opts.signer!.signSync(signingPayload(soul, prop, value, state))
      return new GraphEntry(soul, prop, value, state, sig)
    })
    return this.applyLocal(owner, entries)
  }

  /** `put` for signers that only sign asynchronously (e.g. a remote key). */
  async putAsync(
    soul: string,
    props: Readonly<Record<string, Value>>,
    signer: AsyncSigner,
  ): Promise<GraphEntry[]> {
    const [owner, pairs] = this.preparePut(soul, props, signer)
    const state = this.hlc.next(this.clock.now())
    const entries = await Promise.all(
      pairs.map(async ([prop, value]) => {
        const sig = await signer.sign(signingPayload(soul, prop, value, state))
        return new GraphEntry(soul, prop, value, state, sig)
      }),
    )
    return this.applyLocal(owner, entries)
  }

  /** A fresh HLC state (e.g. for unique tags); later local writes are stamped above it. */
  nextState(): number {
    return this.hlc.next(this.clock.now())
  }

  get(soul: string): Record<string, Value> | undefined {
    const node = this.souls.get(soul)
    if (node === undefined) return undefined
    const out: Record<string, Value> = {}
    for (const [prop, e] of node.props) out[prop] = e.value
    return out
  }

  getProp(soul: string, prop: string): Value | undefined {
    return this.souls.get(soul)?.props.get(prop)?.value
  }

  getEntry(soul: string, prop: string): GraphEntry | undefined {
    return this.souls.get(soul)?.props.get(prop)
  }

  has(soul: string): boolean {
    return this.souls.has(soul)
  }

  /** The entries of one soul in insertion order (cheaper than `soulEntries`). */
  entriesOf(soul: string): IterableIterator<GraphEntry> {
    return (this.souls.get(soul)?.props ?? new Map<string, GraphEntry>()).values()
  }

  /** The entries of one soul in canonical (prop) order. */
  soulEntries(soul: string): GraphEntry[] {
    const props = this.souls.get(soul)?.props
    return props === undefined ? [] : [...props.values()].sort(compareKeys)
  }

  /** Follows links through `path`; every step but the last must be a link. */
  walk(soul: string, path: readonly string[]): Value | undefined {
    if (path.length === 0) return this.souls.has(soul) ? link(soul) : undefined
    const last = this.resolve(soul, path.slice(0, -1))
    return last === undefined ? undefined : this.getProp(last, path[path.length - 1])
  }

  /** The soul reached by following the link at each property of `path` in turn. */
  resolve(soul: string, path: readonly string[]): string | undefined {
    let cur = soul
    for (const prop of path) {
      const v = this.getProp(cur, prop)
      if (!isLink(v)) return undefined
      cur = v['#']
    }
    return cur
  }

  subscribe(target: SubscriptionTarget, cb: EntryListener): () => void {
    return this.subs.subscribe(target, cb)
  }

  /** Every batch of changes (local, merged or released), e.g. for write-behind storage. */
  watch(cb: BatchListener): () => void {
    return this.subs.watch(cb)
  }

  /** Number of stored entries (properties over all souls). */
  get size(): number {
    return this.entryCount
  }

  get soulCount(): number {
    return this.souls.size
  }

  get deferredCount(): number {
    return this.queue.size
  }

  /** The wall time (ms) at which `tick` would release the earliest deferred update. */
  nextDeferredAt(): number | undefined {
    const min = this.queue.minState()
    return min === undefined ? undefined : wallOfState(min) - this.maxSkewMs
  }

  deferredEntries(): IterableIterator<GraphEntry> {
    return this.queue.entries()
  }

  /** Every entry in canonical order (soul, then prop), for snapshots and anti-entropy. */
  *entries(): Generator<GraphEntry> {
    for (const soul of [...this.souls.keys()].sort(compareStrings)) yield* this.soulEntries(soul)
  }

  private mergeOne(u: Update, bound: number, horizon: number, r: MergeResult): void {
    if (typeof u !== 'object' || u === null)
      throw new InvalidUpdateError('invalid-update', 'update must be an object')
    const { soul, prop, state } = u
    const node = this.souls.get(soul)
    const owner = node !== undefined ? node.owner : checkSoul(soul, this.limits)
    const cur = node?.props.get(prop)
    if (cur === undefined) checkProp(prop, this.limits)
    if (!isValidState(state))
      throw new InvalidUpdateError('invalid-state', `state must be a non-negative safe integer`)
    const value = normalizeValue(u.value, this.limits)
    const sig = u.sig ?? null
    if (sig !== null && !(sig instanceof Uint8Array))
      throw new SignatureError('signature-invalid', `signature must be bytes on ${preview(soul)}`)
    // Losing updates change nothing, so they are dropped before the costly signature check.
    if (
      cur !== undefined &&
      (state < cur.state || (state === cur.state && tieBreak({ value, state, sig }, cur) <= 0))
    ) {
      r.ignored++
      return
    }
    if (state > horizon)
      throw new FutureStateError(
        `state ${state} of ${preview(soul)}.${preview(prop)} is beyond the deferral horizon`,
      )
    if (owner !== null) checkUserWrite(this.verifier, owner, soul, prop, value, state, sig, u.signer)
    else if (sig !== null || u.signer !== undefined)
      throw new SignatureError('signature-unexpected', `signature on public soul ${preview(soul)}`)
    const entry = new GraphEntry(soul, prop, value, state, sig === null ? null : sig.slice())
    if (state > bound) {
      if (!this.queue.add(entry))
        throw new DeferQueueFullError(`deferred queue full (${this.queue.capacity})`)
      this.stats.deferred++
      r.deferred.push(entry)
      return
    }
    r.changed.push(this.apply(node, entry, cur, owner))
  }

  /** `owner` is passed when the caller already knows it, saving a re-parse of a new soul. */
  private apply(
    node: SoulNode | undefined,
    e: GraphEntry,
    cur: GraphEntry | undefined,
    owner?: string | null,
  ): GraphEntry {
    if (node === undefined) {
      node = { owner: owner === undefined ? checkSoul(e.soul, this.limits) : owner, props: new Map() }
      this.souls.set(e.soul, node)
    }
    node.props.set(e.prop, e)
    if (cur === undefined) this.entryCount++
    this.hlc.observe(e.state)
    this.stats.applied++
    return e
  }

  private preparePut(
    soul: string,
    props: Readonly<Record<string, Value>>,
    signer: { did(): string } | undefined,
  ): [string | null, [string, Value][]] {
    const owner = this.souls.get(soul)?.owner ?? checkSoul(soul, this.limits)
    if (typeof props !== 'object' || props === null || Array.isArray(props))
      throw new InvalidUpdateError('invalid-update', 'props must be an object')
    const pairs = Object.keys(props).map((prop): [string, Value] => {
      checkProp(prop, this.limits)
      return [prop, normalizeValue(props[prop], this.limits)]
    })
    if (owner === null && signer !== undefined)
      throw new SignatureError('signature-unexpected', `public soul ${preview(soul)} takes no signer`)
    if (owner !== null && signer === undefined)
      throw new SignatureError(
        'signature-missing',
        `writing user space ${preview(soul)} needs its owner's key`,
      )
    if (owner !== null && signer!.did() !== owner)
      throw new SignatureError('signer-mismatch', `signer ${signer!.did()} does not own ${preview(soul)}`)
    return [owner, pairs]
  }

  private applyLocal(owner: string | null, entries: GraphEntry[]): GraphEntry[] {
    // Verify our own signatures too: a broken signer must not put unverifiable data in the mesh.
    if (owner !== null)
      for (const e of entries)
        checkUserWrite(this.verifier, owner, e.soul, e.prop, e.value, e.state, e.sig, undefined)
    const changed: GraphEntry[] = []
    for (const e of entries) {
      const node = this.souls.get(e.soul)
      const cur = node?.props.get(e.prop)
      // Only putAsync can lose here: a newer write may have landed while it was signing.
      if (cur === undefined || hamCompare(e, cur) > 0) changed.push(this.apply(node, e, cur, owner))
    }
    this.subs.notify(changed)
    return changed
  }

  private reject(r: MergeResult, update: unknown, error: GraphError): void {
    r.rejected.push({ update, error })
    this.stats.rejected++
    this.stats.rejectedBy[error.code] = (this.stats.rejectedBy[error.code] ?? 0) + 1
  }
}
