// Server-Sent Events for graph changes. Each client filters by souls (or takes every change);
// a client that reads slower than the graph changes is disconnected once its unsent buffer
// passes `maxBufferedBytes`, so a stalled reader cannot grow the server's memory. The client
// reconnects and re-reads the souls it cares about.
import type { ServerResponse } from 'node:http'
import type { Graph, GraphEntry } from '@welkin/graph'

export interface SseOptions {
  maxClients: number
  maxBufferedBytes: number
  heartbeatMs: number
}

interface Client {
  res: ServerResponse
  souls: Set<string> | null
}

export class SseHub {
  private readonly clients = new Set<Client>()
  private readonly unwatch: () => void
  private readonly heartbeat: NodeJS.Timeout
  private seq = 0
  dropped = 0

  constructor(
    graph: Graph,
    private readonly opts: SseOptions,
  ) {
    this.unwatch = graph.watch((batch) => this.broadcast(batch))
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) this.write(c, ': keep-alive\n\n')
    }, opts.heartbeatMs)
    this.heartbeat.unref()
  }

  get size(): number {
    return this.clients.size
  }

  get full(): boolean {
    return this.clients.size >= this.opts.maxClients
  }

  add(res: ServerResponse, souls: Set<string> | null): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    })
    res.flushHeaders()
    const client: Client = { res, souls }
    this.clients.add(client)
    res.on('close', () => this.clients.delete(client))
    this.write(client, 'retry: 2000\n\n')
  }

  close(): void {
    this.unwatch()
    clearInterval(this.heartbeat)
    for (const c of this.clients) c.res.end()
    this.clients.clear()
  }

  private broadcast(batch: readonly GraphEntry[]): void {
    if (this.clients.size === 0) return
    const frames = new Map<GraphEntry, string>()
    const frame = (e: GraphEntry) => {
      let f = frames.get(e)
      if (f === undefined) {
        f = `event: put\nid: ${++this.seq}\ndata: ${JSON.stringify({ soul: e.soul, prop: e.prop, value: e.value, state: e.state })}\n\n`
        frames.set(e, f)
      }
      return f
    }
    for (const c of this.clients) {
      let out = ''
      for (const e of batch) if (c.souls === null || c.souls.has(e.soul)) out += frame(e)
      if (out.length > 0) this.write(c, out)
    }
  }

  private write(c: Client, text: string): void {
    if (c.res.writableLength + text.length > this.opts.maxBufferedBytes) {
      this.dropped++
      this.clients.delete(c)
      c.res.destroy()
      return
    }
    c.res.write(text)
  }
}
