// A progress bar on stderr for reading large files. Drawn only when stderr is a terminal,
// at most ten times a second, so piping the command's output stays clean and cheap.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'

/** Where the bar is drawn: stderr, or in tests anything with the same two members. */
export interface ProgressStream {
  isTTY?: boolean
  write(text: string): unknown
}

export interface ProgressBar {
  update(done: number): void
  finish(): void
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`
  return `${(n / 1024 ** 3).toFixed(2)} GiB`
}

export function progressBar(
  label: string,
  total: number,
  stream: ProgressStream = process.stderr,
): ProgressBar {
  const enabled = stream.isTTY === true && total > 0
  let last = 0
  const draw = (done: number) => {
    const width = 30
    const frac = Math.min(1, done / total)
    const filled = Math.round(frac * width)
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`
    stream.write(
      `\r${label} ${bar} ${(frac * 100).toFixed(0).padStart(3)}%  ${formatBytes(done)} / ${formatBytes(total)}`,
    )
  }
  return {
    update(done) {
      if (!enabled) return
      const now = Date.now()
      if (now - last < 100) return
      last = now
      draw(done)
    },
    finish() {
      if (!enabled) return
      draw(total)
      stream.write('\n')
    },
  }
}

/** Streams a file as chunks, advancing a progress bar labelled with its path. */
export async function* readFileWithProgress(
  path: string,
  label = path,
  stream: ProgressStream = process.stderr,
): AsyncGenerator<Uint8Array> {
  const { size } = await stat(path)
  const bar = progressBar(label, size, stream)
  let done = 0
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    done += (chunk as Buffer).length
    bar.update(done)
    yield chunk as Buffer
  }
  bar.finish()
}
