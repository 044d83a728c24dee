// Live updates over GossipSub. A message is a DAG-CBOR batch of updates (@welkin/graph's wire
// form). Each one is merged inside the topic validator, so an update is checked by the graph
// (user-space signatures included) on every node before that node forwards the message: a
// message with a refused update is not forwarded, and its sender is penalised by peer scoring.
import { type GossipSub, type Message, TopicValidatorResult } from '@libp2p/gossipsub'
import { decodeUpdates, encodeUpdates, type GraphEntry, type MergeResult, type Update } from '@welkin/graph'
import type { MeshCounters } from './metrics.js'

export const DEFAULT_TOPIC = '/welkin/graph/1'
/** Refusals that say nothing bad about the sender: its clock, or our queue, is the cause. */
const TRANSIENT = new Set(['too-far-future', 'defer-queue-full'])
const MAX_UPDATES_PER_MESSAGE = 1000

export class Gossip {
  constructor(
    private readonly pubsub: GossipSub,
    readonly topic: string,
    private readonly counters: MeshCounters,
    private readonly ingest: (updates: Update[]) => MergeResult,
    private readonly maxMessageBytes: number,
  ) {}

  start(): void {
    this.pubsub.topicValidators.set(this.topic, (_peer, msg) => this.validate(msg))
    this.pubsub.subscribe(this.topic)
  }

  stop(): void {
    this.pubsub.topicValidators.delete(this.topic)
  }

  /** Publishes entries, split into messages within the size limit. */
  async publish(entries: readonly GraphEntry[]): Promise<void> {
    for (let i = 0; i < entries.length; i += MAX_UPDATES_PER_MESSAGE)
      await this.send(entries.slice(i, i + MAX_UPDATES_PER_MESSAGE))
  }

  private async send(entries: readonly GraphEntry[]): Promise<void> {
    if (entries.length === 0) return
    const data = encodeUpdates(entries)
    if (data.length > this.maxMessageBytes && entries.length > 1) {
      const half = entries.length >> 1
      await this.send(entries.slice(0, half))
      await this.send(entries.slice(half))
      return
    }
    await this.pubsub.publish(this.topic, data)
    this.counters.gossipOut++
    this.counters.gossipBytesOut += data.length
  }

  private validate(msg: Message): TopicValidatorResult {
    this.counters.gossipIn++
    this.counters.gossipBytesIn += msg.data.length
    if (msg.type !== 'signed' || msg.data.length > this.maxMessageBytes) return this.refuse()
    let updates: Update[]
    try {
      updates = decodeUpdates(msg.data, {
        maxUpdates: MAX_UPDATES_PER_MESSAGE,
        maxBytes: this.maxMessageBytes,
      })
    } catch {
      return this.refuse()
    }
    const result = this.ingest(updates)
    if (result.rejected.length === 0) return TopicValidatorResult.Accept
    if (result.rejected.every((r) => TRANSIENT.has(r.error.code))) return TopicValidatorResult.Ignore
    return this.refuse()
  }

  private refuse(): TopicValidatorResult {
    this.counters.gossipRejected++
    return TopicValidatorResult.Reject
  }
}
