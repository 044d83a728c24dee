// Test support: a minimal PDS on 127.0.0.1 — real accounts registered in a real PLC directory,
// real signed repos, a subscribeRepos stream with cursor replay, describeServer and getRepo.
// Tests drive it event by event, and can also send frames a real PDS never would (hostile-host
// tests), live only, so a reconnecting relay does not see them twice.
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Secp256k1Keypair } from '@welkin/crypto'
import {
  accountMessage,
  attachWebSocket,
  type CommitMessage,
  commitMessage,
  EventFanout,
  encodeRepoMessage,
  identityMessage,
  MemoryEventLog,
  type RepoMessage,
  syncMessage,
} from '@welkin/firehose'
import { createGenesisOp, type PlcOp, updateAtprotoKeyOp, updatePdsOp } from '@welkin/identity'
import type { CommitData, RecordWrite } from '@welkin/repo'
import { exportRepoCar } from '@welkin/repo'
import { WebSocketServer } from 'ws'
import { concatChunks } from './bytes.js'
import { TestRepo } from './repo-writer.js'

export interface FakeAccount {
  did: string
  handle: string
  repo: TestRepo
  keypair: Secp256k1Keypair
  rotationKey: Secp256k1Keypair
}

/** Registers a did:plc with `signingKey` and `pds` in the directory at `plcUrl`. */
export async function registerDid(
  plcUrl: string,
  opts: { signingKey: string; pds: string; handle: string; rotationKey?: Secp256k1Keypair },
): Promise<{ did: string; rotationKey: Secp256k1Keypair }> {
  const rotationKey = opts.rotationKey ?? Secp256k1Keypair.createSync()
  const { did, op } = await createGenesisOp(
    { rotationKeys: [rotationKey.did()], signingKey: opts.signingKey, handle: opts.handle, pds: opts.pds },
    rotationKey,
  )
  const res = await fetch(`${plcUrl}/${encodeURIComponent(did)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(op),
  })
  if (!res.ok) throw new Error(`PLC refused the genesis op of ${did}: ${res.status} ${await res.text()}`)
  return { did, rotationKey }
}

/**
 * Changes an account's DID document in the directory at `plcUrl`: its PDS endpoint (a move to
 * another host) or its atproto signing key (a rotation; the repo then signs with the new key).
 */
export async function updateDid(
  plcUrl: string,
  acct: FakeAccount,
  change: { pds: string } | { signingKey: Secp256k1Keypair },
): Promise<void> {
  const log = (await (await fetch(`${plcUrl}/${acct.did}/log`)).json()) as PlcOp[]
  const last = log[log.length - 1]
  const op =
    'pds' in change
      ? await updatePdsOp(last, acct.rotationKey, change.pds)
      : await updateAtprotoKeyOp(last, acct.rotationKey, change.signingKey.did())
  const res = await fetch(`${plcUrl}/${encodeURIComponent(acct.did)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(op),
  })
  if (!res.ok) throw new Error(`PLC refused the update of ${acct.did}: ${res.status} ${await res.text()}`)
  if ('signingKey' in change) {
    acct.keypair = change.signingKey
    acct.repo.keypair = change.signingKey
  }
}

export class FakePds {
  readonly accounts = new Map<string, FakeAccount>()
  /** getRepo requests served (archive backfills). */
  getRepoCalls = 0
  private seq = 0
  private counter = 0

  private constructor(
    readonly server: Server,
    readonly wss: WebSocketServer,
    readonly url: string,
    readonly hostname: string,
    readonly plcUrl: string,
    readonly log: MemoryEventLog,
    readonly fanout: EventFanout,
  ) {}

