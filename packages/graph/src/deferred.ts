// Updates dated beyond the skew bound wait here until the host's `tick` finds them due.
// Bounded: when full, new arrivals are refused (and counted) rather than evicting older
// ones, so a flood of future-dated writes cannot push out earlier legitimate ones; anything
// refused comes back with the next anti-entropy sync. Per property only the greatest pending
// update is kept: it would overwrite the others anyway, and duplicates from gossip then cost
// no space.
import type { GraphEntry } from './entry.js'
import { hamCompare } from './ham.js'

export class DeferredQueue {
  private readonly bySoul = new Map<string, Map<string, GraphEntry>>()
  private count = 0

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.count
  }

  /** False when the queue is full and `e` would need a new slot. */
  add(e: GraphEntry): boolean {
    let props = this.bySoul.get(e.soul)
    const pending = props?.get(e.prop)
    if (pending !== undefined) {
      if (hamCompare(e, pending) > 0) props!.set(e.prop, e)
      return true
    }
    if (this.count >= this.capacity) return false
    if (props === undefined) {
      props = new Map()
      this.bySoul.set(e.soul, props)
    }
    props.set(e.prop, e)
    this.count++
    return true
  }

  /** Removes and returns every pending entry whose state is at most `maxState`. */
  takeDue(maxState: number): GraphEntry[] {
    const due: GraphEntry[] = []
    if (this.count === 0) return due
    for (const [soul, props] of this.bySoul) {
      for (const [prop, e] of props) {
        if (e.state > maxState) continue
        due.push(e)
        props.delete(prop)
        this.count--
      }
      if (props.size === 0) this.bySoul.delete(soul)
    }
    return due
  }

  /** The smallest pending state, or undefined when empty. */
  minState(): number | undefined {
    let min: number | undefined
    for (const props of this.bySoul.values())
      for (const e of props.values()) if (min === undefined || e.state < min) min = e.state
    return min
  }

  *entries(): IterableIterator<GraphEntry> {
    for (const props of this.bySoul.values()) yield* props.values()
  }
}
