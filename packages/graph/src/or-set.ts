// Observed-remove set on top of the graph: each add writes a fresh, globally unique tag
// property `+<state base36>.<nodeId>` holding the element; a remove nulls the tags it has
// seen for that element. A concurrent add writes a tag the remover never saw, so it survives
// (add wins). Tags only ever go from a value to null under HAM, so the set rides the same
// merge, signatures and sync as any soul. Tombstones (null tags) are kept: collecting them
// needs causal stability, which a gossip mesh does not know.
import { compareStrings, type GraphEntry } from './entry.js'
import { InvalidUpdateError } from './errors.js'
import type { Graph, PutOptions } from './graph.js'
import { lexical, type Value } from './value.js'

export const OR_SET_TAG_PREFIX = '+'

export class OrSet {
  constructor(
    readonly graph: Graph,
    readonly soul: string,
    private readonly opts: PutOptions = {},
  ) {}

  add(value: Value): GraphEntry[] {
    if (value === null) throw new InvalidUpdateError('invalid-value', 'an OR-Set element cannot be null')
    const tag = `${OR_SET_TAG_PREFIX}${this.graph.nextState().toString(36)}.${this.graph.nodeId}`
    return this.graph.put(this.soul, { [tag]: value }, this.opts)
  }

  /** Removes the element as observed here; returns the tombstones written (none if absent). */
  remove(value: Value): GraphEntry[] {
    const key = lexical(value)
    const tombstones: Record<string, null> = {}
    let any = false
    for (const e of this.liveTags())
      if (lexical(e.value) === key) {
        tombstones[e.prop] = null
        any = true
      }
    return any ? this.graph.put(this.soul, tombstones, this.opts) : []
  }

  has(value: Value): boolean {
    const key = lexical(value)
    for (const e of this.liveTags()) if (lexical(e.value) === key) return true
    return false
  }

  /** The distinct elements, in canonical (JSON text) order. */
  values(): Value[] {
    const byKey = new Map<string, Value>()
    for (const e of this.liveTags()) byKey.set(lexical(e.value), e.value)
    return [...byKey.keys()].sort(compareStrings).map((k) => byKey.get(k)!)
  }

  get size(): number {
    return this.values().length
  }

  private *liveTags(): Generator<GraphEntry> {
    for (const e of this.graph.entriesOf(this.soul))
      if (e.value !== null && e.prop.startsWith(OR_SET_TAG_PREFIX)) yield e
  }
}
