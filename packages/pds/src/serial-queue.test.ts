import { describe, expect, it } from 'vitest'
import { KeyedQueue } from './serial-queue.js'

const tick = () => new Promise((r) => setImmediate(r))

describe('KeyedQueue', () => {
  it('runs tasks of one key in order, one at a time', async () => {
    const q = new KeyedQueue()
    const log: string[] = []
    let running = 0
    const task = (name: string) => async () => {
      running++
      expect(running).toBe(1)
      log.push(`start ${name}`)
      await tick()
      log.push(`end ${name}`)
      running--
      return name
    }
    const results = await Promise.all([q.run('a', task('1')), q.run('a', task('2')), q.run('a', task('3'))])
    expect(results).toEqual(['1', '2', '3'])
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3'])
    expect(q.activeKeys).toBe(0)
  })

  it('runs different keys concurrently', async () => {
    const q = new KeyedQueue()
    let concurrent = 0
    let max = 0
    const task = async () => {
      concurrent++
      max = Math.max(max, concurrent)
      await tick()
      concurrent--
    }
    await Promise.all(['a', 'b', 'c'].map((k) => q.run(k, task)))
    expect(max).toBe(3)
  })

  it('keeps going after a failing task', async () => {
    const q = new KeyedQueue()
    const failed = q.run('a', async () => {
      throw new Error('no')
    })
    const next = q.run('a', async () => 'ok')
    await expect(failed).rejects.toThrow('no')
    await expect(next).resolves.toBe('ok')
    await q.drain()
    expect(q.activeKeys).toBe(0)
  })
})
