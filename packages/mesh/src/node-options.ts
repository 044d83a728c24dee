// Options of a mesh node, with their defaults and checks.
import type { PrivateKey } from '@libp2p/interface'
import type { GraphOptions, GraphStore } from '@welkin/graph'
import { MeshConfigError } from './errors.js'

export interface MeshNodeOptions {
  /** Keeps the graph (graph.sqlite) and the peer key (peer.key) here; else both are ephemeral. */
  dataDir?: string
  /** A store to use instead of the data directory's; the node does not close it. */
  store?: GraphStore
  /** The libp2p identity; default: the data directory's key, else a fresh one. */
  privateKey?: PrivateKey
  /** Listen multiaddrs (default: loopback TCP and WebSockets on free ports). */
  listen?: string[]
  /** Peers to dial at start and whenever the node runs short of peers. */
  bootstrap?: string[]
  graphOptions?: GraphOptions
  /** GossipSub topic of the mesh (default /welkin/graph/1). */
  topic?: string
  /** Keep private addresses and drop same-IP penalties (default: when every listen address is private). */
  localNetwork?: boolean
  /** Connections the node tries to keep (default 8). */
  minPeers?: number
  /** Connections the node accepts (default 64). */
  maxPeers?: number
  /** GossipSub heartbeat (default 1000 ms). */
  gossipHeartbeatMs?: number
  /** Largest gossip message (default 1 MiB). */
  maxMessageBytes?: number
  /** Anti-entropy with a random peer this often (default 30,000 ms; 0: only on connect). */
  syncIntervalMs?: number
  /** Deadline of one anti-entropy session (default 60,000 ms). */
  syncTimeoutMs?: number
  /** Peer upkeep interval (default 10,000 ms). */
  maintainIntervalMs?: number
  /** How often each connection is pinged for its latency (default: libp2p's, 10,000 ms). */
  pingIntervalMs?: number
  /** Dial timeout (default 10,000 ms: a loaded peer may take seconds to finish a handshake). */
  dialTimeoutMs?: number
  /** Background failures (dials, sync sessions, store writes); default: ignored. */
  onError?: (err: unknown, where: string) => void
}

export { DEFAULT_LISTEN } from './defaults.js'

export function positiveInt(name: string, v: number | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt
  if (!Number.isSafeInteger(v) || v < min)
    throw new MeshConfigError(`${name} must be an integer >= ${min}, got ${v}`)
  return v
}
