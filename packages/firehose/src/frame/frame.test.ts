import { type CID, cidForRaw, decodeCborMulti, encodeCbor } from '@welkin/data'
import { describe, expect, it } from 'vitest'
import { FrameError } from '../errors.js'
import { decodeFrame } from './decode.js'
import { encodeErrorFrame, encodeFrame, encodeMessageFrame } from './encode.js'
import { isErrorFrame, isMessageFrame, type MessageFrame } from './types.js'

const cid = cidForRaw(new Uint8Array([1, 2, 3]))

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let off = 0
  for (const p of parts) {
    out.set(p, off)
    off += p.length
  }
  return out
}

function reason(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(FrameError)
    return (err as FrameError).reason
  }
  throw new Error('expected a FrameError')
}

describe('encodeFrame / decodeFrame', () => {
  it('round-trips a message frame as header CBOR then body CBOR', () => {
    const body = { seq: 7, repo: 'did:plc:abc', commit: cid, blocks: new Uint8Array([9, 9]), ops: [] }
    const bytes = encodeFrame({ op: 1, t: '#commit' }, body)
    const [h, b] = decodeCborMulti(bytes)
    expect(h).toEqual({ op: 1, t: '#commit' })
    expect(bytes.subarray(0, encodeCbor({ t: '#commit', op: 1 }).length)).toEqual(
      encodeCbor({ op: 1, t: '#commit' }),
    )
    expect((b as { commit: CID }).commit.equals(cid)).toBe(true)
    const frame = decodeFrame(bytes) as MessageFrame
    expect(frame.header).toEqual({ op: 1, t: '#commit' })
    expect(frame.body.seq).toBe(7)
    expect(frame.body.blocks).toEqual(new Uint8Array([9, 9]))
  })

  it('round-trips error frames, with and without a message', () => {
    expect(decodeFrame(encodeErrorFrame('FutureCursor', 'too far'))).toEqual({
      header: { op: -1 },
      body: { error: 'FutureCursor', message: 'too far' },
    })
    expect(decodeFrame(encodeErrorFrame('ConsumerTooSlow'))).toEqual({
      header: { op: -1 },
      body: { error: 'ConsumerTooSlow' },
    })
  })

  it('returns unknown message types as they are, for the caller to skip', () => {
    const frame = decodeFrame(encodeMessageFrame('#labels', { seq: 1 }))
    expect(frame.header).toEqual({ op: 1, t: '#labels' })
    expect([isMessageFrame(frame), isErrorFrame(frame)]).toEqual([true, false])
  })

  it('ignores unknown header fields and an error header with t', () => {
    const bytes = concat(encodeCbor({ op: 1, t: '#x', extra: 'y' }), encodeCbor({ a: 1 }))
    expect(decodeFrame(bytes).header).toEqual({ op: 1, t: '#x' })
    const err = concat(encodeCbor({ op: -1, t: '#error' }), encodeCbor({ error: 'E' }))
    expect(decodeFrame(err).body).toEqual({ error: 'E' })
  })

  it('refuses to encode non-map bodies, bad headers and non-data values', () => {
    expect(reason(() => encodeFrame({ op: 1, t: '#x' }, [1, 2]))).toBe('body')
    expect(reason(() => encodeFrame({ op: 1, t: '' }, {}))).toBe('header')
    expect(reason(() => encodeFrame({ op: 2 } as never, {}))).toBe('header')
    expect(reason(() => encodeFrame({ op: 1, t: '#x' }, { a: undefined }))).toBe('encode')
    expect(reason(() => encodeFrame({ op: 1, t: '#x' }, { a: 1.5 }))).toBe('encode')
  })

  const header = encodeCbor({ op: 1, t: '#commit' })
  const body = encodeCbor({ seq: 1 })
  const cases: [string, Uint8Array, string][] = [
    ['empty input', new Uint8Array(0), 'empty'],
    ['a header alone', header, 'item-count'],
    ['three values', concat(header, body, body), 'item-count'],
    ['a truncated body', concat(header, body).subarray(0, header.length + body.length - 1), 'cbor'],
    ['trailing garbage', concat(header, body, new Uint8Array([0xff])), 'cbor'],
    // {op: 1, t: '#x'} with the longer key first: not canonical DAG-CBOR order.
    [
      'unsorted header keys',
      concat(new Uint8Array([0xa2, 0x62, 0x6f, 0x70, 0x01, 0x61, 0x74, 0x62, 0x23, 0x78]), body),
      'cbor',
    ],
    ['a non-minimal op', concat(new Uint8Array([0xa1, 0x62, 0x6f, 0x70, 0x18, 0x01]), body), 'cbor'],
    ['an array header', concat(encodeCbor([1]), body), 'header'],
    ['a header without op', concat(encodeCbor({ t: '#commit' }), body), 'header'],
    ['a string op', concat(encodeCbor({ op: '1', t: '#commit' }), body), 'header'],
    ['op 1 without t', concat(encodeCbor({ op: 1 }), body), 'header'],
    ['op 1 with a numeric t', concat(encodeCbor({ op: 1, t: 5 }), body), 'header'],
    ['an unknown op', concat(encodeCbor({ op: 2, t: '#x' }), body), 'unknown-op'],
    ['a body that is not a map', concat(header, encodeCbor('hello')), 'body'],
    ['a CID body', concat(header, encodeCbor(cid)), 'body'],
    [
      'an error body without error',
      concat(encodeCbor({ op: -1 }), encodeCbor({ message: 'x' })),
      'error-body',
    ],
    [
      'an error body with a numeric message',
      concat(encodeCbor({ op: -1 }), encodeCbor({ error: 'E', message: 1 })),
      'error-body',
    ],
    ['an error body that is an array', concat(encodeCbor({ op: -1 }), encodeCbor(['E'])), 'error-body'],
    ['an indefinite-length map', concat(new Uint8Array([0xbf, 0x62, 0x6f, 0x70, 0x01, 0xff]), body), 'cbor'],
    ['a float op', concat(new Uint8Array([0xa1, 0x62, 0x6f, 0x70, 0xf9, 0x3c, 0x00]), body), 'cbor'],
  ]
  it.each(cases)('rejects %s', (_name, bytes, expected) => {
    expect(reason(() => decodeFrame(bytes))).toBe(expected)
  })

  it('checks the size before parsing', () => {
    const big = encodeFrame({ op: 1, t: '#commit' }, { blocks: new Uint8Array(2000) })
    expect(reason(() => decodeFrame(big, { maxBytes: 1000 }))).toBe('too-large')
    expect(decodeFrame(big, { maxBytes: big.length }).header.op).toBe(1)
  })

  it('applies depth and item limits to the body', () => {
    let deep: unknown = 1
    for (let i = 0; i < 20; i++) deep = [deep]
    const bytes = encodeFrame({ op: 1, t: '#x' }, { deep: deep as never })
    expect(reason(() => decodeFrame(bytes, { maxDepth: 10 }))).toBe('cbor')
    const wide = encodeFrame({ op: 1, t: '#x' }, { list: Array.from({ length: 100 }, (_, i) => i) })
    expect(reason(() => decodeFrame(wide, { maxItems: 50 }))).toBe('cbor')
  })

  it('builds the canonical bytes a second encoder would', () => {
    const a = encodeMessageFrame('#identity', { seq: 3, did: 'did:plc:x', time: '2024-01-01T00:00:00.000Z' })
    const b = concat(
      encodeCbor({ t: '#identity', op: 1 }),
      encodeCbor({ time: '2024-01-01T00:00:00.000Z', did: 'did:plc:x', seq: 3 }),
    )
    expect(a).toEqual(b)
  })
})
