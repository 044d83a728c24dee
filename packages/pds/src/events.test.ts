import { type CID, cidForCbor, decodeCborMulti, encodeCbor } from '@welkin/data'
import { describe, expect, it } from 'vitest'
import {
  accountBody,
  commitBody,
  decodeEventFrame,
  encodeEventFrame,
  identityBody,
  syncBody,
} from './events.js'

const cid = cidForCbor(encodeCbor({ a: 1 }))

describe('event frames', () => {
  it('encodes a #commit frame with every field the lexicon requires', () => {
    const body = commitBody({
      repo: 'did:plc:abc',
      commit: cid,
      rev: '3kabcabcabc22',
      since: null,
      blocks: new Uint8Array([1, 2, 3]),
      ops: [
        { action: 'create', path: 'app.bsky.feed.post/3k', cid },
        { action: 'delete', path: 'app.bsky.feed.post/3j', cid: null, prev: cid },
      ],
      prevData: null,
    })
    const frame = encodeEventFrame('#commit', body, 7, '2024-01-01T00:00:00.000Z')
    const [header, payload] = decodeCborMulti(frame) as [Record<string, unknown>, Record<string, unknown>]
    expect(header).toEqual({ op: 1, t: '#commit' })
    // subscribeRepos#commit required fields.
    for (const k of [
      'seq',
      'rebase',
      'tooBig',
      'repo',
      'commit',
      'rev',
      'since',
      'blocks',
      'ops',
      'blobs',
      'time',
    ]) {
      expect(payload).toHaveProperty(k)
    }
    expect(payload.seq).toBe(7)
    expect(payload.tooBig).toBe(false)
    expect(payload.blobs).toEqual([])
    expect('prevData' in payload).toBe(false)
    const ops = payload.ops as Record<string, unknown>[]
    expect('prev' in ops[0]).toBe(false)
    expect((ops[1].prev as CID).equals(cid)).toBe(true)
    expect(ops[1].cid).toBeNull()
  })

  it('includes prevData when there is one', () => {
    const body = commitBody({
      repo: 'did:plc:abc',
      commit: cid,
      rev: '3kabcabcabc22',
      since: '3kabcabcabc11',
      blocks: new Uint8Array(),
      ops: [],
      prevData: cid,
    })
    const { type, body: decoded } = decodeEventFrame(encodeEventFrame('#commit', body, 1, 'x'))
    expect(type).toBe('#commit')
    expect((decoded.prevData as CID).equals(cid)).toBe(true)
    expect(decoded.since).toBe('3kabcabcabc11')
  })

  it('shapes #identity, #account and #sync', () => {
    const t = '2024-01-01T00:00:00.000Z'
    expect(
      decodeEventFrame(
        encodeEventFrame('#identity', identityBody({ did: 'did:plc:a', handle: 'a.test' }), 1, t),
      ).body,
    ).toEqual({
      did: 'did:plc:a',
      handle: 'a.test',
      seq: 1,
      time: t,
    })
    expect(
      decodeEventFrame(encodeEventFrame('#identity', identityBody({ did: 'did:plc:a' }), 1, t)).body,
    ).not.toHaveProperty('handle')
    expect(
      decodeEventFrame(
        encodeEventFrame(
          '#account',
          accountBody({ did: 'did:plc:a', active: false, status: 'deactivated' }),
          2,
          t,
        ),
      ).body,
    ).toEqual({ did: 'did:plc:a', active: false, status: 'deactivated', seq: 2, time: t })
    expect(
      decodeEventFrame(encodeEventFrame('#account', accountBody({ did: 'did:plc:a', active: true }), 3, t))
        .body,
    ).not.toHaveProperty('status')
    const sync = decodeEventFrame(
      encodeEventFrame('#sync', syncBody({ did: 'did:plc:a', rev: 'r', blocks: new Uint8Array([9]) }), 4, t),
    )
    expect(sync.type).toBe('#sync')
    expect(sync.body.blocks).toEqual(new Uint8Array([9]))
  })
})
