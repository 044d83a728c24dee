import { cidForRaw, type DataValue, dataEquals, encodeCbor } from '@welkin/data'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { FrameError, InvalidMessageError } from '../errors.js'
import { encodeRepoMessage } from '../messages/build.js'
import { decodeRepoFrame } from '../messages/repo-message.js'
import { makeCommitChain } from '../test-helpers.js'
import { decodeFrame } from './decode.js'
import { encodeFrame } from './encode.js'
import type { MessageFrame } from './types.js'

const cids = [cidForRaw(new Uint8Array([1])), cidForRaw(new Uint8Array([2]))]

const data: fc.Arbitrary<DataValue> = fc.letrec<{ value: DataValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
    fc.string({ maxLength: 12 }),
    fc.uint8Array({ maxLength: 16 }),
    fc.constantFrom(...cids),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }),
  ),
})).value

const dataMap = fc.dictionary(fc.string({ maxLength: 6 }), data, { maxKeys: 5 })

function onlyFrameErrors(fn: () => unknown): void {
  try {
    fn()
  } catch (err) {
    if (!(err instanceof FrameError)) throw err
  }
}

describe('decodeFrame on hostile input', () => {
  it('never throws anything but FrameError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => onlyFrameErrors(() => decodeFrame(bytes))),
      { numRuns: 3000 },
    )
  })

  it('never throws anything but FrameError on concatenated well-formed CBOR values', () => {
    fc.assert(
      fc.property(fc.array(data, { minLength: 0, maxLength: 3 }), (values) => {
        const parts = values.map((v) => encodeCbor(v))
        const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
        let off = 0
        for (const p of parts) {
          bytes.set(p, off)
          off += p.length
        }
        onlyFrameErrors(() => decodeFrame(bytes))
      }),
      { numRuns: 1000 },
    )
  })

  it('round-trips any map body under any type', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 10 }), dataMap, (t, body) => {
        const frame = decodeFrame(encodeFrame({ op: 1, t }, body)) as MessageFrame
        expect(frame.header).toEqual({ op: 1, t })
        expect(dataEquals(frame.body, body)).toBe(true)
      }),
      { numRuns: 500 },
    )
  })
})

describe('decodeRepoFrame on mutated real frames', () => {
  let frames: Uint8Array[] = []
  beforeAll(async () => {
    const chain = await makeCommitChain(6)
    frames = chain.commits.map((c, i) => encodeRepoMessage({ t: '#commit', body: { ...c, seq: i + 1 } }))
    frames.push(
      encodeRepoMessage({
        t: '#identity',
        body: { seq: 9, did: chain.did, time: '2024-01-01T00:00:00Z', handle: 'a.test' },
      }),
      encodeRepoMessage({
        t: '#account',
        body: { seq: 10, did: chain.did, time: '2024-01-01T00:00:00Z', active: true },
      }),
    )
  })

  it('accepts the unmutated frames', () => {
    for (const f of frames) expect(decodeRepoFrame(f).kind).toBe('message')
  })

  it('throws only FrameError or InvalidMessageError after flips, truncations and splices', () => {
    const mutation = fc.record({
      which: fc.nat(),
      kind: fc.constantFrom('flip', 'truncate', 'splice', 'set'),
      at: fc.nat(),
      value: fc.integer({ min: 0, max: 255 }),
      extra: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    })
    fc.assert(
      fc.property(mutation, ({ which, kind, at, value, extra }) => {
        const src = frames[which % frames.length]
        const pos = at % src.length
        let bytes: Uint8Array
        if (kind === 'truncate') bytes = src.subarray(0, pos)
        else if (kind === 'splice') {
          bytes = new Uint8Array(src.length + extra.length)
          bytes.set(src.subarray(0, pos))
          bytes.set(extra, pos)
          bytes.set(src.subarray(pos), pos + extra.length)
        } else {
          bytes = src.slice()
          bytes[pos] = kind === 'flip' ? bytes[pos] ^ (1 << (value % 8)) : value
        }
        try {
          decodeRepoFrame(bytes)
        } catch (err) {
          if (!(err instanceof FrameError) && !(err instanceof InvalidMessageError)) throw err
        }
      }),
      { numRuns: 4000 },
    )
  })
})
