// Blob files on disk (PDS_BLOBSTORE_DISK_LOCATION). An upload streams into tmp/<key> while it is
// hashed and measured; a record referencing it later moves it (one atomic rename) to
// <location>/<did>/<cid>. Which blobs exist, and in which state, is the database's business
// (blobs.ts): this class only handles files.
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, type Dir, type ReadStream, readdirSync, rmSync, statSync } from 'node:fs'
import { copyFile, mkdir, open, opendir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { CID, RAW } from '@welkin/data'
import { isValidDid } from '@welkin/syntax'
import { BlobNotFoundError, BlobStoreError, BlobTooLargeError } from './errors.js'
import { ensureDir, fsyncDir } from './fs-util.js'
import { SNIFF_BYTES, sniffMime } from './mime.js'

export interface TempBlob {
  /** Name of the file under the tmp directory. */
  key: string
  cid: CID
  size: number
  /** Type recognised from the first bytes, or null. */
  sniffedMime: string | null
}

export interface PutTempOptions {
  maxBytes: number
  signal?: AbortSignal
}

export type BlobSource = Uint8Array | AsyncIterable<Uint8Array>

const TEMP_KEY = /^[0-9a-f]{32}$/

// DIDs may hold ':' (not portable in file names) but never '_', so the mapping is reversible.
function didDir(did: string): string {
  if (!isValidDid(did)) throw new BlobStoreError(`not a DID: ${JSON.stringify(did)}`)
  return did.replaceAll(':', '_')
}

function cidName(cid: CID | string): string {
  const c = typeof cid === 'string' ? CID.parse(cid) : cid
  if (c.code !== RAW) throw new BlobStoreError(`blob CID ${c} does not use the raw codec`)
  return c.toString()
}

async function* chunks(source: BlobSource): AsyncIterable<Uint8Array> {
  if (source instanceof Uint8Array) yield source
  else yield* source
}

export class DiskBlobStore {
  constructor(
    readonly location: string,
    readonly tmpLocation: string = join(location, 'tmp'),
  ) {
    ensureDir(location)
    ensureDir(tmpLocation)
  }

  tempPath(key: string): string {
    if (!TEMP_KEY.test(key)) throw new BlobStoreError(`bad temporary blob key ${JSON.stringify(key)}`)
    return join(this.tmpLocation, key)
  }

  permanentPath(did: string, cid: CID | string): string {
    return join(this.location, didDir(did), cidName(cid))
  }

  /**
   * Streams `source` into a new temporary file, hashing it; over `maxBytes` the upload stops and
   * the file is deleted. The file is fsynced before this resolves.
   */
  async putTemp(source: BlobSource, opts: PutTempOptions): Promise<TempBlob> {
    const key = randomBytes(16).toString('hex')
    const path = this.tempPath(key)
    const fh = await open(path, 'wx', 0o600)
    const hash = createHash('sha256')
    const head = new Uint8Array(SNIFF_BYTES)
    let size = 0
    let ok = false
    try {
      for await (const chunk of chunks(source)) {
        opts.signal?.throwIfAborted()
        if (size + chunk.length > opts.maxBytes) throw new BlobTooLargeError(opts.maxBytes)
        if (size < SNIFF_BYTES) head.set(chunk.subarray(0, SNIFF_BYTES - size), size)
        hash.update(chunk)
        let off = 0
        while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten
        size += chunk.length
      }
      await fh.sync()
      ok = true
    } finally {
      await fh.close()
      if (!ok) await rm(path, { force: true })
    }
    const cid = CID.create(RAW, hash.digest())
    return { key, cid, size, sniffedMime: sniffMime(head.subarray(0, Math.min(size, SNIFF_BYTES))) }
  }

  /**
   * Moves a temporary file to its permanent place. Idempotent: when the temporary file is gone
   * and the permanent one exists, an earlier call (or a crash right after it) already did it.
   */
  async makePermanent(did: string, cid: CID | string, tempKey: string): Promise<void> {
    const from = this.tempPath(tempKey)
    const to = this.permanentPath(did, cid)
    const dir = join(this.location, didDir(did))
    await mkdir(dir, { recursive: true, mode: 0o700 })
    try {
      await rename(from, to)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT' && (await exists(to))) return
      if (code !== 'EXDEV')
        throw new BlobStoreError(`cannot move blob ${cid} into place: ${(err as Error).message}`)
      // tmp on another filesystem: copy (then sync) and remove, instead of an atomic rename.
      const part = `${to}.part-${tempKey}`
      await copyFile(from, part)
      const fh = await open(part, 'r+')
      await fh.sync()
      await fh.close()
      await rename(part, to)
      await rm(from, { force: true })
    }
    fsyncDir(dir)
  }

  async hasPermanent(did: string, cid: CID | string): Promise<boolean> {
    return exists(this.permanentPath(did, cid))
  }

  /** Opens a permanent blob for reading; BlobNotFoundError when the file is missing. */
  async open(did: string, cid: CID | string): Promise<{ size: number; stream: ReadStream }> {
    const path = this.permanentPath(did, cid)
    try {
      const st = await stat(path)
      return { size: st.size, stream: createReadStream(path) }
    } catch {
      throw new BlobNotFoundError(did, String(cid))
    }
  }

  /** A temporary blob's file, for serving a blob whose move is still pending after a crash. */
  async openTemp(did: string, cid: string, key: string): Promise<{ size: number; stream: ReadStream }> {
    const path = this.tempPath(key)
    try {
      const st = await stat(path)
      return { size: st.size, stream: createReadStream(path) }
    } catch {
      throw new BlobNotFoundError(did, cid)
    }
  }

  /** Synchronous, so a GC check of the database and this unlink run with nothing in between. */
  deletePermanentSync(did: string, cid: CID | string): void {
    rmSync(this.permanentPath(did, cid), { force: true })
  }

  deleteTempSync(key: string): void {
    rmSync(this.tempPath(key), { force: true })
  }

  /** Temporary files with their modification times. */
  listTemp(): { key: string; mtimeMs: number }[] {
    const out: { key: string; mtimeMs: number }[] = []
    for (const name of readdirSync(this.tmpLocation)) {
      if (!TEMP_KEY.test(name)) continue
      try {
        out.push({ key: name, mtimeMs: statSync(join(this.tmpLocation, name)).mtimeMs })
      } catch {
        // Removed meanwhile.
      }
    }
    return out
  }

  /** Every permanent blob file, as (did, cid string); read lazily, directory by directory. */
  async *listPermanent(): AsyncGenerator<{ did: string; cid: string }> {
    for await (const dir of await opendir(this.location)) {
      if (!dir.isDirectory()) continue
      const did = dir.name.replaceAll('_', ':')
      if (!isValidDid(did)) continue
      let files: Dir
      try {
        files = await opendir(join(this.location, dir.name))
      } catch {
        continue // removed meanwhile (account deletion)
      }
      for await (const f of files) {
        if (f.isFile() && !f.name.includes('.part-')) yield { did, cid: f.name }
      }
    }
  }

  /** Removes a DID's whole blob directory (account deletion). */
  deleteAllSync(did: string): void {
    rmSync(join(this.location, didDir(did)), { recursive: true, force: true })
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}
