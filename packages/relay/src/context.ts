// What the XRPC handlers and admin routes reach: the relay's stages, by name.

import type { ArchiveStore } from './archive/archive-store.js'
import type { RelayConfig } from './config.js'
import type { HostManager } from './host/host-manager.js'
import type { HostPolicy } from './hostname.js'
import type { RelayLogger } from './logger.js'
import type { RelayCounters } from './metrics.js'
import type { Sequencer } from './output/sequencer.js'
import type { CollectionIndex } from './state/collections.js'
import type { StateStore } from './state/state-store.js'

export interface RelayContext {
  config: RelayConfig
  policy: HostPolicy
  state: StateStore
  collections: CollectionIndex
  hosts: HostManager
  sequencer: Sequencer
  archive: ArchiveStore | undefined
  counters: RelayCounters
  logger: RelayLogger
}
