// Shared by this package's tests: real signed commits, and a subscribeRepos server on loopback.
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Secp256k1Keypair } from '@welkin/crypto'
import { type CommitData, MemoryBlockstore, type RecordWrite, Repo, type WriteAction } from '@welkin/repo'
import { tidFromTime } from '@welkin/syntax'
import { type WebSocket, WebSocketServer } from 'ws'
import { type AttachOptions, attachWebSocket } from './fanout/attach-ws.js'
import type { EventFanout } from './fanout/fanout.js'
import type { FanoutSubscription } from './fanout/subscription.js'
import { commitMessage } from './messages/build.js'
import type { CommitMessage } from './messages/types.js'

export const TEST_DID = 'did:plc:w3lk1nf1reh0setest0000a'

export interface CommitChain {
  keypair: Secp256k1Keypair
  did: string
  /** `#commit` messages of consecutive commits (seq left 0; set it before encoding). */
  commits: CommitMessage[]
}

/** `n` consecutive commits of one repo: creates, then updates and deletes of earlier records. */
export async function makeCommitChain(n: number, did = TEST_DID): Promise<CommitChain> {
  const keypair = await Secp256k1Keypair.create()
  const store = new MemoryBlockstore()
  let repo: Repo | undefined
  const commits: CommitMessage[] = []
  const rkeys: string[] = []
  let clock = 1_700_000_000_000_000
  for (let i = 0; i < n; i++) {
    const action: WriteAction =
      i % 5 === 3 && rkeys.length > 1 ? 'update' : i % 5 === 4 && rkeys.length > 1 ? 'delete' : 'create'
    clock += 1000
    const rkey = action === 'create' ? tidFromTime(clock, 0) : rkeys[0]
    if (action === 'create') rkeys.push(rkey)
    if (action === 'delete') rkeys.shift()
    const record = {
      $type: 'app.bsky.feed.post',
      text: `post ${i}`,
      createdAt: new Date(1.7e12 + i).toISOString(),
    }
    const write: RecordWrite =
      action === 'delete'
        ? { action, collection: 'app.bsky.feed.post', rkey }
        : { action, collection: 'app.bsky.feed.post', rkey, record }
    // The first commit creates the repo, so the chain starts with `since: null`.
    let data: CommitData
    if (repo) {
      data = await repo.formatCommit([write], keypair)
      repo = await repo.applyCommit(data)
    } else {
      data = await Repo.formatInitCommit(store, did, keypair, [write])
      await store.putBlocks(data.newBlocks)
      repo = await Repo.load(store, data.cid)
    }
    commits.push(commitMessage(data, 1, new Date(1.7e12 + i).toISOString()))
  }
  return { keypair, did, commits }
}

export interface TestServer {
  url: string
  port: number
  server: Server
  close(): Promise<void>
}

/** A subscribeRepos endpoint over `fanout` on 127.0.0.1 (port 0 picks a free one). */
export async function startFanoutServer(
  fanout: EventFanout,
  port = 0,
  attach: AttachOptions = {},
  onSubscription?: (sub: FanoutSubscription, ws: WebSocket) => void,
): Promise<TestServer> {
  return startWsServer((ws, req) => {
    const raw = new URL(req.url ?? '/', 'http://localhost').searchParams.get('cursor')
    const cursor = raw === null ? undefined : Number(raw)
    const sub = fanout.subscribe({ cursor })
    onSubscription?.(sub, ws)
    attachWebSocket(ws, sub, attach)
  }, port)
}

/** A WebSocket server on 127.0.0.1 running `onConnection` for each client; other requests get `httpStatus`. */
export async function startWsServer(
  onConnection: (ws: WebSocket, req: IncomingMessage, index: number) => void,
  port = 0,
  httpStatus?: number,
): Promise<TestServer> {
  const server = createServer((_req, res) => {
    res.statusCode = 426
    res.end()
  })
  if (httpStatus !== undefined) {
    server.on('upgrade', (_req, socket) => {
      socket.on('error', () => {})
      socket.end(`HTTP/1.1 ${httpStatus} Nope\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
    })
  }
  const wss = new WebSocketServer(
    httpStatus === undefined ? { server, perMessageDeflate: false } : { noServer: true },
  )
  let index = 0
  wss.on('connection', (ws, req) => onConnection(ws, req, index++))
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  const actual = (server.address() as AddressInfo).port
  return {
    url: `ws://127.0.0.1:${actual}/xrpc/com.atproto.sync.subscribeRepos`,
    port: actual,
    server,
    close: async () => {
      for (const c of wss.clients) c.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls `cond` until it holds, or fails after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleepMs(5)
  }
}
