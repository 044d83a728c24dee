// safeFetch against real sockets on loopback: refused by default, allowed when asked, and
// bounded in size, time and redirects.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FetchError, UnsafeUrlError } from '../errors.js'
import { safeFetch } from './safe-fetch.js'

let server: Server
let base: string
let port: number

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/'
    if (path === '/hello') return res.end('hello')
    if (path === '/big') {
      res.setHeader('content-length', String(2 * 1024 * 1024))
      return res.end(Buffer.alloc(2 * 1024 * 1024))
    }
    if (path === '/big-chunked') {
      for (let i = 0; i < 40; i++) res.write(Buffer.alloc(64 * 1024))
      return res.end()
    }
    if (path === '/hang') return // never answers
    if (path === '/redirect') {
      res.writeHead(302, { location: '/hello' })
      return res.end()
    }
    if (path === '/loop') {
      res.writeHead(301, { location: '/loop' })
      return res.end()
    }
    if (path === '/to-metadata') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' })
      return res.end()
    }
    res.statusCode = 404
    res.end('no')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  base = `http://127.0.0.1:${port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('safeFetch', () => {
  it('refuses loopback unless allowed, by address and by name', async () => {
    await expect(safeFetch(`${base}/hello`)).rejects.toBeInstanceOf(UnsafeUrlError)
    await expect(safeFetch(`http://localhost:${port}/hello`)).rejects.toThrow(/loopback/)
    await expect(safeFetch(`http://[::1]:${port}/hello`)).rejects.toThrow(/loopback/)
    await expect(safeFetch(`http://[::ffff:127.0.0.1]:${port}/hello`)).rejects.toThrow(/loopback/)
    const res = await safeFetch(`${base}/hello`, { allowLoopback: true })
    expect(res.status).toBe(200)
    expect(res.body.toString()).toBe('hello')
    expect(
      (
        await safeFetch(`http://localhost:${port}/hello`, {
          allowLoopback: true,
          lookup: async () => ['127.0.0.1'],
        })
      ).status,
    ).toBe(200)
  })

  it('refuses private, link-local and unspecified addresses before connecting', async () => {
    for (const ip of ['10.0.0.1', '192.168.0.1', '169.254.169.254', '0.0.0.0', '100.64.1.1']) {
      await expect(safeFetch(`http://${ip}/`, { allowLoopback: true })).rejects.toBeInstanceOf(UnsafeUrlError)
    }
  })

  it('refuses a name whose answers include any refused address', async () => {
    const lookup = async () => ['127.0.0.1', '10.1.1.1']
    await expect(
      safeFetch(`http://mixed.test:${port}/hello`, { allowLoopback: true, lookup }),
    ).rejects.toThrow(/private/)
  })

  it('connects to the address it checked, resolving the name once (no rebinding)', async () => {
    let calls = 0
    const lookup = async () => (calls++ === 0 ? ['127.0.0.1'] : ['10.0.0.1'])
    const res = await safeFetch(`http://rebind.test:${port}/hello`, { allowLoopback: true, lookup })
    expect(res.body.toString()).toBe('hello')
    expect(calls).toBe(1)
  })

  it('refuses non-http schemes and URLs with credentials', async () => {
    await expect(safeFetch('file:///etc/passwd')).rejects.toBeInstanceOf(UnsafeUrlError)
    await expect(safeFetch('ftp://example.com/')).rejects.toBeInstanceOf(UnsafeUrlError)
    await expect(safeFetch(`http://u:p@127.0.0.1:${port}/hello`, { allowLoopback: true })).rejects.toThrow(
      /credentials/,
    )
    await expect(safeFetch('not a url')).rejects.toBeInstanceOf(UnsafeUrlError)
  })

  it('limits the response size, declared or streamed', async () => {
    await expect(safeFetch(`${base}/big`, { allowLoopback: true })).rejects.toThrow(/exceeds/)
    await expect(safeFetch(`${base}/big-chunked`, { allowLoopback: true })).rejects.toThrow(/exceeds/)
    const ok = await safeFetch(`${base}/big-chunked`, { allowLoopback: true, maxBytes: 4 * 1024 * 1024 })
    expect(ok.body.length).toBe(40 * 64 * 1024)
  })

  it('gives up after the timeout', async () => {
    const started = Date.now()
    const err = await safeFetch(`${base}/hang`, { allowLoopback: true, timeoutMs: 300 }).catch((e) => e)
    expect(err).toBeInstanceOf(FetchError)
    expect(err.message).toMatch(/timed out/)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('follows redirects only when asked, re-checking each hop', async () => {
    await expect(safeFetch(`${base}/redirect`, { allowLoopback: true })).rejects.toThrow(/redirect/)
    const res = await safeFetch(`${base}/redirect`, { allowLoopback: true, maxRedirects: 2 })
    expect(res.body.toString()).toBe('hello')
    expect(res.url).toBe(`${base}/hello`)
    await expect(safeFetch(`${base}/to-metadata`, { allowLoopback: true, maxRedirects: 2 })).rejects.toThrow(
      /link-local/,
    )
    await expect(safeFetch(`${base}/loop`, { allowLoopback: true, maxRedirects: 3 })).rejects.toBeInstanceOf(
      FetchError,
    )
  })
})
