// The archive's shard files: one append-only file per account at a time, under
// `<dir>/<xx>/<sha256(did)>-<id>.car`, holding that account's shards back to back. Appends go to
// the account's current file; a compaction or backfill writes a new file, fsyncs it, and only
// then does the index switch to it (see archive-store.ts). File descriptors are cached (a
// bounded LRU), each with the file's size, so an append is one write(2).
import {
  closeSync,
  fdatasyncSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { open } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { sha256Latin1 } from '@welkin/data'

interface OpenFile {
  fd: number
  size: number
}

/** A read that could not be completed: the file is gone, or ends before the range does. */
export type ReadProblem = 'missing-file' | 'truncated'

export class ShardFiles {
  private readonly fds = new Map<string, OpenFile>()

  constructor(
    readonly dir: string,
    private readonly maxOpen = 512,
  ) {
    mkdirSync(dir, { recursive: true })
  }

  /** A fresh file name for `did`; `id` makes it unique (the index hands it out). */
  static fileName(did: string, id: number): string {
    const hex = Buffer.from(sha256Latin1(did), 'latin1').toString('hex')
    return `${hex.slice(0, 2)}/${hex}-${id}.car`
  }

  path(name: string): string {
    return join(this.dir, name)
  }

  /** Appends `bytes` to an existing file; returns the offset they start at. */
  append(name: string, bytes: Uint8Array): number {
    const f = this.file(name)
    if (!f) throw new Error(`shard file ${name} is missing`)
    const off = f.size
    try {
      let done = 0
      while (done < bytes.length) done += writeSync(f.fd, bytes, done, bytes.length - done, off + done)
      f.size += bytes.length
    } catch (err) {
      // A partial write leaves the size unknown: forget the descriptor, the next open re-reads it.
      this.forget(name)
      throw err
    }
    return off
  }

  /** `len` bytes at `off`, or why they cannot be read. */
  read(name: string, off: number, len: number): Uint8Array | ReadProblem {
    const f = this.file(name)
    if (!f) return 'missing-file'
    if (off + len > f.size) {
      // Another process may not have grown it, but a stale size must not hide real bytes.
      f.size = fstatSync(f.fd).size
      if (off + len > f.size) return 'truncated'
    }
    const out = Buffer.allocUnsafe(len)
    let done = 0
    while (done < len) {
      const n = readSync(f.fd, out, done, len - done, off + done)
      if (n === 0) return 'truncated'
      done += n
    }
    return out
  }

  /** Creates `name` holding `bytes`, durably: data and directory entry are fsynced. */
  async create(name: string, bytes: Uint8Array): Promise<void> {
    const path = this.path(name)
    mkdirSync(dirname(path), { recursive: true })
    const fh = await open(path, 'wx')
    try {
      let done = 0
      while (done < bytes.length) done += (await fh.write(bytes, done, bytes.length - done)).bytesWritten
      await fh.datasync()
    } finally {
      await fh.close()
    }
    syncDir(dirname(path))
  }

  /** Removes a file (already gone is fine). */
  remove(name: string): void {
    this.forget(name)
    try {
      unlinkSync(this.path(name))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
  }

  /** fdatasyncs every open file (appends are otherwise left to the OS). */
  sync(): void {
    for (const f of this.fds.values()) fdatasyncSync(f.fd)
  }

  close(): void {
    for (const name of [...this.fds.keys()]) this.forget(name)
  }

  private file(name: string): OpenFile | undefined {
    let f = this.fds.get(name)
    if (f) {
      this.fds.delete(name)
      this.fds.set(name, f)
      return f
    }
    let fd: number
    try {
      // Positioned reads and writes (pread/pwrite at the tracked size): no O_APPEND needed.
      fd = openSync(this.path(name), 'r+')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
    f = { fd, size: fstatSync(fd).size }
    this.fds.set(name, f)
    if (this.fds.size > this.maxOpen) this.forget(this.fds.keys().next().value as string)
    return f
  }

  private forget(name: string): void {
    const f = this.fds.get(name)
    if (!f) return
    this.fds.delete(name)
    closeSync(f.fd)
  }
}

function syncDir(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fdatasyncSync(fd)
  } catch {
    // Some filesystems refuse to fsync a directory; the file itself is synced.
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
