import { existsSync } from 'node:fs'
import { Secp256k1Keypair } from '@welkin/crypto'
import { nextTid } from '@welkin/syntax'
import { afterEach, describe, expect, it } from 'vitest'
import {
  AccountExistsError,
  AccountNotFoundError,
  EmailTakenError,
  HandleTakenError,
  InvalidInviteCodeError,
} from './errors.js'
import { decodeEventFrame } from './events.js'
import type { PdsStore } from './pds-store.js'
import { createTestAccount, openTestStore, testDid, testPost } from './testing.js'
import { verifyPdsStore } from './verify-store.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})
async function setup(env = {}) {
  const t = await openTestStore(env)
  cleanups.push(t.cleanup)
  return t.store
}
const events = (store: PdsStore, did: string) =>
  store.events
    .read(0, 1000)
    .filter((e) => e.did === did)
    .map((e) => ({ type: e.type, ...decodeEventFrame(e.frame).body }))

describe('AccountManager', () => {
  it('creates an account that can log in by handle (any case), email or DID', async () => {
    const store = await setup()
    const { did } = await createTestAccount(store, 1, { password: 'hunter22', email: 'Me@Example.com' })
    const account = store.accounts.getAccount('USER1.test')
    expect(account).toMatchObject({
      did,
      handle: 'user1.test',
      email: 'me@example.com',
      status: 'active',
      active: true,
    })
    for (const id of ['user1.test', 'me@example.com', did, 'User1.Test']) {
      expect((await store.accounts.login(id, 'hunter22'))?.account.did).toBe(did)
    }
    expect(await store.accounts.login('user1.test', 'wrong')).toBeNull()
    expect(await store.accounts.login('nobody.test', 'hunter22')).toBeNull()
  })

  it('keeps handles unique case-insensitively, and emails unique', async () => {
    const store = await setup()
    await createTestAccount(store, 1, { email: 'a@example.com' })
    const key = Secp256k1Keypair.createSync()
    await expect(
      store.accounts.createAccount({ did: testDid(2), handle: 'USER1.TEST', signingKey: key }),
    ).rejects.toThrow(HandleTakenError)
    await expect(
      store.accounts.createAccount({
        did: testDid(2),
        handle: 'other.test',
        email: 'A@example.com',
        signingKey: key,
      }),
    ).rejects.toThrow(EmailTakenError)
    await expect(
      store.accounts.createAccount({ did: testDid(1), handle: 'x.test', signingKey: key }),
    ).rejects.toThrow(AccountExistsError)
    // Nothing of the refused attempts was stored or announced.
    expect(store.accounts.getAccount(testDid(2))).toBeNull()
    expect(store.events.read(0, 100).filter((e) => e.did === testDid(2))).toEqual([])
  })

  it('changes the handle with an #identity event, and refuses a taken one', async () => {
    const store = await setup()
    const { did } = await createTestAccount(store, 1)
    await createTestAccount(store, 2)
    await store.accounts.updateHandle(did, 'New.test')
    expect(store.accounts.getAccount(did)?.handle).toBe('new.test')
    expect(events(store, did).at(-1)).toMatchObject({ type: '#identity', handle: 'new.test' })
    await expect(store.accounts.updateHandle(did, 'user2.test')).rejects.toThrow(HandleTakenError)
    await expect(store.accounts.updateHandle(testDid(99), 'free.test')).rejects.toThrow(AccountNotFoundError)
  })

  it('follows the lifecycle guide on deactivation and reactivation', async () => {
    const store = await setup()
    const { did } = await createTestAccount(store, 1)
    await store.accounts.deactivate(did)
    expect(store.accounts.getAccount(did)).toMatchObject({ status: 'deactivated', active: false })
    expect(events(store, did).at(-1)).toMatchObject({
      type: '#account',
      active: false,
      status: 'deactivated',
    })
    const commit = await store.accounts.activate(did)
    expect(commit).not.toBeNull()
    expect(
      events(store, did)
        .slice(-3)
        .map((e) => e.type),
    ).toEqual(['#account', '#commit', '#sync'])
    expect(events(store, did).at(-3)).toMatchObject({ active: true })
    expect(events(store, did).at(-3)).not.toHaveProperty('status')
    // The #sync re-anchors on the fresh commit.
    expect(events(store, did).at(-1)).toMatchObject({ rev: commit!.rev })
    await store.accounts.setStatus(did, { status: 'takendown', ref: 'report-1' })
    expect(events(store, did).at(-1)).toMatchObject({ type: '#account', active: false, status: 'takendown' })
  })

  it('deletes everything of an account and announces it', async () => {
    const store = await setup()
    const { did } = await createTestAccount(store, 1, { password: 'pw' })
    const keep = await createTestAccount(store, 2)
    const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1])
    const ref = await store.blobs.upload(did, PNG)
    await store.writer.applyWrites(did, [
      {
        action: 'create',
        collection: 'app.bsky.feed.post',
        rkey: nextTid(),
        record: { ...testPost(1), image: ref },
      },
    ])
    const path = store.blobs.store.permanentPath(did, ref.ref)
    expect(existsSync(path)).toBe(true)
    await store.accounts.deleteAccount(did)
    expect(store.accounts.getAccount(did)).toBeNull()
    expect(store.reader.getRoot(did)).toBeNull()
    expect(existsSync(path)).toBe(false)
    for (const table of ['record', 'repo_block', 'blob', 'record_blob']) {
      expect(store.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE did = ?`).get(did)).toEqual({ n: 0 })
    }
    expect(events(store, did).at(-1)).toMatchObject({ type: '#account', active: false, status: 'deleted' })
    await expect(store.writer.applyWrites(did, [])).rejects.toThrow(AccountNotFoundError)
    expect(store.reader.getRoot(keep.did)).not.toBeNull()
    expect((await verifyPdsStore(store.db)).problems).toEqual([])
  })

  it('emits #sync with the current commit', async () => {
    const store = await setup()
    const { did } = await createTestAccount(store, 1)
    const seq = await store.accounts.emitSync(did)
    const sync = events(store, did).at(-1)!
    expect(sync).toMatchObject({ type: '#sync', did, seq, rev: store.reader.getRoot(did)!.rev })
  })

  it('requires a valid invite code when invites are required', async () => {
    const store = await setup({ inviteRequired: true })
    const key = Secp256k1Keypair.createSync()
    const create = (i: number, inviteCode?: string) =>
      store.accounts.createAccount({ did: testDid(i), handle: `u${i}.test`, signingKey: key, inviteCode })
    await expect(create(1)).rejects.toThrow(InvalidInviteCodeError)
    await expect(create(1, 'nope')).rejects.toThrow(InvalidInviteCodeError)
    store.accounts.createInviteCode('code-1', 1)
    await create(1, 'code-1')
    await expect(create(2, 'code-1')).rejects.toThrow(/no uses left/)
  })

  it('ends sessions when the password changes', async () => {
    const store = await setup()
    const { did } = await createTestAccount(store, 1, { password: 'old' })
    store.sessions.storeRefreshToken({ id: 't', did, expiresAt: Math.floor(Date.now() / 1000) + 60 })
    await store.accounts.setPassword(did, 'new')
    expect(store.sessions.getRefreshToken('t')).toBeNull()
    expect(await store.accounts.login(did, 'old')).toBeNull()
    expect(await store.accounts.login(did, 'new')).not.toBeNull()
    const app = await store.sessions.createAppPassword(did, 'bot')
    expect((await store.accounts.login(did, app.password))?.appPassword?.name).toBe('bot')
  })
})
