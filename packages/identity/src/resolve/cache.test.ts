import { describe, expect, it } from 'vitest'
import { SwrCache } from './cache.js'

function clock() {
  let t = 0
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

describe('SwrCache', () => {
  it('serves fresh entries without loading', async () => {
    const c = clock()
    const cache = new SwrCache<string>({ staleTtlMs: 100, maxTtlMs: 1000, now: c.now })
    let loads = 0
    const load = async () => `v${++loads}`
    expect(await cache.get('k', load)).toBe('v1')
    c.advance(50)
    expect(await cache.get('k', load)).toBe('v1')
    expect(loads).toBe(1)
  })

  it('serves a stale entry at once and refreshes it in the background', async () => {
    const c = clock()
    const cache = new SwrCache<string>({ staleTtlMs: 100, maxTtlMs: 1000, now: c.now })
    let loads = 0
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    const load = async () => {
      loads++
      if (loads > 1) await gate
      return `v${loads}`
    }
    await cache.get('k', load)
    c.advance(200)
    expect(await cache.get('k', load)).toBe('v1')
    expect(await cache.get('k', load)).toBe('v1')
    expect(loads).toBe(2) // one background refresh, shared
    release()
    await new Promise((r) => setTimeout(r, 0))
    expect(cache.peek('k')).toEqual({ value: 'v2', stale: false })
  })

  it('keeps serving the stale value when the refresh fails', async () => {
    const c = clock()
    const cache = new SwrCache<string>({ staleTtlMs: 100, maxTtlMs: 1000, now: c.now })
    await cache.get('k', async () => 'old')
    c.advance(200)
    expect(await cache.get('k', async () => Promise.reject(new Error('down')))).toBe('old')
    await new Promise((r) => setTimeout(r, 0))
    expect(cache.peek('k')?.value).toBe('old')
  })

  it('waits for a fresh load after maxTtl, and on forceRefresh', async () => {
    const c = clock()
    const cache = new SwrCache<string>({ staleTtlMs: 100, maxTtlMs: 1000, now: c.now })
    await cache.get('k', async () => 'old')
    c.advance(1001)
    expect(await cache.get('k', async () => 'new')).toBe('new')
    expect(await cache.get('k', async () => 'forced', { forceRefresh: true })).toBe('forced')
  })

  it('shares one load between concurrent callers and does not cache null', async () => {
    const cache = new SwrCache<string>()
    let loads = 0
    const load = async () => {
      loads++
      await new Promise((r) => setTimeout(r, 10))
      return null
    }
    const results = await Promise.all([cache.get('k', load), cache.get('k', load), cache.get('k', load)])
    expect(results).toEqual([null, null, null])
    expect(loads).toBe(1)
    expect(cache.size).toBe(0)
  })

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = new SwrCache<number>({ maxEntries: 2 })
    cache.set('a', 1)
    cache.set('b', 2)
    cache.peek('a')
    cache.set('c', 3)
    expect(cache.peek('b')).toBeUndefined()
    expect(cache.peek('a')?.value).toBe(1)
    expect(cache.size).toBe(2)
  })
})
