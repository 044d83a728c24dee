// The official consumer, @atproto/sync (0.1.x, the last line that runs on Node 20), reads frames
// from our encoder through our fan-out over a real socket. Its identity resolver is stubbed to
// return our test key and DID document, so it verifies the commits' signatures and MST proofs
// and the identity event's handle.
import { type Event, Firehose, MemoryRunner } from '@atproto/sync'
import { readCarSync } from '@welkin/data'
import { decodeCommit } from '@welkin/repo'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EventFanout } from '../fanout/fanout.js'
import { MemoryEventLog } from '../fanout/memory-event-log.js'
import { accountMessage, encodeRepoMessage, identityMessage, syncMessage } from '../messages/build.js'
import { messageSeq } from '../messages/repo-message.js'
import type { RepoMessage } from '../messages/types.js'
import {
  type CommitChain,
  makeCommitChain,
  startFanoutServer,
  type TestServer,
  waitFor,
} from '../test-helpers.js'

const HANDLE = 'alice.test'

let chain: CommitChain
let server: TestServer
let messages: RepoMessage[]

beforeAll(async () => {
  chain = await makeCommitChain(8)
  const log = new MemoryEventLog()
  const fanout = new EventFanout(log)
  const last = chain.commits[chain.commits.length - 1]
  const lastCommit = decodeCommit(readCarSync(last.blocks).blocks.get(last.commit)!)
  let seq = 0
  messages = [
    { t: '#identity', body: identityMessage(chain.did, ++seq, HANDLE) },
    { t: '#account', body: accountMessage(chain.did, ++seq, true) },
    ...chain.commits.map((c): RepoMessage => ({ t: '#commit', body: { ...c, seq: ++seq } })),
    { t: '#sync', body: syncMessage(lastCommit, ++seq) },
    { t: '#account', body: accountMessage(chain.did, ++seq, false, 'deactivated') },
  ]
  for (const m of messages) {
    const frame = encodeRepoMessage(m)
    log.append(messageSeq(m)!, frame)
    fanout.publish(messageSeq(m)!, frame)
  }
  server = await startFanoutServer(fanout)
})

afterAll(async () => {
  await server?.close()
})

/** destroy() waits for the subscription loop, which can sit in its 3 s reconnect delay. */
async function stop(firehose: Firehose): Promise<void> {
  await Promise.race([firehose.destroy(), new Promise((r) => setTimeout(r, 3000))])
}

function stubResolver(): ConstructorParameters<typeof Firehose>[0]['idResolver'] {
  const doc = {
    id: chain.did,
    alsoKnownAs: [`at://${HANDLE}`],
    verificationMethod: [
      {
        id: `${chain.did}#atproto`,
        type: 'Multikey',
        controller: chain.did,
        publicKeyMultibase: chain.keypair.did().slice('did:key:'.length),
      },
    ],
    service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: 'https://pds.test' }],
  }
  return {
    did: {
      resolve: async () => doc,
      resolveAtprotoKey: async () => chain.keypair.did(),
    },
    handle: { resolve: async (h: string) => (h === HANDLE ? chain.did : undefined) },
  } as unknown as ConstructorParameters<typeof Firehose>[0]['idResolver']
}

describe('@atproto/sync Firehose reading our fan-out', () => {
  it('accepts our #identity, #account, #commit and #sync frames, verifying the commits', async () => {
    const events: Event[] = []
    const errors: Error[] = []
    const firehose = new Firehose({
      idResolver: stubResolver(),
      service: server.url.replace('/xrpc/com.atproto.sync.subscribeRepos', ''),
      // 0.1.40 passes `getCursor` itself, not its result, as the cursor; a runner's works.
      runner: new MemoryRunner({ startCursor: 0 }),
      handleEvent: (evt) => {
        events.push(evt)
      },
      onError: (err) => errors.push(err),
    })
    void firehose.start()
    try {
      await waitFor(() => events.length >= messages.length || errors.length > 0, 15_000, 'official consumer')
    } finally {
      await stop(firehose)
    }
    expect(errors.map((e) => `${e.message}: ${(e.cause as Error)?.message}`)).toEqual([])
    expect(events.map((e) => e.seq)).toEqual(messages.map(messageSeq))

    const identity = events[0]
    expect(identity.event === 'identity' && identity.handle).toBe(HANDLE)
    const account = events[1]
    expect(account.event === 'account' && account.active).toBe(true)
    const deactivated = events[events.length - 1]
    expect(deactivated.event === 'account' && deactivated.status).toBe('deactivated')

    const commitEvents = events.filter(
      (e) => e.event === 'create' || e.event === 'update' || e.event === 'delete',
    )
    expect(commitEvents.map((e) => e.event)).toEqual(chain.commits.map((c) => c.ops[0].action))
    for (const [i, e] of commitEvents.entries()) {
      const op = chain.commits[i].ops[0]
      expect(e.uri.toString()).toBe(`at://${chain.did}/${op.path}`)
      expect(e.rev).toBe(chain.commits[i].rev)
      if (e.event !== 'delete') {
        expect(e.cid.toString()).toBe(op.cid!.toString())
        expect((e.record as { text: string }).text).toMatch(/^post \d+$/)
      }
    }
    const sync = events.find((e) => e.event === 'sync')
    expect(sync && sync.event === 'sync' && sync.cid.toString()).toBe(
      chain.commits[chain.commits.length - 1].commit.toString(),
    )
  })

  it('rejects a commit signed by another key, as a control', async () => {
    const events: Event[] = []
    const errors: Error[] = []
    const other = await makeCommitChain(1)
    const resolver = stubResolver() as unknown as { did: { resolveAtprotoKey: () => Promise<string> } }
    resolver.did.resolveAtprotoKey = async () => other.keypair.did()
    const firehose = new Firehose({
      idResolver: resolver as never,
      service: server.url.replace('/xrpc/com.atproto.sync.subscribeRepos', ''),
      runner: new MemoryRunner({ startCursor: 2 }),
      excludeSync: true,
      handleEvent: (evt) => {
        events.push(evt)
      },
      onError: (err) => errors.push(err),
    })
    void firehose.start()
    try {
      await waitFor(() => errors.length >= chain.commits.length, 15_000, 'verification failures')
    } finally {
      await stop(firehose)
    }
    expect(events.filter((e) => e.event === 'create')).toEqual([])
  })
})
