import type { ServerResponse } from 'node:http'
import { Graph, ManualClock } from '@welkin/graph'
import { describe, expect, it } from 'vitest'
import { SseHub } from './sse.js'

/** A response whose socket never drains: everything written stays buffered. */
function stalled() {
  const res = {
    writableLength: 0,
    destroyed: false,
    writeHead: () => res,
    flushHeaders: () => {},
    on: () => res,
    write(text: string) {
      res.writableLength += text.length
      return false
    },
    destroy() {
      res.destroyed = true
    },
    end() {},
  }
  return res
}

describe('SseHub', () => {
  it('drops a client whose unsent buffer passes the limit, and keeps the others', () => {
    const graph = new Graph({ clock: new ManualClock(1_750_000_000_000) })
    const hub = new SseHub(graph, { maxClients: 2, maxBufferedBytes: 2000, heartbeatMs: 60_000 })
    const slow = stalled()
    const other = stalled()
    hub.add(slow as unknown as ServerResponse, null)
    hub.add(other as unknown as ServerResponse, new Set(['elsewhere']))
    expect(hub.full).toBe(true)
    for (let i = 0; i < 40; i++) graph.put('s', { [`p${i}`]: 'x'.repeat(40) })
    expect(slow.destroyed).toBe(true)
    expect(slow.writableLength).toBeLessThanOrEqual(2000)
    expect(other.destroyed).toBe(false)
    expect(hub.size).toBe(1)
    expect(hub.dropped).toBe(1)
    hub.close()
  })
})
