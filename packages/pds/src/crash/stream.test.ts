import { decodeRepoFrame, type RepoMessage } from '@welkin/firehose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PdsStore } from '../pds-store.js'
import { createTestAccount, openTestStore, testPost } from '../testing.js'
import { checkCommitStream } from './stream.js'

const POST = 'app.bsky.feed.post'
let store: PdsStore
let cleanup: () => Promise<void>
let messages: RepoMessage[]
const keys = new Map<string, string>()

beforeAll(async () => {
  ;({ store, cleanup } = await openTestStore())
  const dids: string[] = []
  for (const i of [1, 2]) {
    const { did, key } = await createTestAccount(store, i)
    keys.set(did, key.did())
    dids.push(did)
  }
  for (let i = 0; i < 6; i++) {
    const did = dids[i % 2]
    await store.writer.applyWrites(did, [
      { action: 'create', collection: POST, rkey: `3kaaaaaaaaa${i}2`, record: testPost(i) },
    ])
  }
  await store.writer.applyWrites(dids[0], [{ action: 'delete', collection: POST, rkey: '3kaaaaaaaaa02' }])
  messages = store.events.read(0, 1000).map((e) => {
    const f = decodeRepoFrame(e.frame)
    if (f.kind !== 'message') throw new Error(`seq ${e.seq} is not a message`)
    return f.message
  })
})

afterAll(() => cleanup?.())

const commits = () => messages.flatMap((m, i) => (m.t === '#commit' ? [i] : []))

describe('checkCommitStream', () => {
  it('passes a real store log', () => {
    expect(commits().length).toBeGreaterThanOrEqual(7)
    expect(checkCommitStream(messages, keys)).toEqual([])
  })

  it('reports a missing event: the seq gap and the broken chain', () => {
    const lastOfFirst = commits()
      .filter((i) => messages[i].t === '#commit' && messages[i].body.repo === [...keys.keys()][0])
      .at(-2)!
    const cut = messages.filter((_, i) => i !== lastOfFirst)
    const problems = checkCommitStream(cut, keys)
    expect(problems.some((p) => /^seq \d+ follows \d+$/.test(p))).toBe(true)
    expect(problems.some((p) => /since .*, previous rev/.test(p))).toBe(true)
    expect(problems.some((p) => /prevData .*, previous data/.test(p))).toBe(true)
  })

  it('reports commits signed by another key, and a stream not starting where it should', () => {
    const [a, b] = [...keys.keys()]
    const swapped = new Map([
      [a, keys.get(b)!],
      [b, keys.get(a)!],
    ])
    expect(checkCommitStream(messages, swapped).length).toBeGreaterThan(0)
    expect(checkCommitStream(messages.slice(1), keys)[0]).toMatch(/^the stream starts at seq 2, expected 1$/)
  })
})
