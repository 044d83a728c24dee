// The shape of `GET /v1/diagnostics` (MeshNode.diagnostics()), gathered from libp2p, the
// graph and the node's counters.
import type { GraphErrorCode } from '@welkin/graph'
import type { IngestPath } from './metrics.js'
import type { MeshNode } from './node.js'

export interface PeerDiagnostics {
  peerId: string
  addrs: string[]
  /** Round-trip time measured by libp2p's connection monitor; null until the first ping. */
  latencyMs: number | null
  direction: 'inbound' | 'outbound'
}

export interface MeshDiagnostics {
  peerId: string
  multiaddrs: string[]
  peers: PeerDiagnostics[]
  topics: { topic: string; subscribers: number; meshPeers: number }[]
  dht: { mode: 'client' | 'server'; routingTableSize: number }
  messages: { in: number; out: number; bytesIn: number; bytesOut: number; rejected: number }
  sync: {
    sessions: number
    rounds: number
    failures: number
    served: number
    bytesSent: number
    bytesReceived: number
    entriesReceived: number
    entriesSent: number
    lastSyncAt: string | null
  }
  graph: {
    entries: number
    souls: number
    deferred: number
    applied: number
    rejected: number
    rejectedBy: Partial<Record<GraphErrorCode, number>>
  }
  rejected: { byPath: Record<IngestPath, number> }
  storeErrors: number
}

export function buildDiagnostics(n: MeshNode): MeshDiagnostics {
  const libp2p = n.node
  const c = n.counters
  const g = n.graph
  const pubsub = libp2p?.services.pubsub
  const dht = libp2p?.services.dht as
    | { routingTable?: { size: number }; getMode(): 'client' | 'server' }
    | undefined
  return {
    peerId: n.peerId.toString(),
    multiaddrs: n.multiaddrs,
    peers: peersOf(n),
    topics: pubsub
      ? [
          {
            topic: n.topic,
            subscribers: pubsub.getSubscribers(n.topic).length,
            meshPeers: meshPeers(pubsub, n.topic),
          },
        ]
      : [],
    dht: { mode: dht?.getMode() ?? 'client', routingTableSize: dht?.routingTable?.size ?? 0 },
    messages: {
      in: c.gossipIn,
      out: c.gossipOut,
      bytesIn: c.gossipBytesIn,
      bytesOut: c.gossipBytesOut,
      rejected: c.gossipRejected,
    },
    sync: {
      sessions: c.syncSessions,
      rounds: c.syncRounds,
      failures: c.syncFailures,
      served: c.syncServed,
      bytesSent: c.syncBytesSent,
      bytesReceived: c.syncBytesReceived,
      entriesReceived: c.syncEntriesReceived,
      entriesSent: c.syncEntriesSent,
      lastSyncAt: c.lastSyncAt === null ? null : new Date(c.lastSyncAt).toISOString(),
    },
    graph: {
      entries: g.size,
      souls: g.soulCount,
      deferred: g.deferredCount,
      applied: g.stats.applied,
      rejected: g.stats.rejected,
      rejectedBy: { ...g.stats.rejectedBy },
    },
    rejected: { byPath: { ...c.rejected } },
    storeErrors: c.storeErrors,
  }
}

/** One row per peer; a peer reached over several connections lists all their addresses. */
function peersOf(n: MeshNode): PeerDiagnostics[] {
  const byPeer = new Map<string, PeerDiagnostics>()
  for (const conn of n.node?.getConnections() ?? []) {
    const id = conn.remotePeer.toString()
    const row = byPeer.get(id)
    const rtt = conn.rtt ?? null
    if (row === undefined) {
      byPeer.set(id, {
        peerId: id,
        addrs: [conn.remoteAddr.toString()],
        latencyMs: rtt,
        direction: conn.direction,
      })
      continue
    }
    row.addrs.push(conn.remoteAddr.toString())
    if (rtt !== null && (row.latencyMs === null || rtt < row.latencyMs)) row.latencyMs = rtt
  }
  return [...byPeer.values()]
}

function meshPeers(pubsub: unknown, topic: string): number {
  const p = pubsub as { getMeshPeers?: (t: string) => string[] }
  return p.getMeshPeers?.(topic).length ?? 0
}
