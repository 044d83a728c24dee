// Small durable-file helpers: write to a temporary name, fsync, rename, fsync the directory, so
// a crash leaves either the old file or the new one, never a torn one (POSIX rename atomicity).
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

/** fsync a directory so a rename or create inside it survives power loss; a no-op where unsupported. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    // Some platforms (Windows) cannot open or fsync directories; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

export function ensureDir(dir: string, mode = 0o700): void {
  mkdirSync(dir, { recursive: true, mode })
}

/** Atomically replaces `path` with `data`, created with `mode` (0600 by default). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, mode = 0o600): void {
  ensureDir(dirname(path))
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`
  const fd = openSync(tmp, 'wx', mode)
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    let off = 0
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off)
    fsyncSync(fd)
  } catch (err) {
    closeSync(fd)
    rmSync(tmp, { force: true })
    throw err
  }
  closeSync(fd)
  renameSync(tmp, path)
  fsyncDir(dirname(path))
}
