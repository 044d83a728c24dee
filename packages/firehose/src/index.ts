// @welkin/firehose: the atproto event stream (event-stream.md, sync.md). Frames (header +
// body DAG-CBOR) and the com.atproto.sync.subscribeRepos message types with runtime checks; a
// reconnecting, backpressured consumer; per-DID ordered processing with a safe resume cursor;
// and the server-side fan-out (cursor replay, then live) that the PDS and the relay serve.

export { type BackoffOptions, backoffDelay } from './consumer/backoff.js'
export {
  type FirehoseSubscription,
  type SubscribeReposOptions,
  type SubscriptionEnd,
  type SubscriptionStats,
  subscribeRepos,
} from './consumer/subscribe-repos.js'
export {
  ConnectionError,
  FanoutError,
  FirehoseError,
  FrameError,
  type FrameErrorReason,
  HandlerError,
  InvalidMessageError,
  RunnerError,
  StreamErrorFrame,
} from './errors.js'
export { type AttachOptions, attachWebSocket } from './fanout/attach-ws.js'
export type { EventLog, LoggedEvent } from './fanout/event-log.js'
export { EventFanout, type EventFanoutOptions, type SubscribeOptions } from './fanout/fanout.js'
export { MemoryEventLog, type MemoryEventLogOptions } from './fanout/memory-event-log.js'
export { FanoutSubscription, type FanoutSubscriptionLimits } from './fanout/subscription.js'
export { decodeFrame } from './frame/decode.js'
export { encodeErrorFrame, encodeFrame, encodeMessageFrame } from './frame/encode.js'
export {
  CONSUMER_TOO_SLOW,
  DEFAULT_MAX_FRAME_BYTES,
  type ErrorBody,
  type ErrorFrame,
  type ErrorHeader,
  type Frame,
  type FrameHeader,
  type FrameLimits,
  FUTURE_CURSOR,
  isErrorFrame,
  isMessageFrame,
  type MessageFrame,
  type MessageHeader,
  OUTDATED_CURSOR,
} from './frame/types.js'
export {
  accountMessage,
  commitMessage,
  encodeRepoMessage,
  identityMessage,
  syncMessage,
} from './messages/build.js'
export {
  isValidRepoPath,
  parseAccountMessage,
  parseCommitMessage,
  parseIdentityMessage,
  parseInfoMessage,
  parseSyncMessage,
} from './messages/parse.js'
export {
  type DecodedRepoFrame,
  decodeRepoFrame,
  messageDid,
  messageSeq,
  parseRepoMessage,
} from './messages/repo-message.js'
export {
  type AccountMessage,
  type CommitMessage,
  DEFAULT_MESSAGE_LIMITS,
  type IdentityMessage,
  type InfoMessage,
  type MessageLimits,
  REPO_MESSAGE_TYPES,
  type RepoMessage,
  type RepoMessageType,
  type RepoOp,
  type RepoOpAction,
  type SyncMessage,
} from './messages/types.js'
export { PerDidRunner, type PerDidRunnerOptions, type RunnerTask } from './runner/per-did-runner.js'
