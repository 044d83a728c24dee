// Listeners on a soul, on one property, or on every change. Listeners run after a whole
// batch has been applied, so one that reads or writes the graph sees a consistent state.
import type { GraphEntry } from './entry.js'

export type EntryListener = (entry: GraphEntry) => void
export type BatchListener = (entries: readonly GraphEntry[]) => void
export type SubscriptionTarget = string | { readonly soul: string; readonly prop: string }

export class Subscriptions {
  private readonly souls = new Map<string, Set<EntryListener>>()
  private readonly props = new Map<string, Map<string, Set<EntryListener>>>()
  private readonly all = new Set<BatchListener>()
  private count = 0

  constructor(private readonly onError: (err: unknown) => void) {}

  get active(): boolean {
    return this.count > 0
  }

  subscribe(target: SubscriptionTarget, cb: EntryListener): () => void {
    let set: Set<EntryListener> | undefined
    let drop: () => void
    if (typeof target === 'string') {
      set = this.souls.get(target)
      if (set === undefined) {
        set = new Set()
        this.souls.set(target, set)
      }
      drop = () => this.souls.delete(target)
    } else {
      const { soul, prop } = target
      let byProp = this.props.get(soul)
      if (byProp === undefined) {
        byProp = new Map()
        this.props.set(soul, byProp)
      }
      set = byProp.get(prop)
      if (set === undefined) {
        set = new Set()
        byProp.set(prop, set)
      }
      const owner = byProp
      drop = () => {
        owner.delete(prop)
        if (owner.size === 0) this.props.delete(soul)
      }
    }
    return this.track(set, cb, drop)
  }

  watch(cb: BatchListener): () => void {
    return this.track(this.all, cb)
  }

  notify(changed: readonly GraphEntry[]): void {
    if (this.count === 0 || changed.length === 0) return
    if (this.all.size > 0) for (const cb of [...this.all]) this.call(() => cb(changed))
    if (this.souls.size === 0 && this.props.size === 0) return
    for (const e of changed) {
      const bySoul = this.souls.get(e.soul)
      if (bySoul !== undefined) for (const cb of [...bySoul]) this.call(() => cb(e))
      const byProp = this.props.get(e.soul)?.get(e.prop)
      if (byProp !== undefined) for (const cb of [...byProp]) this.call(() => cb(e))
    }
  }

  private track<T>(set: Set<T>, cb: T, drop?: () => void): () => void {
    // A wrapper makes the same function subscribable twice, each with its own unsubscribe.
    const entry = ((...args: unknown[]) => (cb as (...a: unknown[]) => void)(...args)) as T
    set.add(entry)
    this.count++
    let live = true
    return () => {
      if (!live) return
      live = false
      set.delete(entry)
      this.count--
      if (set.size === 0) drop?.()
    }
  }

  private call(fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.onError(err)
    }
  }
}
