// Helpers for tests, the crash harness and benchmarks: real stores in temporary directories.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Secp256k1Keypair } from '@welkin/crypto'
import type { DataValue } from '@welkin/data'
import { type PdsEnv, resolvePdsConfig } from './config.js'
import { PdsStore } from './pds-store.js'

export function tempDir(prefix = 'welkin-pds-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/** A did:plc-shaped DID, distinct per `i`. */
export function testDid(i: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  let s = ''
  let n = i
  for (let k = 0; k < 24; k++) {
    s = alphabet[n & 31] + s
    n = Math.floor(n / 32)
  }
  return `did:plc:${s}`
}

export function testPost(i: number, text = `post ${i}`): { [key: string]: DataValue } {
  return { $type: 'app.bsky.feed.post', text, createdAt: new Date(1_700_000_000_000 + i).toISOString() }
}

/** Opens a store in `dir` (a fresh temporary directory by default). */
export async function openTestStore(
  env: Partial<PdsEnv> = {},
  dir?: string,
): Promise<{ store: PdsStore; dir: string; cleanup: () => Promise<void> }> {
  const tmp = dir === undefined ? tempDir() : null
  const dataDirectory = dir ?? tmp!.path
  const store = await PdsStore.open(resolvePdsConfig({ devMode: true, ...env, dataDirectory }))
  return {
    store,
    dir: dataDirectory,
    cleanup: async () => {
      await store.close()
      tmp?.remove()
    },
  }
}

/** Creates an account with a fresh secp256k1 key; returns the DID and key. */
export async function createTestAccount(
  store: PdsStore,
  i: number,
  extra: { password?: string; email?: string } = {},
): Promise<{ did: string; key: Secp256k1Keypair }> {
  const did = testDid(i)
  const key = Secp256k1Keypair.createSync()
  await store.accounts.createAccount({ did, handle: `user${i}.test`, signingKey: key, ...extra })
  return { did, key }
}
