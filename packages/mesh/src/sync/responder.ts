// The answering side of anti-entropy: stateless per frame, so a session is just a loop of
// `handle` calls. Work per frame is bounded by SYNC_LIMITS (prefixes, entries, bytes).
import { encodeUpdates, type GraphEntry } from '@welkin/graph'
import { decodeRequest, encodeResponse, type GetResult, SYNC_LIMITS } from './messages.js'
import { decodeBatch, type SyncReplica } from './replica.js'
import { equalBytes, type Summary } from './trie.js'

export interface ResponderStats {
  frames: number
  /** Entries the initiator pushed that the graph refused. */
  rejected: number
}

export class SyncResponder {
  readonly stats: ResponderStats = { frames: 0, rejected: 0 }

  constructor(private readonly replica: SyncReplica) {}

  /** Answers one request frame; throws SyncError for a malformed or oversized one. */
  handle(frame: Uint8Array): Uint8Array {
    const req = decodeRequest(frame)
    this.stats.frames++
    let rejected = 0
    // Pushed entries first, so the answers below already include them.
    if (req.put !== null) rejected = this.replica.merge(decodeBatch(req.put)).rejected.length
    this.stats.rejected += rejected
    const trie = this.replica.trie
    const cmp = req.cmp.map(([prefix, fp]): Summary[] | null =>
      equalBytes(trie.summary(prefix).fp, fp) ? null : trie.children(prefix),
    )
    return encodeResponse({ cmp, get: this.fetch(req.get), rejected })
  }

  private fetch(prefixes: Uint8Array[]): GetResult[] {
    const out: GetResult[] = []
    let entries = 0
    let bytes = 0
    // Entries looked at, sent or not: oversized prefixes ("split") must not add up unbounded.
    let walked = 0
    let full = false
    for (const prefix of prefixes) {
      if (full || walked > 4 * SYNC_LIMITS.maxEntries) {
        out.push('later')
        continue
      }
      const items = this.replica.trie.items(prefix, SYNC_LIMITS.maxEntries + 1)
      walked += items.length
      const found: GraphEntry[] = []
      for (const it of items) {
        const e = this.replica.entry(it.soul, it.prop)
        if (e !== undefined) found.push(e)
      }
      const batch = entries + found.length <= SYNC_LIMITS.maxEntries ? encodeUpdates(found) : null
      if (batch !== null && (bytes + batch.length <= SYNC_LIMITS.maxBatchBytes || found.length <= 1)) {
        out.push(batch)
        entries += found.length
        bytes += batch.length
      } else if (entries === 0) {
        // Too big even alone: the initiator compares its children instead.
        out.push('split')
      } else {
        out.push('later')
        full = true
      }
    }
    return out
  }
}
