// The libp2p stack of a mesh node: TCP and WebSockets, Noise, Yamux, identify, ping, GossipSub
// with StrictSign (every message signed by its origin's peer key, checked on receipt), and a
// Kademlia DHT under Welkin's own protocol id, so a mesh never mixes with the public IPFS DHT.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { type GossipSub, gossipsub, StrictSign } from '@libp2p/gossipsub'
import { type Identify, identify } from '@libp2p/identify'
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import { type KadDHT, kadDHT, passthroughMapper, removePrivateAddressesMapper } from '@libp2p/kad-dht'
import { type Ping, ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { isLoopback, isPrivate } from '@libp2p/utils'
import { webSockets } from '@libp2p/websockets'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { MeshConfigError } from '../errors.js'

export const DHT_PROTOCOL = '/welkin/kad/1.0.0'

export type MeshServices = { identify: Identify; ping: Ping; pubsub: GossipSub; dht: KadDHT }
export type MeshLibp2p = Libp2p<MeshServices>

export interface StackOptions {
  privateKey: PrivateKey
  listen: string[]
  topic: string
  /** Loopback or LAN mesh: keep private addresses in the DHT, no same-IP penalties. */
  localNetwork: boolean
  gossipHeartbeatMs: number
  /** Connection monitor's ping interval; undefined: libp2p's default. */
  pingIntervalMs?: number
  maxPeers: number
  maxMessageBytes: number
  isBanned(peer: PeerId): boolean
}

export function parseMultiaddr(s: string, what: string): Multiaddr {
  try {
    return multiaddr(s)
  } catch (err) {
    throw new MeshConfigError(`${what} ${JSON.stringify(s)} is not a multiaddr: ${(err as Error).message}`)
  }
}

/** The peer id in a multiaddr's /p2p component, if any. */
export function peerIdOf(ma: Multiaddr): string | undefined {
  return ma.getComponents().find((c) => c.name === 'p2p')?.value
}

/** True when every address is loopback or private: a test mesh or a LAN. */
export function allLocal(addrs: readonly string[]): boolean {
  return addrs.every((a) => {
    const ma = parseMultiaddr(a, 'address')
    return isLoopback(ma) || isPrivate(ma)
  })
}

export async function createStack(opts: StackOptions): Promise<MeshLibp2p> {
  const listen = opts.listen.map((a) => parseMultiaddr(a, 'listen address').toString())
  const gate = (peer: PeerId) => opts.isBanned(peer)
  return createLibp2p({
    start: false,
    privateKey: opts.privateKey,
    addresses: { listen },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: {
      denyDialPeer: gate,
      denyInboundEncryptedConnection: gate,
      denyOutboundEncryptedConnection: gate,
    },
    // The monitor's pings give diagnostics their latency; a late pong on a busy node is not a
    // dead peer, so it must not cut the connection (TCP and Yamux notice real failures).
    connectionMonitor: {
      abortConnectionOnPingFailure: false,
      ...(opts.pingIntervalMs === undefined ? {} : { pingInterval: opts.pingIntervalMs }),
    },
    connectionManager: {
      maxConnections: opts.maxPeers,
      // Every peer of a local mesh may share one IP; the defaults would throttle them.
      ...(opts.localNetwork
        ? { inboundConnectionThreshold: 10_000, maxIncomingPendingConnections: 256 }
        : {}),
    },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        globalSignaturePolicy: StrictSign,
        allowPublishToZeroTopicPeers: true,
        fallbackToFloodsub: false,
        emitSelf: false,
        heartbeatInterval: opts.gossipHeartbeatMs,
        allowedTopics: [opts.topic],
        maxInboundDataLength: opts.maxMessageBytes,
        // Peer scoring penalises many peers behind one IP, which is every peer of a local mesh.
        ...(opts.localNetwork ? { scoreParams: { IPColocationFactorWeight: 0 } } : {}),
      }),
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        clientMode: false,
        peerInfoMapper: opts.localNetwork ? passthroughMapper : removePrivateAddressesMapper,
      }),
    },
  })
}
