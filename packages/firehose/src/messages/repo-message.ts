// From frame bytes to a typed subscribeRepos message, the consumer's whole decode step.
import { decodeFrame } from '../frame/decode.js'
import { type FrameLimits, isErrorFrame, type MessageFrame } from '../frame/types.js'
import {
  parseAccountMessage,
  parseCommitMessage,
  parseIdentityMessage,
  parseInfoMessage,
  parseSyncMessage,
} from './parse.js'
import type { MessageLimits, RepoMessage } from './types.js'

/** The typed message of a message frame, or null when its `t` is not a subscribeRepos type. */
export function parseRepoMessage(frame: MessageFrame, limits?: MessageLimits): RepoMessage | null {
  const body = frame.body
  switch (frame.header.t) {
    case '#commit':
      return { t: '#commit', body: parseCommitMessage(body, limits) }
    case '#sync':
      return { t: '#sync', body: parseSyncMessage(body, limits) }
    case '#identity':
      return { t: '#identity', body: parseIdentityMessage(body) }
    case '#account':
      return { t: '#account', body: parseAccountMessage(body) }
    case '#info':
      return { t: '#info', body: parseInfoMessage(body) }
    default:
      return null
  }
}

export type DecodedRepoFrame =
  | { kind: 'message'; message: RepoMessage }
  | { kind: 'error'; error: string; message?: string }
  | { kind: 'unknown'; t: string }

/**
 * Decodes and checks one subscribeRepos frame. Throws FrameError on bad framing (reason
 * `unknown-op` for a frame to skip) and InvalidMessageError on a known type with a bad body.
 */
export function decodeRepoFrame(bytes: Uint8Array, limits?: FrameLimits & MessageLimits): DecodedRepoFrame {
  const frame = decodeFrame(bytes, limits)
  if (isErrorFrame(frame)) {
    const { error, message } = frame.body
    return message === undefined ? { kind: 'error', error } : { kind: 'error', error, message }
  }
  const message = parseRepoMessage(frame, limits)
  return message ? { kind: 'message', message } : { kind: 'unknown', t: frame.header.t }
}

/** The `seq` of a message, if its type carries one (`#info` does not). */
export function messageSeq(message: RepoMessage): number | undefined {
  return message.t === '#info' ? undefined : message.body.seq
}

/** The account a message is about (`repo` for #commit, `did` otherwise); none for #info. */
export function messageDid(message: RepoMessage): string | undefined {
  switch (message.t) {
    case '#commit':
      return message.body.repo
    case '#info':
      return undefined
    default:
      return message.body.did
  }
}
