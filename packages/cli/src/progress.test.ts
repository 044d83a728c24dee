import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ProgressStream, progressBar, readFileWithProgress } from './progress.js'

/** A stream that records what is written, claiming to be a terminal or not. */
function recorder(isTTY: boolean): ProgressStream & { writes: string[] } {
  const writes: string[] = []
  return {
    isTTY,
    writes,
    write(text: string) {
      writes.push(text)
      return true
    },
  }
}

async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const c of chunks) parts.push(c)
  return Buffer.concat(parts)
}

describe('progress bar', () => {
  let dir: string
  let file: string
  let content: Buffer

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'welkin-progress-'))
    file = join(dir, 'big.bin')
    // Several 1 MiB chunks, so the bar has something to advance over.
    content = Buffer.alloc(3 * 1024 * 1024 + 123, 7)
    await writeFile(file, content)
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('on a terminal, redraws in place and ends at 100% with a newline', async () => {
    const tty = recorder(true)
    const read = await readAll(readFileWithProgress(file, 'big.bin', tty))
    expect(read.equals(content)).toBe(true)
    expect(tty.writes.length).toBeGreaterThanOrEqual(2)
    expect(tty.writes.at(-1)).toBe('\n')
    const last = tty.writes.at(-2)!
    expect(last).toMatch(/^\rbig\.bin █+ 100% {2}3\.0 MiB \/ 3\.0 MiB$/)
    for (const w of tty.writes.slice(0, -1)) expect(w.startsWith('\rbig.bin ')).toBe(true)
  })

  it('draws at most ten times a second however often it is updated', () => {
    const tty = recorder(true)
    const bar = progressBar('x', 1000, tty)
    const t0 = performance.now()
    for (let i = 1; i <= 20_000; i++) bar.update(i % 1000)
    const elapsed = performance.now() - t0
    expect(tty.writes.length).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 1)
    bar.finish()
    expect(tty.writes.at(-2)).toMatch(/100%/)
    expect(tty.writes.at(-1)).toBe('\n')
  })

  it('writes nothing when the stream is not a terminal', async () => {
    const pipe = recorder(false)
    const read = await readAll(readFileWithProgress(file, 'big.bin', pipe))
    expect(read.equals(content)).toBe(true)
    expect(pipe.writes).toEqual([])
  })

  it('writes nothing for an empty file, even on a terminal', async () => {
    const empty = join(dir, 'empty.bin')
    await writeFile(empty, '')
    const tty = recorder(true)
    expect((await readAll(readFileWithProgress(empty, 'empty', tty))).length).toBe(0)
    expect(tty.writes).toEqual([])
  })
})
