// What anti-entropy needs from a replica: its trie, its entries, and a merge that runs every
// incoming update through the graph's checks (signatures included). `graphReplica` keeps the
// trie in step with a Graph through `watch`, so every path in (API, gossip, sync, a reload)
// updates it.
import { decodeUpdates, type Graph, type GraphEntry, type MergeResult, type Update } from '@welkin/graph'
import { SyncError } from '../errors.js'
import { SYNC_LIMITS } from './messages.js'
import { SyncTrie } from './trie.js'

export interface SyncReplica {
  readonly trie: SyncTrie
  entry(soul: string, prop: string): GraphEntry | undefined
  merge(updates: Update[]): MergeResult
}

export interface GraphReplica extends SyncReplica {
  /** Stops following the graph. */
  detach(): void
}

/**
 * A replica over `graph`. `merge` defaults to `graph.merge`; a host passes its own to count
 * or log what sync brings in. Entries already in the graph are added to the trie now.
 */
export function graphReplica(graph: Graph, merge?: (updates: Update[]) => MergeResult): GraphReplica {
  const trie = new SyncTrie()
  for (const e of graph.entries()) trie.add(e)
  const detach = graph.watch((batch) => {
    for (const e of batch) trie.add(e)
  })
  return {
    trie,
    entry: (soul, prop) => graph.getEntry(soul, prop),
    merge: merge ?? ((updates) => graph.merge(updates)),
    detach,
  }
}

/** Decodes a batch from a peer within the frame limits. */
export function decodeBatch(bytes: Uint8Array): Update[] {
  try {
    return decodeUpdates(bytes, { maxUpdates: SYNC_LIMITS.maxEntries, maxBytes: SYNC_LIMITS.maxBatchBytes })
  } catch (err) {
    throw new SyncError('protocol', `bad entry batch: ${(err as Error).message}`, { cause: err })
  }
}
