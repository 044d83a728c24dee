// @welkin/mesh: a peer-to-peer node for the @welkin/graph CRDT. libp2p (TCP, WebSockets,
// Noise, Yamux, identify, ping, Kademlia) connects the peers, GossipSub carries live updates,
// anti-entropy over `/welkin/sync/1` repairs whatever a node missed with traffic that grows
// with the difference, SQLite keeps the graph, and an HTTP API (with SSE and Prometheus
// metrics) serves applications and the `welkin mesh` command.
import './polyfills.js'

export { DEFAULT_API_PORT, type MeshApi, type MeshApiOptions, startMeshApi } from './api/server.js'
export { MeshApiClient, type MeshApiClientOptions } from './client.js'
export type { MeshDiagnostics, PeerDiagnostics } from './diagnostics.js'
export {
  MeshApiError,
  MeshConfigError,
  MeshError,
  MeshStoreError,
  SyncError,
  type SyncErrorCode,
} from './errors.js'
export { DEFAULT_TOPIC } from './gossip.js'
export { type KeyFile, readKeyFile, writeKeyFile } from './key-file.js'
export { type IngestPath, MeshCounters, renderMetrics } from './metrics.js'
export { DHT_PROTOCOL } from './net/libp2p.js'
export { createMeshNode, MeshNode, type MeshNodeOptions, type SoulView } from './node.js'
export { DEFAULT_LISTEN } from './node-options.js'
export { SqliteGraphStore, type SqliteGraphStoreOptions } from './store/sqlite.js'
export { runSync, type SyncChannel, type SyncOptions, type SyncReport } from './sync/initiator.js'
export { SYNC_LIMITS, SYNC_PROTOCOL } from './sync/messages.js'
export { type GraphReplica, graphReplica, type SyncReplica } from './sync/replica.js'
export { SyncResponder } from './sync/responder.js'
export { SyncTrie } from './sync/trie.js'