  static async start(plcUrl: string): Promise<FakePds> {
    const log = new MemoryEventLog()
    const fanout = new EventFanout(log)
    let self: FakePds | undefined
    const server = createServer((req, res) => {
      void self!.handleHttp(req.url ?? '/', res).catch(() => {
        res.statusCode = 500
        res.end()
      })
    })
    const wss = new WebSocketServer({ server, perMessageDeflate: false })
    wss.on('connection', (ws, req) => {
      const raw = new URL(req.url ?? '/', 'http://x').searchParams.get('cursor')
      attachWebSocket(ws, fanout.subscribe({ cursor: raw === null ? undefined : Number(raw) }))
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const port = (server.address() as AddressInfo).port
    self = new FakePds(server, wss, `http://127.0.0.1:${port}`, `localhost:${port}`, plcUrl, log, fanout)
    return self
  }

  private async handleHttp(url: string, res: import('node:http').ServerResponse): Promise<void> {
    const u = new URL(url, 'http://x')
    if (u.pathname === '/xrpc/com.atproto.server.describeServer') {
      res.setHeader('content-type', 'application/json')
      res.end(
        JSON.stringify({ did: `did:web:${this.hostname.split(':')[0]}`, availableUserDomains: ['.test'] }),
      )
      return
    }
    if (u.pathname === '/xrpc/com.atproto.sync.getRepo') {
      this.getRepoCalls++
      const acct = this.accounts.get(u.searchParams.get('did') ?? '')
      const head = acct?.repo.head
      if (!acct || !head) {
        res.statusCode = 400
        res.end(JSON.stringify({ error: 'RepoNotFound' }))
        return
      }
      const chunks: Uint8Array[] = []
      for await (const c of exportRepoCar(acct.repo.blockstore, head.cid)) chunks.push(c)
      res.setHeader('content-type', 'application/vnd.ipld.car')
      res.end(concatChunks(chunks))
      return
    }
    res.statusCode = 404
    res.end()
  }

  /** A new account registered in the PLC directory with this PDS as its host. */
  async createAccount(opts: { pds?: string; keypair?: Secp256k1Keypair } = {}): Promise<FakeAccount> {
    const keypair = opts.keypair ?? Secp256k1Keypair.createSync()
    const handle = `user${this.counter++}-${this.hostname.split(':')[1]}.test`
    const { did, rotationKey } = await registerDid(this.plcUrl, {
      signingKey: keypair.did(),
      pds: opts.pds ?? this.url,
      handle,
    })
    const acct: FakeAccount = { did, handle, repo: new TestRepo(did, keypair), keypair, rotationKey }
    this.accounts.set(did, acct)
    return acct
  }

  /** Commits `writes` (default one post) and emits its #commit. */
  async commit(acct: FakeAccount, writes?: RecordWrite[]): Promise<CommitData> {
    const data = await acct.repo.commit(writes)
    this.emit({ t: '#commit', body: commitMessage(data, 0) })
    return data
  }

  /** Emits a message with the next seq (persisted and replayable unless `live`). */
  emit(msg: RepoMessage, opts: { live?: boolean } = {}): number {
    const seq = ++this.seq
    ;(msg.body as { seq: number }).seq = seq
    this.emitFrame(encodeRepoMessage(msg), seq, opts)
    return seq
  }

  /** Emits raw frame bytes under the next seq (a hostile host's garbage). */
  emitRaw(frame: Uint8Array, opts: { live?: boolean } = {}): number {
    const seq = ++this.seq
    this.emitFrame(frame, seq, opts)
    return seq
  }

  private emitFrame(frame: Uint8Array, seq: number, opts: { live?: boolean }): void {
    if (!opts.live) this.log.append(seq, frame)
    this.fanout.publish(seq, frame)
  }

  emitCommitMessage(msg: CommitMessage, opts: { live?: boolean } = {}): number {
    return this.emit({ t: '#commit', body: msg }, opts)
  }

  identity(acct: FakeAccount): number {
    return this.emit({ t: '#identity', body: identityMessage(acct.did, 0, acct.handle) })
  }

  account(acct: FakeAccount, active: boolean, status?: string): number {
    return this.emit({ t: '#account', body: accountMessage(acct.did, 0, active, status) })
  }

  sync(acct: FakeAccount): number {
    return this.emit({ t: '#sync', body: syncMessage(acct.repo.head!.commit, 0) })
  }

  get lastSeq(): number {
    return this.seq
  }

  async close(): Promise<void> {
    this.fanout.close()
    for (const c of this.wss.clients) c.terminate()
    this.wss.close()
    this.server.closeAllConnections()
    await new Promise<void>((r) => this.server.close(() => r()))
  }
}
