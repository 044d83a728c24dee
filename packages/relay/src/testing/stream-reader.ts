// Test support: reads a relay's stream with the firehose consumer and keeps what arrives.
import { type RepoMessage, subscribeRepos } from '@welkin/firehose'

export interface StreamReader {
  messages: RepoMessage[]
  /** Resolves once `pred` holds for the messages so far; rejects after `timeoutMs`. */
  until(pred: (msgs: RepoMessage[]) => boolean, timeoutMs?: number, what?: string): Promise<void>
  stop(): Promise<void>
}

export function readStream(relayUrl: string, cursor?: number): StreamReader {
  const messages: RepoMessage[] = []
  const ac = new AbortController()
  const url = `${relayUrl.replace(/^http/, 'ws')}/xrpc/com.atproto.sync.subscribeRepos`
  let first = true
  const sub = subscribeRepos({
    url,
    signal: ac.signal,
    cursor: () => {
      if (first) {
        first = false
        return cursor
      }
      return sub.lastSeq ?? cursor
    },
    onEvent: (evt) => {
      messages.push(evt)
    },
    reconnect: { minDelayMs: 50, maxDelayMs: 200 },
  })
  return {
    messages,
    async until(pred, timeoutMs = 15_000, what = 'stream condition') {
      const deadline = Date.now() + timeoutMs
      while (!pred(messages)) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what} (${messages.length} messages)`)
        await new Promise((r) => setTimeout(r, 10))
      }
    },
    async stop() {
      ac.abort()
      await sub.done
    },
  }
}

/** Polls `cond` until it holds, or fails after `timeoutMs`. */
export async function waitUntil(cond: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
