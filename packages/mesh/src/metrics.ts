// Counters a node keeps about itself, and their Prometheus text exposition (format 0.0.4).
import type { MeshDiagnostics } from './diagnostics.js'

export type IngestPath = 'api' | 'gossip' | 'sync' | 'load'

export class MeshCounters {
  gossipIn = 0
  gossipOut = 0
  gossipBytesIn = 0
  gossipBytesOut = 0
  /** Gossip messages refused as a whole (undecodable, or carrying refused updates). */
  gossipRejected = 0
  syncSessions = 0
  syncRounds = 0
  syncFailures = 0
  syncBytesSent = 0
  syncBytesReceived = 0
  syncEntriesReceived = 0
  syncEntriesSent = 0
  syncServed = 0
  syncServedFailures = 0
  syncBusy = 0
  storeErrors = 0
  lastSyncAt: number | null = null
  /** Updates refused by the graph, by the path they came in on. */
  readonly rejected: Record<IngestPath, number> = { api: 0, gossip: 0, sync: 0, load: 0 }
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

class Exposition {
  private readonly lines: string[] = []

  add(
    name: string,
    type: 'counter' | 'gauge',
    help: string,
    samples: [Record<string, string>, number][],
  ): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
    for (const [labels, value] of samples) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${esc(v)}"`)
      this.lines.push(`${name}${l.length > 0 ? `{${l.join(',')}}` : ''} ${value}`)
    }
  }

  one(name: string, type: 'counter' | 'gauge', help: string, value: number): void {
    this.add(name, type, help, [[{}, value]])
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`
  }
}

export function renderMetrics(d: MeshDiagnostics): string {
  const x = new Exposition()
  x.one('welkin_mesh_peers', 'gauge', 'Connected peers.', d.peers.length)
  x.one(
    'welkin_mesh_dht_routing_table_size',
    'gauge',
    'Peers in the DHT routing table.',
    d.dht.routingTableSize,
  )
  x.add('welkin_mesh_gossip_messages_total', 'counter', 'Gossip messages by direction.', [
    [{ direction: 'in' }, d.messages.in],
    [{ direction: 'out' }, d.messages.out],
  ])
  x.add('welkin_mesh_gossip_bytes_total', 'counter', 'Gossip payload bytes by direction.', [
    [{ direction: 'in' }, d.messages.bytesIn],
    [{ direction: 'out' }, d.messages.bytesOut],
  ])
  x.one('welkin_mesh_gossip_rejected_total', 'counter', 'Gossip messages refused.', d.messages.rejected)
  x.one(
    'welkin_mesh_sync_sessions_total',
    'counter',
    'Anti-entropy sessions this node started.',
    d.sync.sessions,
  )
  x.one(
    'welkin_mesh_sync_rounds_total',
    'counter',
    'Anti-entropy round trips this node drove.',
    d.sync.rounds,
  )
  x.one('welkin_mesh_sync_failures_total', 'counter', 'Anti-entropy sessions that failed.', d.sync.failures)
  x.one('welkin_mesh_sync_served_total', 'counter', 'Anti-entropy sessions answered.', d.sync.served)
  x.add('welkin_mesh_sync_bytes_total', 'counter', 'Anti-entropy bytes by direction.', [
    [{ direction: 'sent' }, d.sync.bytesSent],
    [{ direction: 'received' }, d.sync.bytesReceived],
  ])
  x.add('welkin_mesh_sync_entries_total', 'counter', 'Entries repaired by anti-entropy.', [
    [{ direction: 'received' }, d.sync.entriesReceived],
    [{ direction: 'sent' }, d.sync.entriesSent],
  ])
  x.add(
    'welkin_mesh_rejected_updates_total',
    'counter',
    'Updates the graph refused, by path.',
    Object.entries(d.rejected.byPath).map(([path, n]) => [{ path }, n]),
  )
  x.add(
    'welkin_graph_rejected_updates_total',
    'counter',
    'Updates the graph refused, by reason.',
    Object.entries(d.graph.rejectedBy).map(([code, n]) => [{ code }, n ?? 0]),
  )
  x.one('welkin_graph_entries', 'gauge', 'Properties stored.', d.graph.entries)
  x.one('welkin_graph_souls', 'gauge', 'Souls stored.', d.graph.souls)
  x.one('welkin_graph_deferred', 'gauge', 'Updates waiting for their time.', d.graph.deferred)
  x.one('welkin_graph_applied_total', 'counter', 'Updates applied.', d.graph.applied)
  x.one('welkin_mesh_store_errors_total', 'counter', 'Failed writes to the graph store.', d.storeErrors)
  return x.toString()
}
