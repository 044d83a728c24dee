// Byte-level agreement with the official frame codec (@atproto/xrpc-server): it decodes our
// frames and re-encodes them to the very same bytes, and we decode the frames it writes.
import { ErrorFrame, Frame, MessageFrame } from '@atproto/xrpc-server'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodeFrame } from '../frame/decode.js'
import { encodeErrorFrame } from '../frame/encode.js'
import { isErrorFrame, type MessageFrame as OurMessageFrame } from '../frame/types.js'
import { accountMessage, encodeRepoMessage, identityMessage } from '../messages/build.js'
import { decodeRepoFrame } from '../messages/repo-message.js'
import { makeCommitChain } from '../test-helpers.js'

let frames: Uint8Array[]

beforeAll(async () => {
  const chain = await makeCommitChain(6)
  frames = [
    ...chain.commits.map((c, i) => encodeRepoMessage({ t: '#commit', body: { ...c, seq: i + 1 } })),
    encodeRepoMessage({ t: '#identity', body: identityMessage(chain.did, 10, 'alice.test') }),
    encodeRepoMessage({ t: '#account', body: accountMessage(chain.did, 11, false, 'takendown') }),
    encodeRepoMessage({ t: '#info', body: { name: 'OutdatedCursor', message: 'too old' } }),
    encodeErrorFrame('FutureCursor', 'cursor 99 is ahead'),
  ]
})

describe('frames against @atproto/xrpc-server', () => {
  it('re-encodes each of our frames to identical bytes', () => {
    for (const bytes of frames) {
      const theirs = Frame.fromBytes(bytes)
      expect(Buffer.from(theirs.toBytes()).equals(Buffer.from(bytes))).toBe(true)
    }
  })

  it('writes frames we decode', () => {
    const err = new ErrorFrame({ error: 'ConsumerTooSlow', message: 'slow' }).toBytes()
    const decoded = decodeFrame(err)
    expect(isErrorFrame(decoded) && decoded.body).toEqual({ error: 'ConsumerTooSlow', message: 'slow' })
    expect(Buffer.from(err).equals(Buffer.from(encodeErrorFrame('ConsumerTooSlow', 'slow')))).toBe(true)

    const info = new MessageFrame({ name: 'OutdatedCursor' }, { type: '#info' }).toBytes()
    expect(decodeRepoFrame(info)).toEqual({
      kind: 'message',
      message: { t: '#info', body: { name: 'OutdatedCursor' } },
    })

    // A #commit they build from their decoded values parses and checks here.
    const commit = Frame.fromBytes(frames[2]) as MessageFrame
    const theirs = new MessageFrame(commit.body, { type: '#commit' }).toBytes()
    const decodedCommit = decodeRepoFrame(theirs)
    expect(decodedCommit.kind === 'message' && decodedCommit.message.t).toBe('#commit')
    expect((decodeFrame(theirs) as OurMessageFrame).body.seq).toBe(3)
  })
})
