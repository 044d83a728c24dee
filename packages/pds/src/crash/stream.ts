// Reads com.atproto.sync.subscribeRepos from a cursor with a plain WebSocket, decoding each
// frame with @welkin/firehose, until the caller has what it waits for; and checks that such a
// replay is gapless with every repo's commits chaining (sync.md, "Commit Validation").
import { type CID, readCarSync } from '@welkin/data'
import { type CommitMessage, decodeRepoFrame, type RepoMessage } from '@welkin/firehose'
import { decodeCommit, verifyCommitEvent } from '@welkin/repo'
import WebSocket from 'ws'

/**
 * Every message from `cursor` on, until `enough(messages)` holds. Rejects on an error frame, a
 * frame that does not decode, the socket closing first, or `timeoutMs`.
 */
export function readFirehose(
  baseUrl: string,
  cursor: number,
  enough: (messages: RepoMessage[]) => boolean,
  timeoutMs = 15_000,
): Promise<RepoMessage[]> {
  const url = `${baseUrl.replace(/^http/, 'ws')}/xrpc/com.atproto.sync.subscribeRepos?cursor=${cursor}`
  const ws = new WebSocket(url, { maxPayload: 8 * 1024 * 1024 })
  const messages: RepoMessage[] = []
  return new Promise<RepoMessage[]>((resolve, reject) => {
    let settled = false
    const finish = (err?: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      ws.terminate()
      if (err) reject(err)
      else resolve(messages)
    }
    const timer = setTimeout(
      () => finish(new Error(`firehose: gave up after ${timeoutMs} ms with ${messages.length} messages`)),
      timeoutMs,
    )
    ws.on('message', (data: Buffer) => {
      let frame: ReturnType<typeof decodeRepoFrame>
      try {
        frame = decodeRepoFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
      } catch (err) {
        return finish(
          new Error(
            `firehose: undecodable frame after ${messages.length} messages: ${(err as Error).message}`,
          ),
        )
      }
      if (frame.kind === 'error')
        return finish(new Error(`firehose error frame ${frame.error}: ${frame.message ?? ''}`))
      if (frame.kind === 'message') messages.push(frame.message)
      if (enough(messages)) finish()
    })
    ws.on('error', (err) => finish(err))
    ws.on('close', (code) => finish(new Error(`firehose closed (${code}) after ${messages.length} messages`)))
  })
}

/**
 * Problems with a replay: seqs not contiguous from `firstSeq`; per repo, a commit whose `since`
 * is not the previous commit's rev, whose `prevData` is not the previous commit's data, whose
 * rev does not increase, or which does not verify by inversion with the repo's key (did:key).
 */
export function checkCommitStream(
  messages: RepoMessage[],
  keys: Map<string, string>,
  firstSeq = 1,
): string[] {
  const problems: string[] = []
  const seqs = messages.map((m) => (m.t === '#info' ? -1 : m.body.seq))
  if (seqs[0] !== firstSeq) problems.push(`the stream starts at seq ${seqs[0]}, expected ${firstSeq}`)
  for (let i = 1; i < seqs.length; i++) {
    if (seqs[i] !== seqs[i - 1] + 1) problems.push(`seq ${seqs[i]} follows ${seqs[i - 1]}`)
  }
  const last = new Map<string, { rev: string; data: CID }>()
  for (const m of messages) {
    if (m.t !== '#commit') continue
    const c: CommitMessage = m.body
    const commit = decodeCommit(readCarSync(c.blocks).blocks.get(c.commit)!)
    const prev = last.get(c.repo)
    if (prev !== undefined) {
      if (c.since !== prev.rev)
        problems.push(`${c.repo} seq ${c.seq}: since ${c.since}, previous rev ${prev.rev}`)
      if (!c.prevData?.equals(prev.data))
        problems.push(`${c.repo} seq ${c.seq}: prevData ${c.prevData}, previous data ${prev.data}`)
      if (!(c.rev > prev.rev)) problems.push(`${c.repo} seq ${c.seq}: rev ${c.rev} not after ${prev.rev}`)
      try {
        verifyCommitEvent(c, keys.get(c.repo)!)
      } catch (err) {
        problems.push(`${c.repo} seq ${c.seq}: ${(err as Error).message}`)
      }
    }
    last.set(c.repo, { rev: c.rev, data: commit.data })
  }
  return problems
}
