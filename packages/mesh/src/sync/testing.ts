// Test helpers for anti-entropy without a network: a channel that hands frames straight to a
// responder (optionally through a tamper hook), and graphs with a frozen clock.
import { Graph, type GraphOptions, ManualClock } from '@welkin/graph'
import type { SyncChannel } from './initiator.js'
import type { SyncResponder } from './responder.js'

export function directChannel(
  responder: SyncResponder,
  tamper?: (reply: Uint8Array, round: number) => Uint8Array,
): SyncChannel {
  let round = 0
  return {
    request: async (frame) => {
      const reply = responder.handle(frame)
      return tamper === undefined ? reply : tamper(reply, round++)
    },
  }
}

/** A graph whose clock stands still at a fixed, realistic time. */
export function frozenGraph(opts: GraphOptions = {}): Graph {
  return new Graph({ clock: new ManualClock(1_750_000_000_000), ...opts })
}
