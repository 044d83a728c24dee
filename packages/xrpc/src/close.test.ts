import { Agent, request } from 'node:http'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startServer } from './testing.js'

function get(port: number, path: string, agent: Agent): Promise<{ status: number; connection?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('close()', () => {
  it('finishes in-flight requests, drops idle keep-alive sockets and streams, and resolves quickly', async () => {
    let streamAborted = false
    const srv = await startServer((x) => {
      x.method('com.example.fast', () => ({ encoding: 'application/json', body: {} }), { type: 'query' })
      x.method(
        'com.example.slow',
        async () => {
          await new Promise((r) => setTimeout(r, 300))
          return { encoding: 'application/json', body: { slow: true } }
        },
        { type: 'query' },
      )
      x.subscription('com.example.idle', async function* ({ signal }) {
        await new Promise((r) => signal.addEventListener('abort', r, { once: true }))
        streamAborted = true
      })
    })
    const agent = new Agent({ keepAlive: true, maxSockets: 10 })
    await Promise.all([1, 2, 3].map(() => get(srv.port, '/xrpc/com.example.fast', agent)))
    const idleSockets = Object.values(agent.freeSockets).flat()
    expect(idleSockets.length).toBeGreaterThan(0)
    const idleClosed = Promise.all(idleSockets.map((s) => new Promise((r) => s?.once('close', r))))

    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/xrpc/com.example.idle`)
    await new Promise((r) => ws.once('open', r))
    const wsClosed = new Promise<number>((r) => ws.once('close', r))

    const slow = get(srv.port, '/xrpc/com.example.slow', new Agent({ keepAlive: true }))
    await new Promise((r) => setTimeout(r, 50)) // the slow request is in its handler now

    const started = Date.now()
    await srv.close()
    const took = Date.now() - started
    expect(took).toBeLessThan(2500)

    expect(await slow).toEqual({ status: 200, connection: 'close' })
    await idleClosed
    expect(await wsClosed).toBe(1001)
    expect(streamAborted).toBe(true)
    await expect(get(srv.port, '/xrpc/com.example.fast', agent)).rejects.toThrow()
    agent.destroy()
  })

  it('cuts requests that outlive the grace period', async () => {
    const srv = await startServer(
      (x) => {
        x.method('com.example.hang', () => new Promise(() => {}), { type: 'query' })
      },
      { closeGraceMs: 300 },
    )
    const hung = get(srv.port, '/xrpc/com.example.hang', new Agent({ keepAlive: true }))
    await new Promise((r) => setTimeout(r, 50))
    const started = Date.now()
    await srv.close()
    expect(Date.now() - started).toBeLessThan(1500)
    await expect(hung).rejects.toThrow()
  })

  it('is idempotent', async () => {
    const srv = await startServer(() => {})
    await Promise.all([srv.close(), srv.close()])
    await srv.close()
  })
})
