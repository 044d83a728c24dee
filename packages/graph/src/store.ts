// Persistence boundary. The graph is in memory; a host persists what `Graph.watch` reports
// into a GraphStore and reloads a replica with `graph.merge(store.iterate())`. Backends
// (SQLite and others live in higher layers) run the shared suite in store-suite.ts.
import { compareKeys, compareStrings, type GraphEntry } from './entry.js'
import { hamCompare } from './ham.js'

export type Awaitable<T> = T | Promise<T>

export interface IterateOptions {
  /** Resume strictly after this key, in canonical order. */
  after?: { soul: string; prop: string }
  /** Most entries to yield. */
  limit?: number
}

export interface GraphStore {
  get(soul: string, prop: string): Awaitable<GraphEntry | undefined>
  /** The entries of one soul in canonical (prop) order. */
  getSoul(soul: string): Awaitable<GraphEntry[]>
  /**
   * Stores validated entries. Like the graph, a store keeps per (soul, prop) the HAM winner
   * (`hamCompare`), so batches written out of order or twice leave the same state.
   */
  putBatch(entries: readonly GraphEntry[]): Awaitable<void>
  /** Entries in canonical order (`compareKeys`: soul, then prop, by code point). */
  iterate(opts?: IterateOptions): Iterable<GraphEntry> | AsyncIterable<GraphEntry>
}

export class MemoryGraphStore implements GraphStore {
  private readonly souls = new Map<string, Map<string, GraphEntry>>()

  get(soul: string, prop: string): GraphEntry | undefined {
    return this.souls.get(soul)?.get(prop)
  }

  getSoul(soul: string): GraphEntry[] {
    return [...(this.souls.get(soul)?.values() ?? [])].sort(compareKeys)
  }

  putBatch(entries: readonly GraphEntry[]): void {
    for (const e of entries) {
      let props = this.souls.get(e.soul)
      if (props === undefined) {
        props = new Map()
        this.souls.set(e.soul, props)
      }
      const cur = props.get(e.prop)
      if (cur === undefined || hamCompare(e, cur) > 0) props.set(e.prop, e)
    }
  }

  *iterate(opts: IterateOptions = {}): Generator<GraphEntry> {
    let left = opts.limit ?? Number.POSITIVE_INFINITY
    const after = opts.after
    for (const soul of [...this.souls.keys()].sort(compareStrings)) {
      if (left <= 0) return
      if (after !== undefined && compareStrings(soul, after.soul) < 0) continue
      for (const e of this.getSoul(soul)) {
        if (after !== undefined && compareKeys(e, after) <= 0) continue
        if (left-- <= 0) return
        yield e
      }
    }
  }
}
