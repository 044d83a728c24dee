import { describe, expect, it } from 'vitest'
import { Gate, TokenBucket } from './token-bucket.js'

describe('TokenBucket', () => {
  it('allows a burst, then the rate', () => {
    let t = 0
    const b = new TokenBucket(10, 5, () => t)
    for (let i = 0; i < 5; i++) expect(b.tryTake()).toBe(true)
    expect(b.tryTake()).toBe(false)
    expect(b.waitMs()).toBe(100)
    t += 100
    expect(b.tryTake()).toBe(true)
    expect(b.tryTake()).toBe(false)
    t += 10_000
    b.setRate(1, 2)
    expect(b.tryTake()).toBe(true)
    expect(b.tryTake()).toBe(true)
    expect(b.tryTake()).toBe(false)
  })
})

describe('Gate', () => {
  it('bounds holders and wakes waiters in order', async () => {
    const g = new Gate(2)
    expect(g.acquire()).toBeUndefined()
    expect(g.acquire()).toBeUndefined()
    const order: number[] = []
    const a = g.acquire()!.then(() => order.push(1))
    const b = g.acquire()!.then(() => order.push(2))
    g.release()
    await a
    expect(order).toEqual([1])
    expect(g.inUse).toBe(2)
    g.release()
    await b
    expect(order).toEqual([1, 2])
  })
})
