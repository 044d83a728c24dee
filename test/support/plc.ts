// A Welkin PLC directory for the tests of one file: a fresh SQLite file in a temporary directory,
// served on a free loopback port. Call useTestPlc() at the top of the file, before the file's
// own hooks: the directory then starts before them and (hooks run as a stack) stops after them.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openPlcStore, PlcDirectory, type PlcServer, type PlcStore, startPlcServer } from '@welkin/plc'
import { afterAll, beforeAll } from 'vitest'

export interface TestPlc {
  /** The directory's base URL; valid once the file's tests (or later hooks) run. */
  readonly url: string
}

export function useTestPlc(): TestPlc {
  let dir: string | undefined
  let store: PlcStore | undefined
  let server: PlcServer | undefined
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'welkin-test-plc-'))
    store = await openPlcStore({ dataDir: dir })
    server = await startPlcServer(new PlcDirectory(store), { port: 0 })
  })
  afterAll(async () => {
    await server?.close(100)
    await store?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })
  return {
    get url() {
      if (!server) throw new Error('useTestPlc: the directory is not running (it starts in beforeAll)')
      return server.url
    },
  }
}
