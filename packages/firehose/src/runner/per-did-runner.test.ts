import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RunnerError } from '../errors.js'
import { PerDidRunner } from './per-did-runner.js'

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r))

describe('PerDidRunner', () => {
  it('runs one DID in order and different DIDs concurrently', async () => {
    const runner = new PerDidRunner({ concurrency: 4, maxQueued: 100 })
    const gates = [deferred(), deferred(), deferred()]
    const log: string[] = []
    const task = (name: string, gate: Promise<void>) => async () => {
      log.push(`start ${name}`)
      await gate
      log.push(`end ${name}`)
    }
    await runner.add('did:a', 1, task('a1', gates[0].promise))
    await runner.add('did:a', 2, task('a2', Promise.resolve()))
    await runner.add('did:b', 3, task('b3', gates[2].promise))
    await tick()
    expect(log).toEqual(['start a1', 'start b3'])
    gates[2].resolve()
    await tick()
    expect(runner.cursor).toBeUndefined()
    gates[0].resolve()
    await runner.idle()
    expect(log).toEqual(['start a1', 'start b3', 'end b3', 'end a1', 'start a2', 'end a2'])
    expect(runner.cursor).toBe(3)
  })

  it('advances the cursor only over the contiguous finished prefix', async () => {
    const cursors: number[] = []
    const runner = new PerDidRunner({ concurrency: 8, onCursor: (s) => cursors.push(s) })
    const gates = new Map([10, 20, 30, 40].map((s) => [s, deferred()]))
    for (const [seq, gate] of gates) await runner.add(`did:${seq}`, seq, () => gate.promise)
    gates.get(30)!.resolve()
    gates.get(20)!.resolve()
    await tick()
    expect(runner.cursor).toBeUndefined()
    gates.get(10)!.resolve()
    await tick()
    expect(runner.cursor).toBe(30)
    gates.get(40)!.resolve()
    await runner.idle()
    expect(cursors).toEqual([30, 40])
  })

  it('starts from startCursor and rejects seqs that do not increase', async () => {
    const runner = new PerDidRunner({ startCursor: 5 })
    expect(runner.cursor).toBe(5)
    await expect(runner.add('did:a', 5, () => {})).rejects.toBeInstanceOf(RunnerError)
    await runner.add('did:a', 6, () => {})
    await expect(runner.add('did:a', 6, () => {})).rejects.toThrow(/does not follow 6/)
    await expect(runner.add('did:a', 1.5, () => {})).rejects.toBeInstanceOf(RunnerError)
    await runner.idle()
    expect(runner.cursor).toBe(6)
  })

  it('reports a failing task and still counts it as finished', async () => {
    const errors: RunnerError[] = []
    const runner = new PerDidRunner({ onError: (e) => errors.push(e) })
    await runner.add('did:a', 1, () => {
      throw new Error('sync boom')
    })
    await runner.add('did:a', 2, async () => {
      throw new Error('async boom')
    })
    let ran = false
    await runner.add('did:a', 3, () => {
      ran = true
    })
    await runner.idle()
    expect(errors.map((e) => (e.cause as Error).message)).toEqual(['sync boom', 'async boom'])
    expect(errors[0].message).toContain('seq 1')
    expect(ran).toBe(true)
    expect(runner.cursor).toBe(3)
  })

  it('makes add wait while maxQueued tasks are unfinished', async () => {
    const runner = new PerDidRunner({ concurrency: 1, maxQueued: 2 })
    const gate = deferred()
    await runner.add('did:a', 1, () => gate.promise)
    await runner.add('did:b', 2, () => {})
    let accepted = false
    const third = runner
      .add('did:c', 3, () => {})
      .then(() => {
        accepted = true
      })
    await tick()
    expect(accepted).toBe(false)
    expect(runner.stats).toMatchObject({ running: 1, queued: 1, waiting: 1 })
    gate.resolve()
    await third
    await runner.idle()
    expect(runner.cursor).toBe(3)
  })

  it('holds per-DID order, the concurrency bound and a safe cursor under random completion order', async () => {
    const taskArb = fc.record({ did: fc.integer({ min: 0, max: 4 }), gap: fc.integer({ min: 1, max: 3 }) })
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(taskArb, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 10 }),
        async (s, specs, concurrency, maxQueued) => {
          let seq = 0
          const tasks = specs.map((t) => {
            seq += t.gap
            return { did: `did:web:d${t.did}.test`, seq }
          })
          const finished = new Set<number>()
          const lastStartedByDid = new Map<string, number>()
          const runningByDid = new Set<string>()
          let running = 0
          let maxRunning = 0
          let lastCursor = -1
          const problems: string[] = []
          const runner = new PerDidRunner({
            concurrency,
            maxQueued,
            onCursor: (c) => {
              if (c <= lastCursor) problems.push(`cursor went from ${lastCursor} to ${c}`)
              lastCursor = c
              for (const t of tasks) {
                if (t.seq <= c && !finished.has(t.seq))
                  problems.push(`cursor ${c} passed unfinished ${t.seq}`)
              }
            },
          })
          const adding = (async () => {
            for (const t of tasks) {
              await runner.add(t.did, t.seq, async () => {
                if (runningByDid.has(t.did)) problems.push(`${t.did} ran two tasks at once`)
                if ((lastStartedByDid.get(t.did) ?? 0) >= t.seq)
                  problems.push(`${t.did} out of order at ${t.seq}`)
                lastStartedByDid.set(t.did, t.seq)
                runningByDid.add(t.did)
                maxRunning = Math.max(maxRunning, ++running)
                await s.schedule(Promise.resolve(), `task ${t.seq}`)
                running--
                runningByDid.delete(t.did)
                finished.add(t.seq)
              })
              const st = runner.stats
              if (st.running + st.queued > maxQueued)
                problems.push(`${st.running + st.queued} unfinished > ${maxQueued}`)
            }
            await runner.idle()
          })()
          await s.waitFor(adding)
          expect(problems).toEqual([])
          expect(maxRunning).toBeLessThanOrEqual(concurrency)
          expect(finished.size).toBe(tasks.length)
          expect(runner.cursor).toBe(tasks[tasks.length - 1].seq)
        },
      ),
      { numRuns: 200 },
    )
  })
})
