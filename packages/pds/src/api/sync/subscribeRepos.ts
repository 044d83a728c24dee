// com.atproto.sync.subscribeRepos: the event stream, as WebSocket frames encoded once when
// each event was sequenced. Cursor replay, OutdatedCursor, FutureCursor and ConsumerTooSlow are
// the fan-out's (firehose.ts); the XRPC server adds socket backpressure.
import type { XrpcServer } from '@welkin/xrpc'
import type { RepoFirehose } from './firehose.js'

export function register(server: XrpcServer, firehose: RepoFirehose): void {
  server.subscription('com.atproto.sync.subscribeRepos', ({ params, signal }) =>
    firehose.subscribe(params.cursor as number | undefined, signal),
  )
}
